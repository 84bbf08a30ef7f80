/**
 * The `adminnetworkpolicy` backend: one cluster-scoped admin-tier policy per action, whose Deny outranks every
 * NetworkPolicy (so an existing allow-all NetworkPolicy no longer defeats the isolation), preceded by Allow
 * rules for the DNS profile and the declared allows. Implemented by Calico, OVN-Kubernetes, Antrea and Kube-OVN.
 *
 * - `AdminNetworkPolicy` (policy.networking.k8s.io/v1alpha1, network-policy-api v0.1.x): the default. Named
 *   ports (`namedPort`) are in the experimental channel of its CRD only.
 * - `ClusterNetworkPolicy` (v1alpha2, `tier: Admin`, network-policy-api v0.2+), its successor, with the
 *   setting `adminNetworkPolicy.kind`.
 *
 * Priority: `adminNetworkPolicy.priority` (default 10) plus the action's index, so an incident's policies
 * never share a priority. Lower is evaluated earlier. Two incidents containing the same pods at the same
 * priority have an undefined order between them (`airlock plan` reports it as an inventory problem).
 *
 * Ingress from addresses outside the cluster cannot be named in this API (ingress peers are namespaces and
 * pods only), so it is neither allowed nor denied by the admin policy. The backend therefore also emits the
 * action's plain NetworkPolicy ({@link IsolationPolicy}): external ingress is still isolated at the
 * NetworkPolicy layer, where the declared cidr ingress allows are the exceptions. That layer only adds allows,
 * so another NetworkPolicy allowing external ingress to the pod still does; the plan shows it.
 *
 * Egress `networks` also match in-cluster addresses (the API says so), so a declared egress cidr that
 * overlaps the pod network allows those pods too, where a NetworkPolicy ipBlock is implementation-defined.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { PortSpec } from '../../incident/types';
import { IsolationPolicy } from '../isolation-policy';
import { NAMESPACE_NAME_LABEL } from '../network-rules';
import { adminRuleIntents, chunks, type AdminPeerIntent, type AdminRuleIntent } from './admin-rules';
import { containmentOf, type BackendProps, type Containment } from './containment';
import { BackendRefusalError, refusal } from './errors';

type Json = Record<string, unknown>;

/** API limits the renderers check, per kind: rules per direction, peers per rule, ports per rule, networks per peer. */
const LIMITS = {
  AdminNetworkPolicy: { rules: 100, peers: 100, ports: 100, networks: 25 },
  ClusterNetworkPolicy: { rules: 25, peers: 25, ports: 25, networks: 25 },
} as const;

const namespaceSelector = (namespace: string): Json => ({ matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } });

/** The policy's subject: the namespace for quarantineNamespace, otherwise its pods with the action's labels. */
function subject(c: Containment): Json {
  if (Object.keys(c.podSelector).length === 0) return { namespaces: namespaceSelector(c.namespace) };
  return { pods: { namespaceSelector: namespaceSelector(c.namespace), podSelector: { matchLabels: { ...c.podSelector } } } };
}

function peers(p: AdminPeerIntent, networksPerPeer: number): Json[] {
  switch (p.kind) {
    case 'namespace':
      return [{ namespaces: namespaceSelector(p.namespace) }];
    case 'pods':
      return [{ pods: { namespaceSelector: namespaceSelector(p.namespace), podSelector: { matchLabels: { ...p.selector } } } }];
    case 'networks':
      return chunks(p.cidrs, networksPerPeer).map((networks) => ({ networks }));
    case 'all-pods':
      return [{ namespaces: {} }];
    case 'all-networks':
      return [{ networks: ['0.0.0.0/0', '::/0'] }];
  }
}

/** v1alpha1 ports: `portNumber`, `portRange` or `namedPort` (whose protocol is the container port's). */
function anpPort(p: PortSpec): Json {
  const protocol = p.protocol ?? 'TCP';
  if (typeof p.port === 'string') return { namedPort: p.port };
  if (p.endPort !== undefined && p.endPort !== p.port) return { portRange: { protocol, start: p.port, end: p.endPort } };
  return { portNumber: { protocol, port: p.port } };
}

/** v1alpha2 protocols: per-protocol destination port (number or range with start < end), or a named port. */
function cnpProtocol(p: PortSpec): Json {
  if (typeof p.port === 'string') return { destinationNamedPort: p.port };
  const destinationPort = p.endPort !== undefined && p.endPort !== p.port ? { range: { start: p.port, end: p.endPort } } : { number: p.port };
  return { [(p.protocol ?? 'TCP').toLowerCase()]: { destinationPort } };
}

type Kind = keyof typeof LIMITS;

function renderRules(c: Containment, kind: Kind, direction: 'ingress' | 'egress', rules: readonly AdminRuleIntent[]): Json[] {
  const limits = LIMITS[kind];
  const problems = [];
  const field = `actions[${c.index}].allow`;
  const hint = 'fewer allow entries or cidr blocks in this action (split it into two actions), or the calico backend';
  if (rules.length > limits.rules) problems.push(refusal(c.incident.file, field, 'adminnetworkpolicy', `${direction} needs ${rules.length} ${kind} rules (at most ${limits.rules})`, hint));
  const out = rules.map((r) => {
    const ps = r.peers.flatMap((p) => peers(p, limits.networks));
    if (ps.length > limits.peers) problems.push(refusal(c.incident.file, field, 'adminnetworkpolicy', `rule ${r.name} needs ${ps.length} peers (at most ${limits.peers})`, hint));
    if ((r.ports?.length ?? 0) > limits.ports) problems.push(refusal(c.incident.file, field, 'adminnetworkpolicy', `rule ${r.name} has ${r.ports!.length} ports (at most ${limits.ports})`, hint));
    const action = kind === 'ClusterNetworkPolicy' && r.action === 'Allow' ? 'Accept' : r.action;
    const portField = r.ports ? (kind === 'AdminNetworkPolicy' ? { ports: r.ports.map(anpPort) } : { protocols: r.ports.map(cnpProtocol) }) : {};
    return { name: r.name, action, [direction === 'ingress' ? 'from' : 'to']: ps, ...portField };
  });
  if (problems.length > 0) throw new BackendRefusalError('adminnetworkpolicy', problems);
  return out;
}

/** The admin-tier policy (AdminNetworkPolicy or ClusterNetworkPolicy) of one action, plus its NetworkPolicy companion. */
export class AdminPolicyContainment extends Construct {
  /** The AdminNetworkPolicy or ClusterNetworkPolicy. */
  readonly policy: ApiObject;
  /** The plain NetworkPolicy that isolates ingress from outside the cluster; absent for restrictEgress. */
  readonly externalIngress?: IsolationPolicy;

  constructor(scope: Construct, id: string, props: BackendProps) {
    super(scope, id);
    const c = containmentOf(props, 'adminnetworkpolicy');
    const { kind } = props.settings.adminNetworkPolicy;
    const priority = props.settings.adminNetworkPolicy.priority + c.index;
    if (priority > 1000) {
      throw new BackendRefusalError('adminnetworkpolicy', [
        refusal(c.incident.file, `actions[${c.index}]`, 'adminnetworkpolicy', `its priority would be ${priority} (adminNetworkPolicy.priority + action index; at most 1000)`, 'a lower adminNetworkPolicy.priority in policies/settings.ts'),
      ]);
    }
    const restrictsIngress = c.directions.includes('ingress');
    const spec: Json = {
      ...(kind === 'ClusterNetworkPolicy' ? { tier: 'Admin' } : {}),
      priority,
      subject: subject(c),
      ...(restrictsIngress ? { ingress: renderRules(c, kind, 'ingress', adminRuleIntents(c, 'ingress')) } : {}),
      egress: renderRules(c, kind, 'egress', adminRuleIntents(c, 'egress')),
    };
    this.policy = new ApiObject(this, 'policy', {
      apiVersion: kind === 'AdminNetworkPolicy' ? 'policy.networking.k8s.io/v1alpha1' : 'policy.networking.k8s.io/v1alpha2',
      kind,
      metadata: { name: c.name, labels: { ...c.labels }, annotations: { ...c.annotations } },
      spec,
    });
    // Admin-tier ingress rules cannot name addresses outside the cluster: the plain NetworkPolicy keeps that
    // ingress isolated (with the declared cidr ingress allows) at the NetworkPolicy layer.
    if (restrictsIngress) this.externalIngress = new IsolationPolicy(this, 'external-ingress', props);
  }
}
