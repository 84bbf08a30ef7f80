/**
 * `airlock plan`: proof, from a snapshot of the cluster, that an incident's containment does what it declares,
 * before it is merged. NetworkPolicies only add allows, so a new deny-all policy is *present* without being
 * *effective*; this module computes which, per action, and names what still gets through.
 *
 * Three inventories are derived from the snapshot:
 *
 * - **before**: the snapshot as it is;
 * - **after**: the snapshot with every pod that a single-pod action names carrying `airlock.dev/quarantine: <ID>`
 *   (as it will once the label is applied) and with the incident's manifests for the chosen backend applied as
 *   `kubectl apply` would (a manifest with the kind, namespace and name of an existing policy replaces it: that
 *   is how a patched policy, `NotIn` the quarantine label, is proven). Every action is judged in the state the
 *   whole incident creates;
 * - **reference**: the same pods and namespaces with *only* the incident rendered by the plain NetworkPolicy
 *   backend. That rendering is exactly the declared allows plus the DNS profile, so it defines what "only the
 *   declared allows remain" means, independently of how the chosen backend expresses it.
 *
 * Definitions, for a target pod `T` of an action and a direction `d` that the action restricts (both for
 * isolatePod, isolateWorkload and quarantineNamespace; egress only for restrictEgress):
 *
 * - `declared(T, d, p)`: what `T`'s own side admits with peer `p` in the reference inventory (for ingress,
 *   what `T`'s ingress rules accept from `p`; for egress, what its egress rules let it send to `p`), whatever
 *   `p`'s policies say.
 * - `reach(T, d, p)`: what may actually flow between `T` and `p` in the after inventory, both sides applied
 *   (a connection needs the source's egress and the destination's ingress).
 * - **residual** `= reach(T, d, p) − declared(T, d, p)`: traffic that still flows and that no declared allow
 *   permits. Since `reach` needs `T`'s side too, every residual connection is admitted by `T`'s side, and the
 *   plan names the policy that admits it there (a NetworkPolicy rule, an admin `Allow` rule, or `non-isolated`
 *   when nothing selects `T` in that direction): that is the policy to patch, or to outrank with a stronger
 *   backend. A peer whose own policies block the traffic today contributes nothing, since nothing flows.
 * - The action is **effective** when no target has a residual in any direction it restricts (and nothing
 *   prevented the proof, such as a named pod missing from the inventory); otherwise **ineffective**.
 *
 * Exactness: peers are compared per policy-equivalence class (same namespace, labels and ports), never per
 * workload, so a workload whose pods differ in labels cannot hide one pod's residual behind another's
 * declared allow; external addresses are compared on the common refinement of both inventories' address
 * atoms, so a residual range is exactly the addresses whose traffic is residual. Only the after inventory is
 * judged; `before` is for the reader.
 *
 * Cost: three policy engines (before, after, reference; the reference shares the after inventory's classes),
 * then one pass over the cluster's classes per target class and direction. Replicas of one workload share their
 * class, so isolating a workload costs about as much as isolating one pod.
 *
 * Guardrails that need the inventory are findings of the same plan: a selector that matches no pod, pods of
 * more than one workload, a blast radius over the limit (a refusal unless the action carries an override
 * reason), the DNS tunnelling channel that any DNS profile but `none` keeps open, block-strength warnings of
 * image blocks, and the running pods (with their owner workloads) that still run a blocked image: admission
 * stops only new pods, so those need a responder. Analysis writes nothing: the plan is data, and the renderers (JSON, Markdown, text) live in
 * `plan-*.ts`.
 */
import { blocklistFromReferences, isBlocked } from '../admission/blocklist';
import { blockStrengthWarnings } from '../admission/strength';
import { parseImageReference } from '../incident/image-reference';
import type { Manifest } from '../admission/manifest';
import { ExitCode } from '../errors';
import { isNetworkAction, QUARANTINE_LABEL, type BlockImagesAction, type DnsProfile, type Incident, type Labels, type NetworkAction } from '../incident/types';
import { PolicyEngine, type Direction, type EngineOptions, type VerdictSource } from './engine';
import { withManifests, withPodLabels, type SourcedObject } from './inventory';
import { formatRange, type IpRange } from './ipset';
import { formatPolicyRef, type Inventory, type PodInfo, type PodRef, type WorkloadRef } from './model';
import { ConnectionSet } from './ports';
import { compareReachabilityOf, reachVector, type PodReachabilityChange } from './reachability';
import { workloadKey } from './universe';

/** What a plan is computed from. */
export interface PlanInput {
  /** A validated, active incident. */
  readonly incident: Incident;
  /** Everything the incident synthesizes for the cluster's chosen backend; non-policy kinds are ignored. */
  readonly manifests: readonly Manifest[];
  /**
   * The same incident rendered with the plain NetworkPolicy backend: exactly the declared allows and the DNS
   * profile, which is what the after state is judged against.
   */
  readonly reference: readonly Manifest[];
  /** The cluster snapshot. */
  readonly inventory: Inventory;
  /** Most pods one action may select (from `policies/` guardrails); unlimited when absent. */
  readonly blastRadiusLimit?: number;
  /** DNS profile of actions that do not set one (the settings' default). @default 'cluster' */
  readonly defaultDns?: DnsProfile;
  /** Address families of the external universe; both by default. */
  readonly engineOptions?: EngineOptions;
  /**
   * Applies `manifests` to an inventory. Kinds the engine does not know natively (Calico, Cilium) need a model
   * that the caller supplies, since analysis knows nothing of backends. @default withManifests
   */
  readonly apply?: (inventory: Inventory, manifests: readonly Manifest[], source: string) => Inventory;
}

/** What kind of finding: stable identifiers for tooling, documented by their messages. */
export type FindingCode =
  /** The pod an action names is not in the inventory: nothing can be proven. */
  | 'missing-pod'
  /** A selector (or namespace) matches no pod of the inventory. */
  | 'empty-selector'
  /** A selector matches pods of more than one workload. */
  | 'multiple-workloads'
  /** More pods than the blast-radius limit, without an override: the action is refused. */
  | 'blast-radius'
  /** More pods than the blast-radius limit, allowed by the action's override reason. */
  | 'blast-radius-override'
  /** The DNS profile keeps a channel that DNS tunnelling can use. */
  | 'dns-tunnel'
  /** The reference policies do not restrict a direction the action restricts: the verdict has no yardstick. */
  | 'reference-not-restricting'
  /** The manifests open traffic, in a direction the action leaves alone, that was not allowed before. */
  | 'opens-traffic'
  /** An image is blocked by tag or repository, which is weaker than by digest. */
  | 'weak-image-block'
  /** Pods of the snapshot run a blocked image: admission does not stop them. */
  | 'running-blocked-image';

/**
 * Something a reviewer must read before merging. `error` findings make the action ineffective (the proof
 * failed); a `refused` finding is a guardrail that the action may not pass without an override.
 */
export interface PlanFinding {
  readonly severity: 'warning' | 'error';
  readonly code: FindingCode;
  readonly message: string;
  readonly refused?: true;
}

/**
 * Traffic that still flows after the change and that the declared allows do not permit, grouped by peer and by
 * the policy on the target's side that admits it.
 */
export interface ResidualEntry {
  readonly direction: Direction;
  /** The target pod, `ns/pod`. */
  readonly target: string;
  /** `ns/name[Kind]` for pods (grouped by workload), `first-last[External]` for addresses. */
  readonly peer: string;
  /** The connections, e.g. `TCP 80,UDP 53` or `All Connections`. */
  readonly ports: string;
  /** `NetworkPolicy ns/name`, `AdminNetworkPolicy name`, ... or `non-isolated`. */
  readonly policy: string;
  /** The rule of `policy` (`ingress[0]`, or an admin rule's name); absent for `non-isolated`. */
  readonly rule?: string;
  readonly conns: ConnectionSet;
}

/** A workload caught by an action, and which of its pods. */
export interface BlastRadiusEntry {
  /** `ns/name[Kind]`. */
  readonly workload: string;
  readonly ref: WorkloadRef;
  /** Pod names, sorted. */
  readonly pods: readonly string[];
}

/** One pod an action contains: its reachability before and after, and its residual. */
export interface PlanTarget {
  readonly pod: PodRef;
  /** `ns/pod`. */
  readonly name: string;
  readonly workload: WorkloadRef;
  /** Before/after per direction, per peer; `after` as the pod will be (quarantine label applied). */
  readonly reachability: PodReachabilityChange;
  /** Sorted by direction, peer and policy. */
  readonly residual: readonly ResidualEntry[];
}

/** The plan of a network action. */
export interface NetworkActionPlan {
  readonly kind: 'network';
  /** Index in `incident.actions`. */
  readonly index: number;
  readonly action: NetworkAction;
  /** The directions the verdict judges. */
  readonly restricts: readonly Direction[];
  /** The DNS profile in effect for the action. */
  readonly dns: DnsProfile;
  /** Sorted by `ns/pod`. */
  readonly targets: readonly PlanTarget[];
  /** Sorted by workload. */
  readonly blastRadius: readonly BlastRadiusEntry[];
  readonly effective: boolean;
  readonly refused: boolean;
  /** Every target's residual. */
  readonly residual: readonly ResidualEntry[];
  readonly findings: readonly PlanFinding[];
}

/**
 * A container of the snapshot that runs an image the blocklist catches. Admission stops only new pods, so
 * these keep running until a responder deletes or isolates them.
 */
export interface BlockedImageUse {
  /** `ns/pod`, or `ns/name[Kind]` for a workload manifest's template (standing for its replicas). */
  readonly pod: string;
  /** The owner workload, `ns/name[Kind]` (the pod itself, `[Pod]`, when it has none). */
  readonly workload: string;
  readonly container: string;
  /** The image as the pod spec writes it. */
  readonly image: string;
  /** The digest the node pulled, when the snapshot's status reports it. */
  readonly digest?: string;
  /** The first entry of the action's `images` that catches it, as declared. */
  readonly entry: string;
}

/** The plan of an image block: admission has no reachability to prove, only the strength of each entry. */
export interface AdmissionActionPlan {
  readonly kind: 'admission';
  readonly index: number;
  readonly action: BlockImagesAction;
  readonly effective: true;
  readonly refused: false;
  /** What the snapshot runs that the block catches, sorted by pod and container. */
  readonly running: readonly BlockedImageUse[];
  readonly findings: readonly PlanFinding[];
}

/** The plan of one action. */
export type ActionPlan = NetworkActionPlan | AdmissionActionPlan;

/** The plan of one incident: what the pull request shows and what `airlock plan`'s exit code is made of. */
export interface IncidentPlan {
  readonly incident: Pick<Incident, 'id' | 'slug' | 'title' | 'severity' | 'file'>;
  /** In the incident's action order. */
  readonly actions: readonly ActionPlan[];
  /** True when every action is effective. */
  readonly effective: boolean;
  /** True when a guardrail refused any action. */
  readonly refused: boolean;
}

/** `kind` of a network action and what it names, e.g. `isolatePod shop/web-1`, for headings and tables. */
export function describeAction(action: NetworkAction | BlockImagesAction): string {
  switch (action.kind) {
    case 'isolatePod':
      return `isolatePod ${action.namespace}/${action.pod}`;
    case 'isolateWorkload':
      return `isolateWorkload ${action.namespace} ${selector(action.selector)}`;
    case 'quarantineNamespace':
      return `quarantineNamespace ${action.namespace}`;
    case 'restrictEgress':
      return action.pod !== undefined ? `restrictEgress ${action.namespace}/${action.pod}` : `restrictEgress ${action.namespace} ${selector(action.selector)}`;
    case 'blockImages':
      return `blockImages ${action.images.length} image${action.images.length === 1 ? '' : 's'}`;
  }
}

/** `app=web,tier=front`: an equality selector as `kubectl -l` takes it. */
function selector(labels: Labels): string {
  return Object.keys(labels)
    .sort(byText)
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** Byte-order comparison, so every list of the plan sorts the same everywhere. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The pod a single-pod action names, if the action is one. */
function namedPod(action: NetworkAction): PodRef | undefined {
  if (action.kind === 'isolatePod') return { namespace: action.namespace, name: action.pod };
  if (action.kind === 'restrictEgress' && action.pod !== undefined) return { namespace: action.namespace, name: action.pod };
  return undefined;
}

/** The label selector of a selector action; `{}` (every pod) for the others. */
function actionSelector(action: NetworkAction): Labels {
  return action.kind === 'isolateWorkload' || (action.kind === 'restrictEgress' && action.selector !== undefined) ? action.selector : {};
}

function matchesLabels(selector: Labels, labels: Labels): boolean {
  return Object.keys(selector).every((k) => labels[k] === selector[k]);
}

/** The three inventories and their engines; built once per incident, shared by its actions. */
interface Worlds {
  readonly before: PolicyEngine;
  readonly after: PolicyEngine;
  readonly reference: PolicyEngine;
}

function sourced(manifests: readonly Manifest[], source: string): SourcedObject[] {
  return manifests.map((m) => ({ object: m as unknown as Record<string, unknown>, source }));
}

/**
 * Engines of snapshots, by inventory and address families. The snapshot is the same for every incident of a
 * run and for each backend an incident is compared under, so its engine (and the reach vectors computed on
 * it) is built once; the after and reference inventories differ per plan and get engines of their own.
 */
const snapshotEngines = new WeakMap<Inventory, Map<string, PolicyEngine>>();

function snapshotEngine(inventory: Inventory, options: EngineOptions): PolicyEngine {
  let byFamilies = snapshotEngines.get(inventory);
  if (!byFamilies) {
    byFamilies = new Map();
    snapshotEngines.set(inventory, byFamilies);
  }
  const key = (options.ipFamilies ?? ['IPv4', 'IPv6']).join(',');
  let engine = byFamilies.get(key);
  if (!engine) {
    engine = new PolicyEngine(inventory, { ipFamilies: options.ipFamilies });
    byFamilies.set(key, engine);
  }
  return engine;
}

function buildWorlds(input: PlanInput): Worlds {
  const { incident, inventory } = input;
  let labelled = inventory;
  for (const action of incident.actions) {
    if (!isNetworkAction(action)) continue;
    const ref = namedPod(action);
    if (!ref) continue;
    const pod = labelled.pods.find((p) => p.namespace === ref.namespace && p.name === ref.name);
    if (pod && pod.labels[QUARANTINE_LABEL] !== incident.id) labelled = withPodLabels(labelled, ref, { ...pod.labels, [QUARANTINE_LABEL]: incident.id });
  }
  const source = `${incident.file} (synthesized)`;
  const after = input.apply ? input.apply(labelled, input.manifests, source) : withManifests(labelled, sourced(input.manifests, source));
  // Only the reference policies, over the after inventory's very pod list and namespaces: both universes then
  // share their classes (computed once), and a class of one is the same pods as in the other.
  const policies = withManifests({ namespaces: after.namespaces, pods: [], networkPolicies: [], adminNetworkPolicies: [], notes: [] }, sourced(input.reference, `${incident.file} (reference rendering)`));
  const reference: Inventory = { ...policies, namespaces: after.namespaces, pods: after.pods };
  const options = input.engineOptions ?? {};
  const before = snapshotEngine(inventory, options);
  // The after inventory is the snapshot with a few pods relabelled and policies added: its classes are derived from
  // the snapshot's, and the classes of namespaces whose policies are unchanged take the snapshot engine's rows.
  return { before, after: new PolicyEngine(after, { ...options, basis: before }), reference: new PolicyEngine(reference, options) };
}

/** The target side's allowing parts of one connection, from the after engine's explanation. */
function targetSideParts(worlds: Worlds, self: number, peer: { kind: 'class' | 'atom'; id: number }, direction: Direction): readonly { source: VerdictSource; conns: ConnectionSet }[] {
  const me = { kind: 'class', id: self } as const;
  if (direction === 'ingress') {
    const src = peer.kind === 'class' ? ({ kind: 'class', id: peer.id } as const) : ({ kind: 'source-atom', id: peer.id } as const);
    return worlds.after.explain(src, me).ingress.allowedBy;
  }
  const dst = peer.kind === 'class' ? ({ kind: 'class', id: peer.id } as const) : ({ kind: 'destination-atom', id: peer.id } as const);
  return worlds.after.explain(me, dst).egress.allowedBy;
}

function policyOf(source: VerdictSource): { policy: string; rule?: string } {
  switch (source.kind) {
    case 'rule':
      return { policy: formatPolicyRef(source.policy), rule: source.rule };
    case 'non-isolated':
      return { policy: 'non-isolated' };
    case 'isolated':
      return { policy: `isolated by ${source.policies.map(formatPolicyRef).join(', ')}` };
    case 'external':
      return { policy: 'external' };
  }
}

/** Accumulates residual connections by (peer, policy, rule); the caller sorts the entries. */
class ResidualSink {
  private readonly byKey = new Map<string, { peer: string; policy: string; rule?: string; conns: ConnectionSet }>();

  add(peer: string, source: VerdictSource, conns: ConnectionSet): void {
    const { policy, rule } = policyOf(source);
    const key = JSON.stringify([peer, policy, rule ?? null]);
    const prev = this.byKey.get(key);
    this.byKey.set(key, { peer, policy, ...(rule !== undefined ? { rule } : {}), conns: prev ? prev.conns.union(conns) : conns });
  }

  entries(direction: Direction, target: string): ResidualEntry[] {
    return [...this.byKey.values()].map((e) => ({ direction, target, peer: e.peer, ports: e.conns.toString(), policy: e.policy, ...(e.rule !== undefined ? { rule: e.rule } : {}), conns: e.conns }));
  }
}

/**
 * Calls `visit` for every non-empty intersection of an atom of `a` with an atom of `b` (both lists cover the
 * address space of each family, ascending within a family): the common refinement of two partitions.
 */
function refine(a: readonly IpRange[], b: readonly IpRange[], visit: (ia: number, ib: number, piece: IpRange) => void): void {
  for (const family of ['IPv4', 'IPv6'] as const) {
    const ia = a.map((r, k) => [r, k] as const).filter(([r]) => r.family === family);
    const ib = b.map((r, k) => [r, k] as const).filter(([r]) => r.family === family);
    let i = 0;
    let j = 0;
    while (i < ia.length && j < ib.length) {
      const [ra, ka] = ia[i];
      const [rb, kb] = ib[j];
      const first = ra.first > rb.first ? ra.first : rb.first;
      const last = ra.last < rb.last ? ra.last : rb.last;
      if (first <= last) visit(ka, kb, { family, first, last });
      if (ra.last < rb.last) i++;
      else if (rb.last < ra.last) j++;
      else {
        i++;
        j++;
      }
    }
  }
}

/** The residual of one target in one direction; see the module comment for the definition. */
function residualOf(worlds: Worlds, target: PodInfo, direction: Direction): ResidualEntry[] {
  const name = `${target.namespace}/${target.name}`;
  const selfAfter = worlds.after.universe.classOfPod.get(target)!.id;
  const selfRef = worlds.reference.universe.classOfPod.get(target)!.id;
  const reach = reachVector(worlds.after, selfAfter, direction);
  const sink = new ResidualSink();

  worlds.after.universe.classes.forEach((c) => {
    const flows = reach.classes[c.id];
    if (flows.isEmpty()) return;
    const peers = c.pods.filter((p) => p !== target);
    if (peers.length === 0) return;
    const refClass = worlds.reference.universe.classOfPod.get(peers[0])!.id;
    const residual = flows.subtract(worlds.reference.sideAllowed(selfRef, direction, { kind: 'class', id: refClass }));
    if (residual.isEmpty()) return;
    const keys = [...new Set(peers.map((p) => workloadKey(p.workload)))];
    for (const part of targetSideParts(worlds, selfAfter, { kind: 'class', id: c.id }, direction)) {
      const conns = part.conns.intersect(residual);
      if (conns.isEmpty()) continue;
      for (const key of keys) sink.add(key, part.source, conns);
    }
  });

  const role = direction === 'ingress' ? 'source' : 'destination';
  const afterAtoms = worlds.after.atoms(role);
  const refAtoms = worlds.reference.atoms(role);
  const refKind = direction === 'ingress' ? 'source-atom' : 'destination-atom';
  // Per policy source: the residual pieces in address order, merged where contiguous and equal.
  const pieces = new Map<string, { source: VerdictSource; ranges: { range: IpRange; conns: ConnectionSet }[] }>();
  const parts = new Map<number, readonly { source: VerdictSource; conns: ConnectionSet }[]>();
  refine(afterAtoms, refAtoms, (ia, ib, piece) => {
    const flows = reach.atoms[ia];
    if (flows.isEmpty()) return;
    const residual = flows.subtract(worlds.reference.sideAllowed(selfRef, direction, { kind: refKind, id: ib }));
    if (residual.isEmpty()) return;
    let explained = parts.get(ia);
    if (!explained) {
      explained = targetSideParts(worlds, selfAfter, { kind: 'atom', id: ia }, direction);
      parts.set(ia, explained);
    }
    for (const part of explained) {
      const conns = part.conns.intersect(residual);
      if (conns.isEmpty()) continue;
      const key = JSON.stringify(part.source);
      const entry = pieces.get(key) ?? { source: part.source, ranges: [] };
      const prev = entry.ranges[entry.ranges.length - 1];
      if (prev && prev.range.family === piece.family && prev.range.last + 1n === piece.first && prev.conns.equals(conns)) {
        entry.ranges[entry.ranges.length - 1] = { range: { ...prev.range, last: piece.last }, conns };
      } else entry.ranges.push({ range: piece, conns });
      pieces.set(key, entry);
    }
  });
  for (const { source, ranges } of pieces.values()) for (const r of ranges) sink.add(`${formatRange(r.range)}[External]`, source, r.conns);

  return sink.entries(direction, name);
}

/** Residual entries that differ only in their target, merged: a reader needs each peer once, not once per replica. */
export interface ResidualGroup {
  readonly direction: Direction;
  readonly peer: string;
  readonly ports: string;
  readonly policy: string;
  readonly rule?: string;
  /** `ns/pod`, sorted. */
  readonly targets: readonly string[];
}

/** Groups residual entries by everything but the target, sorted by direction, peer, policy, rule and ports. */
export function groupResidual(entries: readonly ResidualEntry[]): ResidualGroup[] {
  const groups = new Map<string, { direction: Direction; peer: string; ports: string; policy: string; rule?: string; targets: string[] }>();
  for (const e of entries) {
    const key = JSON.stringify([e.direction, e.peer, e.policy, e.rule ?? null, e.ports]);
    const g = groups.get(key);
    if (g) g.targets.push(e.target);
    else groups.set(key, { direction: e.direction, peer: e.peer, ports: e.ports, policy: e.policy, ...(e.rule !== undefined ? { rule: e.rule } : {}), targets: [e.target] });
  }
  return [...groups.values()]
    .map((g) => ({ ...g, targets: [...new Set(g.targets)].sort(byText) }))
    .sort((a, b) => byText(a.direction, b.direction) || byText(a.peer, b.peer) || byText(a.policy, b.policy) || byText(a.rule ?? '', b.rule ?? '') || byText(a.ports, b.ports));
}

function compareResidual(a: ResidualEntry, b: ResidualEntry): number {
  return byText(a.direction, b.direction) || byText(a.target, b.target) || byText(a.peer, b.peer) || byText(a.policy, b.policy) || byText(a.rule ?? '', b.rule ?? '');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A list for a message, cut after `max` items so one finding stays one readable line. */
function listed(items: readonly string[], max = 5): string {
  return items.length > max ? `${items.slice(0, max).join(', ')} and ${items.length - max} more` : items.join(', ');
}

/** The pods an action selects, in the after inventory (the pod named by a single-pod action as it will be). */
function selectTargets(after: Inventory, action: NetworkAction): PodInfo[] {
  const named = namedPod(action);
  if (named) return after.pods.filter((p) => p.namespace === named.namespace && p.name === named.name);
  if (action.kind === 'quarantineNamespace') return after.pods.filter((p) => p.namespace === action.namespace);
  const labels = actionSelector(action);
  return after.pods.filter((p) => p.namespace === action.namespace && matchesLabels(labels, p.labels));
}

function planNetworkAction(input: PlanInput, worlds: Worlds, action: NetworkAction, index: number): NetworkActionPlan {
  const findings: PlanFinding[] = [];
  const restricts: Direction[] = action.kind === 'restrictEgress' ? ['egress'] : ['ingress', 'egress'];
  const dns = action.dns ?? input.defaultDns ?? 'cluster';
  const pods = selectTargets(worlds.after.inventory, action).sort((a, b) => byText(a.name, b.name));
  const named = namedPod(action);

  if (named && pods.length === 0) {
    findings.push({
      severity: 'error',
      code: 'missing-pod',
      message: `pod ${named.namespace}/${named.name} is not in the inventory: the quarantine label cannot be applied to it and nothing can be proven (is the inventory current, and is the pod name exact?)`,
    });
  } else if (pods.length === 0) {
    findings.push({
      severity: 'warning',
      code: 'empty-selector',
      message:
        action.kind === 'quarantineNamespace'
          ? `namespace ${action.namespace} has no pods in the inventory: the quarantine contains nothing today`
          : `selector ${selector(actionSelector(action))} matches no pod in namespace ${action.namespace}: the policy would contain nothing (check the labels, or refresh the inventory)`,
    });
  }

  const byWorkload = new Map<string, { ref: WorkloadRef; pods: string[] }>();
  for (const p of pods) {
    const key = workloadKey(p.workload);
    const entry = byWorkload.get(key) ?? { ref: p.workload, pods: [] };
    entry.pods.push(p.name);
    byWorkload.set(key, entry);
  }
  const blastRadius: BlastRadiusEntry[] = [...byWorkload.entries()].sort(([a], [b]) => byText(a, b)).map(([workload, e]) => ({ workload, ref: e.ref, pods: [...e.pods].sort(byText) }));

  if ((action.kind === 'isolateWorkload' || action.kind === 'restrictEgress') && !named && blastRadius.length > 1) {
    findings.push({
      severity: 'warning',
      code: 'multiple-workloads',
      message: `the selector matches pods of ${blastRadius.length} workloads: ${listed(blastRadius.map((w) => `${w.workload} (${plural(w.pods.length, 'pod')})`), 10)}; narrow it if only one is compromised`,
    });
  }

  let refused = false;
  const limit = input.blastRadiusLimit;
  if (limit !== undefined && pods.length > limit) {
    if (action.override?.reason) {
      findings.push({ severity: 'warning', code: 'blast-radius-override', message: `selects ${plural(pods.length, 'pod')}, more than the blast-radius limit of ${limit}; allowed by override: ${action.override.reason}` });
    } else {
      refused = true;
      findings.push({
        severity: 'error',
        code: 'blast-radius',
        refused: true,
        message: `selects ${plural(pods.length, 'pod')}, more than the blast-radius limit of ${limit}: refused (narrow the selector, or add override: { reason } to the action)`,
      });
    }
  }

  if (dns !== 'none') {
    findings.push({
      severity: 'warning',
      code: 'dns-tunnel',
      message: `DNS profile "${dns}" keeps DNS open, and DNS permits tunnelling (data can leave in queries to any domain); use dns: 'none' if the pod does not need name resolution`,
    });
  }

  const changes = pods.length > 0 ? compareReachabilityOf({ before: worlds.before, after: worlds.after }, pods.map((p) => ({ namespace: p.namespace, name: p.name }))) : [];
  const targets: PlanTarget[] = [];
  const unrestricting = new Set<string>();
  pods.forEach((pod, k) => {
    const selfRef = worlds.reference.universe.classOfPod.get(pod)!.id;
    const residual: ResidualEntry[] = [];
    for (const direction of restricts) {
      if (worlds.reference.policiesFor(selfRef, direction).length === 0) {
        unrestricting.add(`${direction}:${pod.namespace}/${pod.name}`);
        continue;
      }
      residual.push(...residualOf(worlds, pod, direction));
    }
    residual.sort(compareResidual);
    targets.push({ pod: { namespace: pod.namespace, name: pod.name }, name: `${pod.namespace}/${pod.name}`, workload: pod.workload, reachability: changes[k], residual });
  });
  for (const direction of restricts) {
    const missing = targets.filter((t) => unrestricting.has(`${direction}:${t.name}`)).map((t) => t.name);
    if (missing.length > 0) {
      findings.push({
        severity: 'error',
        code: 'reference-not-restricting',
        message: `the reference rendering does not restrict ${direction} of ${listed(missing)}: the declared allows cannot be told apart from everything (a synthesis bug, or the reference was rendered for another inventory)`,
      });
    }
  }
  for (const direction of ['ingress', 'egress'] as const) {
    if (restricts.includes(direction)) continue;
    const opened = targets.flatMap((t) => t.reachability[direction].filter((c) => !c.added.isEmpty()).map((c) => `${t.name} ${direction === 'ingress' ? 'from' : 'to'} ${c.peer.key} (${c.added.toString()})`));
    if (opened.length > 0) {
      findings.push({ severity: 'warning', code: 'opens-traffic', message: `the manifests open ${direction} that was not allowed before: ${listed(opened)}` });
    }
  }

  const residual = targets.flatMap((t) => t.residual).sort(compareResidual);
  const proofFailed = findings.some((f) => f.severity === 'error' && !f.refused);
  return {
    kind: 'network',
    index,
    action,
    restricts,
    dns,
    targets,
    blastRadius,
    effective: residual.length === 0 && !proofFailed,
    refused,
    residual,
    findings,
  };
}

/**
 * The containers of the inventory whose image one of the entries catches, with the admission's own matching:
 * by digest (the spec's, or the one the node pulled), by repository, or by repository:tag.
 */
export function blockedImageUses(inventory: Inventory, images: readonly string[]): BlockedImageUse[] {
  const entries = images.flatMap((entry) => {
    const parsed = parseImageReference(entry);
    return parsed.ok ? [{ entry, blocklist: blocklistFromReferences('', '', [parsed.value]) }] : [];
  });
  const out: BlockedImageUse[] = [];
  if (entries.length === 0) return out;
  for (const pod of inventory.pods) {
    for (const c of pod.images) {
      const hit = entries.find(({ blocklist }) => isBlocked(c.image, blocklist) || (c.digest !== undefined && blocklist.digests.has(c.digest)));
      if (!hit) continue;
      out.push({ pod: `${pod.namespace}/${pod.name}`, workload: workloadKey(pod.workload), container: c.container, image: c.image, ...(c.digest !== undefined ? { digest: c.digest } : {}), entry: hit.entry });
    }
  }
  return out.sort((a, b) => byText(a.pod, b.pod) || byText(a.container, b.container));
}

function planAdmissionAction(action: BlockImagesAction, index: number, inventory: Inventory): AdmissionActionPlan {
  const findings: PlanFinding[] = blockStrengthWarnings(action.images).map((w) => ({ severity: 'warning', code: 'weak-image-block', message: w.message }));
  const running = blockedImageUses(inventory, action.images);
  if (running.length > 0) {
    const pods = [...new Set(running.map((r) => r.pod))];
    const workloads = [...new Set(running.map((r) => r.workload))];
    findings.push({
      severity: 'warning',
      code: 'running-blocked-image',
      message: `${plural(pods.length, 'running pod')} of ${plural(workloads.length, 'workload')} still run a blocked image (admission stops only new pods; delete or isolate them): ${listed(pods.map((p) => `${p} (${running.filter((r) => r.pod === p).map((r) => r.container).join(', ')})`))}`,
    });
  }
  return { kind: 'admission', index, action, effective: true, refused: false, running, findings };
}

/**
 * Plans one incident against a snapshot. Throws ValidationError if a manifest is not a valid policy object (a
 * synthesis bug: the plan never guesses what an invalid policy would do); every other problem is a finding.
 */
export function planIncident(input: PlanInput): IncidentPlan {
  const { incident } = input;
  const hasNetwork = incident.actions.some(isNetworkAction);
  const worlds = hasNetwork ? buildWorlds(input) : undefined;
  // Evidence capture contains nothing, so the plan has no verdict for it (the runbook describes it).
  const actions: ActionPlan[] = incident.actions.flatMap((action, index) =>
    action.kind === 'captureEvidence' ? [] : [action.kind === 'blockImages' ? planAdmissionAction(action, index, input.inventory) : planNetworkAction(input, worlds!, action, index)],
  );
  return {
    incident: { id: incident.id, slug: incident.slug, title: incident.title, severity: incident.severity, file: incident.file },
    actions,
    effective: actions.every((a) => a.effective),
    refused: actions.some((a) => a.refused),
  };
}

/**
 * The exit code of `airlock plan`: `ineffective` (4) when any action of any plan is ineffective or refused,
 * so CI and the pull-request check fail on containment that is not proven.
 */
export function planExitCode(plans: readonly IncidentPlan[]): ExitCode {
  return plans.some((p) => p.actions.some((a) => !a.effective || a.refused)) ? ExitCode.ineffective : ExitCode.ok;
}
