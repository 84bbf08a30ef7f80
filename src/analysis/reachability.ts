/**
 * Reachability of chosen pods, before and after a change: what `airlock plan` shows to prove a containment is
 * effective. For each target pod: who can reach it (ingress) and whom it can reach (egress), with ports; and,
 * for what is still allowed after the change, the policies that allow it.
 */
import { ValidationError } from '../errors';
import { PolicyEngine, type Direction, type EngineOptions, type Endpoint, type VerdictPart, type VerdictSource } from './engine';
import { formatRange, type IpRange } from './ipset';
import { formatPolicyRef, type Inventory, type PodInfo, type PodRef, type PolicyRef, type WorkloadRef } from './model';
import { ConnectionSet } from './ports';
import { matchesSelector } from './selectors';
import { workloadKey } from './universe';

/** The other end of a target pod's connection: a workload (its pods other than the target), or an external range. */
export type ReachPeer =
  | { readonly kind: 'workload'; readonly key: string; readonly workload: WorkloadRef; readonly pods: readonly string[] }
  | { readonly kind: 'external'; readonly key: string; readonly range: IpRange };

/** Which side's policies a part of an attribution comes from. */
export type PolicySide = 'source-egress' | 'destination-ingress';

/** A policy (or the absence of one) that allows part of a connection, on one side of it. */
export interface Attribution {
  readonly side: PolicySide;
  readonly source: VerdictSource;
  readonly conns: ConnectionSet;
}

/** A peer and the connections allowed with it, in the direction of the list it is in. */
export interface ReachEntry {
  readonly peer: ReachPeer;
  readonly conns: ConnectionSet;
}

/** One peer's connections before and after a change. */
export interface ReachChange {
  readonly peer: ReachPeer;
  readonly before: ConnectionSet;
  readonly after: ConnectionSet;
  /** Allowed before, not after: what the change cut. */
  readonly removed: ConnectionSet;
  /** Allowed after, not before (a change that opens traffic deserves a loud warning). */
  readonly added: ConnectionSet;
  /** For `after`: the policies that allow it, on both sides (a connection needs both). Empty when nothing remains. */
  readonly allowedBy: readonly Attribution[];
}

/** A target pod's reachability before and after, per direction. */
export interface PodReachabilityChange {
  readonly pod: PodRef;
  readonly workload: WorkloadRef;
  /** Policies that apply to the pod after the change, per direction; empty = non-isolated. */
  readonly policiesAfter: Readonly<Record<Direction, readonly PolicyRef[]>>;
  readonly policiesBefore: Readonly<Record<Direction, readonly PolicyRef[]>>;
  /** Peers that may open connections to the pod (before or after). */
  readonly ingress: readonly ReachChange[];
  /** Peers the pod may open connections to (before or after). */
  readonly egress: readonly ReachChange[];
}

/** One line of text for a verdict source, for plans and reports. */
export function describeVerdictSource(source: VerdictSource): string {
  switch (source.kind) {
    case 'rule':
      return source.policy.kind === 'NetworkPolicy'
        ? `${formatPolicyRef(source.policy)} (${source.rule})`
        : `${formatPolicyRef(source.policy)} rule "${source.rule}" (${source.action})`;
    case 'isolated':
      return `isolated by ${source.policies.map(formatPolicyRef).join(', ')} (no rule allows it)`;
    case 'non-isolated':
      return 'no policy selects the pod in that direction (non-isolated)';
    case 'external':
      return 'external peer (addresses outside the cluster have no policies)';
  }
}

function targetPod(inventory: Inventory, ref: PodRef, label: string): PodInfo {
  const pod = inventory.pods.find((p) => p.namespace === ref.namespace && p.name === ref.name);
  if (!pod) {
    throw new ValidationError([{ file: label, field: 'pod', message: `${ref.namespace}/${ref.name} is not in the inventory`, hint: 'a pod listed by the inventory (namespace/name, or name[Kind] for a workload manifest)' }]);
  }
  return pod;
}

interface PeerGroup {
  readonly peer: ReachPeer;
  readonly endpoints: Endpoint[];
}

/** A class's pods grouped by the workload they are reported under. */
interface ClassWorkload {
  readonly key: string;
  readonly workload: WorkloadRef;
  readonly pods: readonly PodInfo[];
}

/** Per engine, lazily: each class's pods by workload, the workload groups by key, the atom groups by direction. */
interface PeerIndex {
  readonly classWorkloads: (readonly ClassWorkload[] | undefined)[];
  readonly workloads: Map<string, PeerGroup>;
  readonly atoms: Map<Direction, (PeerGroup | undefined)[]>;
}

const peerIndexes = new WeakMap<PolicyEngine, PeerIndex>();

function peerIndex(engine: PolicyEngine): PeerIndex {
  let index = peerIndexes.get(engine);
  if (!index) {
    index = { classWorkloads: [], workloads: new Map(), atoms: new Map() };
    peerIndexes.set(engine, index);
  }
  return index;
}

/** A class's pods by workload; computed on first use per engine and class. */
function classWorkloads(engine: PolicyEngine, classId: number): readonly ClassWorkload[] {
  const index = peerIndex(engine);
  let list = index.classWorkloads[classId];
  if (!list) {
    const pods = engine.universe.classes[classId].pods;
    // Usually every pod of a class has the same owner: one entry, without a map or a key per pod.
    const w = pods[0]?.workload;
    if (w && pods.every((p) => p.workload === w || (p.workload.namespace === w.namespace && p.workload.name === w.name && p.workload.kind === w.kind))) {
      list = [{ key: workloadKey(w), workload: w, pods }];
      index.classWorkloads[classId] = list;
      return list;
    }
    const byWorkload = new Map<string, { key: string; workload: WorkloadRef; pods: PodInfo[] }>();
    for (const p of pods) {
      const key = workloadKey(p.workload);
      const entry = byWorkload.get(key);
      if (entry) entry.pods.push(p);
      else byWorkload.set(key, { key, workload: p.workload, pods: [p] });
    }
    list = [...byWorkload.values()];
    index.classWorkloads[classId] = list;
  }
  return list;
}

/** A workload's group: all its pods and the classes they are in (a workload lives in one namespace). */
function workloadGroup(engine: PolicyEngine, w: ClassWorkload): PeerGroup {
  const index = peerIndex(engine);
  let group = index.workloads.get(w.key);
  if (!group) {
    const pods: string[] = [];
    const endpoints: Endpoint[] = [];
    for (const c of engine.universe.classesByNamespace.get(w.workload.namespace) ?? []) {
      const mine = classWorkloads(engine, c.id).find((x) => x.key === w.key);
      if (!mine) continue;
      endpoints.push({ kind: 'class', id: c.id });
      for (const p of mine.pods) pods.push(p.name);
    }
    group = { peer: { kind: 'workload', key: w.key, workload: w.workload, pods }, endpoints };
    index.workloads.set(w.key, group);
  }
  return group;
}

/** The group of an external atom of a direction. */
function atomGroup(engine: PolicyEngine, direction: Direction, id: number): PeerGroup {
  const index = peerIndex(engine);
  let list = index.atoms.get(direction);
  if (!list) {
    list = [];
    index.atoms.set(direction, list);
  }
  let group = list[id];
  if (!group) {
    const range = (direction === 'ingress' ? engine.universe.sourceAtoms : engine.universe.destinationAtoms)[id];
    const key = `${formatRange(range)}[External]`;
    group = { peer: { kind: 'external', key, range }, endpoints: [{ kind: direction === 'ingress' ? 'source-atom' : 'destination-atom', id }] };
    list[id] = group;
  }
  return group;
}

/**
 * The peers a target exchanges anything with, in one direction: workloads (their classes, without the target
 * itself) and external atoms. Found from the target's reach vector, so the cost is one pass over the cluster's
 * classes, plus the peers found.
 */
function peerGroups(engine: PolicyEngine, target: PodInfo, direction: Direction): Map<string, PeerGroup> {
  const targetClass = engine.universe.classOfPod.get(target)!.id;
  const v = reachVector(engine, targetClass, direction);
  const out = new Map<string, PeerGroup>();
  const own = workloadKey(target.workload);
  v.classes.forEach((conns, classId) => {
    if (conns.isEmpty()) return;
    for (const w of classWorkloads(engine, classId)) {
      if (out.has(w.key) || (w.pods.length === 1 && w.pods[0] === target)) continue;
      const group = workloadGroup(engine, w);
      if (w.key !== own || group.peer.kind !== 'workload') {
        out.set(w.key, group);
        continue;
      }
      // The target is not its own peer: its class stays an endpoint only if it holds other pods of the workload.
      const mates = classWorkloads(engine, targetClass).find((x) => x.key === own)!;
      const endpoints = mates.pods.length > 1 ? group.endpoints : group.endpoints.filter((e) => !(e.kind === 'class' && e.id === targetClass));
      out.set(w.key, { peer: { ...group.peer, pods: group.peer.pods.filter((name) => name !== target.name) }, endpoints });
    }
  });
  v.atoms.forEach((conns, id) => {
    if (conns.isEmpty()) return;
    const group = atomGroup(engine, direction, id);
    out.set(group.peer.key, group);
  });
  return out;
}

/**
 * What every class and every external atom of an engine's universe may exchange with one class, in one
 * direction seen from that class: `ingress` = what each may send to it, `egress` = what it may send to each.
 * Indexes are the universe's class ids and the direction's atom indexes (`sourceAtoms` for ingress,
 * `destinationAtoms` for egress).
 */
export interface ReachVector {
  readonly classes: readonly ConnectionSet[];
  readonly atoms: readonly ConnectionSet[];
}

const reachVectors = new WeakMap<PolicyEngine, Map<string, ReachVector>>();

/**
 * The reach vector of a class, computed once per engine, class and direction: replicas of one workload share
 * their class, so a plan over many of them evaluates the cluster once. Uses the direct evaluation, which never
 * compiles the rest of the cluster's selectors.
 */
export function reachVector(engine: PolicyEngine, classId: number, direction: Direction): ReachVector {
  let perEngine = reachVectors.get(engine);
  if (!perEngine) {
    perEngine = new Map();
    reachVectors.set(engine, perEngine);
  }
  const key = `${direction}:${classId}`;
  let v = perEngine.get(key);
  if (!v) {
    v = engine.reach(classId, direction);
    perEngine.set(key, v);
  }
  return v;
}

function connsWith(engine: PolicyEngine, self: Endpoint, group: PeerGroup | undefined, direction: Direction): ConnectionSet {
  if (!group || self.kind !== 'class') return ConnectionSet.none;
  const v = reachVector(engine, self.id, direction);
  let conns = ConnectionSet.none;
  for (const e of group.endpoints) conns = conns.union(e.kind === 'class' ? v.classes[e.id] : v.atoms[e.id]);
  return conns;
}

function attribution(engine: PolicyEngine, self: Endpoint, group: PeerGroup, direction: Direction): Attribution[] {
  const merged = new Map<string, Attribution>();
  const add = (side: PolicySide, parts: readonly VerdictPart[], allowed: ConnectionSet): void => {
    for (const part of parts) {
      const conns = part.conns.intersect(allowed);
      if (conns.isEmpty()) continue;
      const key = `${side}\u0000${JSON.stringify(part.source)}`;
      const prev = merged.get(key);
      merged.set(key, { side, source: part.source, conns: prev ? prev.conns.union(conns) : conns });
    }
  };
  for (const e of group.endpoints) {
    const v = direction === 'ingress' ? engine.explain(e, self) : engine.explain(self, e);
    if (v.allowed.isEmpty()) continue;
    add('source-egress', v.egress.allowedBy, v.allowed);
    add('destination-ingress', v.ingress.allowedBy, v.allowed);
  }
  return [...merged.values()];
}

function policiesOf(engine: PolicyEngine, classId: number): Record<Direction, PolicyRef[]> {
  return { ingress: engine.policiesFor(classId, 'ingress'), egress: engine.policiesFor(classId, 'egress') };
}

/**
 * Reachability of each target pod before and after a change. `after` is typically
 * `withManifests(withPodLabels(before, pod, {...labels, 'airlock.dev/quarantine': id}), airlockManifests)`.
 * Peers are compared by name, so a peer that exists on one side only shows as all-removed or all-added.
 */
export function compareReachability(before: Inventory, after: Inventory, targets: readonly PodRef[], options: EngineOptions = {}): PodReachabilityChange[] {
  return compareReachabilityOf({ before: new PolicyEngine(before, options), after: new PolicyEngine(after, options) }, targets);
}

/**
 * `compareReachability` over engines the caller already built, so a caller that asks several questions of the
 * same two inventories (the plan: targets of several actions, guardrails, residuals) compiles each only once.
 */
export function compareReachabilityOf(engines: { readonly before: PolicyEngine; readonly after: PolicyEngine }, targets: readonly PodRef[]): PodReachabilityChange[] {
  const [before, after] = [engines.before.inventory, engines.after.inventory];
  return targets.map((ref) => {
    const pods = { before: targetPod(before, ref, 'inventory before the change'), after: targetPod(after, ref, 'inventory after the change') };
    const classIds = {
      before: engines.before.universe.classOfPod.get(pods.before)!.id,
      after: engines.after.universe.classOfPod.get(pods.after)!.id,
    };
    const self = { before: { kind: 'class', id: classIds.before } as const, after: { kind: 'class', id: classIds.after } as const };
    const perDirection = (direction: Direction): ReachChange[] => {
      const groupsBefore = peerGroups(engines.before, pods.before, direction);
      const groupsAfter = peerGroups(engines.after, pods.after, direction);
      const keys = [...new Set([...groupsBefore.keys(), ...groupsAfter.keys()])].sort();
      const out: ReachChange[] = [];
      for (const key of keys) {
        const b = connsWith(engines.before, self.before, groupsBefore.get(key), direction);
        const gAfter = groupsAfter.get(key);
        const a = connsWith(engines.after, self.after, gAfter, direction);
        if (b.isEmpty() && a.isEmpty()) continue;
        out.push({
          peer: (gAfter ?? groupsBefore.get(key)!).peer,
          before: b,
          after: a,
          removed: b.subtract(a),
          added: a.subtract(b),
          allowedBy: gAfter && !a.isEmpty() ? attribution(engines.after, self.after, gAfter, direction) : [],
        });
      }
      return out;
    };
    return {
      pod: { namespace: ref.namespace, name: ref.name },
      workload: pods.after.workload,
      policiesBefore: policiesOf(engines.before, classIds.before),
      policiesAfter: policiesOf(engines.after, classIds.after),
      ingress: perDirection('ingress'),
      egress: perDirection('egress'),
    };
  });
}

/** Reachability of one pod in one inventory: the peers it may receive from and send to, with ports. */
export function podReachability(engine: PolicyEngine, ref: PodRef): { ingress: ReachEntry[]; egress: ReachEntry[] } {
  const pod = targetPod(engine.inventory, ref, 'inventory');
  const self: Endpoint = { kind: 'class', id: engine.universe.classOfPod.get(pod)!.id };
  const list = (direction: Direction): ReachEntry[] =>
    [...peerGroups(engine, pod, direction).entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, g]) => ({ peer: g.peer, conns: connsWith(engine, self, g, direction) }))
      .filter((e) => !e.conns.isEmpty());
  return { ingress: list('ingress'), egress: list('egress') };
}

/**
 * The pods a policy's selector catches (its blast radius): a NetworkPolicy's podSelector in its namespace, an
 * admin policy's subject. Throws ValidationError if the policy is not in the inventory.
 */
export function podsSelectedBy(inventory: Inventory, ref: PolicyRef): PodInfo[] {
  if (ref.kind === 'NetworkPolicy') {
    const np = inventory.networkPolicies.find((p) => p.namespace === ref.namespace && p.ref.name === ref.name);
    if (!np) throw new ValidationError([{ file: '(inventory)', field: 'policy', message: `${formatPolicyRef(ref)} is not in the inventory`, hint: 'a policy of the inventory' }]);
    return inventory.pods.filter((p) => p.namespace === np.namespace && matchesSelector(np.podSelector, p.labels));
  }
  const admin = ref.kind === 'AdminNetworkPolicy' ? inventory.adminNetworkPolicies.find((p) => p.ref.name === ref.name) : inventory.baselineAdminNetworkPolicy;
  if (!admin || admin.ref.name !== ref.name) {
    throw new ValidationError([{ file: '(inventory)', field: 'policy', message: `${formatPolicyRef(ref)} is not in the inventory`, hint: 'a policy of the inventory' }]);
  }
  return inventory.pods.filter((p) => {
    const ns = inventory.namespaces.get(p.namespace);
    if (!ns || !matchesSelector(admin.subject.namespaces, ns.labels)) return false;
    return admin.subject.kind === 'namespaces' || matchesSelector(admin.subject.pods, p.labels);
  });
}
