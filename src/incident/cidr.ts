/**
 * CIDR checks for `allow` peers, as strict as the API server's ipBlock validation: a canonical network
 * address (no host bits), and `except` ranges of the same family inside `cidr`.
 */
import { isIP } from 'node:net';

/** A parsed CIDR: family, address as a big integer and prefix length. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly address: bigint;
  readonly prefix: number;
}

function ipToBigInt(ip: string, family: 4 | 6): bigint {
  if (family === 4) return ip.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);
  const [head, tail = ''] = ip.split('::');
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  let parts = [...groups(head)];
  let tailParts = groups(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const expand = (xs: string[]): string[] =>
    xs.flatMap((g) => (g.includes('.') ? (() => { const v = ipToBigInt(g, 4); return [(v >> 16n).toString(16), (v & 0xffffn).toString(16)]; })() : [g]));
  parts = expand(parts);
  tailParts = expand(tailParts);
  const missing = ip.includes('::') ? 8 - parts.length - tailParts.length : 0;
  const all = [...parts, ...Array<string>(missing).fill('0'), ...tailParts];
  return all.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Parses `address/prefix`; returns the problem as text when it is not a canonical CIDR. */
export function parseCidr(text: string): Cidr | string {
  const slash = text.indexOf('/');
  if (slash === -1) return `"${text}" has no prefix length (write e.g. "${text}/32")`;
  const ip = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const family = isIP(ip);
  if (family === 0) return `"${ip}" is not an IPv4 or IPv6 address`;
  const bits = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return `prefix "/${prefixText}" is not 0–${bits}`;
  const prefix = Number(prefixText);
  const address = ipToBigInt(ip, family as 4 | 6);
  const hostBits = BigInt(bits - prefix);
  if (address & ((1n << hostBits) - 1n)) {
    const network = (address >> hostBits) << hostBits;
    return `"${text}" has host bits set (the network is ${formatAddress(network, family as 4 | 6)}/${prefix})`;
  }
  return { family: family as 4 | 6, address, prefix };
}

function formatAddress(address: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => ((address >> s) & 255n).toString()).join('.');
  const groups = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((address >> s) & 0xffffn).toString(16));
  return groups.join(':');
}

/** Whether `inner` lies within `outer` (same family, at least as long a prefix, same network bits). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  const shift = BigInt((outer.family === 4 ? 32 : 128) - outer.prefix);
  return outer.address >> shift === inner.address >> shift;
}
