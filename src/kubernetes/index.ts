/**
 * The Kubernetes API layer of `airlock label`: kubeconfig loading, a minimal HTTPS client, and the quarantine
 * label and pod detachment, computed as reviewable merge patches and applied with optimistic concurrency.
 */
export { KubernetesClient, MERGE_PATCH } from './client';
export { DETACHED_FROM_ANNOTATION, DETACHED_LABELS_ANNOTATION, quarantinePlan, restorePlan, type LabelPlan, type LivePod, type OwnerInfo, type OwnerSelector, type ServiceInfo } from './detach';
export { KubeconfigError, KubernetesApiError, LabelRefusedError } from './errors';
export { loadKubeconfig, type ClusterConnection, type KubeconfigOptions } from './kubeconfig';
export { quarantinePod, restorePod, type LabelOutcome, type LabelRequest } from './label-pod';
