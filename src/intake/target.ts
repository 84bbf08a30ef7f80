/**
 * What an alert asks to contain, validated: the namespace, the pod (or the workload's labels), the image by
 * digest, and the playbook. This is the gate between untrusted alert fields and everything that writes: a value
 * that is not a valid Kubernetes name or image reference is refused here with the field named, so nothing from
 * an alert reaches an incident file, a manifest or a log line unvalidated (and no value ever reaches a shell:
 * the intake runs none).
 *
 * The target's key (namespace, pod or sorted labels, playbook) is what dedup compares, never the alert's text,
 * and its hash is part of the incident id.
 */
import { createHash } from 'node:crypto';
import { describe } from '../incident/field-checker';
import { parseImageReference } from '../incident/image-reference';
import { checkDns1123Label, checkDns1123Subdomain, checkLabelValue, NAME_HINTS } from '../incident/kubernetes-names';
import { missingForPlaybook, type Playbook } from '../incident/playbook';
import type { Labels } from '../incident/types';
import type { Alert } from './alert';
import { alertmanagerPodLabel } from './alertmanager';
import { FALCO_FIELDS } from './falco';
import type { AlertRule } from './rules';

/** A validated containment target. */
export interface AlertTarget {
  readonly namespace: string;
  /** Exactly one of `pod` and `selector`. */
  readonly pod?: string;
  readonly selector?: Labels;
  /** `repository@sha256:…`, only when the playbook blocks images and the alert carried a digest. */
  readonly image?: string;
  /** Export name of the playbook. */
  readonly playbook: string;
  /** Canonical text of what dedup compares: `ns/pod:<name>#playbook` or `ns/labels:k=v,…#playbook`. */
  readonly key: string;
  /** First 10 hex digits of sha256(key): the target part of an alert incident's id. */
  readonly hash: string;
}

/** Why a matched alert cannot be acted on (answered 422): the field and what was wrong with it. */
export interface TargetProblem {
  readonly field: string;
  readonly reason: string;
}

/** Result of {@link resolveTarget}. */
export type TargetResult = { readonly ok: true; readonly target: AlertTarget } | { readonly ok: false; readonly problem: TargetProblem };

/** The hash part of alert incident ids, exported for tests and for people matching ids by hand. */
export function targetHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 10);
}

/** Where a target is, without the playbook: `ns/pod:<name>` or `ns/labels:k=v,…` (labels sorted). */
export function targetLocus(namespace: string, target: { readonly pod?: string; readonly selector?: Labels }): string {
  const what = target.pod !== undefined ? `pod:${target.pod}` : `labels:${Object.keys(target.selector ?? {}).sort().map((k) => `${k}=${target.selector![k]}`).join(',')}`;
  return `${namespace}/${what}`;
}

/** The canonical dedup key of a target: its locus and the playbook. */
export function targetKey(namespace: string, target: { readonly pod?: string; readonly selector?: Labels }, playbook: string): string {
  return `${targetLocus(namespace, target)}#${playbook}`;
}

function podLabel(alert: Alert, key: string): string | undefined {
  return alert.receiver === 'falco' ? alert.podLabels[key] : alertmanagerPodLabel(alert, key);
}

const fail = (field: string, reason: string): TargetResult => ({ ok: false, problem: { field, reason } });

/** Validates and assembles the target of a matched alert. */
export function resolveTarget(alert: Alert, rule: AlertRule, playbook: Playbook): TargetResult {
  const nsField = alert.receiver === 'falco' ? FALCO_FIELDS.namespace : 'labels.namespace';
  const podField = alert.receiver === 'falco' ? FALCO_FIELDS.pod : 'labels.pod';
  if (alert.namespace === undefined) return fail(nsField, 'is missing: the alert does not say which namespace to contain');
  if (checkDns1123Label(alert.namespace)) return fail(nsField, `is ${describe(alert.namespace)}, not a namespace name (${NAME_HINTS.dns1123Label})`);
  const namespace = alert.namespace;

  let pod: string | undefined;
  let selector: Labels | undefined;
  const kind = rule.action.target ?? 'pod';
  if (kind === 'pod') {
    if (alert.pod === undefined) return fail(podField, 'is missing: the alert does not say which pod to contain');
    if (checkDns1123Subdomain(alert.pod)) return fail(podField, `is ${describe(alert.pod)}, not a pod name (${NAME_HINTS.dns1123Subdomain})`);
    pod = alert.pod;
  } else {
    const labels: Record<string, string> = {};
    for (const key of kind.workloadLabels) {
      const field = alert.receiver === 'falco' ? `k8s.pod.label[${key}]` : `labels.label_${key}`;
      const value = podLabel(alert, key);
      if (value === undefined) return fail(field, `is missing: rule ${rule.name} isolates the workload by this label`);
      if (value === '' || checkLabelValue(value)) return fail(field, `is ${describe(value)}, not a label value (${NAME_HINTS.labelValue})`);
      labels[key] = value;
    }
    selector = labels;
  }

  let image: string | undefined;
  if (playbook.blocksImage && alert.imageDigest !== undefined) {
    const repoField = alert.receiver === 'falco' ? FALCO_FIELDS.imageRepository : 'labels.image';
    const digestField = alert.receiver === 'falco' ? FALCO_FIELDS.imageDigest : 'labels.image';
    if (alert.imageRepository === undefined) return fail(repoField, 'is missing while the digest is given: an image is blocked by repository@digest');
    if (!/^sha256:[0-9a-f]{64}$/.test(alert.imageDigest)) return fail(digestField, `is ${describe(alert.imageDigest)}, not a digest (sha256: and 64 lower-case hex digits)`);
    const parsed = parseImageReference(`${alert.imageRepository}@${alert.imageDigest}`);
    if (!parsed.ok || parsed.value.strength !== 'digest') return fail(repoField, `is ${describe(alert.imageRepository)}, not an image repository (e.g. ghcr.io/acme/api)`);
    image = `${alert.imageRepository}@${alert.imageDigest}`;
  }

  const missing = missingForPlaybook(playbook, { namespace, ...(pod !== undefined ? { pod } : {}), ...(selector ? { selector } : {}), ...(image ? { image } : {}) });
  if (missing.length > 0) {
    const field = missing.includes('image') ? (alert.receiver === 'falco' ? FALCO_FIELDS.imageDigest : 'labels.image') : podField;
    return fail(field, `is missing: playbook ${playbook.playbookName} needs ${missing.join(', ')}`);
  }
  const where = pod !== undefined ? { pod } : { selector: selector! };
  const key = targetKey(namespace, where, rule.action.playbook);
  return { ok: true, target: { namespace, ...where, ...(image ? { image } : {}), playbook: rule.action.playbook, key, hash: targetHash(key) } };
}
