/**
 * The policy evaluator. Per direction, a pod's traffic is decided tier by tier, as the Kubernetes
 * network-policy API specifies:
 *
 * 1. AdminNetworkPolicies whose subject selects the pod, highest precedence (lowest priority number) first,
 *    rules in order: the first rule that matches a (peer, protocol, port) decides Allow, Deny or Pass.
 * 2. What no admin rule decided, and what was passed, goes to NetworkPolicies: if any selects the pod in this
 *    direction the pod is isolated and only what some NetworkPolicy allows gets through (they only add allows).
 * 3. If no NetworkPolicy isolates the pod, the BaselineAdminNetworkPolicy's first matching rule decides.
 * 4. Whatever is still undecided is allowed.
 *
 * A connection is allowed only if the source's egress AND the destination's ingress allow it. Addresses
 * outside the cluster have no policies of their own. As in the netpol-analyzer, ipBlocks and `networks`
 * select only addresses outside the cluster, never pods.
 */
import type { IpFamily, IpRange } from './ipset';
import type { AdminPolicyInfo, Inventory, NetworkPolicyInfo, PolicyRef } from './model';
import { ConnectionSet } from './ports';
import { compilePorts, selectPeerList, selectPeers, selects, type CompiledRule, type PeerId, type Selection } from './rules';
import { matchesSelector } from './selectors';
import { buildUniverse, type PodClass, type Universe } from './universe';

/** Traffic direction, seen from the pod whose policies are evaluated. */
export type Direction = 'ingress' | 'egress';

/** Why (part of) a connection is allowed or denied in one direction. */
export type VerdictSource =
  /** A rule of a policy: a NetworkPolicy rule (`ingress[0]`), or an admin rule by name. */
  | { readonly kind: 'rule'; readonly policy: PolicyRef; readonly rule: string; readonly action: 'Allow' | 'Deny' | 'Pass' }
  /** NetworkPolicies select the pod in this direction and none of their rules allows this. */
  | { readonly kind: 'isolated'; readonly policies: readonly PolicyRef[] }
  /** No NetworkPolicy selects the pod in this direction and no admin rule decided: allowed by default. */
  | { readonly kind: 'non-isolated' }
  /** The endpoint is an address outside the cluster: it has no policies of its own. */
  | { readonly kind: 'external' };

/** A part of a direction's verdict and its source. */
export interface VerdictPart {
  readonly source: VerdictSource;
  readonly conns: ConnectionSet;
}

/** The verdict of one direction, with the policies behind each part of it. */
export interface DirectionVerdict {
  readonly allowed: ConnectionSet;
  readonly allowedBy: readonly VerdictPart[];
  readonly deniedBy: readonly VerdictPart[];
}

/** An endpoint of a connection: a pod class, or an external atom of the direction it is used in. */
export type Endpoint =
  | { readonly kind: 'class'; readonly id: number }
  /** Index into `universe.sourceAtoms`: only as a source. */
  | { readonly kind: 'source-atom'; readonly id: number }
  /** Index into `universe.destinationAtoms`: only as a destination. */
  | { readonly kind: 'destination-atom'; readonly id: number };

/** A connection's full verdict: allowed is egress ∩ ingress. */
export interface ConnectionVerdict {
  readonly allowed: ConnectionSet;
  readonly egress: DirectionVerdict;
  readonly ingress: DirectionVerdict;
}

/** Options of an analysis. */
export interface EngineOptions {
  /** Address families of the external universe; both by default. */
  readonly ipFamilies?: readonly IpFamily[];
  /**
   * The engine of an inventory this one derives from, with a few pods or policies changed (a plan's snapshot,
   * for the inventory with the quarantine label applied and the incident's policies added). Its pod classes are
   * carried over and only the changed pods are grouped again; where the baseline and the address atoms are the
   * same and the basis' admin policies are kept, each class of a namespace whose NetworkPolicies are the very
   * same objects, and that no added admin policy selects, takes the basis engine's rows (computed once for
   * both). Only a cost: every answer is the same without it.
   */
  readonly basis?: PolicyEngine;
}

/** The policies that apply to a pod in one direction, in evaluation order. */
interface Row {
  readonly admin: readonly CompiledRule[];
  readonly isolatedBy: readonly PolicyRef[];
  readonly networkPolicy: readonly CompiledRule[];
  readonly baseline: readonly CompiledRule[];
  /** Fast path: nothing applies, everything is allowed. */
  readonly open: boolean;
  /** Classes of the universe the row's rules were compiled in: ids from there on are decided per class. */
  readonly classCount: number;
  readonly usesNamedPorts: boolean;
  readonly touchedClasses: ReadonlySet<number>;
  readonly touchedAtoms: ReadonlySet<number>;
}

const NO_ADMIN: readonly boolean[] = [];
const NO_RULES: readonly CompiledRule[] = [];
const GENERIC_CLASS: PeerId = { kind: 'class', id: -1 };
const GENERIC_ATOM: PeerId = { kind: 'atom', id: -1 };
const EXTERNAL: DirectionVerdict = { allowed: ConnectionSet.all, allowedBy: [{ source: { kind: 'external' }, conns: ConnectionSet.all }], deniedBy: [] };

function mergeTouched(rules: readonly CompiledRule[], pick: (s: Selection) => ReadonlySet<number>): Set<number> {
  const out = new Set<number>();
  for (const r of rules) for (const id of pick(r.selection)) out.add(id);
  return out;
}

/**
 * Evaluates one direction of a row for one peer. `destination` resolves named ports (the peer for egress, the
 * row's pod for ingress). With `explain` false only `allowed` is meaningful; the lists stay empty.
 */
function evaluate(row: Row, peer: PeerId, destination: PodClass | undefined, explain: boolean): DirectionVerdict {
  if (row.open) return { allowed: ConnectionSet.all, allowedBy: explain ? [{ source: { kind: 'non-isolated' }, conns: ConnectionSet.all }] : [], deniedBy: [] };
  const allowedBy: VerdictPart[] = [];
  const deniedBy: VerdictPart[] = [];
  let allowed = ConnectionSet.none;
  let decided = ConnectionSet.none;
  let passed = ConnectionSet.none;
  for (const rule of row.admin) {
    if (!selects(rule.selection, peer)) continue;
    const fresh = rule.connsFor(destination).subtract(decided);
    if (fresh.isEmpty()) continue;
    decided = decided.union(fresh);
    if (rule.action === 'Allow') allowed = allowed.union(fresh);
    else if (rule.action === 'Pass') passed = passed.union(fresh);
    // A Pass is neither: it hands the traffic to the next tier, whose verdict is recorded there.
    if (explain && rule.action !== 'Pass') (rule.action === 'Deny' ? deniedBy : allowedBy).push({ source: { kind: 'rule', policy: rule.policy, rule: rule.rule, action: rule.action }, conns: fresh });
    if (decided.isAll()) break;
  }
  const open = ConnectionSet.all.subtract(decided).union(passed);
  if (open.isEmpty()) return { allowed, allowedBy, deniedBy };

  if (row.isolatedBy.length > 0) {
    let byPolicies = ConnectionSet.none;
    for (const rule of row.networkPolicy) {
      if (!selects(rule.selection, peer)) continue;
      const conns = rule.connsFor(destination).intersect(open);
      if (conns.isEmpty()) continue;
      byPolicies = byPolicies.union(conns);
      if (explain) allowedBy.push({ source: { kind: 'rule', policy: rule.policy, rule: rule.rule, action: 'Allow' }, conns });
    }
    allowed = allowed.union(byPolicies);
    const rest = open.subtract(byPolicies);
    if (explain && !rest.isEmpty()) deniedBy.push({ source: { kind: 'isolated', policies: row.isolatedBy }, conns: rest });
    return { allowed, allowedBy, deniedBy };
  }

  let baselineDecided = ConnectionSet.none;
  for (const rule of row.baseline) {
    if (!selects(rule.selection, peer)) continue;
    const fresh = rule.connsFor(destination).intersect(open).subtract(baselineDecided);
    if (fresh.isEmpty()) continue;
    baselineDecided = baselineDecided.union(fresh);
    if (rule.action === 'Allow') allowed = allowed.union(fresh);
    if (explain) (rule.action === 'Deny' ? deniedBy : allowedBy).push({ source: { kind: 'rule', policy: rule.policy, rule: rule.rule, action: rule.action }, conns: fresh });
  }
  const rest = open.subtract(baselineDecided);
  if (!rest.isEmpty()) {
    allowed = allowed.union(rest);
    if (explain) allowedBy.push({ source: { kind: 'non-isolated' }, conns: rest });
  }
  return { allowed, allowedBy, deniedBy };
}

/**
 * A row's verdicts for every peer, computed lazily. Peers that no rule of the row selects specifically share
 * one verdict, so a row costs work proportional to the peers its rules name, not to the cluster.
 */
class RowVector {
  private readonly cache = new Map<number, ConnectionSet>();
  private readonly atomCache = new Map<number, ConnectionSet>();
  private readonly classDefaults = new Map<string, ConnectionSet>();
  private atomDefault: ConnectionSet | undefined;

  constructor(
    private readonly row: Row,
    /** The pod whose ingress this is; undefined for egress (the destination is then the peer). */
    private readonly owner: PodClass | undefined,
    private readonly classes: readonly PodClass[],
  ) {}

  forClass(id: number): ConnectionSet {
    if (this.row.open) return ConnectionSet.all;
    const hit = this.cache.get(id);
    if (hit) return hit;
    const peerClass = this.classes[id];
    const destination = this.owner ?? peerClass;
    if (id < this.row.classCount && !this.row.touchedClasses.has(id)) {
      const key = this.owner === undefined && this.row.usesNamedPorts ? peerClass.portsKey : '';
      let d = this.classDefaults.get(key);
      if (!d) {
        d = evaluate(this.row, GENERIC_CLASS, destination, false).allowed;
        this.classDefaults.set(key, d);
      }
      return d;
    }
    const v = evaluate(this.row, { kind: 'class', id, podClass: peerClass }, destination, false).allowed;
    this.cache.set(id, v);
    return v;
  }

  forAtom(id: number): ConnectionSet {
    if (this.row.open) return ConnectionSet.all;
    if (!this.row.touchedAtoms.has(id)) {
      if (!this.atomDefault) this.atomDefault = evaluate(this.row, GENERIC_ATOM, this.owner, false).allowed;
      return this.atomDefault;
    }
    let v = this.atomCache.get(id);
    if (!v) {
      v = evaluate(this.row, { kind: 'atom', id }, this.owner, false).allowed;
      this.atomCache.set(id, v);
    }
    return v;
  }
}

interface CompiledNetworkPolicy {
  readonly info: NetworkPolicyInfo;
  readonly ingress?: readonly CompiledRule[];
  readonly egress?: readonly CompiledRule[];
}

interface CompiledAdminPolicy {
  readonly info: AdminPolicyInfo;
  readonly ingress: readonly CompiledRule[];
  readonly egress: readonly CompiledRule[];
}

function compileNetworkPolicy(np: NetworkPolicyInfo, universe: Universe): CompiledNetworkPolicy {
  const compile = (direction: Direction): CompiledRule[] | undefined => {
    const d = np[direction];
    if (!d) return undefined;
    const atoms = direction === 'ingress' ? universe.sourceAtoms : universe.destinationAtoms;
    return d.rules.map((r) => ({ policy: np.ref, rule: `${direction}[${r.index}]`, action: 'Allow', selection: selectPeers(r.peers, universe, atoms), ...compilePorts(r.ports) }));
  };
  return { info: np, ingress: compile('ingress'), egress: compile('egress') };
}

function compileAdminPolicy(p: AdminPolicyInfo, universe: Universe): CompiledAdminPolicy {
  const compile = (direction: Direction): CompiledRule[] => {
    const atoms = direction === 'ingress' ? universe.sourceAtoms : universe.destinationAtoms;
    return p[direction].map((r) => ({ policy: p.ref, rule: r.name, action: r.action, selection: selectPeerList(r.peers, universe, atoms), ...compilePorts(r.ports) }));
  };
  return { info: p, ingress: compile('ingress'), egress: compile('egress') };
}

function adminSubjectSelects(p: AdminPolicyInfo, c: PodClass): boolean {
  const s = p.subject;
  if (!matchesSelector(s.namespaces, c.namespace.labels)) return false;
  return s.kind === 'namespaces' || matchesSelector(s.pods, c.labels);
}

function sameRanges(a: readonly IpRange[], b: readonly IpRange[]): boolean {
  return a === b || (a.length === b.length && a.every((r, k) => r.family === b[k].family && r.first === b[k].first && r.last === b[k].last));
}

/**
 * Whether `engine` may take `basis` rows: every basis class id means the same namespace and labels in both
 * universes (the partition was derived, not regrouped), the basis' admin policies are among the engine's, in
 * the same order, the baseline is the same object, and the address atoms are the same ranges (rules name atoms
 * by index). Returns the indexes of the engine's admin policies that the basis lacks (a class that one of them
 * selects needs a row of its own), or undefined when no row can be shared.
 */
function sharesRulesWith(engine: PolicyEngine, basis: PolicyEngine): number[] | undefined {
  const [mine, theirs] = [engine.universe, basis.universe];
  if (mine.classes.length < theirs.classes.length) return undefined;
  for (let id = 0; id < theirs.classes.length; id++) {
    if (mine.classes[id].labels !== theirs.classes[id].labels || mine.classes[id].namespace !== theirs.classes[id].namespace) return undefined;
  }
  const [a, b] = [engine.inventory, basis.inventory];
  const extra: number[] = [];
  let k = 0;
  a.adminNetworkPolicies.forEach((p, i) => {
    if (k < b.adminNetworkPolicies.length && p === b.adminNetworkPolicies[k]) k++;
    else extra.push(i);
  });
  if (k !== b.adminNetworkPolicies.length) return undefined;
  if (a.baselineAdminNetworkPolicy !== b.baselineAdminNetworkPolicy) return undefined;
  return sameRanges(mine.sourceAtoms, theirs.sourceAtoms) && sameRanges(mine.destinationAtoms, theirs.destinationAtoms) ? extra : undefined;
}

/**
 * A compiled inventory, ready to answer "what may flow from A to B". Build it once per inventory; every query
 * is then a few map lookups.
 */
export class PolicyEngine {
  readonly universe: Universe;
  /** NetworkPolicies by namespace; compiled on first use (a plan queries the rows of a few namespaces only). */
  private readonly netpolsByNamespace = new Map<string, NetworkPolicyInfo[]>();
  private readonly compiledByNamespace = new Map<string, readonly CompiledNetworkPolicy[]>();
  private readonly admin: CompiledAdminPolicy[];
  private readonly baseline: CompiledAdminPolicy | undefined;
  /** Each class's row per direction, computed on first use; classes selected by the same policies share a row. */
  private readonly rows: Record<Direction, (Row | undefined)[]>;
  private readonly sharedRows: Record<Direction, Map<string, Row>> = { ingress: new Map(), egress: new Map() };
  private readonly namespaceIds = new Map<string, number>();
  private readonly egressVectors: (RowVector | undefined)[];
  private readonly ingressVectors: (RowVector | undefined)[];
  private readonly vectorsByRow = new Map<Row, Map<string, RowVector>>();
  /** The engine this one derives from, when its rows can be shared (see `EngineOptions.basis`). */
  private readonly basis: PolicyEngine | undefined;
  private readonly unchangedNamespaces = new Map<string, boolean>();
  /** Admin policies the basis lacks: a class one of them selects (in a direction with rules) has its own row. */
  private readonly extraAdmin: readonly CompiledAdminPolicy[];

  constructor(readonly inventory: Inventory, options: EngineOptions = {}) {
    this.universe = buildUniverse(inventory, options.ipFamilies ?? ['IPv4', 'IPv6'], options.basis?.inventory);
    // Filled on first use in any order: sized up front, so they stay fast arrays rather than sparse ones.
    const slots = <T>(): (T | undefined)[] => new Array<T | undefined>(this.universe.classes.length).fill(undefined);
    this.rows = { ingress: slots(), egress: slots() };
    this.egressVectors = slots();
    this.ingressVectors = slots();
    for (const np of inventory.networkPolicies) {
      const list = this.netpolsByNamespace.get(np.namespace);
      if (list) list.push(np);
      else this.netpolsByNamespace.set(np.namespace, [np]);
    }
    this.admin = inventory.adminNetworkPolicies.map((p) => compileAdminPolicy(p, this.universe));
    this.baseline = inventory.baselineAdminNetworkPolicy && compileAdminPolicy(inventory.baselineAdminNetworkPolicy, this.universe);
    const extraAdmin = options.basis && sharesRulesWith(this, options.basis);
    this.basis = extraAdmin ? options.basis : undefined;
    this.extraAdmin = (extraAdmin ?? []).map((k) => this.admin[k]);
  }

  private compiledNetpols(namespace: string): readonly CompiledNetworkPolicy[] {
    let compiled = this.compiledByNamespace.get(namespace);
    if (!compiled) {
      compiled = (this.netpolsByNamespace.get(namespace) ?? []).map((np) => compileNetworkPolicy(np, this.universe));
      this.compiledByNamespace.set(namespace, compiled);
    }
    return compiled;
  }

  /** A class as the peer of a rule, with the class object (its id may lie beyond a shared rule's universe). */
  private classPeer(id: number): PeerId {
    return { kind: 'class', id, podClass: this.universe.classes[id] };
  }

  /** The row of a class in one direction, computed on first use (or the basis engine's, where it is the same). */
  private row(direction: Direction, classId: number): Row {
    const row = this.rows[direction][classId];
    if (row) return row;
    const basis = this.basis;
    const c = this.universe.classes[classId];
    if (basis && classId < basis.universe.classes.length && this.sameNetpolsAsBasis(c.namespace.name) && !this.extraAdmin.some((p) => p[direction].length > 0 && adminSubjectSelects(p.info, c))) {
      const shared = basis.row(direction, classId);
      this.rows[direction][classId] = shared;
      return shared;
    }
    return this.assignRow(direction, classId);
  }

  /** True when a namespace's NetworkPolicies are the basis engine's very objects (so are its classes' rows). */
  private sameNetpolsAsBasis(namespace: string): boolean {
    let same = this.unchangedNamespaces.get(namespace);
    if (same === undefined) {
      const mine = this.netpolsByNamespace.get(namespace) ?? [];
      const theirs = this.basis!.netpolsByNamespace.get(namespace) ?? [];
      same = mine.length === theirs.length && mine.every((np, k) => np === theirs[k]);
      this.unchangedNamespaces.set(namespace, same);
    }
    return same;
  }

  /**
   * Computes a class's row in one direction. Directions are computed separately: a plan's isolated target needs
   * every peer's egress row (who may send to it) but the ingress rows of the few peers it may still reach.
   */
  private assignRow(direction: Direction, classId: number): Row {
    const c = this.universe.classes[classId];
    const netpols = this.compiledNetpols(c.namespace.name);
    let namespaceId = this.namespaceIds.get(c.namespace.name);
    if (namespaceId === undefined) {
      namespaceId = this.namespaceIds.size;
      this.namespaceIds.set(c.namespace.name, namespaceId);
    }
    // Policies by position: admin ones cluster-wide, NetworkPolicies within their namespace (same-named
    // policies of two namespaces are different policies, and their rules select in their own namespace).
    const adminSelected = this.admin.length === 0 ? NO_ADMIN : this.admin.map((p) => p[direction].length > 0 && adminSubjectSelects(p.info, c));
    let key = '';
    for (let k = 0; k < this.admin.length; k++) if (adminSelected[k]) key += `${k},`;
    const selected: boolean[] = [];
    let isolating = false;
    for (let k = 0; k < netpols.length; k++) {
      const hit = netpols[k][direction] !== undefined && matchesSelector(netpols[k].info.podSelector, c.labels);
      selected.push(hit);
      if (!hit) continue;
      key += `${isolating ? '' : `|${namespaceId}:`}${k},`;
      isolating = true;
    }
    const baseline = this.baseline !== undefined && this.baseline[direction].length > 0 && adminSubjectSelects(this.baseline.info, c) ? this.baseline : undefined;
    if (baseline) key += '|b';
    let row = this.sharedRows[direction].get(key);
    if (!row) {
      row = this.newRow(direction, adminSelected, netpols, selected, baseline);
      this.sharedRows[direction].set(key, row);
    }
    this.rows[direction][classId] = row;
    return row;
  }

  private newRow(direction: Direction, adminSelected: readonly boolean[], netpols: readonly CompiledNetworkPolicy[], selected: readonly boolean[], baseline: CompiledAdminPolicy | undefined): Row {
    // Plain loops: this runs once per distinct row, thousands of times on a large cluster.
    const adminRules: CompiledRule[] = [];
    for (let k = 0; k < this.admin.length; k++) if (adminSelected[k]) for (const r of this.admin[k][direction]) adminRules.push(r);
    const isolatingPolicies: CompiledNetworkPolicy[] = [];
    const npRules: CompiledRule[] = [];
    for (let k = 0; k < netpols.length; k++) {
      const rules = netpols[k][direction];
      if (!selected[k] || !rules) continue;
      isolatingPolicies.push(netpols[k]);
      for (const r of rules) npRules.push(r);
    }
    const baselineRules = baseline ? baseline[direction] : NO_RULES;
    const all = adminRules.length === 0 && baselineRules.length === 0 ? npRules : [...adminRules, ...npRules, ...baselineRules];
    let usesNamedPorts = false;
    for (const r of all) if (r.usesNamedPorts) usesNamedPorts = true;
    // The touched sets compile every selector of the row over the whole universe: only the vectors (the
    // whole-cluster queries) need them, so they are built on first use.
    let touchedClasses: Set<number> | undefined;
    let touchedAtoms: Set<number> | undefined;
    return {
      admin: adminRules,
      isolatedBy: isolatingPolicies.map((p) => p.info.ref),
      networkPolicy: npRules,
      baseline: baselineRules,
      open: adminRules.length === 0 && isolatingPolicies.length === 0 && baselineRules.length === 0,
      classCount: this.universe.classes.length,
      usesNamedPorts,
      get touchedClasses() {
        return (touchedClasses ??= mergeTouched(all, (s) => s.classes));
      },
      get touchedAtoms() {
        return (touchedAtoms ??= mergeTouched(all, (s) => s.atoms));
      },
    };
  }

  /**
   * The vector of a class's row in one direction, created on first use (only the whole-cluster queries use
   * vectors). Classes with the same row share its vector; an ingress row's named ports resolve through its own
   * pod, so an ingress vector is per port list too.
   */
  private vector(direction: Direction, classId: number): RowVector {
    const list = direction === 'ingress' ? this.ingressVectors : this.egressVectors;
    let vector = list[classId];
    if (!vector) {
      const row = this.row(direction, classId);
      const c = this.universe.classes[classId];
      let byRow = this.vectorsByRow.get(row);
      if (!byRow) {
        byRow = new Map();
        this.vectorsByRow.set(row, byRow);
      }
      const key = direction === 'ingress' && row.usesNamedPorts ? c.portsKey : '';
      vector = byRow.get(key);
      if (!vector) {
        vector = new RowVector(row, direction === 'ingress' ? c : undefined, this.universe.classes);
        byRow.set(key, vector);
      }
      list[classId] = vector;
    }
    return vector;
  }

  /** The connections allowed from `src` to `dst` (egress of the source ∩ ingress of the destination). */
  allowed(src: Endpoint, dst: Endpoint): ConnectionSet {
    if (src.kind === 'class') {
      if (dst.kind === 'class') {
        const e = this.vector('egress', src.id).forClass(dst.id);
        if (e.isEmpty()) return e;
        return e.intersect(this.vector('ingress', dst.id).forClass(src.id));
      }
      if (dst.kind === 'destination-atom') return this.vector('egress', src.id).forAtom(dst.id);
    } else if (src.kind === 'source-atom' && dst.kind === 'class') {
      return this.vector('ingress', dst.id).forAtom(src.id);
    }
    throw new Error(`no connection between ${src.kind} and ${dst.kind} endpoints: one end must be a pod`);
  }

  /**
   * The same answer as `allowed`, computed from the two rows' rules for this pair alone. `allowed` caches
   * per-row vectors whose first use compiles every selector of the row over the whole cluster; a query about a
   * few pods (`airlock plan`) is much cheaper this way, while the whole-cluster list is cheaper with `allowed`.
   */
  allowedDirect(src: Endpoint, dst: Endpoint): ConnectionSet {
    if (src.kind !== 'class' && dst.kind !== 'class') throw new Error('no connection between two external endpoints: one end must be a pod');
    const destination = dst.kind === 'class' ? this.universe.classes[dst.id] : undefined;
    let egress = ConnectionSet.all;
    if (src.kind === 'class') {
      egress = evaluate(this.row('egress', src.id), dst.kind === 'class' ? this.classPeer(dst.id) : { kind: 'atom', id: dst.id }, destination, false).allowed;
      if (egress.isEmpty() || dst.kind !== 'class') return egress;
    }
    const ingress = evaluate(this.row('ingress', dst.id), src.kind === 'class' ? this.classPeer(src.id) : { kind: 'atom', id: src.id }, destination, false).allowed;
    return egress.intersect(ingress);
  }

  /**
   * What every class and every external atom may exchange with one class, in one direction seen from it:
   * `ingress` = what each may send to it (indexes: class ids, `sourceAtoms`), `egress` = what it may send to
   * each (class ids, `destinationAtoms`). The same answers as `allowedDirect` for each pair, but each distinct
   * peer row is evaluated once (peers selected by the same policies share the verdict of their side), and the
   * class's own side is skipped where the peer's side already allows nothing.
   */
  reach(classId: number, direction: Direction): { classes: ConnectionSet[]; atoms: ConnectionSet[] } {
    const self = this.universe.classes[classId];
    const selfPeer: PeerId = this.classPeer(classId);
    // The class's own side through its row vector: only its own row's few selectors are compiled over the
    // cluster, and peers that none of them names share one verdict.
    const own = this.vector(direction, classId);
    if (direction === 'ingress') {
      const peerSides = new Map<Row, ConnectionSet>();
      const classes = this.universe.classes.map((c) => {
        const row = this.row('egress', c.id);
        let theirs = peerSides.get(row);
        if (!theirs) {
          theirs = evaluate(row, selfPeer, self, false).allowed;
          peerSides.set(row, theirs);
        }
        if (theirs.isEmpty()) return ConnectionSet.none;
        return theirs.intersect(own.forClass(c.id));
      });
      const atoms = this.universe.sourceAtoms.map((_, id) => own.forAtom(id));
      return { classes, atoms };
    }
    const peerSides = new Map<Row, Map<string, ConnectionSet>>();
    const classes = this.universe.classes.map((c) => {
      const mine = own.forClass(c.id);
      if (mine.isEmpty()) return mine;
      // The peer's ingress row resolves named ports through the peer itself.
      const row = this.row('ingress', c.id);
      const key = row.usesNamedPorts ? c.portsKey : '';
      let byPorts = peerSides.get(row);
      if (!byPorts) {
        byPorts = new Map();
        peerSides.set(row, byPorts);
      }
      let theirs = byPorts.get(key);
      if (!theirs) {
        theirs = evaluate(row, selfPeer, c, false).allowed;
        byPorts.set(key, theirs);
      }
      return mine.intersect(theirs);
    });
    const atoms = this.universe.destinationAtoms.map((_, id) => own.forAtom(id));
    return { classes, atoms };
  }

  /**
   * One side of a connection: what a pod class's own policies admit, in `direction`, with a peer (a class, or
   * an atom of that direction), whatever the peer's policies say. Containment is a property of the contained
   * pod's side, so `airlock plan` compares sides.
   */
  sideAllowed(classId: number, direction: Direction, peer: Endpoint): ConnectionSet {
    const peerId: PeerId = peer.kind === 'class' ? this.classPeer(peer.id) : { kind: 'atom', id: peer.id };
    const destination = direction === 'ingress' ? this.universe.classes[classId] : peer.kind === 'class' ? this.universe.classes[peer.id] : undefined;
    return evaluate(this.row(direction, classId), peerId, destination, false).allowed;
  }

  /** The verdict of a connection with the policies behind each part: slower than `allowed`, for reports. */
  explain(src: Endpoint, dst: Endpoint): ConnectionVerdict {
    const destination = dst.kind === 'class' ? this.universe.classes[dst.id] : undefined;
    let egress: DirectionVerdict = EXTERNAL;
    let ingress: DirectionVerdict = EXTERNAL;
    if (src.kind === 'class') {
      const peer: PeerId = dst.kind === 'class' ? this.classPeer(dst.id) : { kind: 'atom', id: dst.id };
      egress = evaluate(this.row('egress', src.id), peer, destination, true);
    }
    if (dst.kind === 'class') {
      const peer: PeerId = src.kind === 'class' ? this.classPeer(src.id) : { kind: 'atom', id: src.id };
      ingress = evaluate(this.row('ingress', dst.id), peer, destination, true);
    }
    if (src.kind !== 'class' && dst.kind !== 'class') throw new Error('no connection between two external endpoints: one end must be a pod');
    return { allowed: egress.allowed.intersect(ingress.allowed), egress, ingress };
  }

  /**
   * The policies that apply to a pod class in one direction, in evaluation order (admin, network, baseline).
   * An empty list means the direction is non-isolated: everything is allowed.
   */
  policiesFor(classId: number, direction: Direction): PolicyRef[] {
    const row = this.row(direction, classId);
    const seen = new Map<string, PolicyRef>();
    for (const r of row.admin) seen.set(JSON.stringify(r.policy), r.policy);
    for (const p of row.isolatedBy) seen.set(JSON.stringify(p), p);
    for (const r of row.baseline) seen.set(JSON.stringify(r.policy), r.policy);
    return [...seen.values()];
  }

  /** True when NetworkPolicies select the class in this direction (they then deny what they do not allow). */
  isolated(classId: number, direction: Direction): boolean {
    return this.row(direction, classId).isolatedBy.length > 0;
  }

  /** The source atoms (external sources) and destination atoms (external destinations). */
  atoms(role: 'source' | 'destination'): readonly IpRange[] {
    return role === 'source' ? this.universe.sourceAtoms : this.universe.destinationAtoms;
  }
}
