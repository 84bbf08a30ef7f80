/**
 * The allowed-connection list, per workload, in exactly the netpol-analyzer's shape
 * (`SRC => DST : CONNS`, `ns/name[Kind]`, `a-b[External]`), so its outputs and ours can be compared line for line
 * and people who know that tool can read ours.
 */
import type { PolicyEngine } from './engine';
import { formatRange, type IpFamily } from './ipset';
import type { WorkloadRef } from './model';
import { ConnectionSet } from './ports';
import { workloadKey, workloadsOf } from './universe';

/** One line of the list. */
export interface ConnlistEntry {
  /** `ns/name[Kind]` or `first-last[External]`. */
  readonly src: string;
  readonly dst: string;
  readonly conns: ConnectionSet;
}

/** Filters of the list, with the netpol-analyzer's semantics. */
export interface ConnlistOptions {
  /** Keep only lines with a focus workload (`name` or `ns/name`) at one end. */
  readonly focusWorkloads?: readonly string[];
  /** With focus workloads: the other end must be one of these (`name` or `ns/name`); external peers drop out. */
  readonly focusWorkloadPeers?: readonly string[];
  /** With focus workloads: `ingress` keeps lines into them, `egress` lines out of them. */
  readonly focusDirection?: 'ingress' | 'egress';
  /** External address families listed; IPv4 only by default, as the netpol-analyzer lists. */
  readonly ipFamilies?: readonly IpFamily[];
}

interface Named {
  readonly key: string;
  readonly workload?: WorkloadRef;
}

function matchesName(n: Named, names: readonly string[]): boolean {
  if (!n.workload) return false;
  return names.includes(n.workload.name) || names.includes(`${n.workload.namespace}/${n.workload.name}`);
}

/** The pair filter that the focus options describe. */
function focusFilter(options: ConnlistOptions): (src: Named, dst: Named) => boolean {
  const focus = options.focusWorkloads ?? [];
  if (focus.length === 0) return () => true;
  const peers = options.focusWorkloadPeers ?? [];
  const peerOk = (n: Named): boolean => peers.length === 0 || matchesName(n, peers);
  return (src, dst) =>
    (options.focusDirection !== 'ingress' && matchesName(src, focus) && peerOk(dst)) ||
    (options.focusDirection !== 'egress' && matchesName(dst, focus) && peerOk(src));
}

/** Byte-order comparison, as the netpol-analyzer sorts (by source, then destination). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The allowed connections between workloads, and between workloads and external ranges, sorted. A
 * workload's pods may fall in several classes; a line is the union over them. Lines from a workload to itself
 * and between two external ranges are never listed, and nothing is listed when the inventory has no pods.
 */
export function connectionList(engine: PolicyEngine, options: ConnlistOptions = {}): ConnlistEntry[] {
  const { classes, sourceAtoms, destinationAtoms } = engine.universe;
  if (classes.length === 0) return [];
  const families = options.ipFamilies ?? ['IPv4'];
  const keep = focusFilter(options);
  const lines = new Map<string, Map<string, ConnectionSet>>();
  const add = (src: Named, dst: Named, conns: ConnectionSet): void => {
    if (src.key === dst.key || !keep(src, dst)) return;
    let row = lines.get(src.key);
    if (!row) lines.set(src.key, (row = new Map()));
    const prev = row.get(dst.key);
    row.set(dst.key, prev ? prev.union(conns) : conns);
  };

  const named: Named[][] = classes.map((c) => workloadsOf(c).map((w) => ({ key: workloadKey(w), workload: w })));
  const endpoints = classes.map((c) => ({ kind: 'class', id: c.id }) as const);
  for (const s of classes) {
    for (const d of classes) {
      const conns = engine.allowed(endpoints[s.id], endpoints[d.id]);
      if (conns.isEmpty()) continue;
      for (const ws of named[s.id]) for (const wd of named[d.id]) add(ws, wd, conns);
    }
  }
  sourceAtoms.forEach((atom, id) => {
    if (!families.includes(atom.family)) return;
    const ext: Named = { key: `${formatRange(atom)}[External]` };
    for (const d of classes) {
      const conns = engine.allowed({ kind: 'source-atom', id }, endpoints[d.id]);
      if (!conns.isEmpty()) for (const wd of named[d.id]) add(ext, wd, conns);
    }
  });
  destinationAtoms.forEach((atom, id) => {
    if (!families.includes(atom.family)) return;
    const ext: Named = { key: `${formatRange(atom)}[External]` };
    for (const s of classes) {
      const conns = engine.allowed(endpoints[s.id], { kind: 'destination-atom', id });
      if (!conns.isEmpty()) for (const ws of named[s.id]) add(ws, ext, conns);
    }
  });

  const out: ConnlistEntry[] = [];
  for (const src of [...lines.keys()].sort(compareText)) {
    const row = lines.get(src)!;
    for (const dst of [...row.keys()].sort(compareText)) out.push({ src, dst, conns: row.get(dst)! });
  }
  return out;
}

/** `SRC => DST : CONNS`, one line each, with a final newline (empty text for no connections). */
export function formatConnlistText(entries: readonly ConnlistEntry[]): string {
  return entries.map((e) => `${e.src} => ${e.dst} : ${e.conns.toString()}\n`).join('');
}

/** `[{"src", "dst", "conn"}]`, indented by two spaces as the netpol-analyzer writes it. */
export function formatConnlistJson(entries: readonly ConnlistEntry[]): string {
  return `${JSON.stringify(
    entries.map((e) => ({ src: e.src, dst: e.dst, conn: e.conns.toString() })),
    null,
    2,
  )}\n`;
}
