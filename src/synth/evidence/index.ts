/**
 * Evidence and proof in the cluster (issue 9), declared in the same reviewed commit as the containment:
 *
 * - `captureEvidence` actions become VolumeSnapshots of the pod's claims (volume-snapshots.ts), in the
 *   incident's folder, and, with the `evidence` settings, a capture Job that runs before the containment
 *   (capture.ts), in a folder of its own (CaptureChart);
 * - every network action gets, with the `evidence` settings, a post-sync enforcement probe (probe.ts) that
 *   proves the CNI enforces it, or fails the sync.
 *
 * Results land in ConfigMaps that `airlock status` reads (status-contract.ts). The Jobs run static scripts
 * (scripts/) whose only inputs are environment variables set from validated values.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Manifest } from '../../admission/manifest';
import type { Incident, NetworkAction } from '../../incident/types';
import type { Settings } from '../../settings/settings';
import { probeObjects } from './probe';

export { captureObjects, captureRules, CAPTURE_ACTION_LABEL } from './capture';
export { probeObjects, probeRules, probeExpectations, PROBE_ACTION_LABEL, PROBE_OF_ANNOTATION, type ProbeExpectations } from './probe';
export { volumeSnapshots, SNAPSHOT_POD_ANNOTATION } from './volume-snapshots';
export { canaryManifest, ANCHOR_UID_PLACEHOLDER, CANARY_LABEL, type CanaryProps } from './canary';
export { captureNames, probeNames, volumeSnapshotName, type CaptureNames, type ProbeNames } from './names';
export { destinationOf, describeDestination, OUTPUT_ROOT } from './destination';
export { EvidenceSettingsError } from './errors';
export { evidenceKinds, type EvidenceKind } from './kinds';
export { scriptPath, scriptText, SCRIPT_NAMES, type ScriptName } from './scripts';
export type { PolicyRule } from './rbac';
export * from './status-contract';
export * from './gitops-annotations';

/** The enforcement probe of one network action, when the settings enable it; none otherwise. */
export function enforcementProbeObjects(incident: Incident, action: NetworkAction, index: number, settings: Settings): Manifest[] {
  const evidence = settings.evidence;
  return evidence?.probe.enabled ? probeObjects(incident, action, index, settings, evidence) : [];
}

/** Adds manifests to a chart, one ApiObject each (the chart's labels go on their metadata). */
export class EvidenceObjects extends Construct {
  constructor(scope: Construct, id: string, manifests: readonly Manifest[]) {
    super(scope, id);
    manifests.forEach((manifest, i) => new ApiObject(this, `object-${i}`, manifest));
  }
}
