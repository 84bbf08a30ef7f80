/**
 * The plain shape of the Kubernetes objects this layer returns, and the names and labels they share. The
 * synth layer wraps these objects into cdk8s charts; nothing here knows about cdk8s or `dist/`.
 */

/** Object metadata as Airlock writes it: names, namespaces, labels and annotations, nothing server-side. */
export interface ManifestMetadata {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A Kubernetes object as plain JSON: what `kubectl apply` would read. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ManifestMetadata;
  readonly [field: string]: unknown;
}

/** Label on everything Airlock writes. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** Value of {@link MANAGED_BY_LABEL}. */
export const MANAGED_BY_VALUE = 'airlock';
/** Label naming the incident an object belongs to (its id, as declared). */
export const INCIDENT_LABEL = 'airlock.dev/incident';
/**
 * Label that marks a ConfigMap as an image blocklist; the policy binding's `paramRef.selector`, the Kyverno
 * policy and the webhook all find blocklists by it, so incidents add files and never edit a shared one.
 */
export const BLOCKLIST_LABEL = 'airlock.dev/blocklist';
/** Value of {@link BLOCKLIST_LABEL} on image blocklists. */
export const BLOCKLIST_LABEL_VALUE = 'images';

/** Namespace that holds the blocklist ConfigMaps (the policy's params) and the webhook: Airlock's own. */
export const DEFAULT_PARAM_NAMESPACE = 'airlock-system';

/** Name of the ValidatingAdmissionPolicy, its binding, the Kyverno policy and the webhook configuration. */
export const BLOCK_IMAGES_POLICY_NAME = 'airlock-block-images';

/**
 * Namespaces the blocklist never applies to unless the settings say otherwise: the control plane, the GitOps
 * controllers, the detector and Airlock itself (DESIGN.md, Guardrails). Settings pass their own list.
 */
export const DEFAULT_PROTECTED_NAMESPACES: readonly string[] = [
  'kube-system',
  'argocd',
  'flux-system',
  'falco',
  DEFAULT_PARAM_NAMESPACE,
];

/** The labels every object of this layer carries. */
export function managedLabels(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, ...extra };
}

/** `namespaceSelector` that leaves the protected namespaces out; the name label is set by the API server. */
export function excludeNamespacesSelector(namespaces: readonly string[]): Record<string, unknown> {
  const values = [...new Set(namespaces)].sort();
  if (values.length === 0) return {};
  return { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values }] };
}
