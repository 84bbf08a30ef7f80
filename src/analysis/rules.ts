/**
 * Rules compiled against a universe: which classes and atoms each rule's peers select (computed once per
 * rule, not once per pair), and which connections its ports mean for a given destination pod.
 */
import type { IpRange } from './ipset';
import type { AdminAction, NamespaceScope, Peer, Peers, PolicyRef, PortClause, PortsSpec } from './model';
import { ConnectionSet, PortSet } from './ports';
import { isMatchAll, matchesSelector } from './selectors';
import type { PodClass, Universe } from './universe';

/**
 * The peers a rule selects, as class ids and atom indexes of one direction's universe. Computed on demand:
 * `hasClass`/`hasAtom` decide one peer (what a query about a few pods needs, e.g. `airlock plan`), while the
 * `classes`/`atoms` sets are materialised on first access (what the whole-cluster connection list needs).
 */
export interface Selection {
  readonly allClasses: boolean;
  readonly classes: ReadonlySet<number>;
  readonly allAtoms: boolean;
  readonly atoms: ReadonlySet<number>;
  /**
   * Whether the selection covers a class. `podClass` is the class itself, needed for an id beyond the universe
   * the selection was compiled in (a class that only an engine derived from that universe has).
   */
  hasClass(id: number, podClass?: PodClass): boolean;
  hasAtom(id: number): boolean;
}

/**
 * A peer of one direction: a pod class (with the class object when the id may lie beyond the universe a rule
 * was compiled in), or an external atom (index into the direction's atom list).
 */
export type PeerId = { readonly kind: 'class'; readonly id: number; readonly podClass?: PodClass } | { readonly kind: 'atom'; readonly id: number };

/** A rule ready to evaluate. NetworkPolicy rules are `Allow` rules. */
export interface CompiledRule {
  readonly policy: PolicyRef;
  /** `ingress[0]` for a NetworkPolicy rule, the rule's name for an admin rule. */
  readonly rule: string;
  readonly action: AdminAction;
  readonly selection: Selection;
  /** Connections for a destination pod (named ports resolve through its container ports), or for an address (`undefined`). */
  connsFor(destination: PodClass | undefined): ConnectionSet;
  /** True when the connections depend on the destination pod (the rule uses named ports). */
  readonly usesNamedPorts: boolean;
}

const EMPTY_SET: ReadonlySet<number> = new Set();

/** True when the selection covers this peer. */
export function selects(selection: Selection, peer: PeerId): boolean {
  return peer.kind === 'class' ? selection.hasClass(peer.id, peer.podClass) : selection.hasAtom(peer.id);
}

function scopeClasses(scope: NamespaceScope, universe: Universe): PodClass[] {
  if (scope.kind === 'name') return [...(universe.classesByNamespace.get(scope.name) ?? [])];
  const out: PodClass[] = [];
  for (const [, classes] of universe.classesByNamespace) {
    if (classes.length > 0 && matchesSelector(scope.selector, classes[0].namespace.labels)) out.push(...classes);
  }
  return out;
}

function scopeIncludes(scope: NamespaceScope, c: PodClass): boolean {
  return scope.kind === 'name' ? c.namespace.name === scope.name : matchesSelector(scope.selector, c.namespace.labels);
}

type PodPeer = Extract<Peer, { kind: 'pods' }>;
type IpPeer = Extract<Peer, { kind: 'ips' }>;

/**
 * A selection that computes what it is asked: single answers are memoised, the full sets are built once on
 * first access and then answer every question.
 */
class LazySelection implements Selection {
  readonly allClasses: boolean;
  private readonly podPeers: readonly PodPeer[];
  private readonly ipPeers: readonly IpPeer[];
  private classSet: ReadonlySet<number> | undefined;
  private atomSet: ReadonlySet<number> | undefined;
  private allAtomsValue: boolean | undefined;
  private classMemo: Map<number, boolean> | undefined;
  private atomMemo: Map<number, boolean> | undefined;

  constructor(
    peers: readonly Peer[],
    private readonly universe: Universe,
    private readonly atomList: readonly IpRange[],
  ) {
    this.podPeers = peers.filter((p): p is PodPeer => p.kind === 'pods');
    this.ipPeers = peers.filter((p): p is IpPeer => p.kind === 'ips');
    this.allClasses = this.podPeers.some((p) => p.namespaces.kind === 'selector' && isMatchAll(p.namespaces.selector) && isMatchAll(p.pods));
    if (this.allClasses) this.classSet = EMPTY_SET;
    if (this.ipPeers.length === 0) {
      this.atomSet = EMPTY_SET;
      this.allAtomsValue = false;
    }
  }

  get classes(): ReadonlySet<number> {
    if (!this.classSet) {
      const set = new Set<number>();
      for (const peer of this.podPeers) for (const c of scopeClasses(peer.namespaces, this.universe)) if (matchesSelector(peer.pods, c.labels)) set.add(c.id);
      this.classSet = set;
    }
    return this.classSet;
  }

  get allAtoms(): boolean {
    if (this.allAtomsValue === undefined) this.materialiseAtoms();
    return this.allAtomsValue!;
  }

  get atoms(): ReadonlySet<number> {
    if (!this.atomSet) this.materialiseAtoms();
    return this.atomSet!;
  }

  hasClass(id: number, podClass?: PodClass): boolean {
    if (this.allClasses) return true;
    // A class that only a derived universe has (ids there extend this universe's): decided from the class itself,
    // and not memoised, since two engines derived from one universe number their new classes alike.
    if (id >= this.universe.classes.length) return podClass !== undefined && this.podPeers.some((p) => scopeIncludes(p.namespaces, podClass) && matchesSelector(p.pods, podClass.labels));
    if (this.classSet) return this.classSet.has(id);
    this.classMemo ??= new Map();
    let hit = this.classMemo.get(id);
    if (hit === undefined) {
      const c = this.universe.classes[id];
      hit = this.podPeers.some((p) => scopeIncludes(p.namespaces, c) && matchesSelector(p.pods, c.labels));
      this.classMemo.set(id, hit);
    }
    return hit;
  }

  hasAtom(id: number): boolean {
    if (this.atomSet) return this.allAtomsValue! || this.atomSet.has(id);
    this.atomMemo ??= new Map();
    let hit = this.atomMemo.get(id);
    if (hit === undefined) {
      const atom = this.atomList[id];
      hit = this.ipPeers.some((p) => p.ips.containsRange(atom));
      this.atomMemo.set(id, hit);
    }
    return hit;
  }

  private materialiseAtoms(): void {
    const ids = new Set<number>();
    this.atomList.forEach((a, k) => {
      if (this.ipPeers.some((p) => p.ips.containsRange(a))) ids.add(k);
    });
    this.allAtomsValue = this.atomList.length > 0 && ids.size === this.atomList.length;
    this.atomSet = this.allAtomsValue ? EMPTY_SET : ids;
  }
}

const SELECT_EVERYTHING: Selection = {
  allClasses: true,
  classes: EMPTY_SET,
  allAtoms: true,
  atoms: EMPTY_SET,
  hasClass: () => true,
  hasAtom: () => true,
};

/** Compiles peers to a selection over the universe (atoms of the given direction). */
export function selectPeers(peers: Peers, universe: Universe, atoms: readonly IpRange[]): Selection {
  if (peers.kind === 'all') return SELECT_EVERYTHING;
  return selectPeerList(peers.peers, universe, atoms);
}

/** Compiles a list of peers (any one matching suffices) to a selection. `nodes` peers never match. */
export function selectPeerList(peers: readonly Peer[], universe: Universe, atoms: readonly IpRange[]): Selection {
  return new LazySelection(peers, universe, atoms);
}

type CompiledPorts = { connsFor: (destination: PodClass | undefined) => ConnectionSet; usesNamedPorts: boolean };

const ALL_PORTS: CompiledPorts = { connsFor: () => ConnectionSet.all, usesNamedPorts: false };

/**
 * Compiles a ports spec into a function of the destination (named ports need the destination pod). The
 * connection sets are built on the first question: most rules of a large cluster are never asked, because
 * their peers do not select the pods a plan looks at.
 */
export function compilePorts(ports: PortsSpec): CompiledPorts {
  if (ports.kind === 'all') return ALL_PORTS;
  let compiled: CompiledPorts['connsFor'] | undefined;
  return {
    usesNamedPorts: ports.clauses.some((c) => c.kind === 'named'),
    connsFor: (destination) => (compiled ??= compilePortsUncached(ports).connsFor)(destination),
  };
}

function compilePortsUncached(ports: PortsSpec): CompiledPorts {
  if (ports.kind === 'all') return { connsFor: () => ConnectionSet.all, usesNamedPorts: false };
  let fixed = ConnectionSet.none;
  const named: Extract<PortClause, { kind: 'named' }>[] = [];
  for (const c of ports.clauses) {
    if (c.kind === 'range') fixed = fixed.union(ConnectionSet.of(c.protocol, PortSet.range(c.first, c.last)));
    else if (c.kind === 'protocol') fixed = fixed.union(ConnectionSet.protocol(c.protocol));
    else named.push(c);
  }
  if (named.length === 0) return { connsFor: () => fixed, usesNamedPorts: false };
  const cache = new Map<string, ConnectionSet>();
  return {
    usesNamedPorts: true,
    connsFor: (destination) => {
      if (!destination) return fixed; // Named ports exist only on pods.
      const hit = cache.get(destination.portsKey);
      if (hit) return hit;
      let conns = fixed;
      for (const clause of named) {
        const port = destination.ports.find((p) => p.name === clause.name);
        // A NetworkPolicy named port must also agree on protocol; an AdminNetworkPolicy one takes the container's.
        if (port && (clause.protocol === undefined || clause.protocol === port.protocol)) {
          conns = conns.union(ConnectionSet.of(port.protocol, PortSet.range(port.port, port.port)));
        }
      }
      cache.set(destination.portsKey, conns);
      return conns;
    },
  };
}
