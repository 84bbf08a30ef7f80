/**
 * Which API requests can bring an image into the cluster, and where each kind keeps its pod spec. The policy,
 * the webhook configuration, the Kyverno policy and the webhook server all read this one list, so a kind
 * added here is covered everywhere.
 */

/** One group of resources with the admission rule that intercepts them. */
export interface AdmittedResource {
  /** API group; `''` for the core group. */
  readonly apiGroup: string;
  readonly apiVersion: string;
  /** Plural resource names, with subresources as `pods/ephemeralcontainers`. */
  readonly resources: readonly string[];
  /** Kinds as Kyverno names them (`Pod/ephemeralcontainers` for the subresource). */
  readonly kyvernoKinds: readonly string[];
  /** Operations that can introduce an image; the ephemeral-containers subresource is only ever updated. */
  readonly operations: readonly ('CREATE' | 'UPDATE')[];
}

/** Every resource whose create or update can start a container image. */
export const ADMITTED_RESOURCES: readonly AdmittedResource[] = [
  { apiGroup: '', apiVersion: 'v1', resources: ['pods'], kyvernoKinds: ['Pod'], operations: ['CREATE', 'UPDATE'] },
  {
    apiGroup: '',
    apiVersion: 'v1',
    resources: ['pods/ephemeralcontainers'],
    kyvernoKinds: ['Pod/ephemeralcontainers'],
    operations: ['UPDATE'],
  },
  {
    apiGroup: '',
    apiVersion: 'v1',
    resources: ['replicationcontrollers'],
    kyvernoKinds: ['ReplicationController'],
    operations: ['CREATE', 'UPDATE'],
  },
  {
    apiGroup: 'apps',
    apiVersion: 'v1',
    resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'],
    kyvernoKinds: ['apps/v1/DaemonSet', 'apps/v1/Deployment', 'apps/v1/ReplicaSet', 'apps/v1/StatefulSet'],
    operations: ['CREATE', 'UPDATE'],
  },
  {
    apiGroup: 'batch',
    apiVersion: 'v1',
    resources: ['cronjobs', 'jobs'],
    kyvernoKinds: ['batch/v1/CronJob', 'batch/v1/Job'],
    operations: ['CREATE', 'UPDATE'],
  },
];

/** Admission `rules` (webhook) / `resourceRules` (policy) entries for {@link ADMITTED_RESOURCES}. */
export function admissionRules(): Array<Record<string, unknown>> {
  return ADMITTED_RESOURCES.map((r) => ({
    apiGroups: [r.apiGroup],
    apiVersions: [r.apiVersion],
    operations: [...r.operations],
    resources: [...r.resources],
    scope: 'Namespaced',
  }));
}

/** A container list of a pod spec, as the API names it. */
export const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;
/** One of {@link CONTAINER_LISTS}. */
export type ContainerList = (typeof CONTAINER_LISTS)[number];

/** Kinds whose pod spec sits at `spec`; CronJobs nest it in `spec.jobTemplate`; the rest in `spec.template`. */
export const POD_KIND = 'Pod';
/** See {@link POD_KIND}. */
export const CRONJOB_KIND = 'CronJob';

type Json = Record<string, unknown>;
function field(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json)[name] : undefined;
}

/** The pod spec inside any admitted object (Pod, workload or CronJob), or undefined when it has none. */
export function podSpecOf(object: unknown): unknown {
  const kind = field(object, 'kind');
  const spec = field(object, 'spec');
  if (kind === POD_KIND) return spec;
  if (kind === CRONJOB_KIND) return field(field(field(field(spec, 'jobTemplate'), 'spec'), 'template'), 'spec');
  return field(field(spec, 'template'), 'spec');
}

/** Every image an admitted object would run, from containers, initContainers and ephemeralContainers, in order. */
export function imagesOf(object: unknown): string[] {
  const spec = podSpecOf(object);
  const images: string[] = [];
  for (const list of CONTAINER_LISTS) {
    const containers = field(spec, list);
    if (!Array.isArray(containers)) continue;
    for (const c of containers) {
      const image = field(c, 'image');
      if (typeof image === 'string') images.push(image);
    }
  }
  return images;
}

/**
 * The images a request introduces: all of them on create; on update only those the old object did not
 * already run, so a responder can still label, annotate or scale down a workload that runs a blocked image
 * (its new pods are still refused when they are created).
 */
export function introducedImages(object: unknown, oldObject: unknown): string[] {
  const previous = new Set(oldObject === null || oldObject === undefined ? [] : imagesOf(oldObject));
  return imagesOf(object).filter((image) => !previous.has(image));
}
