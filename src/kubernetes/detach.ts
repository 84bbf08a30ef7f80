/**
 * What `airlock label` changes on a live pod, computed without touching the cluster (so `--dry-run` prints
 * exactly what would be sent): a JSON merge patch that adds the quarantine label and, with detachment,
 * removes the labels the pod's owner and Services select on, remembering them in an annotation so
 * `--restore` can put them back.
 *
 * Why detach: replicas share labels, so the owner (a ReplicaSet) still counts the suspect pod and Services
 * still route to it, and any existing NetworkPolicy keyed on those labels still selects it. Once the owner's
 * selector no longer matches, the controller releases the pod (drops its ownerReference) and starts a
 * healthy replacement, while the suspect keeps running for the evidence.
 *
 * Every patch carries the `resourceVersion` it was computed from, so the API server refuses it (409) if the
 * pod changed in between, rather than overwriting a concurrent change.
 */
import { QUARANTINE_LABEL } from '../incident/types';
import { LabelRefusedError } from './errors';

/** Annotation holding the labels removed by detachment, as a JSON object, for `--restore`. */
export const DETACHED_LABELS_ANNOTATION = 'airlock.dev/detached-labels';
/** Annotation naming the owner the pod was detached from (`ReplicaSet/checkout-7d9f8c`). */
export const DETACHED_FROM_ANNOTATION = 'airlock.dev/detached-from';

/** The fields of a live pod this module reads. */
export interface LivePod {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly resourceVersion: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly ownerReferences?: ReadonlyArray<{ readonly apiVersion: string; readonly kind: string; readonly name: string; readonly controller?: boolean }>;
  };
}

/** A label selector as controllers write it. */
export interface OwnerSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: string; readonly values?: readonly string[] }>;
}

/** The pod's controller and the selector it adopts pods by. */
export interface OwnerInfo {
  readonly kind: string;
  readonly name: string;
  readonly selector: OwnerSelector;
}

/** A Service of the pod's namespace and its (equality) selector. */
export interface ServiceInfo {
  readonly name: string;
  readonly selector?: Readonly<Record<string, string>>;
}

/** What to send, and what it means. */
export interface LabelPlan {
  /** The merge patch; absent when the pod is already as asked. */
  readonly patch?: Record<string, unknown>;
  readonly labelsBefore: Readonly<Record<string, string>>;
  readonly labelsAfter: Readonly<Record<string, string>>;
  /** Labels removed (detachment) or put back (restore). */
  readonly removed: Readonly<Record<string, string>>;
  readonly restored: Readonly<Record<string, string>>;
  /** `Kind/name` of the owner detached from (or that will adopt the pod again on restore). */
  readonly owner?: string;
  /** Services that stop (or start again) selecting the pod. */
  readonly services: readonly string[];
  readonly warnings: readonly string[];
}

/** Label keys whose removal makes a selector stop matching (matchLabels, `In`, `Exists`). */
function positiveKeys(selector: OwnerSelector): string[] {
  return [...Object.keys(selector.matchLabels ?? {}), ...(selector.matchExpressions ?? []).filter((e) => e.operator === 'In' || e.operator === 'Exists').map((e) => e.key)];
}

const sorted = (labels: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function heldBy(pod: LivePod, incidentId: string): void {
  const holder = pod.metadata.labels?.[QUARANTINE_LABEL];
  if (holder !== undefined && holder !== incidentId) {
    throw new LabelRefusedError(`pod ${pod.metadata.namespace}/${pod.metadata.name} is quarantined by ${holder}, not ${incidentId}: lift or restore that incident first (relabelling would silently move its containment)`);
  }
}

/**
 * The patch that quarantines a pod, and with `detach` (the owner, if any, and the namespace's Services) also
 * detaches it. Throws LabelRefusedError if another incident holds the pod, or if the owner cannot release it
 * (a StatefulSet would try to recreate a pod of the same name beside the evidence).
 */
export function quarantinePlan(pod: LivePod, incidentId: string, detach?: { readonly owner?: OwnerInfo; readonly services: readonly ServiceInfo[] }): LabelPlan {
  heldBy(pod, incidentId);
  const before = { ...(pod.metadata.labels ?? {}) };
  const removed: Record<string, string> = {};
  const services: string[] = [];
  let owner: string | undefined;
  if (detach) {
    if (detach.owner) {
      if (detach.owner.kind === 'StatefulSet') throw new LabelRefusedError(`pod ${pod.metadata.namespace}/${pod.metadata.name} belongs to StatefulSet ${detach.owner.name}, which would recreate a pod of the same name: it cannot be detached (isolate it without detach)`);
      const keys = positiveKeys(detach.owner.selector);
      if (keys.length === 0) throw new LabelRefusedError(`the selector of ${detach.owner.kind} ${detach.owner.name} requires no label, so removing labels cannot detach the pod`);
      owner = `${detach.owner.kind}/${detach.owner.name}`;
      for (const k of keys) if (k in before && k !== QUARANTINE_LABEL) removed[k] = before[k];
    }
    for (const s of detach.services) {
      const selector = s.selector ?? {};
      const keys = Object.keys(selector);
      if (keys.length === 0 || !keys.every((k) => before[k] === selector[k])) continue;
      services.push(s.name);
      for (const k of keys) if (k !== QUARANTINE_LABEL) removed[k] = before[k];
    }
  }
  const after: Record<string, string> = { ...before, [QUARANTINE_LABEL]: incidentId };
  for (const k of Object.keys(removed)) delete after[k];
  const previously = parseDetached(pod);
  const remembered = sorted({ ...previously, ...removed });
  const labelChanges: Record<string, string | null> = {};
  if (before[QUARANTINE_LABEL] !== incidentId) labelChanges[QUARANTINE_LABEL] = incidentId;
  for (const k of Object.keys(removed)) labelChanges[k] = null;
  const annotations: Record<string, string> = {};
  if (Object.keys(removed).length > 0) annotations[DETACHED_LABELS_ANNOTATION] = JSON.stringify(remembered);
  if (owner && pod.metadata.annotations?.[DETACHED_FROM_ANNOTATION] !== owner) annotations[DETACHED_FROM_ANNOTATION] = owner;
  const changed = Object.keys(labelChanges).length > 0 || Object.keys(annotations).length > 0;
  const warnings = detach && !detach.owner ? ['the pod has no controller: there is no owner to detach it from (Services and label-keyed policies still stop selecting it)'] : [];
  return {
    ...(changed
      ? { patch: { metadata: { resourceVersion: pod.metadata.resourceVersion, labels: labelChanges, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) } } }
      : {}),
    labelsBefore: before,
    labelsAfter: after,
    removed: sorted(removed),
    restored: {},
    ...(owner ? { owner } : {}),
    services: services.sort(),
    warnings,
  };
}

function parseDetached(pod: LivePod): Record<string, string> {
  const text = pod.metadata.annotations?.[DETACHED_LABELS_ANNOTATION];
  if (text === undefined) return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')) return value as Record<string, string>;
  } catch {
    // Reported below.
  }
  throw new LabelRefusedError(`pod ${pod.metadata.namespace}/${pod.metadata.name}: annotation ${DETACHED_LABELS_ANNOTATION} is not a JSON object of labels; restore its labels by hand`);
}

/**
 * The patch that undoes {@link quarantinePlan}: removes the quarantine label and puts back the labels the
 * annotation remembers. Putting them back lets the owner adopt the pod again, and it then has one pod too
 * many and may delete one, possibly this one: the outcome warns about it.
 */
export function restorePlan(pod: LivePod, incidentId: string): LabelPlan {
  heldBy(pod, incidentId);
  const before = { ...(pod.metadata.labels ?? {}) };
  const restored = sorted(parseDetached(pod));
  const after: Record<string, string> = { ...before, ...restored };
  delete after[QUARANTINE_LABEL];
  const labelChanges: Record<string, string | null> = { ...restored };
  if (before[QUARANTINE_LABEL] !== undefined) labelChanges[QUARANTINE_LABEL] = null;
  const annotations: Record<string, null> = {};
  for (const a of [DETACHED_LABELS_ANNOTATION, DETACHED_FROM_ANNOTATION]) if (pod.metadata.annotations?.[a] !== undefined) annotations[a] = null;
  const changed = Object.keys(labelChanges).length > 0 || Object.keys(annotations).length > 0;
  const owner = pod.metadata.annotations?.[DETACHED_FROM_ANNOTATION];
  const warnings =
    owner && Object.keys(restored).length > 0
      ? [`${owner} will adopt the pod again and may then delete one pod to return to its replica count, possibly this one: capture the evidence first`]
      : [];
  return {
    ...(changed ? { patch: { metadata: { resourceVersion: pod.metadata.resourceVersion, labels: labelChanges, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) } } } : {}),
    labelsBefore: before,
    labelsAfter: after,
    removed: {},
    restored,
    ...(owner ? { owner } : {}),
    services: [],
    warnings,
  };
}
