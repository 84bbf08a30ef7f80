/**
 * The PersistentVolumeClaims a pod mounts, read from a cluster snapshot, so `captureEvidence` can snapshot the
 * suspect's disks without the responder looking them up. Two kinds of volume are claims: `persistentVolumeClaim`
 * (by name) and generic `ephemeral` volumes, whose claim Kubernetes names `<pod>-<volume>` — the scratch space
 * an attacker most likely wrote to, and deleted with the pod, so the one to snapshot first.
 */
import type { SourcedObject } from '../analysis/inventory';

/** A pod by namespace and name. */
export interface PodName {
  readonly namespace: string;
  readonly pod: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Claims of the pod, sorted and without duplicates; undefined when the snapshot has no such Pod object.
 * Values are returned as found: the incident validator checks them like any claim a responder typed.
 */
export function podClaims(objects: readonly SourcedObject[], target: PodName): readonly string[] | undefined {
  const found = objects.find(({ object: o }) => o.kind === 'Pod' && isObject(o.metadata) && o.metadata.name === target.pod && (o.metadata.namespace ?? 'default') === target.namespace);
  if (!found) return undefined;
  const spec = found.object.spec;
  const volumes = isObject(spec) && Array.isArray(spec.volumes) ? spec.volumes.filter(isObject) : [];
  const claims = new Set<string>();
  for (const volume of volumes) {
    const pvc = volume.persistentVolumeClaim;
    if (isObject(pvc) && typeof pvc.claimName === 'string') claims.add(pvc.claimName);
    else if (isObject(volume.ephemeral) && typeof volume.name === 'string') claims.add(`${target.pod}-${volume.name}`);
  }
  return [...claims].sort();
}
