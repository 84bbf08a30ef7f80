/**
 * The evaluation model of the `calico` backend: how the policy engine of `src/analysis` (which knows
 * NetworkPolicy and the admin tier) reads the GlobalNetworkPolicies Airlock writes. The model:
 *
 * - Calico evaluates the policies of the `default` tier by ascending `order` (then name), and Kubernetes
 *   NetworkPolicies are in that tier at order 1000; within a policy the first matching rule decides
 *   (`Allow` or `Deny`). A GlobalNetworkPolicy of lower order is therefore an admin-tier policy of the
 *   engine: its rules, in order, before any NetworkPolicy. AdminNetworkPolicies (a tier of their own in
 *   Calico's implementation) come first, so the model's policies are placed after the inventory's.
 * - Traffic that no rule of the tier matches is dropped at the end of the tier when any policy of the tier
 *   selected the endpoint: the model adds, for each GlobalNetworkPolicy, a NetworkPolicy with no rules that
 *   isolates its subject in its `types`, so NetworkPolicy allows still apply but nothing else does.
 * - `nets` minus `notNets` are addresses outside the cluster, as ipBlocks are in the engine; a rule without a
 *   peer matches every pod and every address.
 *
 * It reads only what the backend writes (equality selectors with `projectcalico.org/namespace`, Allow and
 * Deny); anything else throws rather than being guessed at.
 */
import { IpSet } from '../../analysis/ipset';
import type { AdminPolicyInfo, AdminRule, NetworkPolicyInfo, Peer, PortClause, PortsSpec } from '../../analysis/model';
import { isProtocol } from '../../analysis/ports';
import { MATCH_ALL, type LabelSelector } from '../../analysis/selectors';
import { NAMESPACE_NAME_LABEL } from '../network-rules';
import { parseCalicoSelector } from './calico-selector';

type Json = Record<string, unknown>;

/** Policies for the engine: admin-tier policies (in evaluation order) and NetworkPolicies. */
export interface ModelPolicies {
  /** Evaluated before the inventory's own admin-tier policies. */
  readonly adminFirst: readonly AdminPolicyInfo[];
  /** Evaluated after the inventory's own admin-tier policies. */
  readonly adminLast: readonly AdminPolicyInfo[];
  readonly networkPolicies: readonly NetworkPolicyInfo[];
}

const selector = (matchLabels: Record<string, string>): LabelSelector => ({ matchLabels, matchExpressions: [] });
const ALL_PEERS: Peer[] = [
  { kind: 'pods', namespaces: { kind: 'selector', selector: MATCH_ALL }, pods: MATCH_ALL },
  { kind: 'ips', ips: IpSet.universe(['IPv4', 'IPv6']) },
];

function peers(match: Json | undefined): Peer[] {
  if (match?.selector !== undefined) {
    const { namespace, labels } = parseCalicoSelector(match.selector as string);
    const namespaces = namespace !== undefined ? selector({ [NAMESPACE_NAME_LABEL]: namespace }) : MATCH_ALL;
    return [{ kind: 'pods', namespaces: { kind: 'selector', selector: namespaces }, pods: selector(labels) }];
  }
  if (match?.nets !== undefined) {
    const nets = (match.nets as string[]).reduce((s, n) => s.union(IpSet.fromBlock(n, [], 'mask')), IpSet.empty);
    const holes = ((match.notNets as string[] | undefined) ?? []).reduce((s, n) => s.union(IpSet.fromBlock(n, [], 'mask')), IpSet.empty);
    return [{ kind: 'ips', ips: nets.subtract(holes) }];
  }
  return ALL_PEERS;
}

function ports(rule: Json): PortsSpec {
  const protocol = rule.protocol;
  if (protocol === undefined) return { kind: 'all' };
  if (!isProtocol(protocol)) throw new Error(`unsupported Calico protocol ${String(protocol)}`);
  const list = ((rule.destination as Json | undefined)?.ports as Array<number | string> | undefined) ?? [];
  if (list.length === 0) return { kind: 'clauses', clauses: [{ kind: 'protocol', protocol }] };
  const clauses: PortClause[] = list.map((p) => {
    if (typeof p === 'number') return { kind: 'range', protocol, first: p, last: p };
    const range = /^(\d+):(\d+)$/.exec(p);
    return range ? { kind: 'range', protocol, first: Number(range[1]), last: Number(range[2]) } : { kind: 'named', protocol, name: p };
  });
  return { kind: 'clauses', clauses };
}

function rules(spec: Json, direction: 'ingress' | 'egress'): AdminRule[] {
  return ((spec[direction] as Json[] | undefined) ?? []).map((rule, i) => {
    if (rule.action !== 'Allow' && rule.action !== 'Deny') throw new Error(`unsupported Calico action ${String(rule.action)}`);
    return { name: `${direction}[${i}]`, action: rule.action, peers: peers((direction === 'ingress' ? rule.source : rule.destination) as Json | undefined), ports: ports(rule) };
  });
}

/** The model of Airlock's GlobalNetworkPolicies (other kinds are ignored). */
export function calicoModel(objects: readonly Json[]): ModelPolicies {
  const gnps = objects
    .filter((o) => o.kind === 'GlobalNetworkPolicy')
    .map((o) => ({ name: (o.metadata as Json).name as string, spec: o.spec as Json }))
    .sort((a, b) => (a.spec.order as number) - (b.spec.order as number) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const admin: AdminPolicyInfo[] = [];
  const networkPolicies: NetworkPolicyInfo[] = [];
  for (const { name, spec } of gnps) {
    const { namespace, labels } = parseCalicoSelector(spec.selector as string);
    if (namespace === undefined) throw new Error(`GlobalNetworkPolicy ${name}: the model needs a namespace in the selector`);
    const types = (spec.types as string[] | undefined) ?? [];
    const source = `GlobalNetworkPolicy ${name}`;
    admin.push({
      ref: { kind: 'AdminNetworkPolicy', name: `GlobalNetworkPolicy/${name}` },
      priority: Math.min(1000, Math.round(spec.order as number)),
      subject: { kind: 'pods', namespaces: selector({ [NAMESPACE_NAME_LABEL]: namespace }), pods: selector(labels) },
      ingress: types.includes('Ingress') ? rules(spec, 'ingress') : [],
      egress: types.includes('Egress') ? rules(spec, 'egress') : [],
      source,
    });
    networkPolicies.push({
      ref: { kind: 'NetworkPolicy', namespace, name: `calico-end-of-tier.${name}` },
      namespace,
      podSelector: selector(labels),
      ...(types.includes('Ingress') ? { ingress: { rules: [] } } : {}),
      ...(types.includes('Egress') ? { egress: { rules: [] } } : {}),
      source,
    });
  }
  return { adminFirst: [], adminLast: admin, networkPolicies };
}
