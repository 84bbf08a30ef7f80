/**
 * The evaluation model of the `cilium` backend: how the policy engine of `src/analysis` reads the
 * CiliumNetworkPolicies Airlock writes. The model:
 *
 * - A deny always beats an allow, whatever policy either comes from: each policy's `ingressDeny` /
 *   `egressDeny` rules become an admin-tier policy of Deny rules only, evaluated before everything else.
 *   Traffic they do not match is not decided there and goes on, as in Cilium.
 * - Allows are a union, as with NetworkPolicies (which Cilium also enforces): the `ingress` / `egress` rules
 *   become a NetworkPolicy of the same pods, which isolates the directions with rules or with
 *   `enableDefaultDeny` set (Cilium's default-deny), so only what some policy allows gets through.
 * - Endpoint selectors: the `k8s:io.kubernetes.pod.namespace` key selects the namespace (by name); without
 *   it a selector means the policy's own namespace; other keys are pod labels (a `k8s:` or `any:` source
 *   prefix is dropped). CIDR sets are addresses outside the cluster, as ipBlocks are in the engine;
 *   `world` is every such address, `cluster` every pod, `all` both; the other entities (host, remote-node,
 *   kube-apiserver...) have no counterpart in an inventory of pods and match nothing.
 * - Ports: TCP, UDP and SCTP only (`ANY` or no protocol is all three, port `0` or none is every port); ICMP
 *   is outside the engine, as it is outside NetworkPolicy.
 */
import { IpSet } from '../../analysis/ipset';
import type { AdminPolicyInfo, AdminRule, NamespaceScope, NetworkPolicyInfo, NetworkPolicyRule, Peer, PortClause, PortsSpec } from '../../analysis/model';
import { PROTOCOLS, type Protocol } from '../../analysis/ports';
import { MATCH_ALL, type LabelSelector, type Requirement } from '../../analysis/selectors';
import { NAMESPACE_NAME_LABEL } from '../network-rules';
import type { ModelPolicies } from './calico-model';
import { CILIUM_NAMESPACE_KEY } from './cilium-complement';

type Json = Record<string, unknown>;

const stripSource = (key: string): string => key.replace(/^(k8s|any):/, '');

/** A Cilium endpoint selector as a namespace scope (defaulting to the policy's namespace) and a pod selector. */
function endpointPeer(raw: Json, policyNamespace: string): Peer {
  const ns: { matchLabels: Record<string, string>; matchExpressions: Requirement[] } = { matchLabels: {}, matchExpressions: [] };
  const pods: { matchLabels: Record<string, string>; matchExpressions: Requirement[] } = { matchLabels: {}, matchExpressions: [] };
  let namespaced = false;
  for (const [k, v] of Object.entries((raw.matchLabels as Record<string, string> | undefined) ?? {})) {
    if (k === CILIUM_NAMESPACE_KEY) {
      ns.matchLabels[NAMESPACE_NAME_LABEL] = v;
      namespaced = true;
    } else pods.matchLabels[stripSource(k)] = v;
  }
  for (const e of (raw.matchExpressions as Array<{ key: string; operator: string; values?: string[] }> | undefined) ?? []) {
    const target = e.key === CILIUM_NAMESPACE_KEY ? ns : pods;
    if (e.key === CILIUM_NAMESPACE_KEY) namespaced = true;
    const key = e.key === CILIUM_NAMESPACE_KEY ? NAMESPACE_NAME_LABEL : stripSource(e.key);
    target.matchExpressions.push(e.operator === 'In' || e.operator === 'NotIn' ? { key, operator: e.operator, values: e.values ?? [] } : { key, operator: e.operator as 'Exists' | 'DoesNotExist' });
  }
  const namespaces: NamespaceScope = namespaced ? { kind: 'selector', selector: ns } : { kind: 'name', name: policyNamespace };
  return { kind: 'pods', namespaces, pods };
}

function cidrSet(entries: Json[]): IpSet {
  return entries.reduce((s, e) => s.union(IpSet.fromBlock(e.cidr as string, (e.except as string[] | undefined) ?? [], 'mask')), IpSet.empty);
}

function entityPeers(entities: string[]): Peer[] {
  const allPods: Peer = { kind: 'pods', namespaces: { kind: 'selector', selector: MATCH_ALL }, pods: MATCH_ALL };
  const world: Peer = { kind: 'ips', ips: IpSet.universe(['IPv4', 'IPv6']) };
  return entities.flatMap((e): Peer[] => (e === 'world' ? [world] : e === 'cluster' ? [allPods] : e === 'all' ? [allPods, world] : [{ kind: 'nodes' }]));
}

function rulePeers(rule: Json, direction: 'ingress' | 'egress', policyNamespace: string): Peer[] {
  const p = direction === 'ingress' ? 'from' : 'to';
  const out: Peer[] = [];
  for (const e of (rule[`${p}Endpoints`] as Json[] | undefined) ?? []) out.push(endpointPeer(e, policyNamespace));
  if (rule[`${p}CIDRSet`] !== undefined) out.push({ kind: 'ips', ips: cidrSet(rule[`${p}CIDRSet`] as Json[]) });
  if (rule[`${p}CIDR`] !== undefined) out.push({ kind: 'ips', ips: cidrSet((rule[`${p}CIDR`] as string[]).map((cidr) => ({ cidr }))) });
  if (rule[`${p}Entities`] !== undefined) out.push(...entityPeers(rule[`${p}Entities`] as string[]));
  // A rule that names no peer (only ports) applies to every peer.
  return out.length > 0 ? out : entityPeers(['all']);
}

function rulePorts(rule: Json): PortsSpec {
  const toPorts = (rule.toPorts as Json[] | undefined) ?? [];
  if (toPorts.length === 0) return { kind: 'all' };
  const clauses: PortClause[] = [];
  for (const entry of toPorts) {
    for (const p of (entry.ports as Array<{ port?: string; endPort?: number; protocol?: string }> | undefined) ?? []) {
      const protocols: readonly Protocol[] = !p.protocol || p.protocol === 'ANY' ? PROTOCOLS : [p.protocol as Protocol];
      for (const protocol of protocols) {
        if (p.port === undefined || p.port === '0') clauses.push({ kind: 'protocol', protocol });
        else if (/^\d+$/.test(p.port)) clauses.push({ kind: 'range', protocol, first: Number(p.port), last: p.endPort ?? Number(p.port) });
        else clauses.push({ kind: 'named', protocol, name: p.port });
      }
    }
  }
  return { kind: 'clauses', clauses };
}

/** The model of Airlock's CiliumNetworkPolicies (other kinds are ignored). */
export function ciliumModel(objects: readonly Json[]): ModelPolicies {
  const adminFirst: AdminPolicyInfo[] = [];
  const networkPolicies: NetworkPolicyInfo[] = [];
  for (const o of objects.filter((x) => x.kind === 'CiliumNetworkPolicy')) {
    const meta = o.metadata as { name: string; namespace: string };
    const spec = o.spec as Json;
    const podsPeer = endpointPeer((spec.endpointSelector as Json | undefined) ?? {}, meta.namespace) as Extract<Peer, { kind: 'pods' }>;
    const pods: LabelSelector = podsPeer.pods;
    const source = `CiliumNetworkPolicy ${meta.namespace}/${meta.name}`;
    const deny = (direction: 'ingress' | 'egress'): AdminRule[] =>
      ((spec[`${direction}Deny`] as Json[] | undefined) ?? []).map((rule, i) => ({ name: `${direction}Deny[${i}]`, action: 'Deny', peers: rulePeers(rule, direction, meta.namespace), ports: rulePorts(rule) }));
    adminFirst.push({
      ref: { kind: 'AdminNetworkPolicy', name: `CiliumNetworkPolicy/${meta.namespace}/${meta.name}` },
      priority: 0,
      subject: { kind: 'pods', namespaces: { matchLabels: { [NAMESPACE_NAME_LABEL]: meta.namespace }, matchExpressions: [] }, pods },
      ingress: deny('ingress'),
      egress: deny('egress'),
      source,
    });
    const defaultDeny = (spec.enableDefaultDeny as Record<string, boolean> | undefined) ?? {};
    const allow = (direction: 'ingress' | 'egress'): { rules: NetworkPolicyRule[] } | undefined => {
      const list = (spec[direction] as Json[] | undefined) ?? [];
      const isolated = defaultDeny[direction] ?? (list.length > 0 || spec[`${direction}Deny`] !== undefined);
      if (!isolated) return undefined;
      return { rules: list.map((rule, index) => ({ index, peers: { kind: 'some', peers: rulePeers(rule, direction, meta.namespace) }, ports: rulePorts(rule) })) };
    };
    const ingress = allow('ingress');
    const egress = allow('egress');
    networkPolicies.push({ ref: { kind: 'NetworkPolicy', namespace: meta.namespace, name: `cilium.${meta.name}` }, namespace: meta.namespace, podSelector: pods, ...(ingress ? { ingress } : {}), ...(egress ? { egress } : {}), source });
  }
  return { adminFirst, adminLast: [], networkPolicies };
}
