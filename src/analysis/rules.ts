/**
 * Rules compiled against a universe: which classes and atoms each rule's peers select (computed once per
 * rule, not once per pair), and which connections its ports mean for a given destination pod.
 */
import type { IpRange } from './ipset';
import type { AdminAction, NamespaceScope, Peer, Peers, PolicyRef, PortClause, PortsSpec } from './model';
import { ConnectionSet, PortSet } from './ports';
import { isMatchAll, matchesSelector } from './selectors';
import type { PodClass, Universe } from './universe';

/** The peers a rule selects, as class ids and atom indexes of one direction's universe. */
export interface Selection {
  readonly allClasses: boolean;
  readonly classes: ReadonlySet<number>;
  readonly allAtoms: boolean;
  readonly atoms: ReadonlySet<number>;
}

/** A peer of one direction: a pod class, or an external atom (index into the direction's atom list). */
export type PeerId = { readonly kind: 'class'; readonly id: number } | { readonly kind: 'atom'; readonly id: number };

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
  return peer.kind === 'class' ? selection.allClasses || selection.classes.has(peer.id) : selection.allAtoms || selection.atoms.has(peer.id);
}

function scopeClasses(scope: NamespaceScope, universe: Universe): PodClass[] {
  if (scope.kind === 'name') return [...(universe.classesByNamespace.get(scope.name) ?? [])];
  const out: PodClass[] = [];
  for (const [, classes] of universe.classesByNamespace) {
    if (classes.length > 0 && matchesSelector(scope.selector, classes[0].namespace.labels)) out.push(...classes);
  }
  return out;
}

/** Compiles peers to a selection over the universe (atoms of the given direction). */
export function selectPeers(peers: Peers, universe: Universe, atoms: readonly IpRange[]): Selection {
  if (peers.kind === 'all') return { allClasses: true, classes: EMPTY_SET, allAtoms: true, atoms: EMPTY_SET };
  return selectPeerList(peers.peers, universe, atoms);
}

/** Compiles a list of peers (any one matching suffices) to a selection. */
export function selectPeerList(peers: readonly Peer[], universe: Universe, atoms: readonly IpRange[]): Selection {
  let allClasses = false;
  const classes = new Set<number>();
  const atomIds = new Set<number>();
  for (const peer of peers) {
    if (peer.kind === 'nodes') continue;
    if (peer.kind === 'ips') {
      atoms.forEach((a, k) => {
        if (peer.ips.containsRange(a)) atomIds.add(k);
      });
      continue;
    }
    if (peer.namespaces.kind === 'selector' && isMatchAll(peer.namespaces.selector) && isMatchAll(peer.pods)) {
      allClasses = true;
      continue;
    }
    for (const c of scopeClasses(peer.namespaces, universe)) if (matchesSelector(peer.pods, c.labels)) classes.add(c.id);
  }
  if (allClasses) classes.clear();
  const allAtoms = atoms.length > 0 && atomIds.size === atoms.length;
  return { allClasses, classes, allAtoms, atoms: allAtoms ? EMPTY_SET : atomIds };
}

/** Compiles a ports spec into a function of the destination (named ports need the destination pod). */
export function compilePorts(ports: PortsSpec): { connsFor: (destination: PodClass | undefined) => ConnectionSet; usesNamedPorts: boolean } {
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
