/**
 * Matching an alert against the rules: first match wins. When nothing matches, the answer says why each rule
 * passed the alert over, so whoever tunes Falco or the rules sees at once which condition to change.
 */
import type { Alert } from './alert';
import { atLeast } from './priority';
import type { AlertRule, AlertRules, TextMatcher } from './rules';

/** The outcome: the rule that applies, or one reason per rule why it did not. */
export type MatchResult = { readonly rule: AlertRule } | { readonly rule?: undefined; readonly reasons: readonly string[] };

function test(m: TextMatcher, value: string): boolean {
  return typeof m === 'string' ? m === value : m.test(value);
}

/** Why `rule` does not apply to `alert`, or undefined when it does. */
export function mismatch(rule: AlertRule, alert: Alert): string | undefined {
  const m = rule.match;
  if (m.receiver !== undefined && m.receiver !== alert.receiver) return `only alerts from ${m.receiver}`;
  if (m.rule !== undefined) {
    const list = Array.isArray(m.rule) ? (m.rule as readonly TextMatcher[]) : [m.rule as TextMatcher];
    if (!list.some((x) => test(x, alert.rule))) return 'detector rule name differs';
  }
  if (m.minPriority !== undefined) {
    if (alert.priority === undefined) return `priority unknown, needs ${m.minPriority} or above`;
    if (!atLeast(alert.priority, m.minPriority)) return `priority ${alert.priority} is below ${m.minPriority}`;
  }
  const missing = (m.tags ?? []).filter((t) => !alert.tags.includes(t));
  if (missing.length > 0) return `tags missing: ${missing.join(', ')}`;
  if (m.namespaces) {
    const ns = alert.namespace;
    if (m.namespaces.include && (ns === undefined || !m.namespaces.include.some((x) => test(x, ns)))) return 'namespace not included';
    if (ns !== undefined && m.namespaces.exclude?.some((x) => test(x, ns))) return 'namespace excluded';
  }
  return undefined;
}

/** The first rule that applies to the alert. */
export function matchAlert(rules: AlertRules, alert: Alert): MatchResult {
  const reasons: string[] = [];
  for (const rule of rules.rules) {
    const why = mismatch(rule, alert);
    if (why === undefined) return { rule };
    reasons.push(`${rule.name}: ${why}`);
  }
  return { reasons: reasons.length > 0 ? reasons : ['policies/alert-rules.ts declares no rule'] };
}
