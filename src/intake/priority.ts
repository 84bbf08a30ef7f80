/**
 * Falco priorities, ordered, and how they map to an incident's severity. Alert rules set thresholds on this
 * scale ("Notice or above"), so the order must be Falco's own, and Alertmanager severities are mapped onto it.
 */
import type { Severity } from '../incident/types';

/** Falco's priorities, most urgent first (the order Falco's `priority` field documents). */
export const FALCO_PRIORITIES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug'] as const;

/** One Falco priority, lower-cased. */
export type FalcoPriority = (typeof FALCO_PRIORITIES)[number];

/** Spellings Falco, Falcosidekick and Alertmanager users put in the field, mapped to the priority they mean. */
const ALIASES: Readonly<Record<string, FalcoPriority>> = {
  emergency: 'emergency',
  emerg: 'emergency',
  alert: 'alert',
  critical: 'critical',
  crit: 'critical',
  page: 'critical',
  error: 'error',
  err: 'error',
  high: 'error',
  warning: 'warning',
  warn: 'warning',
  medium: 'warning',
  notice: 'notice',
  low: 'notice',
  informational: 'informational',
  info: 'informational',
  information: 'informational',
  debug: 'debug',
};

/**
 * The priority a free-form field names, or undefined. Case and surrounding space are ignored because senders
 * disagree ("Notice", "NOTICE", "info"); anything else is unknown rather than guessed.
 */
export function parsePriority(value: unknown): FalcoPriority | undefined {
  if (typeof value !== 'string') return undefined;
  return ALIASES[value.trim().toLowerCase()];
}

/** Whether `priority` is at least as urgent as `threshold` ("Notice or above" includes Warning). */
export function atLeast(priority: FalcoPriority, threshold: FalcoPriority): boolean {
  return FALCO_PRIORITIES.indexOf(priority) <= FALCO_PRIORITIES.indexOf(threshold);
}

/**
 * The incident severity an alert's priority implies when its rule does not say: the four Falco levels that
 * wake someone up map to critical and high, the rest to medium and low.
 */
export function severityForPriority(priority: FalcoPriority): Severity {
  switch (priority) {
    case 'emergency':
    case 'alert':
    case 'critical':
      return 'critical';
    case 'error':
      return 'high';
    case 'warning':
      return 'medium';
    default:
      return 'low';
  }
}
