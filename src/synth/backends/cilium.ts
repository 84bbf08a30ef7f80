/**
 * The `cilium` backend: one CiliumNetworkPolicy (namespaced, in the action's namespace) per action.
 *
 * - `ingressDeny` / `egressDeny` hold the exact complement of what stays allowed (see cilium-complement.ts for
 *   the model and what is refused). A deny always beats an allow in Cilium, so no existing NetworkPolicy or
 *   CiliumNetworkPolicy can reopen what they deny.
 * - `ingress` / `egress` allow exactly the DNS profile and the declared allows, and `enableDefaultDeny` is
 *   set for the restricted directions, so what stays allowed works even on a pod no other policy selects.
 *
 * Together: the contained pods exchange exactly the allowed traffic, whatever other policies say.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Direction } from '../../incident/types';
import { CILIUM_NAMESPACE_KEY, ciliumAllowPorts, ciliumDenyRules } from './cilium-complement';
import { containmentOf, type AllowedTraffic, type BackendProps, type Containment } from './containment';

type Json = Record<string, unknown>;

function allowRule(t: AllowedTraffic, direction: Direction): Json {
  const from = direction === 'ingress' ? 'from' : 'to';
  const peer =
    t.peer.kind === 'pods'
      ? { [`${from}Endpoints`]: [{ matchLabels: { [CILIUM_NAMESPACE_KEY]: t.peer.namespace, ...t.peer.selector } }] }
      : { [`${from}CIDRSet`]: [{ cidr: t.peer.cidr, ...(t.peer.except.length > 0 ? { except: [...t.peer.except] } : {}) }] };
  const ports = ciliumAllowPorts(t);
  return { ...peer, ...(ports ? { toPorts: ports } : {}) };
}

function describe(c: Containment): string {
  return `Airlock ${c.incident.id} actions[${c.index}] (${c.action.kind}): only DNS (${c.dns}) and the declared allows; everything else is denied.`;
}

/** The CiliumNetworkPolicy of one action. */
export class CiliumContainment extends Construct {
  readonly policy: ApiObject;

  constructor(scope: Construct, id: string, props: BackendProps) {
    super(scope, id);
    const c = containmentOf(props, 'cilium');
    const spec: Json = {
      description: describe(c),
      endpointSelector: Object.keys(c.podSelector).length > 0 ? { matchLabels: { ...c.podSelector } } : {},
      enableDefaultDeny: Object.fromEntries(c.directions.map((d) => [d, true])),
    };
    for (const d of c.directions) {
      const allows = c.allowed[d].map((t) => allowRule(t, d));
      if (allows.length > 0) spec[d] = allows;
      spec[`${d}Deny`] = ciliumDenyRules(c, d);
    }
    this.policy = new ApiObject(this, 'policy', {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: c.name, namespace: c.namespace, labels: { ...c.labels }, annotations: { ...c.annotations } },
      spec,
    });
  }
}
