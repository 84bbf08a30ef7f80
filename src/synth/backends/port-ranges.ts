/**
 * Numeric port sets per transport protocol, for backends that must deny the exact complement of the ports
 * that stay allowed (Cilium, where a deny always beats an allow). Named ports have no complement that a port
 * list can write (each pod resolves the name to its own number), so they are kept apart for the caller to refuse.
 */
import type { PortSpec } from '../../incident/types';

/** Transport protocols with ports, as Kubernetes policies know them. */
export type L4Protocol = 'TCP' | 'UDP' | 'SCTP';
/** The protocols a port complement covers, in the order rules list them. */
export const L4_PROTOCOLS: readonly L4Protocol[] = ['TCP', 'UDP', 'SCTP'];

/** Inclusive, sorted, disjoint port ranges per protocol. */
export type PortRanges = Readonly<Record<L4Protocol, readonly (readonly [number, number])[]>>;

/** Every port of every protocol: what an allow without `ports` opens. */
export const ALL_PORTS: PortRanges = { TCP: [[1, 65535]], UDP: [[1, 65535]], SCTP: [[1, 65535]] };


function normalize(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const prev = out[out.length - 1];
    if (prev && a <= prev[1] + 1) prev[1] = Math.max(prev[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The numeric ports of a spec list (absent: every port), and the named ports it also names. */
export function portRangesOf(ports: readonly PortSpec[] | undefined): { ranges: PortRanges; named: string[] } {
  if (!ports) return { ranges: ALL_PORTS, named: [] };
  const acc: Record<L4Protocol, [number, number][]> = { TCP: [], UDP: [], SCTP: [] };
  const named: string[] = [];
  for (const p of ports) {
    if (typeof p.port === 'string') named.push(p.port);
    else acc[p.protocol ?? 'TCP'].push([p.port, p.endPort ?? p.port]);
  }
  return { ranges: { TCP: normalize(acc.TCP), UDP: normalize(acc.UDP), SCTP: normalize(acc.SCTP) }, named };
}

/** Ports in either set. */
export function unionPorts(a: PortRanges, b: PortRanges): PortRanges {
  return { TCP: normalize([...a.TCP, ...b.TCP]), UDP: normalize([...a.UDP, ...b.UDP]), SCTP: normalize([...a.SCTP, ...b.SCTP]) };
}

/** Ports 1–65535 of each protocol that the set does not hold. */
export function complementPorts(a: PortRanges): PortRanges {
  const one = (ranges: readonly (readonly [number, number])[]): [number, number][] => {
    const out: [number, number][] = [];
    let next = 1;
    for (const [x, y] of ranges) {
      if (x > next) out.push([next, x - 1]);
      next = y + 1;
    }
    if (next <= 65535) out.push([next, 65535]);
    return out;
  };
  return { TCP: one(a.TCP), UDP: one(a.UDP), SCTP: one(a.SCTP) };
}

/** Whether the set holds every port of every protocol. */
export function isAllPorts(a: PortRanges): boolean {
  return L4_PROTOCOLS.every((p) => a[p].length === 1 && a[p][0][0] === 1 && a[p][0][1] === 65535);
}

/** A stable text of the set, to group peers that share it. */
export function portsKey(a: PortRanges): string {
  return L4_PROTOCOLS.map((p) => `${p}:${a[p].map(([x, y]) => (x === y ? `${x}` : `${x}-${y}`)).join(',')}`).join(' ');
}


