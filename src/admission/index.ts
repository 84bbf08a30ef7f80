/**
 * Admission: keeping blocked images out of the cluster, in the three modes a cluster may support
 * (ValidatingAdmissionPolicy, webhook, Kyverno), all reading the same per-incident blocklist ConfigMaps.
 */
export * from './manifest';
export * from './resources';
export * from './blocklist';
export * from './cel';
export * from './policy';
export * from './blocklist-configmap';
export * from './kyverno';
export * from './webhook-configuration';
export * from './strength';
export * from './webhook-deployment';
