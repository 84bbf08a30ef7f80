/**
 * Translation of declared `allow` rules and DNS profiles into NetworkPolicy rules. Peers in other namespaces
 * are selected by the immutable `kubernetes.io/metadata.name` namespace label, never by a label someone could
 * add to their own namespace.
 */
import type { AllowRule, DnsProfile, EgressAllow, Labels, PortSpec } from '../incident/types';
import type { DnsPods, DnsSettings } from '../settings/settings';

/** A NetworkPolicy port entry. */
export interface NetworkPolicyPort {
  readonly protocol: string;
  readonly port?: number | string;
  readonly endPort?: number;
}

/** A NetworkPolicy peer entry. */
export type NetworkPolicyPeer =
  | { readonly namespaceSelector: { matchLabels: Labels }; readonly podSelector: { matchLabels?: Labels } }
  | { readonly ipBlock: { cidr: string; except?: string[] } };

/** An ingress (`from`) or egress (`to`) rule. */
export interface NetworkPolicyRule {
  readonly peers: readonly NetworkPolicyPeer[];
  readonly ports?: readonly NetworkPolicyPort[];
}

/** The namespace label the API server sets on every namespace; nobody can forge it on another one. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

function podsIn(namespace: string, selector?: Labels): NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } },
    podSelector: selector && Object.keys(selector).length > 0 ? { matchLabels: { ...selector } } : {},
  };
}

function ports(specs: readonly PortSpec[] | undefined): NetworkPolicyPort[] | undefined {
  if (!specs || specs.length === 0) return undefined;
  return specs.map((p) => ({ protocol: p.protocol ?? 'TCP', port: p.port, ...(p.endPort !== undefined ? { endPort: p.endPort } : {}) }));
}

/** The rule for one declared allow (its direction is the caller's business). */
export function allowRule(allow: EgressAllow | AllowRule): NetworkPolicyRule {
  const peer: NetworkPolicyPeer =
    'cidr' in allow ? { ipBlock: { cidr: allow.cidr, ...(allow.except?.length ? { except: [...allow.except] } : {}) } } : podsIn(allow.namespace, allow.selector);
  const p = ports(allow.ports);
  return { peers: [peer], ...(p ? { ports: p } : {}) };
}

function dnsPorts(port: number): NetworkPolicyPort[] {
  return [
    { protocol: 'UDP', port },
    { protocol: 'TCP', port },
  ];
}

function dnsPods(pods: DnsPods): NetworkPolicyRule {
  return { peers: [podsIn(pods.namespace, pods.selector)], ports: dnsPorts(pods.port) };
}

/**
 * Egress rules that keep name resolution working under a profile. TCP is included because DNS falls back to
 * TCP for large answers (DNSSEC, many records); UDP alone breaks resolution intermittently.
 */
export function dnsEgressRules(profile: DnsProfile, dns: Required<DnsSettings>): NetworkPolicyRule[] {
  switch (profile) {
    case 'none':
      return [];
    case 'cluster':
      return [dnsPods(dns.cluster)];
    case 'cluster+nodelocal': {
      const bits = dns.nodeLocalAddress.includes(':') ? 128 : 32;
      return [dnsPods(dns.cluster), { peers: [{ ipBlock: { cidr: `${dns.nodeLocalAddress}/${bits}` } }], ports: dnsPorts(53) }];
    }
    case 'openshift':
      return [dnsPods(dns.openshift)];
  }
}

/** Renders rules as NetworkPolicy `ingress` (`from`) or `egress` (`to`) entries. */
export function renderRules(rules: readonly NetworkPolicyRule[], direction: 'ingress' | 'egress'): Array<Record<string, unknown>> {
  const key = direction === 'ingress' ? 'from' : 'to';
  return rules.map((r) => ({ [key]: r.peers.map((p) => ({ ...p })), ...(r.ports ? { ports: r.ports.map((p) => ({ ...p })) } : {}) }));
}
