/** Small hand-written clusters, incidents and policy manifests for the plan specifications. */
import type { Manifest } from '../../src/admission/manifest';
import type { Inventory } from '../../src/analysis/model';
import { planIncident, type IncidentPlan, type PlanInput } from '../../src/analysis/plan';
import type { Action, Incident } from '../../src/incident/types';
import { inventory, netpol, pod } from './helpers';

export const ID = 'INC-7';
export const QUARANTINE = { 'airlock.dev/quarantine': ID };

/** A pod owned by a ReplicaSet, as `kubectl get pods -o yaml` shows it. */
export function owned(namespace: string, name: string, owner: string, labels: Record<string, string>, ports: { name?: string; port: number }[] = []): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace, name, labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, controller: true }] },
    spec: { containers: [{ name: 'c', image: 'i', ports: ports.map((p) => ({ containerPort: p.port, ...(p.name ? { name: p.name } : {}) })) }] },
  });
}

/** The kube-dns pod every cluster of these specifications has. */
export const DNS_POD = pod('kube-system', 'coredns-1', { 'k8s-app': 'kube-dns' }, [{ name: 'dns', port: 53, protocol: 'UDP' }]);

/** shop: two replicas of web (ReplicaSet web-7d), an api pod; kube-system: DNS. No policies. */
export function baseCluster(...extra: string[]): Inventory {
  return inventory(
    owned('shop', 'web-7d-a', 'web-7d', { app: 'web' }, [{ name: 'http', port: 8080 }]),
    owned('shop', 'web-7d-b', 'web-7d', { app: 'web' }, [{ name: 'http', port: 8080 }]),
    pod('shop', 'api', { app: 'api' }),
    DNS_POD,
    ...extra,
  );
}

/** A NetworkPolicy manifest object. */
export function np(namespace: string, name: string, spec: Record<string, unknown>): Manifest {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name }, spec };
}

/** The YAML text of an existing (cluster) NetworkPolicy, for inventories. */
export const existing = netpol;

/** DNS egress rule of the `cluster` profile. */
export const DNS_EGRESS = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [
    { port: 53, protocol: 'UDP' },
    { port: 53, protocol: 'TCP' },
  ],
};

/** What the NetworkPolicy backend renders for an isolation: deny both ways, plus the given allow rules. */
export function isolation(namespace: string, podSelector: Record<string, string>, rules: { ingress?: object[]; egress?: object[] } = {}, name = 'airlock-inc-7-0'): Manifest {
  return np(namespace, name, {
    podSelector: Object.keys(podSelector).length > 0 ? { matchLabels: podSelector } : {},
    policyTypes: ['Ingress', 'Egress'],
    ...(rules.ingress ? { ingress: rules.ingress } : {}),
    ...(rules.egress ? { egress: rules.egress } : {}),
  });
}

/** What the AdminNetworkPolicy backend renders for a single-pod isolation without allows: Deny, high priority. */
export function anpDeny(): Manifest {
  return {
    apiVersion: 'policy.networking.k8s.io/v1alpha1',
    kind: 'AdminNetworkPolicy',
    metadata: { name: 'airlock-inc-7-0' },
    spec: {
      priority: 1,
      subject: { pods: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: QUARANTINE } } },
      ingress: [{ name: 'deny-all', action: 'Deny', from: [{ namespaces: {} }, { pods: { namespaceSelector: {}, podSelector: {} } }] }],
      egress: [{ name: 'deny-all', action: 'Deny', to: [{ namespaces: {} }, { networks: ['0.0.0.0/0', '::/0'] }] }],
    },
  };
}

/** A validated, active incident with the given actions. */
export function incident(...actions: Action[]): Incident {
  return { id: ID, slug: 'inc-7', file: 'incidents/INC-7.ts', title: 'Cryptominer in web', severity: 'high', status: 'active', openedAt: '2026-11-22T03:12:00Z', owner: 'secops', actions };
}

/** Plans with `manifests` doubling as the reference unless one is given (the NetworkPolicy backend). */
export function plan(input: Partial<PlanInput> & Pick<PlanInput, 'incident' | 'inventory' | 'manifests'>): IncidentPlan {
  return planIncident({ reference: input.manifests, ...input });
}
