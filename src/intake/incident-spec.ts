/**
 * The incident an alert opens, as a {@link NewIncident} for the same generator `airlock new` uses, and the
 * in-memory check of it against the incident validator and the guardrails. The check runs before the alert is
 * accepted, so a refused alert (a protected namespace, a name Kubernetes would reject) is answered at once with
 * the validator's own words and leaves nothing behind; the generator validates the file again when it writes.
 *
 * Incident ids are `ALERT-<yyyymmdd>-<10 hex of sha256(target key)>`, plus `-2`, `-3`… when that id is taken
 * (the same target alerted again after the dedup window, or after its incident was lifted, on the same day).
 * The date is the server's, in UTC, when the incident opens. Same target, same day → same stem, so a
 * reviewer sees at a glance which pull requests concern the same pod; different targets differ in the hash
 * (a collision needs 2^40 targets' luck, and is still caught: an existing incident is reused only when its
 * own first action names the same namespace and pod or labels).
 */
import type { Problem } from '../errors';
import type { NewIncident } from '../incident/generate-incident';
import type { Playbook } from '../incident/playbook';
import type { Action, Severity } from '../incident/types';
import { validateIncident } from '../incident/validate-incident';
import type { Guardrails } from '../settings/settings';
import type { Alert } from './alert';
import { severityForPriority } from './priority';
import type { AlertRule, AlertRules } from './rules';
import type { AlertTarget } from './target';

/** Ids the intake generates: see the module comment. */
export const ALERT_INCIDENT_ID = /^ALERT-(\d{8})-([0-9a-f]{10})(?:-(\d+))?$/;

/** The id for a target first alerted at `now`, before checking whether it is taken. */
export function alertIncidentStem(target: Pick<AlertTarget, 'hash'>, now: Date): string {
  return `ALERT-${now.toISOString().slice(0, 10).replace(/-/g, '')}-${target.hash}`;
}

/** ISO 8601 in whole seconds, UTC: what incident files carry. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function describeTarget(target: AlertTarget): string {
  return target.pod !== undefined ? `${target.namespace}/${target.pod}` : `${target.namespace} pods ${Object.entries(target.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',')}`;
}

/** Severity of the incident: the rule's, else implied by the alert's priority (unknown priority: medium). */
export function incidentSeverity(rule: AlertRule, alert: Alert): Severity {
  return rule.action.severity ?? (alert.priority ? severityForPriority(alert.priority) : 'medium');
}

/** What {@link buildIncidentSpec} needs. */
export interface IncidentSpecInput {
  readonly id: string;
  readonly alert: Alert;
  readonly rule: AlertRule;
  readonly target: AlertTarget;
  readonly playbook: Playbook;
  readonly rules: AlertRules;
  /** When the incident opens (the server's clock). */
  readonly now: number;
}

/**
 * The declaration for the generator. The title is built from validated values and the rule's own name only;
 * the detector's text (rule, output, host) goes to the summary, already reduced to printable ASCII on one
 * line (alert.ts), and the generator escapes it as a string literal.
 */
export function buildIncidentSpec(input: IncidentSpecInput): NewIncident {
  const { alert, rule, target, now } = input;
  const details = [
    `rule "${alert.rule}"`,
    `priority ${alert.priority ?? 'unknown'}`,
    ...(alert.time ? [`at ${alert.time}`] : []),
    ...(alert.hostname ? [`on host ${alert.hostname}`] : []),
  ].join(', ');
  const summary = `Opened by the alert intake (intake rule "${rule.name}") from ${alert.receiver} alert ${alert.id}: ${details}.${alert.output ? ` Output: ${alert.output}` : ''}`;
  const where = target.pod !== undefined ? { pods: [{ namespace: target.namespace, pod: target.pod }] } : { workloads: [{ namespace: target.namespace, selector: target.selector! }] };
  return {
    id: input.id,
    title: `${describeTarget(target)}: ${target.playbook} (intake rule ${rule.name})`,
    severity: incidentSeverity(rule, alert),
    owner: input.rules.owner,
    openedAt: isoSeconds(now),
    ...(rule.action.expiresAfterHours ? { expiresAt: isoSeconds(now + rule.action.expiresAfterHours * 3_600_000) } : {}),
    summary,
    alerts: [alert.id],
    ...where,
    ...(target.image ? { images: [target.image] } : {}),
    playbook: { name: target.playbook, blocksImage: input.playbook.blocksImage },
  };
}

/**
 * The incident the generated file will declare, as plain data: the playbook applied to the target exactly as
 * the file's `...playbook({ namespace, pod, image })` will apply it.
 */
export function incidentData(spec: NewIncident, playbook: Playbook): Record<string, unknown> {
  const t = spec.pods?.[0] ?? spec.workloads?.[0];
  const actions: Action[] = t ? playbook({ ...t, ...(spec.images?.length === 1 && playbook.blocksImage ? { image: spec.images[0] } : {}) }) : [];
  const { playbook: _p, pods: _pods, workloads: _w, images: _i, namespaces: _n, imageReason: _r, dns: _d, ...fields } = spec;
  return { ...fields, status: 'active', actions };
}

/**
 * Validates the incident an alert would open, in memory, with the project's guardrails. Returns the
 * validator's problems (empty when the file would be accepted).
 */
export function precheckIncident(spec: NewIncident, playbook: Playbook, guardrails: Guardrails): readonly Problem[] {
  const result = validateIncident(incidentData(spec, playbook), { file: `incidents/${spec.id}.ts`, guardrails });
  return result.problems;
}
