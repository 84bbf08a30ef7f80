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

/** The peers of a target: workloads (their classes, without the target itself) and external atoms. */
function peerGroups(engine: PolicyEngine, target: PodInfo, direction: Direction): Map<string, PeerGroup> {
  const groups = new Map<string, PeerGroup>();
  for (const c of engine.universe.classes) {
    const byWorkload = new Map<string, { workload: WorkloadRef; pods: string[] }>();
    for (const p of c.pods) {
      if (p === target) continue;
      const key = workloadKey(p.workload);
      const entry = byWorkload.get(key) ?? { workload: p.workload, pods: [] };
      entry.pods.push(p.name);
      byWorkload.set(key, entry);
    }
    for (const [key, { workload, pods }] of byWorkload) {
      const existing = groups.get(key);
      if (existing && existing.peer.kind === 'workload') {
        existing.endpoints.push({ kind: 'class', id: c.id });
        groups.set(key, { peer: { ...existing.peer, pods: [...existing.peer.pods, ...pods] }, endpoints: existing.endpoints });
      } else groups.set(key, { peer: { kind: 'workload', key, workload, pods }, endpoints: [{ kind: 'class', id: c.id }] });
    }
  }
  const atoms = direction === 'ingress' ? engine.universe.sourceAtoms : engine.universe.destinationAtoms;
  atoms.forEach((range, id) => {
    const key = `${formatRange(range)}[External]`;
    groups.set(key, { peer: { kind: 'external', key, range }, endpoints: [{ kind: direction === 'ingress' ? 'source-atom' : 'destination-atom', id }] });
  });
  return groups;
}

function connsWith(engine: PolicyEngine, self: Endpoint, group: PeerGroup | undefined, direction: Direction): ConnectionSet {
  if (!group) return ConnectionSet.none;
  let conns = ConnectionSet.none;
  for (const e of group.endpoints) conns = conns.union(direction === 'ingress' ? engine.allowed(e, self) : engine.allowed(self, e));
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
  const engines = { before: new PolicyEngine(before, options), after: new PolicyEngine(after, options) };
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
