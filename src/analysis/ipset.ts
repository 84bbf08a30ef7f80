/**
 * IP address sets for ipBlock / networks peers. Addresses are bigints so IPv4 and IPv6 share one
 * implementation; a set keeps one sorted list of disjoint intervals per family.
 */

/** Address family; an IPv4 address never matches an IPv6 block and vice versa. */
export type IpFamily = 'IPv4' | 'IPv6';

const BITS: Record<IpFamily, number> = { IPv4: 32, IPv6: 128 };
const MAX: Record<IpFamily, bigint> = { IPv4: (1n << 32n) - 1n, IPv6: (1n << 128n) - 1n };

/** A closed interval of addresses of one family. */
export interface IpRange {
  readonly family: IpFamily;
  readonly first: bigint;
  readonly last: bigint;
}

/** Thrown by the parsers; callers turn it into a Problem naming the field. */
export class IpParseError extends Error {}

/** True when a CIDR has bits set after its prefix (`10.0.0.1/8`), which the API server masks with a warning. */
export function hasHostBits(text: string): boolean {
  return parseAddress(text.slice(0, text.indexOf('/'))).value !== parseCidr(text, 'mask').first;
}

/** Parses a dotted quad or an RFC 4291 IPv6 text address. */
export function parseAddress(text: string): { family: IpFamily; value: bigint } {
  if (text.includes(':')) return { family: 'IPv6', value: parseIpv6(text) };
  return { family: 'IPv4', value: parseIpv4(text) };
}

function parseIpv4(text: string): bigint {
  const parts = text.split('.');
  if (parts.length !== 4) throw new IpParseError(`"${text}" is not an IPv4 address`);
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) throw new IpParseError(`"${text}" is not an IPv4 address`);
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

function parseIpv6(text: string): bigint {
  let body = text;
  let tail: bigint[] = [];
  // An embedded IPv4 suffix (::ffff:1.2.3.4) stands for the last two groups.
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = parseIpv4(v4[2]);
    body = v4[1].endsWith('::') ? v4[1] : v4[1].slice(0, -1);
    tail = [n >> 16n, n & 0xffffn];
  }
  const halves = body.split('::');
  if (halves.length > 2) throw new IpParseError(`"${text}" is not an IPv6 address`);
  const groups = (s: string): bigint[] =>
    s === ''
      ? []
      : s.split(':').map((g) => {
          if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new IpParseError(`"${text}" is not an IPv6 address`);
          return BigInt(parseInt(g, 16));
        });
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 && known !== 8) throw new IpParseError(`"${text}" is not an IPv6 address`);
  if (halves.length === 2 && known > 7) throw new IpParseError(`"${text}" is not an IPv6 address`);
  const all = [...head, ...Array<bigint>(8 - known).fill(0n), ...rest, ...tail];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/**
 * Parses `a.b.c.d/n` or `x::/n`. With `hostBits: 'reject'` set host bits are an error; with `'mask'` they are
 * cleared, as the API server's (sloppy) CIDR parsing for ipBlock and the Go tools do.
 */
export function parseCidr(text: string, hostBits: 'reject' | 'mask' = 'reject'): IpRange {
  const slash = text.indexOf('/');
  if (slash < 0) throw new IpParseError(`"${text}" is not a CIDR (expected address/prefix-length)`);
  const { family, value } = parseAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  const bits = BITS[family];
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
    throw new IpParseError(`"${text}" has an invalid prefix length (0-${bits} for ${family})`);
  }
  const hostBitCount = BigInt(bits - Number(prefixText));
  const hostMask = (1n << hostBitCount) - 1n;
  if ((value & hostMask) !== 0n && hostBits === 'mask') return { family, first: value & ~hostMask & MAX[family], last: value | hostMask };
  if ((value & hostMask) !== 0n) {
    const network = formatAddress(family, value & ~hostMask & MAX[family]);
    throw new IpParseError(`"${text}" has host bits set (the network address is ${network}/${prefixText})`);
  }
  return { family, first: value, last: value | hostMask };
}

/** Canonical text: dotted quad, or RFC 5952 compressed IPv6. */
export function formatAddress(family: IpFamily, value: bigint): string {
  if (family === 'IPv4') {
    return [24n, 16n, 8n, 0n].map((s) => ((value >> s) & 255n).toString()).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, k) => Number((value >> BigInt((7 - k) * 16)) & 0xffffn));
  // Longest run of two or more zero groups becomes "::" (the first such run on ties).
  let bestStart = -1;
  let bestLen = 0;
  for (let k = 0; k < 8; ) {
    if (groups[k] !== 0) {
      k++;
      continue;
    }
    let end = k;
    while (end < 8 && groups[end] === 0) end++;
    if (end - k > bestLen && end - k >= 2) {
      bestStart = k;
      bestLen = end - k;
    }
    k = end;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** `first-last`, the notation of the connection list. */
export function formatRange(range: IpRange): string {
  return `${formatAddress(range.family, range.first)}-${formatAddress(range.family, range.last)}`;
}

/** An immutable set of addresses across both families. */
export class IpSet {
  private constructor(private readonly intervals: Readonly<Record<IpFamily, readonly IpRange[]>>) {}

  static readonly empty = new IpSet({ IPv4: [], IPv6: [] });

  /** Every address of the given families. */
  static universe(families: readonly IpFamily[]): IpSet {
    return IpSet.fromRanges(families.map((family) => ({ family, first: 0n, last: MAX[family] })));
  }

  static fromRanges(ranges: readonly IpRange[]): IpSet {
    const byFamily: Record<IpFamily, IpRange[]> = { IPv4: [], IPv6: [] };
    for (const family of ['IPv4', 'IPv6'] as const) {
      const sorted = ranges.filter((r) => r.family === family && r.first <= r.last).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
      const out: { family: IpFamily; first: bigint; last: bigint }[] = [];
      for (const r of sorted) {
        const last = out[out.length - 1];
        if (last && r.first <= last.last + 1n) {
          if (r.last > last.last) last.last = r.last;
        } else out.push({ family, first: r.first, last: r.last });
      }
      byFamily[family] = out;
    }
    return new IpSet(byFamily);
  }

  /** An ipBlock: the CIDR minus its exceptions. */
  static fromBlock(cidr: string, except: readonly string[] = [], hostBits: 'reject' | 'mask' = 'reject'): IpSet {
    const base = IpSet.fromRanges([parseCidr(cidr, hostBits)]);
    return base.subtract(IpSet.fromRanges(except.map((e) => parseCidr(e, hostBits))));
  }

  ranges(family?: IpFamily): readonly IpRange[] {
    if (family) return this.intervals[family];
    return [...this.intervals.IPv4, ...this.intervals.IPv6];
  }

  isEmpty(): boolean {
    return this.intervals.IPv4.length === 0 && this.intervals.IPv6.length === 0;
  }

  union(other: IpSet): IpSet {
    return IpSet.fromRanges([...this.ranges(), ...other.ranges()]);
  }

  subtract(other: IpSet): IpSet {
    const out: IpRange[] = [];
    for (const family of ['IPv4', 'IPv6'] as const) {
      for (const r of this.intervals[family]) {
        let lo = r.first;
        for (const cut of other.intervals[family]) {
          if (cut.last < lo || cut.first > r.last) continue;
          if (cut.first > lo) out.push({ family, first: lo, last: cut.first - 1n });
          lo = cut.last + 1n;
          if (lo > r.last) break;
        }
        if (lo <= r.last) out.push({ family, first: lo, last: r.last });
      }
    }
    return IpSet.fromRanges(out);
  }

  /** True when the whole range lies inside the set. */
  containsRange(range: IpRange): boolean {
    const list = this.intervals[range.family];
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = list[mid];
      if (range.first < r.first) hi = mid - 1;
      else if (range.first > r.last) lo = mid + 1;
      else return range.last <= r.last;
    }
    return false;
  }

  /** True when the address is in the set. */
  containsAddress(text: string): boolean {
    const { family, value } = parseAddress(text);
    return this.containsRange({ family, first: value, last: value });
  }
}

/**
 * Splits the given universe into the coarsest contiguous ranges ("atoms") on which every given set is constant:
 * each atom lies entirely inside or entirely outside each set. Peers are evaluated once per atom instead of
 * once per address. Adjacent atoms always differ in membership of at least one set, and are never merged.
 */
export function ipAtoms(sets: readonly IpSet[], families: readonly IpFamily[]): IpRange[] {
  const atoms: IpRange[] = [];
  for (const family of families) {
    const cuts = new Set<bigint>([0n, MAX[family] + 1n]);
    for (const s of sets) {
      for (const r of s.ranges(family)) {
        cuts.add(r.first);
        cuts.add(r.last + 1n);
      }
    }
    const sorted = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let k = 0; k + 1 < sorted.length; k++) atoms.push({ family, first: sorted[k], last: sorted[k + 1] - 1n });
  }
  return atoms;
}
