/**
 * The first-match rule list of the admin tier (AdminNetworkPolicy and its successor ClusterNetworkPolicy): an
 * Allow per entry of what stays allowed, then one Deny for everything else. Rules are evaluated in order and
 * the first match decides, so the Allows carve their traffic out of the Deny without any complement.
 *
 * Addresses: admin-tier peers have no `except`, so a `cidr` with `except` becomes the CIDR blocks of the
 * range minus its holes, which is exact; a Deny for the holes before the Allow would also cut what another
 * declared allow permits inside a hole. Ingress peers cannot be addresses at all in this API: ingress
 * allows of a cidr are left to the NetworkPolicy that the backend emits alongside (see adminnetworkpolicy.ts).
 */
import type { Direction, Labels, PortSpec } from '../../incident/types';
import { blocksWithout } from './cidr-blocks';
import type { Containment } from './containment';

/** A peer of an admin-tier rule. */
export type AdminPeerIntent =
  /** Every pod of one namespace. */
  | { readonly kind: 'namespace'; readonly namespace: string }
  /** Pods with labels in one namespace. */
  | { readonly kind: 'pods'; readonly namespace: string; readonly selector: Labels }
  /** Address blocks (egress only). */
  | { readonly kind: 'networks'; readonly cidrs: readonly string[] }
  /** Every pod of every namespace. */
  | { readonly kind: 'all-pods' }
  /** Every address, in-cluster or not (egress only): `0.0.0.0/0` and `::/0`. */
  | { readonly kind: 'all-networks' };

/** One rule, before it is written in a particular API version. */
export interface AdminRuleIntent {
  readonly name: string;
  readonly action: 'Allow' | 'Deny';
  readonly peers: readonly AdminPeerIntent[];
  /** Absent: every port and protocol. */
  readonly ports?: readonly PortSpec[];
}

/**
 * The ordered rules of one direction: an Allow per allowed entry (DNS first, then the declared allows in
 * order), then `deny-all`. Ingress cidr allows are skipped: the admin tier cannot match addresses on ingress,
 * so they neither get an Allow nor fall under the Deny, and the NetworkPolicy layer decides them.
 */
export function adminRuleIntents(c: Containment, direction: Direction): AdminRuleIntent[] {
  const rules: AdminRuleIntent[] = [];
  for (const t of c.allowed[direction]) {
    let peer: AdminPeerIntent;
    if (t.peer.kind === 'cidr') {
      if (direction === 'ingress') continue;
      peer = { kind: 'networks', cidrs: blocksWithout(t.peer.cidr, t.peer.except) };
    } else if (Object.keys(t.peer.selector).length === 0) {
      peer = { kind: 'namespace', namespace: t.peer.namespace };
    } else {
      peer = { kind: 'pods', namespace: t.peer.namespace, selector: t.peer.selector };
    }
    rules.push({ name: t.name, action: 'Allow', peers: [peer], ...(t.ports ? { ports: t.ports } : {}) });
  }
  const everything: AdminPeerIntent[] = direction === 'egress' ? [{ kind: 'all-pods' }, { kind: 'all-networks' }] : [{ kind: 'all-pods' }];
  rules.push({ name: 'deny-all', action: 'Deny', peers: everything });
  return rules;
}

/** Splits a list into chunks of at most `size` (API list limits such as 25 networks per peer). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
