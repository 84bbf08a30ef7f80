/**
 * Alert rules (`policies/alert-rules.ts`): which detector alerts contain what, declared by the platform team
 * in TypeScript next to the playbooks they name, reviewed like any policy. The intake never decides on its
 * own what an alert deserves; it looks the alert up here.
 *
 * Rules are tried in order and the first that matches wins, so put the narrower, more drastic rule (critical
 * → break-glass) before the broader one (notice → pull request).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ValidationError, type Problem } from '../errors';
import { FieldChecker, describe, join } from '../incident/field-checker';
import { checkDns1123Label, checkLabelKey } from '../incident/kubernetes-names';
import { SEVERITIES, type Severity } from '../incident/types';
import type { Playbook } from '../incident/playbook';
import { loadDefaultExport } from '../project/load-module';
import type { AlertReceiver } from './alert';
import { FALCO_PRIORITIES, type FalcoPriority } from './priority';

/** Where the rules live, relative to the project root. */
export const ALERT_RULES_FILE = 'policies/alert-rules.ts';

/** A text condition: the exact string, or a pattern (flags `g` and `y` are dropped: they make `test` stateful). */
export type TextMatcher = string | RegExp;

/** Which alerts a rule applies to. Every condition given must hold; an absent condition holds for every alert. */
export interface AlertMatch {
  /** The detector's rule name (Falco `rule`, Alertmanager `alertname`): exact strings or patterns, any of them. */
  readonly rule?: TextMatcher | readonly TextMatcher[];
  /** The alert's priority is this or more urgent (emergency > alert > critical > error > warning > notice > informational > debug). */
  readonly minPriority?: FalcoPriority;
  /** Tags the alert must all carry (Falco `tags`; Alertmanager's `tags` label, comma-separated). */
  readonly tags?: readonly string[];
  /** Namespaces: `include` (any of, when given) and `exclude` (none of), exact or patterns. */
  readonly namespaces?: { readonly include?: readonly TextMatcher[]; readonly exclude?: readonly TextMatcher[] };
  /** Only alerts from this endpoint. @default both */
  readonly receiver?: AlertReceiver;
}

/** What the alert's target is. */
export type AlertTargetKind =
  /** The pod named by the alert (`k8s.pod.name`). */
  | 'pod'
  /** Every pod sharing these labels with the alerted pod (its workload, and any lookalike: see the plan). */
  | { readonly workloadLabels: readonly string[] };

/** What a matching alert becomes. */
export interface AlertAction {
  /** Export name of a playbook in `policies/playbooks.ts`; checked when the server starts. */
  readonly playbook: string;
  /** @default from the alert's priority: emergency/alert/critical → critical, error → high, warning → medium, else low */
  readonly severity?: Severity;
  /**
   * Commit straight to the base branch (`Airlock-Break-Glass`), for alerts that cannot wait for review. The
   * reason recorded names this rule and the alert. @default false: a pull request
   */
  readonly breakGlass?: boolean;
  /** @default 'pod' */
  readonly target?: AlertTargetKind;
  /** Sets `expiresAt` this many hours after the incident opens, so `airlock expire` proposes the lift. @default none */
  readonly expiresAfterHours?: number;
}

/** One rule. */
export interface AlertRule {
  /** Names the rule in responses, logs, metrics and break-glass reasons: letters, digits, space, `._:-`. */
  readonly name: string;
  readonly match: AlertMatch;
  readonly action: AlertAction;
}

/** The declaration of `policies/alert-rules.ts`. */
export interface AlertRulesSpec {
  /**
   * Alerts on the same target (namespace, pod or workload, playbook) within this many minutes of the
   * incident's opening add their id to that incident instead of opening another. @default 60
   */
  readonly dedupWindowMinutes?: number;
  /** `owner` of the incidents the intake opens. @default 'airlock-intake' */
  readonly owner?: string;
  /**
   * Alert ids recorded per incident (file and trailers); later alerts on the same target are still counted
   * as deduplicated and logged, but a flood does not grow the file without bound. @default 50
   */
  readonly maxAlertsPerIncident?: number;
  readonly rules: readonly AlertRule[];
}

/** The rules with defaults applied and patterns made stateless. */
export interface AlertRules {
  readonly dedupWindowMs: number;
  readonly owner: string;
  readonly maxAlertsPerIncident: number;
  readonly rules: readonly AlertRule[];
}

/** Declares the alert rules; typed so the editor checks them, validated again at start-up (they are data). */
export function defineAlertRules(spec: AlertRulesSpec): AlertRulesSpec {
  return spec;
}

const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.:-]{0,79}$/;
const RULE_NAME_HINT = '1–80 letters, digits, spaces and "._:-", starting with a letter or digit';

function matcher(c: FieldChecker, value: unknown, field: string): TextMatcher | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (value instanceof RegExp) return new RegExp(value.source, value.flags.replace(/[gy]/g, ''));
  c.report(field, `is ${describe(value)}`, 'a non-empty string (exact match) or a RegExp (pattern)');
  return undefined;
}

function matchers(c: FieldChecker, value: unknown, field: string, single: boolean): TextMatcher[] | undefined {
  if (value === undefined) return undefined;
  if (single && !Array.isArray(value)) {
    const m = matcher(c, value, field);
    return m === undefined ? undefined : [m];
  }
  const list = c.array(value, field, 'a list of strings or RegExps');
  if (list?.length === 0) c.report(field, 'is empty', 'at least one string or RegExp (leave the field out to match everything)');
  return list?.map((v, i) => matcher(c, v, join(field, i))).filter((m): m is TextMatcher => m !== undefined);
}

function positive(c: FieldChecker, object: Record<string, unknown>, key: string, field: string, what: string): number | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    c.report(join(field, key), `is ${describe(value)}`, what);
    return undefined;
  }
  return value;
}

function checkMatch(c: FieldChecker, raw: unknown, field: string): AlertMatch | undefined {
  const match = c.object(raw, field, '{ rule?, minPriority?, tags?, namespaces?, receiver? }');
  if (!match) return undefined;
  c.known(match, field, ['rule', 'minPriority', 'tags', 'namespaces', 'receiver']);
  const rule = matchers(c, match.rule, join(field, 'rule'), true);
  const minPriority = c.oneOf(match, 'minPriority', field, FALCO_PRIORITIES);
  let tags: string[] | undefined;
  if (match.tags !== undefined) {
    tags = (c.array(match.tags, join(field, 'tags'), 'a list of tags') ?? []).filter((t, i) => {
      if (typeof t === 'string' && t !== '') return true;
      c.report(join(join(field, 'tags'), i), `is ${describe(t)}`, 'a tag, e.g. "mitre_execution"');
      return false;
    }) as string[];
  }
  let namespaces: AlertMatch['namespaces'];
  if (match.namespaces !== undefined) {
    const ns = c.object(match.namespaces, join(field, 'namespaces'), '{ include?: [...], exclude?: [...] }');
    if (ns) {
      c.known(ns, join(field, 'namespaces'), ['include', 'exclude']);
      const include = matchers(c, ns.include, join(join(field, 'namespaces'), 'include'), false);
      const exclude = matchers(c, ns.exclude, join(join(field, 'namespaces'), 'exclude'), false);
      for (const [list, key] of [[include, 'include'], [exclude, 'exclude']] as const) {
        list?.forEach((m, i) => {
          const problem = typeof m === 'string' ? checkDns1123Label(m) : undefined;
          if (problem) c.report(join(join(join(field, 'namespaces'), key), i), problem, 'a namespace name or a RegExp');
        });
      }
      namespaces = { ...(include ? { include } : {}), ...(exclude ? { exclude } : {}) };
    }
  }
  const receiver = c.oneOf(match, 'receiver', field, ['falco', 'alertmanager'] as const);
  return { ...(rule ? { rule } : {}), ...(minPriority ? { minPriority } : {}), ...(tags ? { tags } : {}), ...(namespaces ? { namespaces } : {}), ...(receiver ? { receiver } : {}) };
}

function checkAction(c: FieldChecker, raw: unknown, field: string, playbooks: ReadonlyMap<string, Playbook>): AlertAction | undefined {
  const action = c.object(raw, field, "{ playbook: 'isolatePod', severity?, breakGlass?, target?, expiresAfterHours? }");
  if (!action) return undefined;
  c.known(action, field, ['playbook', 'severity', 'breakGlass', 'target', 'expiresAfterHours']);
  const accepted = [...playbooks.keys()].sort().join(', ') || `(none: ${path.join('policies', 'playbooks.ts')} exports no playbook)`;
  const playbook = c.string(action, 'playbook', field, { required: true, hint: `a playbook exported by policies/playbooks.ts: ${accepted}` });
  if (playbook !== undefined && !playbooks.has(playbook)) c.report(join(field, 'playbook'), `"${playbook}" is not a playbook exported by policies/playbooks.ts`, accepted);
  const pb = playbook !== undefined ? playbooks.get(playbook) : undefined;
  const severity = c.oneOf(action, 'severity', field, SEVERITIES);
  if (action.breakGlass !== undefined && typeof action.breakGlass !== 'boolean') c.report(join(field, 'breakGlass'), `is ${describe(action.breakGlass)}`, 'true or false');
  let target: AlertTargetKind | undefined;
  if (action.target !== undefined && action.target !== 'pod') {
    const t = c.object(action.target, join(field, 'target'), "'pod' or { workloadLabels: ['app'] }");
    if (t) {
      c.known(t, join(field, 'target'), ['workloadLabels']);
      const keys = c.array(t.workloadLabels, join(join(field, 'target'), 'workloadLabels'), 'label keys, e.g. ["app"]');
      if (keys?.length === 0) c.report(join(join(field, 'target'), 'workloadLabels'), 'is empty', 'at least one label key: an empty selector would catch every pod');
      keys?.forEach((k, i) => {
        if (typeof k !== 'string' || checkLabelKey(k)) c.report(join(join(join(field, 'target'), 'workloadLabels'), i), `is ${describe(k)}`, 'a label key, e.g. "app"');
      });
      if (keys && keys.length > 0) target = { workloadLabels: keys as string[] };
    }
  } else if (action.target === 'pod') target = 'pod';
  if (pb?.requires.includes('pod') && target !== undefined && target !== 'pod') c.report(join(field, 'target'), `playbook ${playbook} needs a pod`, "'pod'");
  const expiresAfterHours = positive(c, action, 'expiresAfterHours', field, 'a positive number of hours');
  if (playbook === undefined) return undefined;
  return {
    playbook,
    ...(severity ? { severity } : {}),
    ...(action.breakGlass === true ? { breakGlass: true } : {}),
    ...(target ? { target } : {}),
    ...(expiresAfterHours ? { expiresAfterHours } : {}),
  };
}

/**
 * Checks the rules (raw default export of the file) against the project's playbooks. Returns the rules, or
 * throws one {@link ValidationError} naming the file and field of every problem, so a typo in a playbook
 * name stops the server at start-up instead of failing on the first alert at 3 a.m.
 */
export function validateAlertRules(raw: unknown, file: string, playbooks: ReadonlyMap<string, Playbook>): AlertRules {
  const c = new FieldChecker(file);
  const spec = c.object(raw, '', 'the default export of defineAlertRules({ rules: [...] })');
  if (!spec) throw new ValidationError(c.problems);
  c.known(spec, '', ['dedupWindowMinutes', 'owner', 'maxAlertsPerIncident', 'rules']);
  const window = positive(c, spec, 'dedupWindowMinutes', '', 'a positive number of minutes');
  const owner = c.string(spec, 'owner', '', { singleLine: true });
  const maxAlerts = positive(c, spec, 'maxAlertsPerIncident', '', 'a positive whole number');
  if (maxAlerts !== undefined && !Number.isInteger(maxAlerts)) c.report('maxAlertsPerIncident', `is ${maxAlerts}`, 'a positive whole number');
  const list = c.array(spec.rules, 'rules', 'a list of { name, match, action }') ?? [];
  const rules: AlertRule[] = [];
  const names = new Set<string>();
  list.forEach((raw, i) => {
    const field = join('rules', i);
    const rule = c.object(raw, field, '{ name, match, action }');
    if (!rule) return;
    c.known(rule, field, ['name', 'match', 'action']);
    const name = c.string(rule, 'name', field, { required: true, hint: RULE_NAME_HINT });
    if (name !== undefined && !RULE_NAME.test(name)) c.report(join(field, 'name'), `is ${describe(name)}`, RULE_NAME_HINT);
    else if (name !== undefined && names.has(name)) c.report(join(field, 'name'), `"${name}" names another rule too`, 'a unique name');
    if (name !== undefined) names.add(name);
    const match = checkMatch(c, rule.match, join(field, 'match'));
    const action = checkAction(c, rule.action, join(field, 'action'), playbooks);
    if (name !== undefined && match && action) rules.push({ name, match, action });
  });
  if (c.problems.length > 0) throw new ValidationError(c.problems);
  return { dedupWindowMs: (window ?? 60) * 60_000, owner: owner ?? 'airlock-intake', maxAlertsPerIncident: maxAlerts ?? 50, rules };
}

/** Loads and validates `policies/alert-rules.ts`; a missing file is a problem too (a server with no rules contains nothing). */
export function loadAlertRules(root: string, playbooks: ReadonlyMap<string, Playbook>): AlertRules {
  const absolute = path.join(root, ALERT_RULES_FILE);
  if (!fs.existsSync(absolute)) {
    const problem: Problem = { file: ALERT_RULES_FILE, field: '', message: 'does not exist', hint: "export default defineAlertRules({ rules: [{ name, match: { rule: 'Terminal shell in container', minPriority: 'notice' }, action: { playbook: 'isolatePod' } }] })" };
    throw new ValidationError([problem]);
  }
  const loaded = loadDefaultExport(absolute, ALERT_RULES_FILE, { fresh: true });
  if (!loaded.ok) throw new ValidationError([loaded.problem]);
  return validateAlertRules(loaded.value, ALERT_RULES_FILE, playbooks);
}
