/**
 * Connection sets: which protocols and ports a connection may use. Every verdict the analysis produces is one of
 * these, so they are immutable values with cheap fast paths for the two overwhelmingly common cases, "nothing" and
 * "everything".
 */

/** The L4 protocols a NetworkPolicy can name. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** Protocols in the order the connection list prints them (alphabetical, as the netpol-analyzer does). */
export const PROTOCOLS: readonly Protocol[] = ['SCTP', 'TCP', 'UDP'];

export const MIN_PORT = 1;
export const MAX_PORT = 65535;

/** A closed interval of ports, `[first, last]`. */
export type PortRange = readonly [first: number, last: number];

/**
 * A set of ports as sorted, disjoint, non-adjacent intervals. The canonical form means equal sets have equal
 * interval lists, so equality and printing never depend on how a set was built.
 */
export class PortSet {
  private constructor(readonly ranges: readonly PortRange[]) {}

  static readonly empty = new PortSet([]);
  static readonly all = new PortSet([[MIN_PORT, MAX_PORT]]);

  /** Ports `first..last`, clamped to 1..65535; an inverted range is empty. */
  static range(first: number, last: number): PortSet {
    const lo = Math.max(first, MIN_PORT);
    const hi = Math.min(last, MAX_PORT);
    if (lo > hi) return PortSet.empty;
    if (lo === MIN_PORT && hi === MAX_PORT) return PortSet.all;
    return new PortSet([[lo, hi]]);
  }

  /** Builds the canonical set from any list of (possibly overlapping) ranges. */
  static fromRanges(ranges: readonly PortRange[]): PortSet {
    const sorted = ranges
      .map(([a, b]) => [Math.max(a, MIN_PORT), Math.min(b, MAX_PORT)] as [number, number])
      .filter(([a, b]) => a <= b)
      .sort((x, y) => x[0] - y[0]);
    const out: [number, number][] = [];
    for (const [a, b] of sorted) {
      const last = out[out.length - 1];
      if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
      else out.push([a, b]);
    }
    if (out.length === 0) return PortSet.empty;
    if (out.length === 1 && out[0][0] === MIN_PORT && out[0][1] === MAX_PORT) return PortSet.all;
    return new PortSet(out);
  }

  isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  isAll(): boolean {
    return this === PortSet.all || (this.ranges.length === 1 && this.ranges[0][0] === MIN_PORT && this.ranges[0][1] === MAX_PORT);
  }

  contains(port: number): boolean {
    return this.ranges.some(([a, b]) => port >= a && port <= b);
  }

  union(other: PortSet): PortSet {
    if (this.isEmpty() || other.isAll()) return other;
    if (other.isEmpty() || this.isAll()) return this;
    return PortSet.fromRanges([...this.ranges, ...other.ranges]);
  }

  intersect(other: PortSet): PortSet {
    if (this.isEmpty() || other.isAll()) return this;
    if (other.isEmpty() || this.isAll()) return other;
    const out: PortRange[] = [];
    let i = 0;
    let j = 0;
    while (i < this.ranges.length && j < other.ranges.length) {
      const [a1, b1] = this.ranges[i];
      const [a2, b2] = other.ranges[j];
      const lo = Math.max(a1, a2);
      const hi = Math.min(b1, b2);
      if (lo <= hi) out.push([lo, hi]);
      if (b1 < b2) i++;
      else j++;
    }
    return PortSet.fromRanges(out);
  }

  subtract(other: PortSet): PortSet {
    if (this.isEmpty() || other.isEmpty()) return this;
    if (other.isAll()) return PortSet.empty;
    const out: PortRange[] = [];
    for (const [a, b] of this.ranges) {
      let lo = a;
      for (const [c, d] of other.ranges) {
        if (d < lo || c > b) continue;
        if (c > lo) out.push([lo, c - 1]);
        lo = Math.max(lo, d + 1);
        if (lo > b) break;
      }
      if (lo <= b) out.push([lo, b]);
    }
    return PortSet.fromRanges(out);
  }

  equals(other: PortSet): boolean {
    if (this === other) return true;
    if (this.ranges.length !== other.ranges.length) return false;
    return this.ranges.every(([a, b], k) => a === other.ranges[k][0] && b === other.ranges[k][1]);
  }

  /** `80`, `1-79,81-65535`: the netpol-analyzer's notation. */
  toString(): string {
    return this.ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
  }
}

/** One protocol's share of a connection set, for callers that want the parts rather than the text. */
export interface ProtocolPorts {
  readonly protocol: Protocol;
  readonly ports: PortSet;
}

/**
 * An immutable set of (protocol, port) pairs. `ConnectionSet.all` is "All Connections": TCP, UDP and SCTP on
 * every port; `ConnectionSet.none` is nothing.
 */
export class ConnectionSet {
  private constructor(private readonly byProtocol: Readonly<Record<Protocol, PortSet>>) {}

  static readonly none = new ConnectionSet({ SCTP: PortSet.empty, TCP: PortSet.empty, UDP: PortSet.empty });
  static readonly all = new ConnectionSet({ SCTP: PortSet.all, TCP: PortSet.all, UDP: PortSet.all });

  /** The given ports of one protocol. */
  static of(protocol: Protocol, ports: PortSet): ConnectionSet {
    if (ports.isEmpty()) return ConnectionSet.none;
    return ConnectionSet.build({ ...ConnectionSet.none.byProtocol, [protocol]: ports });
  }

  /** Every port of one protocol. */
  static protocol(protocol: Protocol): ConnectionSet {
    return ConnectionSet.of(protocol, PortSet.all);
  }

  private static build(parts: Record<Protocol, PortSet>): ConnectionSet {
    const empty = PROTOCOLS.every((p) => parts[p].isEmpty());
    if (empty) return ConnectionSet.none;
    if (PROTOCOLS.every((p) => parts[p].isAll())) return ConnectionSet.all;
    return new ConnectionSet(parts);
  }

  ports(protocol: Protocol): PortSet {
    return this.byProtocol[protocol];
  }

  isEmpty(): boolean {
    return this === ConnectionSet.none;
  }

  isAll(): boolean {
    return this === ConnectionSet.all;
  }

  contains(protocol: Protocol, port: number): boolean {
    return this.byProtocol[protocol].contains(port);
  }

  union(other: ConnectionSet): ConnectionSet {
    if (this === ConnectionSet.none || other === ConnectionSet.all || this === other) return other;
    if (other === ConnectionSet.none || this === ConnectionSet.all) return this;
    return this.combine(other, (a, b) => a.union(b));
  }

  intersect(other: ConnectionSet): ConnectionSet {
    if (this === ConnectionSet.none || other === ConnectionSet.all || this === other) return this;
    if (other === ConnectionSet.none || this === ConnectionSet.all) return other;
    return this.combine(other, (a, b) => a.intersect(b));
  }

  subtract(other: ConnectionSet): ConnectionSet {
    if (this === ConnectionSet.none || other === ConnectionSet.none) return this;
    if (other === ConnectionSet.all || this === other) return ConnectionSet.none;
    return this.combine(other, (a, b) => a.subtract(b));
  }

  equals(other: ConnectionSet): boolean {
    return this === other || PROTOCOLS.every((p) => this.byProtocol[p].equals(other.byProtocol[p]));
  }

  /** The non-empty protocols, alphabetically. */
  parts(): ProtocolPorts[] {
    return PROTOCOLS.filter((p) => !this.byProtocol[p].isEmpty()).map((protocol) => ({ protocol, ports: this.byProtocol[protocol] }));
  }

  /**
   * `All Connections`, `TCP 2000,UDP 5353`, `SCTP 1-9002,9004-65535,TCP 1-79`: exactly the netpol-analyzer's
   * text, so outputs can be compared with its test data and read by people who know the tool. Empty is `No Connections`.
   */
  toString(): string {
    if (this.isAll()) return 'All Connections';
    if (this.isEmpty()) return 'No Connections';
    return this.parts()
      .map(({ protocol, ports }) => `${protocol} ${ports.toString()}`)
      .join(',');
  }

  private combine(other: ConnectionSet, op: (a: PortSet, b: PortSet) => PortSet): ConnectionSet {
    return ConnectionSet.build({
      SCTP: op(this.byProtocol.SCTP, other.byProtocol.SCTP),
      TCP: op(this.byProtocol.TCP, other.byProtocol.TCP),
      UDP: op(this.byProtocol.UDP, other.byProtocol.UDP),
    });
  }
}

/**
 * Parses the netpol-analyzer's connection text back into a set (`All Connections`, `TCP 80,UDP 53,5353`). A
 * comma-separated token that contains a space starts a new protocol; the others continue the current one.
 */
export function parseConnectionText(text: string): ConnectionSet {
  const trimmed = text.trim();
  if (trimmed === 'All Connections') return ConnectionSet.all;
  if (trimmed === '' || trimmed === 'No Connections') return ConnectionSet.none;
  let result = ConnectionSet.none;
  let protocol: Protocol | undefined;
  for (const raw of trimmed.split(',')) {
    let token = raw.trim();
    if (token.includes(' ')) {
      const [name, rest] = token.split(/\s+/, 2);
      if (!isProtocol(name)) throw new Error(`unknown protocol "${name}" in "${text}"`);
      protocol = name;
      token = rest;
    }
    if (!protocol) throw new Error(`ports without a protocol in "${text}"`);
    const [a, b] = token.split('-').map(Number);
    if (!Number.isInteger(a) || (b !== undefined && !Number.isInteger(b))) throw new Error(`bad port "${token}" in "${text}"`);
    result = result.union(ConnectionSet.of(protocol, PortSet.range(a, b ?? a)));
  }
  return result;
}

/** True for the three protocol names Kubernetes accepts (case-sensitive, as the API is). */
export function isProtocol(value: unknown): value is Protocol {
  return value === 'TCP' || value === 'UDP' || value === 'SCTP';
}
