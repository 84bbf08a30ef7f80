/**
 * The endpoints an analysis distinguishes. Pods that no policy can tell apart (same namespace, labels and
 * container ports) form one class; addresses outside the cluster are cut into atoms on which every ipBlock
 * and `networks` peer is constant. Evaluating classes and atoms instead of pods and addresses is what makes a
 * 10,000-pod cluster tractable.
 */
import { ipAtoms, IpSet, type IpFamily, type IpRange } from './ipset';
import type { ContainerPort, Inventory, NamespaceInfo, Peer, PodInfo, WorkloadRef } from './model';
import type { Labels } from './selectors';

/** Pods that every policy treats identically. */
export interface PodClass {
  readonly id: number;
  readonly namespace: NamespaceInfo;
  readonly labels: Labels;
  readonly ports: readonly ContainerPort[];
  /** Key of the port list: classes with equal keys resolve named ports identically. */
  readonly portsKey: string;
  readonly pods: readonly PodInfo[];
}

/** Classes and atoms of one inventory. */
export interface Universe {
  readonly classes: readonly PodClass[];
  /** External sources: atoms of every ipBlock in an ingress rule (always covering the whole address space). */
  readonly sourceAtoms: readonly IpRange[];
  /** External destinations: atoms of every ipBlock in an egress rule and every (B)ANP `networks` peer. */
  readonly destinationAtoms: readonly IpRange[];
  readonly classOfPod: ReadonlyMap<PodInfo, PodClass>;
  readonly classesByNamespace: ReadonlyMap<string, readonly PodClass[]>;
}

/** Length-prefixed, so no label text (however crafted) makes two different label sets share a key. */
function labelsKey(labels: Labels): string {
  let key = '';
  for (const k of Object.keys(labels).sort()) {
    const v = labels[k];
    key += `${k.length}:${k}${v.length}:${v}`;
  }
  return key;
}

function portsKey(ports: readonly ContainerPort[]): string {
  let key = '';
  for (const p of ports) {
    const name = p.name ?? '';
    key += `${name.length}:${name}${p.port}/${p.protocol};`;
  }
  return key;
}

function ipSetsOf(peers: readonly Peer[]): IpSet[] {
  return peers.flatMap((p) => (p.kind === 'ips' ? [p.ips] : []));
}

/**
 * Class keys per pod object. Pods are immutable and the inventories a plan derives (with its manifests, with a
 * label applied) share every unchanged pod object, so each pod's key is computed once across them.
 */
const podKeys = new WeakMap<PodInfo, { readonly key: string; readonly portsKey: string }>();

function podKey(pod: PodInfo): { readonly key: string; readonly portsKey: string } {
  let k = podKeys.get(pod);
  if (!k) {
    const pk = portsKey(pod.ports);
    k = { key: `${pod.namespace.length}:${pod.namespace}\u0000${labelsKey(pod.labels)}\u0000${pk}`, portsKey: pk };
    podKeys.set(pod, k);
  }
  return k;
}

type Partition = Pick<Universe, 'classes' | 'classOfPod' | 'classesByNamespace'>;

/**
 * Partitions by pod list: inventories that share their pod list and namespaces (the plan's reference
 * inventory is the after inventory's pods with other policies) share their classes, which depend on nothing else.
 */
const partitions = new WeakMap<readonly PodInfo[], { readonly namespaces: Inventory['namespaces']; readonly partition: Partition }>();

function partition(inventory: Inventory): Partition {
  const cached = partitions.get(inventory.pods);
  if (cached && cached.namespaces === inventory.namespaces) return cached.partition;
  const byKey = new Map<string, { namespace: NamespaceInfo; labels: Labels; ports: readonly ContainerPort[]; portsKey: string; pods: PodInfo[] }>();
  for (const pod of inventory.pods) {
    const { key, portsKey: pk } = podKey(pod);
    let entry = byKey.get(key);
    if (!entry) {
      const namespace = inventory.namespaces.get(pod.namespace) ?? { name: pod.namespace, labels: {} };
      entry = { namespace, labels: pod.labels, ports: pod.ports, portsKey: pk, pods: [] };
      byKey.set(key, entry);
    }
    entry.pods.push(pod);
  }
  const classes: PodClass[] = [...byKey.values()].map((e, id) => ({ id, ...e }));
  const classOfPod = new Map<PodInfo, PodClass>();
  const classesByNamespace = new Map<string, PodClass[]>();
  for (const c of classes) {
    for (const p of c.pods) classOfPod.set(p, c);
    const list = classesByNamespace.get(c.namespace.name) ?? [];
    list.push(c);
    classesByNamespace.set(c.namespace.name, list);
  }
  const result = { classes, classOfPod, classesByNamespace };
  partitions.set(inventory.pods, { namespaces: inventory.namespaces, partition: result });
  return result;
}

/** Groups pods into classes and computes the external atoms of both directions. */
export function buildUniverse(inventory: Inventory, families: readonly IpFamily[]): Universe {
  const { classes, classOfPod, classesByNamespace } = partition(inventory);

  const ingressSets: IpSet[] = [];
  const egressSets: IpSet[] = [];
  for (const np of inventory.networkPolicies) {
    for (const r of np.ingress?.rules ?? []) if (r.peers.kind === 'some') ingressSets.push(...ipSetsOf(r.peers.peers));
    for (const r of np.egress?.rules ?? []) if (r.peers.kind === 'some') egressSets.push(...ipSetsOf(r.peers.peers));
  }
  const admin = [...inventory.adminNetworkPolicies, ...(inventory.baselineAdminNetworkPolicy ? [inventory.baselineAdminNetworkPolicy] : [])];
  for (const a of admin) for (const r of a.egress) egressSets.push(...ipSetsOf(r.peers));

  return {
    classes,
    sourceAtoms: ipAtoms(ingressSets, families),
    destinationAtoms: ipAtoms(egressSets, families),
    classOfPod,
    classesByNamespace,
  };
}

/** The workloads a class's pods are reported under, without repeats. */
export function workloadsOf(podClass: PodClass): WorkloadRef[] {
  const seen = new Map<string, WorkloadRef>();
  for (const p of podClass.pods) seen.set(workloadKey(p.workload), p.workload);
  return [...seen.values()];
}

/** `ns/name[Kind]`: how the connection list names a workload. */
export function workloadKey(w: WorkloadRef): string {
  return `${w.namespace}/${w.name}[${w.kind}]`;
}
