/**
 * What evidence capture needs on a cluster before the first incident: the evidence namespace and the claims
 * the settings ask `airlock bootstrap` to provision. They are prerequisites applied once per cluster, not part
 * of `dist/`, for two reasons of Argo CD's sync order:
 * - a sync runs its `PreSync` hooks before any manifest, waves included, so the capture Job (and its
 *   ServiceAccount and ConfigMaps in the evidence namespace) of the first incident would find neither the
 *   namespace nor the claim if they arrived in the same sync (argoproj/argo-cd#3762), and the failed hook
 *   would stop every later sync from applying them;
 * - a claim of a `WaitForFirstConsumer` StorageClass stays Pending (Argo CD: Progressing) until a capture
 *   mounts it, and an Application tracking it would hold the containment of later waves behind it.
 * Kept outside any controller, evidence storage is also never pruned: it outlives every incident by design.
 * Flux applies everything together and creates namespaces first, so for Flux this only adds the claim.
 */
import type { Settings } from '../settings/settings';
import { BOOTSTRAP_LABELS, type KubeObject } from './types';

/** The settings evidence storage depends on; a `Pick`, so a test can pass a literal. */
export type EvidenceStorageSettings = Pick<Settings, 'evidence'>;

/** The evidence namespace and every provisioned claim of one cluster's settings (none without `evidence`). */
export function evidenceStorageObjects(settings: EvidenceStorageSettings): KubeObject[] {
  const evidence = settings.evidence;
  if (!evidence) return [];
  const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: evidence.namespace, labels: { ...BOOTSTRAP_LABELS } } };
  const claims = new Map<string, KubeObject>();
  for (const destination of [evidence.destination, ...Object.values(evidence.destinations)]) {
    // validate-settings guarantees destinations naming one claim provision it identically.
    if (destination.kind !== 'pvc' || !destination.provision || claims.has(destination.claimName)) continue;
    const { storage, storageClassName, accessMode } = destination.provision;
    claims.set(destination.claimName, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: destination.claimName, namespace: evidence.namespace, labels: { ...BOOTSTRAP_LABELS, 'app.kubernetes.io/component': 'evidence' } },
      spec: {
        accessModes: [accessMode ?? 'ReadWriteMany'],
        ...(storageClassName !== undefined ? { storageClassName } : {}),
        resources: { requests: { storage } },
      },
    });
  }
  return [namespace, ...[...claims.keys()].sort().map((name) => claims.get(name)!)];
}
