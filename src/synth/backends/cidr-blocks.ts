/**
 * Address arithmetic for backends whose peers have no `except` (AdminNetworkPolicy `networks`) or whose deny
 * rules must name the exact complement of what stays allowed (Cilium). Ranges are inclusive big-integer
 * intervals per family, so subtraction and the decomposition back into CIDR blocks are exact.
 */
import { parseCidr } from '../../incident/cidr';

/** An IP family by its version number, as `node:net` reports it. */
export type Family = 4 | 6;

/** An inclusive address range of one family. */
export interface AddressRange {
  readonly family: Family;
  readonly first: bigint;
  readonly last: bigint;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

/** The whole address space of a family (`0.0.0.0/0`, `::/0`). */
export function familyRange(family: Family): AddressRange {
  return { family, first: 0n, last: (1n << BigInt(BITS[family])) - 1n };
}

/**
 * The range of a canonical CIDR. Incident validation has already rejected anything else, so a malformed
 * value here is a bug and throws.
 */
export function cidrRange(text: string): AddressRange {
  const parsed = parseCidr(text);
  if (typeof parsed === 'string') throw new Error(`not a canonical CIDR: ${parsed}`);
  const size = 1n << BigInt(BITS[parsed.family] - parsed.prefix);
  return { family: parsed.family, first: parsed.address, last: parsed.address + size - 1n };
}

/** `ranges` minus `minus`, sorted and merged; ranges of other families pass through untouched. */
export function subtractRanges(ranges: readonly AddressRange[], minus: readonly AddressRange[]): AddressRange[] {
  let out = mergeRanges(ranges);
  for (const m of minus) {
    const next: AddressRange[] = [];
    for (const r of out) {
      if (r.family !== m.family || m.last < r.first || m.first > r.last) {
        next.push(r);
        continue;
      }
      if (m.first > r.first) next.push({ family: r.family, first: r.first, last: m.first - 1n });
      if (m.last < r.last) next.push({ family: r.family, first: m.last + 1n, last: r.last });
    }
    out = next;
  }
  return out;
}

/** Sorts by family and start and merges overlapping or adjacent ranges. */
export function mergeRanges(ranges: readonly AddressRange[]): AddressRange[] {
  const sorted = [...ranges].sort((a, b) => a.family - b.family || (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: AddressRange[] = [];
  for (const r of sorted) {
    const prev = out[out.length - 1];
    if (prev && prev.family === r.family && r.first <= prev.last + 1n) {
      if (r.last > prev.last) out[out.length - 1] = { ...prev, last: r.last };
    } else out.push(r);
  }
  return out;
}

/** RFC 5952 text of an address: dotted quad, or IPv6 with the longest run of zero groups as `::`. */
export function formatAddress(family: Family, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => ((value >> s) & 255n).toString()).join('.');
  const groups: number[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(Number((value >> s) & 0xffffn));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((g) => g.toString(16)).join(':');
  if (best.at < 0) return hex(groups);
  return `${hex(groups.slice(0, best.at))}::${hex(groups.slice(best.at + best.len))}`;
}

/** The fewest CIDR blocks that cover exactly one range, in address order. */
export function rangeToCidrs(range: AddressRange): string[] {
  const bits = BITS[range.family];
  const out: string[] = [];
  let first = range.first;
  while (first <= range.last) {
    // The largest aligned block that starts at `first` and stays inside the range.
    let size = 0;
    while (size < bits) {
      const next = 1n << BigInt(size + 1);
      if (first % next !== 0n || first + next - 1n > range.last) break;
      size++;
    }
    out.push(`${formatAddress(range.family, first)}/${bits - size}`);
    first += 1n << BigInt(size);
  }
  return out;
}

/** The CIDR blocks that cover `ranges` exactly. */
export function rangesToCidrs(ranges: readonly AddressRange[]): string[] {
  return mergeRanges(ranges).flatMap(rangeToCidrs);
}

/** `cidr` minus its `except` holes, as plain CIDR blocks (for APIs that have no `except`). */
export function blocksWithout(cidr: string, except: readonly string[] = []): string[] {
  return rangesToCidrs(subtractRanges([cidrRange(cidr)], except.map(cidrRange)));
}
