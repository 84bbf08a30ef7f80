/**
 * Names of what the evidence capture and the enforcement probe write. They derive from the incident's slug and
 * the action's index only, so a re-synthesis writes the same names, Argo CD's `BeforeHookCreation` finds the
 * previous run's objects to replace, and `airlock status` finds the results without listing anything.
 */
import { createHash } from 'node:crypto';
import type { Incident } from '../../incident/types';

type Slugged = Pick<Incident, 'slug'>;

/** Longest name a Job may have: its name becomes the `job-name` label of its pods (a label value). */
const JOB_NAME_MAX = 63;
/** Longest object name (DNS-1123 subdomain). */
const NAME_MAX = 253;

function base(incident: Slugged, index: number): string {
  const name = `airlock-${incident.slug}-${index}`;
  // Slugs are at most 40 characters (incident ids), so every name below fits its limit; a guard, not a branch.
  if (name.length + '-capture'.length > JOB_NAME_MAX) throw new RangeError(`object names of ${incident.slug} action ${index} would exceed ${JOB_NAME_MAX} characters`);
  return name;
}

/** Names of one `captureEvidence` action's objects. */
export interface CaptureNames {
  /** The Job, its ServiceAccount, and the Roles and RoleBindings (one in the pod's namespace, one in the evidence namespace). */
  readonly job: string;
  /** ConfigMap holding the static scripts. */
  readonly scripts: string;
  /** ConfigMap, in the evidence namespace, that the Job writes its outcome to (see status-contract.ts). */
  readonly result: string;
}

/** Names of one network action's enforcement probe objects. */
export interface ProbeNames {
  /** The Job, its ServiceAccount, Roles and RoleBindings. */
  readonly job: string;
  /** ConfigMap holding the probe script and the canary's manifest. */
  readonly scripts: string;
  /** ConfigMap, in the evidence namespace, that the Job writes its verdict to. */
  readonly result: string;
  /** ConfigMap in the contained namespace that owns the canary (so no ReplicaSet adopts it). */
  readonly anchor: string;
  /** The canary pod, created by the Job at run time. */
  readonly canary: string;
}

/** Names of the capture objects of action `index`. */
export function captureNames(incident: Slugged, index: number): CaptureNames {
  const b = base(incident, index);
  return { job: `${b}-capture`, scripts: `${b}-capture-scripts`, result: `${b}-evidence` };
}

/** Names of the probe objects of action `index`. */
export function probeNames(incident: Slugged, index: number): ProbeNames {
  const b = base(incident, index);
  return { job: `${b}-probe`, scripts: `${b}-probe-scripts`, result: `${b}-probe`, anchor: `${b}-probe-anchor`, canary: `${b}-canary` };
}

/**
 * Name of the VolumeSnapshot of one claim: `airlock-<slug>-<index>-<claim>`, or, when that exceeds 253
 * characters, the claim's name cut short and a hash of it, so two long claims never share a snapshot name.
 */
export function volumeSnapshotName(incident: Slugged, index: number, claim: string): string {
  const b = base(incident, index);
  const full = `${b}-${claim}`;
  if (full.length <= NAME_MAX) return full;
  const hash = createHash('sha256').update(claim).digest('hex').slice(0, 10);
  const room = NAME_MAX - b.length - hash.length - 2;
  return `${b}-${claim.slice(0, room).replace(/[-.]+$/, '')}-${hash}`;
}
