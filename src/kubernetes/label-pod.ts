/**
 * `airlock label` against a live cluster: read the pod (and, to detach it, its owner and the namespace's
 * Services), compute the patch with detach.ts, and send it unless this is a dry run. A patch that meets a
 * concurrent change (409) is recomputed from a fresh read, a few times, never blindly retried.
 */
import type { KubernetesClient } from './client';
import { quarantinePlan, restorePlan, type LabelPlan, type LivePod, type OwnerInfo, type OwnerSelector, type ServiceInfo } from './detach';
import { KubernetesApiError, LabelRefusedError } from './errors';

/** Which pod, for which incident, and how. */
export interface LabelRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly incidentId: string;
  /** Also detach the pod from its owner and Services (quarantine only). */
  readonly detach?: boolean;
  /** Compute and return the patch; send nothing. */
  readonly dryRun?: boolean;
}

/** What was (or, for a dry run, would be) done: the record the audit trail keeps. */
export interface LabelOutcome extends LabelPlan {
  readonly action: 'quarantine' | 'restore';
  readonly namespace: string;
  readonly pod: string;
  readonly incidentId: string;
  readonly context: string;
  readonly dryRun: boolean;
  /** True when a patch was sent and accepted. */
  readonly changed: boolean;
  /** The pod's resourceVersion after the change (or as read, when nothing was sent). */
  readonly resourceVersion: string;
}

const ATTEMPTS = 3;
const enc = encodeURIComponent;

/** API paths of the controllers that adopt pods by label selector. */
const OWNER_PATHS: Readonly<Record<string, (ns: string, name: string) => string>> = {
  ReplicaSet: (ns, name) => `/apis/apps/v1/namespaces/${enc(ns)}/replicasets/${enc(name)}`,
  DaemonSet: (ns, name) => `/apis/apps/v1/namespaces/${enc(ns)}/daemonsets/${enc(name)}`,
  Job: (ns, name) => `/apis/batch/v1/namespaces/${enc(ns)}/jobs/${enc(name)}`,
  ReplicationController: (ns, name) => `/api/v1/namespaces/${enc(ns)}/replicationcontrollers/${enc(name)}`,
};

function podPath(namespace: string, pod: string): string {
  return `/api/v1/namespaces/${enc(namespace)}/pods/${enc(pod)}`;
}

async function ownerOf(client: KubernetesClient, pod: LivePod): Promise<OwnerInfo | undefined> {
  const ref = pod.metadata.ownerReferences?.find((o) => o.controller);
  if (!ref) return undefined;
  if (ref.kind === 'StatefulSet') return { kind: ref.kind, name: ref.name, selector: {} };
  const path = OWNER_PATHS[ref.kind];
  if (!path) throw new LabelRefusedError(`pod ${pod.metadata.namespace}/${pod.metadata.name} is controlled by ${ref.kind} ${ref.name}, whose selector Airlock does not know how to read: it cannot be detached safely`);
  const owner = await client.get<{ spec?: { selector?: OwnerSelector | Record<string, string> } }>(path(pod.metadata.namespace, ref.name));
  const raw = owner.spec?.selector ?? {};
  // ReplicationController selectors are plain maps; the others are LabelSelectors.
  const selector: OwnerSelector = ref.kind === 'ReplicationController' ? { matchLabels: raw as Record<string, string> } : (raw as OwnerSelector);
  return { kind: ref.kind, name: ref.name, selector };
}

async function servicesOf(client: KubernetesClient, namespace: string): Promise<ServiceInfo[]> {
  const list = await client.get<{ items?: Array<{ metadata: { name: string }; spec?: { selector?: Record<string, string> } }> }>(`/api/v1/namespaces/${enc(namespace)}/services`);
  return (list.items ?? []).map((s) => ({ name: s.metadata.name, ...(s.spec?.selector ? { selector: s.spec.selector } : {}) }));
}

async function run(client: KubernetesClient, req: LabelRequest, action: 'quarantine' | 'restore'): Promise<LabelOutcome> {
  for (let attempt = 1; ; attempt++) {
    const pod = await client.get<LivePod>(podPath(req.namespace, req.pod));
    const plan =
      action === 'restore'
        ? restorePlan(pod, req.incidentId)
        : quarantinePlan(pod, req.incidentId, req.detach ? { owner: await ownerOf(client, pod), services: await servicesOf(client, req.namespace) } : undefined);
    const base = { ...plan, action, namespace: req.namespace, pod: req.pod, incidentId: req.incidentId, context: client.connection.context, dryRun: req.dryRun === true };
    if (!plan.patch || req.dryRun) return { ...base, changed: false, resourceVersion: pod.metadata.resourceVersion };
    try {
      const updated = await client.mergePatch<LivePod>(podPath(req.namespace, req.pod), plan.patch);
      return { ...base, changed: true, resourceVersion: updated.metadata.resourceVersion };
    } catch (err) {
      if (err instanceof KubernetesApiError && err.status === 409 && attempt < ATTEMPTS) continue;
      throw err;
    }
  }
}

/** Applies the quarantine label (and, with `detach`, the detachment) to a live pod, or computes it for a dry run. */
export function quarantinePod(client: KubernetesClient, req: LabelRequest): Promise<LabelOutcome> {
  return run(client, req, 'quarantine');
}

/** Removes the quarantine label and restores the labels detachment removed, or computes it for a dry run. */
export function restorePod(client: KubernetesClient, req: Omit<LabelRequest, 'detach'>): Promise<LabelOutcome> {
  return run(client, req, 'restore');
}
