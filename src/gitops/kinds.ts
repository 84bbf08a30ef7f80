/**
 * The kinds Airlock writes into `dist/`, per enforcement backend and admission mode. Argo CD's AppProject is an
 * allow-list: a kind missing here makes a sync fail, a kind too many lets a compromised repository write
 * objects containment never needs. So the list is derived from the same settings the synth reads, and a test
 * synthesizes every configuration to prove each written object is on it and each listed kind is written.
 */
import type { Settings } from '../settings/settings';
import { evidenceKinds } from '../synth/evidence/kinds';
import type { DeliverySettings } from './types';

/** A kind with its API group (`''` for the core group) and scope, as AppProject allow-lists name them. */
export interface ResourceKind {
  readonly group: string;
  readonly kind: string;
  readonly scope: 'Cluster' | 'Namespaced';
}

const NAMESPACE: ResourceKind = { group: '', kind: 'Namespace', scope: 'Cluster' };
const CONFIG_MAP: ResourceKind = { group: '', kind: 'ConfigMap', scope: 'Namespaced' };
const NETWORK_POLICY: ResourceKind = { group: 'networking.k8s.io', kind: 'NetworkPolicy', scope: 'Namespaced' };

type ClusterSettings = Pick<Settings, 'backend' | 'admission' | 'adminNetworkPolicy' | 'evidence'>;

/** What one enforcement backend writes for network actions. */
function backendKinds(settings: ClusterSettings): ResourceKind[] {
  switch (settings.backend) {
    case 'networkpolicy':
      return [NETWORK_POLICY];
    case 'adminnetworkpolicy':
      // The plain NetworkPolicy stays alongside: admin policies cannot name external ingress sources.
      return [NETWORK_POLICY, { group: 'policy.networking.k8s.io', kind: settings.adminNetworkPolicy.kind, scope: 'Cluster' }];
    case 'calico':
      return [{ group: 'projectcalico.org', kind: 'GlobalNetworkPolicy', scope: 'Cluster' }];
    case 'cilium':
      return [{ group: 'cilium.io', kind: 'CiliumNetworkPolicy', scope: 'Namespaced' }];
  }
}

/** What one admission mode writes into `_platform/` (the blocklist ConfigMaps are common to all modes). */
function admissionKinds(settings: ClusterSettings): ResourceKind[] {
  switch (settings.admission.mode) {
    case 'validatingadmissionpolicy':
      return [
        { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy', scope: 'Cluster' },
        { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicyBinding', scope: 'Cluster' },
      ];
    case 'kyverno':
      return [{ group: 'kyverno.io', kind: 'ClusterPolicy', scope: 'Cluster' }];
    case 'webhook':
      return [
        { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', scope: 'Cluster' },
        { group: '', kind: 'ServiceAccount', scope: 'Namespaced' },
        { group: '', kind: 'Service', scope: 'Namespaced' },
        { group: 'apps', kind: 'Deployment', scope: 'Namespaced' },
        { group: 'policy', kind: 'PodDisruptionBudget', scope: 'Namespaced' },
        { group: 'rbac.authorization.k8s.io', kind: 'Role', scope: 'Namespaced' },
        { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', scope: 'Namespaced' },
        // Without a caBundle in settings, cert-manager issues the serving certificate (self-signed Issuer).
        ...(settings.admission.webhook?.caBundle
          ? []
          : [
              { group: 'cert-manager.io', kind: 'Issuer', scope: 'Namespaced' } as const,
              { group: 'cert-manager.io', kind: 'Certificate', scope: 'Namespaced' } as const,
            ]),
      ];
  }
}

/** The kinds one cluster's folder can contain. */
export function clusterKinds(settings: ClusterSettings): ResourceKind[] {
  return sortKinds([NAMESPACE, CONFIG_MAP, ...backendKinds(settings), ...admissionKinds(settings), ...evidenceKinds(settings)]);
}

/**
 * The kinds any delivered folder can contain: the union over declared clusters (each with its own backend and
 * admission mode), or the top-level settings for a single cluster. Sorted by group, then kind.
 */
export function airlockKinds(settings: DeliverySettings): ResourceKind[] {
  const all = settings.clusters.length === 0 ? clusterKinds(settings) : settings.clusters.flatMap((c) => clusterKinds(c.settings));
  return sortKinds(all);
}

/** Whether the webhook's ValidatingWebhookConfiguration gets its caBundle injected by cert-manager on some cluster. */
export function injectsCaBundle(settings: DeliverySettings): boolean {
  const each = settings.clusters.length === 0 ? [settings] : settings.clusters.map((c) => c.settings);
  return each.some((s) => s.admission.mode === 'webhook' && !s.admission.webhook?.caBundle);
}

function sortKinds(kinds: readonly ResourceKind[]): ResourceKind[] {
  const unique = new Map(kinds.map((k) => [`${k.group}/${k.kind}`, k]));
  return [...unique.values()].sort((a, b) => (a.group === b.group ? cmp(a.kind, b.kind) : cmp(a.group, b.group)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
