/**
 * The `calico` backend: one `projectcalico.org/v3` GlobalNetworkPolicy per action, in the `default` tier at a
 * low `order` (setting `calico.order`, default 100). Calico evaluates the policies of a tier by ascending
 * order and orders Kubernetes NetworkPolicies at 1000, and the first rule that matches decides; so the
 * Allow rules for the DNS profile and the declared allows, followed by a final Deny, decide all traffic of
 * the contained pods before any NetworkPolicy (or any Calico policy of higher order) is consulted. Calico
 * policies of a lower order, or in a tier before `default`, still come first: the plan cannot see them.
 *
 * Unlike the admin tier, Calico rules match addresses in both directions (`nets`, with `notNets` for the
 * declared `except`), so no NetworkPolicy companion is needed. Calico `nets` also match pod addresses, so a
 * declared cidr that overlaps the pod network allows those pods too (a NetworkPolicy ipBlock there is
 * implementation-defined). Selectors use the `projectcalico.org/namespace`
 * endpoint label, so the policy applies to workload endpoints of the action's namespace only.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Direction, PortSpec } from '../../incident/types';
import { calicoSelector } from './calico-selector';
import { containmentOf, portsByProtocol, type AllowedTraffic, type BackendProps, type Containment } from './containment';

type Json = Record<string, unknown>;

/** Calico's `ports` entry: a number, `first:last`, or a named port. */
function calicoPort(p: PortSpec): number | string {
  if (typeof p.port === 'string') return p.port;
  return p.endPort !== undefined && p.endPort !== p.port ? `${p.port}:${p.endPort}` : p.port;
}

function peerMatch(t: AllowedTraffic): Json {
  if (t.peer.kind === 'pods') return { selector: calicoSelector(t.peer.namespace, t.peer.selector) };
  return { nets: [t.peer.cidr], ...(t.peer.except.length > 0 ? { notNets: [...t.peer.except] } : {}) };
}

/**
 * The Allow rules of one allowed entry. Calico needs a single protocol on a rule with ports, so ports are
 * split per protocol; the peer is the `source` on ingress, the `destination` on egress, and ports are always
 * on the `destination` side (the contained pod on ingress, the peer on egress).
 */
function allowRules(t: AllowedTraffic, direction: Direction): Json[] {
  const peer = peerMatch(t);
  if (!t.ports) return [{ action: 'Allow', ...(direction === 'ingress' ? { source: peer } : { destination: peer }) }];
  return [...portsByProtocol(t.ports)].map(([protocol, specs]) => {
    const ports = specs.map(calicoPort);
    return direction === 'ingress'
      ? { action: 'Allow', protocol, source: peer, destination: { ports } }
      : { action: 'Allow', protocol, destination: { ...peer, ports } };
  });
}

function rules(c: Containment, direction: Direction): Json[] {
  return [...c.allowed[direction].flatMap((t) => allowRules(t, direction)), { action: 'Deny' }];
}

/** The GlobalNetworkPolicy of one action. */
export class CalicoContainment extends Construct {
  readonly policy: ApiObject;

  constructor(scope: Construct, id: string, props: BackendProps) {
    super(scope, id);
    const c = containmentOf(props, 'calico');
    const ingress = c.directions.includes('ingress');
    this.policy = new ApiObject(this, 'policy', {
      apiVersion: 'projectcalico.org/v3',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: c.name, labels: { ...c.labels }, annotations: { ...c.annotations } },
      spec: {
        order: props.settings.calico.order,
        selector: calicoSelector(c.namespace, c.podSelector),
        types: ingress ? ['Ingress', 'Egress'] : ['Egress'],
        ...(ingress ? { ingress: rules(c, 'ingress') } : {}),
        egress: rules(c, 'egress'),
      },
    });
  }
}
