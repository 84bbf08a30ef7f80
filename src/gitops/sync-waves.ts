/**
 * Argo CD sync waves for the objects of `_platform/`. Argo CD reads waves only from an annotation on each object
 * in `dist/`, so the synth must write it; this module is the single table both the synth and the tests use.
 * It has no imports, so any layer may use it.
 *
 * Argo CD applies one wave, waits until everything in it is healthy, then moves on; an unhealthy object stops
 * every later wave. The order follows from that:
 *
 * | wave | objects | why |
 * |---|---|---|
 * | -2 | Namespace `airlock-system` | the blocklist ConfigMaps of every incident live in it |
 * | -1 | ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding | the API server enforces them at once and they have no health to wait for, so the policy is in place before any incident's blocklist lands |
 * |  0 | every incident object of the Sync phase (no annotation) | containment: never queued behind anything that can be unhealthy |
 * |  1 | the webhook's ServiceAccount, Role, RoleBinding, Service, Deployment, PodDisruptionBudget, cert-manager Issuer and Certificate | Argo CD waits for the rollout and the certificate |
 * |  2 | ValidatingWebhookConfiguration, Kyverno ClusterPolicy | a fail-closed webhook is registered only once its backend serves (otherwise every pod creation in the cluster is refused); a ClusterPolicy is healthy only when Kyverno is, so it must not hold containment back |
 *
 * The evidence capture and the enforcement probe are hooks (`PreSync`, `PostSync`): their waves order them only
 * within their own phase (src/synth/evidence/gitops-annotations.ts).
 */

/** The annotation Argo CD reads; the value is a decimal integer as a string. */
export const ARGOCD_SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/** Waves by `<group>/<kind>` (core group: just `<kind>`) for objects of `_platform/`. */
export const PLATFORM_SYNC_WAVES: Readonly<Record<string, number>> = {
  Namespace: -2,
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy': -1,
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding': -1,
  ServiceAccount: 1,
  Service: 1,
  'apps/Deployment': 1,
  'policy/PodDisruptionBudget': 1,
  'rbac.authorization.k8s.io/Role': 1,
  'rbac.authorization.k8s.io/RoleBinding': 1,
  'cert-manager.io/Issuer': 1,
  'cert-manager.io/Certificate': 1,
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': 2,
  'kyverno.io/ClusterPolicy': 2,
};

/** `<group>/<kind>` of an object (core group: `<kind>`). */
export function groupKindOf(object: { readonly apiVersion: string; readonly kind: string }): string {
  const slash = object.apiVersion.indexOf('/');
  return slash === -1 ? object.kind : `${object.apiVersion.slice(0, slash)}/${object.kind}`;
}

/**
 * The annotation value for an object of `_platform/`, or undefined to leave it in wave 0. Incident objects never
 * get one: containment syncs in wave 0, as soon as the namespace and the admission policy exist.
 */
export function platformSyncWave(object: { readonly apiVersion: string; readonly kind: string }): string | undefined {
  const wave = PLATFORM_SYNC_WAVES[groupKindOf(object)];
  return wave === undefined ? undefined : String(wave);
}
