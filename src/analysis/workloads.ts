/**
 * Pods and namespaces from manifests. A workload object (Deployment, StatefulSet, ...) becomes one
 * representative pod carrying its template's labels and ports, the way the netpol-analyzer does it: all
 * replicas of a template are indistinguishable to a policy, so one stands for all.
 */
import type { ContainerImage, ContainerPort, NamespaceInfo, PodInfo, WorkloadRef } from './model';
import { checkLabelKey, NAME_HINTS } from '../incident/kubernetes-names';
import { isProtocol } from './ports';
import type { Diagnostics, RawObject } from './policies';

/** Kinds whose pod template becomes a representative pod. */
export const WORKLOAD_KINDS = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** The label the API server puts on every namespace; policies select namespaces by name through it. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(raw: unknown, file: string, field: string, d: Diagnostics): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) {
    d.problems.push({ file, field, message: 'is not a map', hint: 'key: value pairs of strings' });
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    // The API server admits only valid keys; anything else (`__proto__` would not even be stored) is a forged snapshot.
    const badKey = checkLabelKey(k);
    if (badKey) d.problems.push({ file, field: `${field}.${k}`, message: badKey, hint: NAME_HINTS.labelKey });
    else if (v === null || typeof v === 'object') d.problems.push({ file, field: `${field}.${k}`, message: 'is not a string', hint: 'a label value string' });
    else out[k] = String(v);
  }
  return out;
}

function metadata(obj: RawObject): { name: string; namespace: string; meta: Record<string, unknown> } {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
  return { name, namespace, meta };
}

/** A namespace; the name label is added when missing, as the API server does. */
export function parseNamespace(obj: RawObject, file: string, d: Diagnostics): NamespaceInfo | undefined {
  const { name, meta } = metadata(obj);
  if (!name) {
    d.problems.push({ file, field: 'Namespace.metadata.name', message: 'is missing', hint: 'a namespace name' });
    return undefined;
  }
  const labels = stringMap(meta.labels, file, `Namespace ${name}.metadata.labels`, d);
  return { name, labels: { ...labels, [NAMESPACE_NAME_LABEL]: labels[NAMESPACE_NAME_LABEL] ?? name } };
}

/** A namespace that pods refer to but the inventory does not define: it carries only its name label. */
export function implicitNamespace(name: string): NamespaceInfo {
  return { name, labels: { [NAMESPACE_NAME_LABEL]: name } };
}

function containerPorts(spec: unknown, file: string, field: string, d: Diagnostics): ContainerPort[] {
  if (!isObject(spec) || !Array.isArray(spec.containers)) return [];
  const out: ContainerPort[] = [];
  spec.containers.forEach((c: unknown, i: number) => {
    if (!isObject(c) || !Array.isArray(c.ports)) return;
    c.ports.forEach((p: unknown, j: number) => {
      const where = `${field}.containers[${i}].ports[${j}]`;
      if (!isObject(p)) return;
      const port = typeof p.containerPort === 'string' ? Number(p.containerPort) : p.containerPort;
      // A pod in a snapshot is what the cluster runs; a malformed port entry is noted, never fatal.
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        d.notes.push({ file, message: `${where}.containerPort is ${JSON.stringify(p.containerPort)}; the entry is ignored (named ports cannot resolve to it)` });
        return;
      }
      const protocol = p.protocol === undefined || p.protocol === null ? 'TCP' : p.protocol;
      if (!isProtocol(protocol)) {
        d.notes.push({ file, message: `${where}.protocol is ${JSON.stringify(p.protocol)}; the entry is ignored (TCP, UDP or SCTP expected)` });
        return;
      }
      out.push(typeof p.name === 'string' && p.name !== '' ? { name: p.name, port, protocol } : { port, protocol });
    });
  });
  return out;
}

const CONTAINER_LISTS = [
  ['containers', 'containerStatuses'],
  ['initContainers', 'initContainerStatuses'],
  ['ephemeralContainers', 'ephemeralContainerStatuses'],
] as const;

/** `algorithm:hex` after the last `@` of a status `imageID` (`docker-pullable://repo@sha256:…`, `repo@sha256:…`). */
const IMAGE_ID_DIGEST = /@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})$/;

/**
 * The images of a pod spec, with the digests its status reports (matched by container name). Entries without a
 * string image are skipped: a snapshot is what the cluster runs, and the blocklist can only match strings.
 */
function containerImages(spec: unknown, status: unknown): ContainerImage[] {
  if (!isObject(spec)) return [];
  const out: ContainerImage[] = [];
  for (const [listField, statusField] of CONTAINER_LISTS) {
    const list = spec[listField];
    if (!Array.isArray(list)) continue;
    const digests = new Map<string, string>();
    const statuses = isObject(status) ? status[statusField] : undefined;
    if (Array.isArray(statuses)) {
      for (const st of statuses) {
        if (!isObject(st) || typeof st.name !== 'string' || typeof st.imageID !== 'string') continue;
        const m = IMAGE_ID_DIGEST.exec(st.imageID);
        if (m) digests.set(st.name, m[1]);
      }
    }
    for (const c of list) {
      if (!isObject(c) || typeof c.image !== 'string' || c.image === '') continue;
      const container = typeof c.name === 'string' ? c.name : '';
      const digest = digests.get(container);
      out.push(digest !== undefined ? { container, image: c.image, digest } : { container, image: c.image });
    }
  }
  return out;
}

/**
 * A Pod object. It is reported under its controller owner (not resolved further: a Deployment's pod appears
 * as its ReplicaSet), or under itself when it has none. A `Node` owner (static pods) does not count.
 */
export function parsePod(obj: RawObject, file: string, d: Diagnostics): PodInfo | undefined {
  const { name, namespace, meta } = metadata(obj);
  if (!name) {
    d.problems.push({ file, field: `Pod ${namespace}/?.metadata.name`, message: 'is missing', hint: 'a pod name' });
    return undefined;
  }
  const labels = stringMap(meta.labels, file, `Pod ${namespace}/${name}.metadata.labels`, d);
  const ports = containerPorts(obj.spec, file, `Pod ${namespace}/${name}.spec`, d);
  let workload: WorkloadRef = { namespace, name, kind: 'Pod' };
  const owners = Array.isArray(meta.ownerReferences) ? meta.ownerReferences : [];
  const controller = owners.find((o: unknown) => isObject(o) && o.controller === true) as Record<string, unknown> | undefined;
  if (controller && controller.kind !== 'Node' && typeof controller.name === 'string' && controller.name !== '') {
    workload = { namespace, name: controller.name, kind: typeof controller.kind === 'string' && controller.kind !== '' ? controller.kind : 'Pod' };
  }
  return { namespace, name, labels, ports, workload, images: containerImages(obj.spec, obj.status), representative: false, source: file };
}

function podTemplate(obj: RawObject, kind: WorkloadKind): unknown {
  const spec = isObject(obj.spec) ? obj.spec : {};
  if (kind === 'CronJob') {
    const job = isObject(spec.jobTemplate) ? spec.jobTemplate : {};
    return isObject(job.spec) ? job.spec.template : undefined;
  }
  return spec.template;
}

/**
 * A workload object becomes one representative pod named `name[Kind]` (brackets cannot occur in a real pod
 * name, so it never collides with one) with the template's labels and container ports.
 */
export function parseWorkload(obj: RawObject, kind: WorkloadKind, file: string, d: Diagnostics): PodInfo | undefined {
  const { name, namespace } = metadata(obj);
  if (!name) {
    d.problems.push({ file, field: `${kind} ${namespace}/?.metadata.name`, message: 'is missing', hint: 'a workload name' });
    return undefined;
  }
  const template = podTemplate(obj, kind);
  const tmpl = isObject(template) ? template : {};
  const tmeta = isObject(tmpl.metadata) ? tmpl.metadata : {};
  const field = `${kind} ${namespace}/${name}.spec${kind === 'CronJob' ? '.jobTemplate.spec' : ''}.template`;
  const labels = stringMap(tmeta.labels, file, `${field}.metadata.labels`, d);
  const ports = containerPorts(tmpl.spec, file, `${field}.spec`, d);
  return { namespace, name: `${name}[${kind}]`, labels, ports, workload: { namespace, name, kind }, images: containerImages(tmpl.spec, undefined), representative: true, source: file };
}
