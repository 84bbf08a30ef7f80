/**
 * VolumeSnapshots (`snapshot.storage.k8s.io/v1`) of the suspect pod's PersistentVolumeClaims: a point-in-time
 * copy of its disks, taken by the CSI driver, that neither the attacker nor a replacement pod can alter. They
 * are ordinary manifests (not hooks): created once and kept, including when the incident is lifted
 * (RETAIN_ANNOTATIONS), since deleting a VolumeSnapshot may delete the snapshot itself. Prefer a
 * VolumeSnapshotClass with `deletionPolicy: Retain` so even a deliberate delete keeps the data.
 */
import type { Manifest } from '../../admission/manifest';
import type { CaptureEvidenceAction, Incident } from '../../incident/types';
import { ACTION_LABEL, ANNOTATIONS, incidentAnnotations } from '../metadata';
import { RETAIN_ANNOTATIONS } from './gitops-annotations';
import { volumeSnapshotName } from './names';

/** Annotation naming the pod whose claim a snapshot copies, `<namespace>/<pod>`. */
export const SNAPSHOT_POD_ANNOTATION = 'airlock.dev/evidence-of';

/** One VolumeSnapshot per claim the action names, in the pod's namespace. */
export function volumeSnapshots(incident: Incident, action: CaptureEvidenceAction, index: number, volumeSnapshotClassName?: string): Manifest[] {
  return (action.volumes ?? []).map((claim) => ({
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    metadata: {
      name: volumeSnapshotName(incident, index, claim),
      namespace: action.namespace,
      labels: { [ACTION_LABEL]: 'capture-evidence' },
      annotations: {
        ...incidentAnnotations(incident),
        ...(action.override ? { [ANNOTATIONS.overrideReason]: action.override.reason } : {}),
        [SNAPSHOT_POD_ANNOTATION]: `${action.namespace}/${action.pod}`,
        ...RETAIN_ANNOTATIONS,
      },
    },
    spec: {
      ...(volumeSnapshotClassName ? { volumeSnapshotClassName } : {}),
      source: { persistentVolumeClaimName: claim },
    },
  }));
}
