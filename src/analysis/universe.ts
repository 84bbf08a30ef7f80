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
  /** Indexed by id. A universe derived from another may hold classes without pods, kept for their ids. */
  readonly classes: readonly PodClass[];
  /** External sources: atoms of every ipBlock in an ingress rule (always covering the whole address space). */
  readonly sourceAtoms: readonly IpRange[];
  /** External destinations: atoms of every ipBlock in an egress rule and every (B)ANP `networks` peer. */
  readonly destinationAtoms: readonly IpRange[];
  readonly classOfPod: ReadonlyMap<PodInfo, PodClass>;
  /** The classes with pods, by namespace. */
  readonly classesByNamespace: ReadonlyMap<string, readonly PodClass[]>;
}

function portsKey(ports: readonly ContainerPort[]): string {
  let key = '';
  for (const p of ports) {
    const name = p.name ?? '';
    key += `${name.length}:${name}${p.port}/${p.protocol};`;
  }
  return key;
}

function addIpSets(peers: readonly Peer[], out: IpSet[]): void {
  for (const p of peers) if (p.kind === 'ips') out.push(p.ips);
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, k) => x === b[k]);
}

/**
 * The atoms of the last few set lists. The inventories a plan derives from a snapshot keep its policies' very
 * address sets (the incident's policies rarely add a block), so their atoms are the snapshot's, and an engine
 * derived from the snapshot's can share its rules, which name atoms by index.
 */
const recentAtoms: { readonly sets: readonly IpSet[]; readonly families: readonly IpFamily[]; readonly atoms: readonly IpRange[] }[] = [];
const RECENT_ATOMS = 4;

function atomsOf(sets: readonly IpSet[], families: readonly IpFamily[]): readonly IpRange[] {
  const hit = recentAtoms.find((r) => sameItems(r.sets, sets) && sameItems(r.families, families));
  if (hit) return hit.atoms;
  const atoms = ipAtoms(sets, families);
  recentAtoms.unshift({ sets, families: [...families], atoms });
  recentAtoms.length = Math.min(recentAtoms.length, RECENT_ATOMS);
  return atoms;
}

/** FNV-1a over a string's UTF-16 code units, continuing from `h`. */
function hashText(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h;
}

const FNV_OFFSET = 2166136261 | 0;

/**
 * A hash of what makes a pod's class (namespace, labels in any order, ports in order). Only a bucket: pods of
 * one bucket are compared field by field, so a collision (however crafted) never merges two classes. Cheaper
 * than a string key per pod, which a freshly loaded snapshot of 10,000 pods paid for in tens of milliseconds.
 */
function classHash(pod: PodInfo): number {
  let labels = 0;
  for (const k of Object.keys(pod.labels)) {
    // Order-independent: the entries' hashes are added.
    labels = (labels + Math.imul(hashText(pod.labels[k], hashText(k, FNV_OFFSET) ^ 0x3d), 0x2c1b3c6d)) | 0;
  }
  let h = hashText(pod.namespace, FNV_OFFSET) ^ labels;
  for (const p of pod.ports) h = Math.imul(hashText(p.name ?? '', h ^ p.port) ^ p.protocol.charCodeAt(0), 16777619);
  return h;
}

function sameLabels(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.prototype.hasOwnProperty.call(b, k) || a[k] !== b[k]) return false;
  return true;
}

function samePorts(a: readonly ContainerPort[], b: readonly ContainerPort[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k].port !== b[k].port || a[k].protocol !== b[k].protocol || (a[k].name ?? '') !== (b[k].name ?? '')) return false;
  return true;
}

/** True when a pod belongs to a class: same namespace, labels and ports, which is all a policy can see. */
function fits(pod: PodInfo, c: PodClass): boolean {
  return c.namespace.name === pod.namespace && samePorts(pod.ports, c.ports) && sameLabels(pod.labels, c.labels);
}

function newClass(id: number, pod: PodInfo, namespaces: Inventory['namespaces']): PodClass & { pods: PodInfo[] } {
  const namespace = namespaces.get(pod.namespace) ?? { name: pod.namespace, labels: {} };
  return { id, namespace, labels: pod.labels, ports: pod.ports, portsKey: portsKey(pod.ports), pods: [] };
}

type Partition = Pick<Universe, 'classes' | 'classOfPod' | 'classesByNamespace'>;

/**
 * Partitions by pod list: inventories that share their pod list and namespaces (the plan's reference
 * inventory is the after inventory's pods with other policies) share their classes, which depend on nothing else.
 */
const partitions = new WeakMap<readonly PodInfo[], { readonly namespaces: Inventory['namespaces']; readonly partition: Partition }>();

function cachedPartition(inventory: Inventory): Partition | undefined {
  const cached = partitions.get(inventory.pods);
  return cached && cached.namespaces === inventory.namespaces ? cached.partition : undefined;
}

function partition(inventory: Inventory, basis?: Inventory): Partition {
  const cached = cachedPartition(inventory);
  if (cached) return cached;
  const basisPartition = basis && cachedPartition(basis);
  const result = (basisPartition && derivePartition(inventory, basis!, basisPartition)) ?? fullPartition(inventory);
  partitions.set(inventory.pods, { namespaces: inventory.namespaces, partition: result });
  return result;
}

function fullPartition(inventory: Inventory): Partition {
  const buckets = new Map<number, (PodClass & { pods: PodInfo[] })[]>();
  const classes: PodClass[] = [];
  const classOfPod = new Map<PodInfo, PodClass>();
  const classesByNamespace = new Map<string, PodClass[]>();
  for (const pod of inventory.pods) {
    const h = classHash(pod);
    let bucket = buckets.get(h);
    let c = bucket?.find((x) => fits(pod, x));
    if (!c) {
      c = newClass(classes.length, pod, inventory.namespaces);
      if (bucket) bucket.push(c);
      else buckets.set(h, (bucket = [c]));
      classes.push(c);
      const list = classesByNamespace.get(c.namespace.name);
      if (list) list.push(c);
      else classesByNamespace.set(c.namespace.name, [c]);
    }
    c.pods.push(pod);
    classOfPod.set(pod, c);
  }
  return { classes, classOfPod, classesByNamespace };
}

/** Past this share of changed pods, grouping from scratch is as cheap as carrying the basis' classes over. */
const DERIVE_MAX_CHANGED = 0.25;

/**
 * The partition of an inventory derived from a basis inventory's (a plan's after inventory from its snapshot):
 * the basis' classes are kept, and only the pods that are not in both pod lists are moved. The same classes
 * (sets of pods, each with its namespace, labels and ports) as a full partition, possibly in another order.
 * Every basis class keeps its id, labels and namespace: one that the change empties stays at its id with no
 * pods (nothing reports a class without pods, and no namespace lists it), and new classes take the next ids.
 * So an id means the same labels in both universes, and an engine of the derived inventory can share the
 * basis engine's compiled rules. Undefined, and the caller partitions from scratch, when the namespaces
 * differ, when the pod lists differ in length, or when too many pods changed for carrying over to pay.
 */
function derivePartition(inventory: Inventory, basis: Inventory, from: Partition): Partition | undefined {
  const next = inventory.pods;
  const prev = basis.pods;
  if (next.length !== prev.length || !sameNamespaces(inventory.namespaces, basis.namespaces)) return undefined;
  let gone: PodInfo[] = [];
  let fresh: PodInfo[] = [];
  for (let i = 0; i < next.length; i++) {
    if (next[i] === prev[i]) continue;
    gone.push(prev[i]);
    fresh.push(next[i]);
    if (gone.length > next.length * DERIVE_MAX_CHANGED) return undefined;
  }
  if (gone.length === 0) return from;
  // A pod that only moved within the list is in both: it stays where it is.
  const freshSet = new Set(fresh);
  const goneSet = new Set(gone);
  gone = gone.filter((p) => !freshSet.has(p));
  fresh = fresh.filter((p) => !goneSet.has(p));

  const classes = from.classes.slice();
  const members = new Map<number, PodInfo[]>(); // class id -> its new pod list, for every class that changes
  const membersOf = (c: PodClass): PodInfo[] => {
    let list = members.get(c.id);
    if (!list) {
      list = [...c.pods];
      members.set(c.id, list);
    }
    return list;
  };
  for (const p of gone) {
    const list = membersOf(from.classOfPod.get(p)!);
    list.splice(list.indexOf(p), 1);
  }
  // A changed pod joins the class of its namespace that fits it, or a new one.
  const created = new Map<string, PodClass[]>();
  for (const p of fresh) {
    let c = from.classesByNamespace.get(p.namespace)?.find((x) => fits(p, x)) ?? created.get(p.namespace)?.find((x) => fits(p, x));
    if (!c) {
      c = newClass(classes.length, p, inventory.namespaces);
      classes.push(c);
      created.set(p.namespace, [...(created.get(p.namespace) ?? []), c]);
    }
    membersOf(c).push(p);
  }

  const namespacesTouched = new Set<string>();
  for (const [id, pods] of members) {
    classes[id] = { ...classes[id], pods };
    namespacesTouched.add(classes[id].namespace.name);
  }
  const classOfPod = new Map(from.classOfPod);
  for (const p of gone) classOfPod.delete(p);
  for (const c of classes) if (c !== from.classes[c.id]) for (const p of c.pods) classOfPod.set(p, c);

  const classesByNamespace = new Map(from.classesByNamespace);
  for (const name of namespacesTouched) classesByNamespace.delete(name);
  for (const c of classes) {
    if (c.pods.length === 0 || !namespacesTouched.has(c.namespace.name)) continue;
    const list = (classesByNamespace.get(c.namespace.name) as PodClass[] | undefined) ?? [];
    list.push(c);
    classesByNamespace.set(c.namespace.name, list);
  }
  return { classes, classOfPod, classesByNamespace };
}

/** True when both maps hold the very same namespace objects under the same names. */
function sameNamespaces(a: Inventory['namespaces'], b: Inventory['namespaces']): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [name, ns] of a) if (b.get(name) !== ns) return false;
  return true;
}

/**
 * Groups pods into classes and computes the external atoms of both directions. With a `basis` inventory that
 * this one derives from (a few pods relabelled, policies added), the basis' classes are carried over and only
 * the changed pods are grouped again, if the basis was grouped before; the classes are the same either way.
 */
export function buildUniverse(inventory: Inventory, families: readonly IpFamily[], basis?: Inventory): Universe {
  const { classes, classOfPod, classesByNamespace } = partition(inventory, basis);

  const ingressSets: IpSet[] = [];
  const egressSets: IpSet[] = [];
  for (const np of inventory.networkPolicies) {
    for (const r of np.ingress?.rules ?? []) if (r.peers.kind === 'some') addIpSets(r.peers.peers, ingressSets);
    for (const r of np.egress?.rules ?? []) if (r.peers.kind === 'some') addIpSets(r.peers.peers, egressSets);
  }
  const admin = [...inventory.adminNetworkPolicies, ...(inventory.baselineAdminNetworkPolicy ? [inventory.baselineAdminNetworkPolicy] : [])];
  for (const a of admin) for (const r of a.egress) addIpSets(r.peers, egressSets);

  return {
    classes,
    sourceAtoms: atomsOf(ingressSets, families),
    destinationAtoms: atomsOf(egressSets, families),
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
