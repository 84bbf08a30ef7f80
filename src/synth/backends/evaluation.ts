/**
 * Every backend's objects, read into the analysis inventory, so the same engine answers "is this containment
 * effective?" for all of them:
 *
 * - NetworkPolicy and AdminNetworkPolicy are the engine's own kinds (`withManifests`);
 * - a ClusterNetworkPolicy of tier `Admin` is an AdminNetworkPolicy with renamed fields (`Accept` is `Allow`,
 *   `protocols` are `ports`), so it is converted and read as one;
 * - GlobalNetworkPolicy and CiliumNetworkPolicy go through the documented models of calico-model.ts
 *   (Calico order) and cilium-model.ts (deny beats allow).
 */
import { withManifests } from '../../analysis/inventory';
import type { AdminPolicyInfo, Inventory, NetworkPolicyInfo } from '../../analysis/model';
import { calicoModel } from './calico-model';
import { ciliumModel } from './cilium-model';

type Json = Record<string, unknown>;

const NATIVE = new Set(['NetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy']);

function cnpPorts(protocols: Json[] | undefined): Json[] | undefined {
  return protocols?.flatMap((p): Json[] => {
    if (p.destinationNamedPort !== undefined) return [{ namedPort: p.destinationNamedPort }];
    return ['tcp', 'udp', 'sctp'].flatMap((proto) => {
      const dest = (p[proto] as Json | undefined)?.destinationPort as { number?: number; range?: { start: number; end: number } } | undefined;
      if (!dest) return [];
      const protocol = proto.toUpperCase();
      return [dest.range ? { portRange: { protocol, start: dest.range.start, end: dest.range.end } } : { portNumber: { protocol, port: dest.number } }];
    });
  });
}

function cnpPeer(peer: Json): Json {
  const pods = peer.pods as Json | undefined;
  return pods ? { pods: { namespaceSelector: pods.namespaceSelector ?? {}, podSelector: pods.podSelector } } : peer;
}

/** A ClusterNetworkPolicy (v1alpha2, tier Admin) as the equivalent AdminNetworkPolicy (v1alpha1). */
export function clusterNetworkPolicyAsAdmin(object: Json): Json {
  const spec = object.spec as Json;
  if (spec.tier !== 'Admin') throw new Error(`ClusterNetworkPolicy tier ${String(spec.tier)} is not modelled`);
  const rules = (direction: 'ingress' | 'egress'): Json[] | undefined =>
    (spec[direction] as Json[] | undefined)?.map((r) => {
      const peersKey = direction === 'ingress' ? 'from' : 'to';
      const ports = cnpPorts(r.protocols as Json[] | undefined);
      return { name: r.name, action: r.action === 'Accept' ? 'Allow' : r.action, [peersKey]: (r[peersKey] as Json[]).map(cnpPeer), ...(ports ? { ports } : {}) };
    });
  const subject = spec.subject as Json;
  const ingress = rules('ingress');
  const egress = rules('egress');
  return {
    apiVersion: 'policy.networking.k8s.io/v1alpha1',
    kind: 'AdminNetworkPolicy',
    metadata: { name: (object.metadata as Json).name },
    spec: { priority: spec.priority, subject: subject.pods ? { pods: { namespaceSelector: (subject.pods as Json).namespaceSelector ?? {}, podSelector: (subject.pods as Json).podSelector } } : subject, ...(ingress ? { ingress } : {}), ...(egress ? { egress } : {}) },
  };
}

/**
 * The inventory once `objects` (what one backend synthesizes) are applied, for any backend. Objects of other
 * kinds (the blocklist ConfigMap) are ignored. Throws ValidationError, as `withManifests` does, for an
 * object the engine rejects.
 */
export function withBackendObjects(inventory: Inventory, objects: readonly Json[], source: string): Inventory {
  const native = [...objects.filter((o) => NATIVE.has(o.kind as string)), ...objects.filter((o) => o.kind === 'ClusterNetworkPolicy').map(clusterNetworkPolicyAsAdmin)];
  const applied = withManifests(inventory, native.map((object) => ({ object, source })));
  const models = [calicoModel(objects), ciliumModel(objects)];
  const admin = models.flatMap((m) => [...m.adminFirst, ...m.adminLast]);
  return {
    ...applied,
    adminNetworkPolicies: [...models.flatMap((m) => m.adminFirst), ...applied.adminNetworkPolicies, ...models.flatMap((m) => m.adminLast)],
    networkPolicies: [...applied.networkPolicies, ...models.flatMap((m) => m.networkPolicies), ...ingressAddressHint(admin, source)],
  };
}

/**
 * The engine cuts the address space into atoms from the address peers of NetworkPolicy rules (both ways)
 * and of admin-tier egress rules: a real AdminNetworkPolicy has no address peers on ingress. The Calico and
 * Cilium models do, so their ingress address sets are declared here too, as the rules of a NetworkPolicy
 * that selects no pod (a label both required and absent) and allows nothing: it changes no verdict, it
 * only makes the atoms fine enough for those ingress rules to be exact.
 */
function ingressAddressHint(admin: readonly AdminPolicyInfo[], source: string): NetworkPolicyInfo[] {
  const peers = admin.flatMap((a) => a.ingress.flatMap((r) => r.peers.filter((p) => p.kind === 'ips')));
  if (peers.length === 0) return [];
  const key = 'airlock.dev/model-address-hint';
  return [
    {
      ref: { kind: 'NetworkPolicy', namespace: 'airlock-model', name: 'ingress-address-hint' },
      namespace: 'airlock-model',
      podSelector: { matchLabels: { [key]: 'x' }, matchExpressions: [{ key, operator: 'DoesNotExist' }] },
      ingress: { rules: [{ index: 0, peers: { kind: 'some', peers }, ports: { kind: 'clauses', clauses: [] } }] },
      source,
    },
  ];
}
