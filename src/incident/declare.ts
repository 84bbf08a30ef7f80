/**
 * The declaration API that `incidents/<ID>.ts` files and `policies/` playbooks use. The helpers only tag plain
 * data with its action kind, so a declaration stays readable in a diff and is validated in one place
 * (validate-incident.ts) whether it was written by hand, by `airlock new` or by the alert intake.
 */
import type {
  AllowRule,
  BlockImagesAction,
  CaptureEvidenceAction,
  EgressAllow,
  IncidentSpec,
  IsolatePodAction,
  IsolateWorkloadAction,
  Labels,
  NetworkActionOptions,
  Override,
  QuarantineNamespaceAction,
  RestrictEgressAction,
} from './types';

/** Options of {@link isolate} for one pod. */
export interface IsolatePodOptions extends NetworkActionOptions {
  readonly namespace: string;
  /** The suspect pod; it is selected by the label `airlock.dev/quarantine: <ID>`, which the runbook applies. */
  readonly pod: string;
  /** Traffic that stays allowed. @default none beyond the DNS profile */
  readonly allow?: readonly AllowRule[];
  /**
   * Also detach the pod from its ReplicaSet and Services when `airlock label` labels it: their selector labels
   * move to an annotation, so a healthy replacement starts, policies keyed on those labels stop selecting the
   * suspect pod, and the evidence keeps running. @default false
   */
  readonly detach?: boolean;
}

/** Options of {@link isolate} for a workload (every pod carrying the labels). */
export interface IsolateWorkloadOptions extends NetworkActionOptions {
  readonly namespace: string;
  /** Labels of the workload's pods; never empty. Catches every pod that carries them (see the plan's blast radius). */
  readonly selector: Labels;
  /** Traffic that stays allowed. @default none beyond the DNS profile */
  readonly allow?: readonly AllowRule[];
}

/** The incident as declared: `id`, `title`, `severity`, `openedAt`, `owner` and `actions` are required. */
export function defineIncident(spec: IncidentSpec): IncidentSpec {
  return spec;
}

/** Cuts a pod (by name) or a workload (by labels) off the network, except DNS and the declared `allow` rules. */
export function isolate(options: IsolatePodOptions): IsolatePodAction;
export function isolate(options: IsolateWorkloadOptions): IsolateWorkloadAction;
export function isolate(options: IsolatePodOptions | IsolateWorkloadOptions): IsolatePodAction | IsolateWorkloadAction {
  return 'pod' in options ? { kind: 'isolatePod', ...options } : { kind: 'isolateWorkload', ...options };
}

/** Options of {@link quarantineNamespace}. */
export interface QuarantineNamespaceOptions extends NetworkActionOptions {
  readonly namespace: string;
  /** Traffic that stays allowed. @default none beyond the DNS profile */
  readonly allow?: readonly AllowRule[];
}

/** Default-deny for every pod in a namespace, except DNS and the declared `allow` rules. */
export function quarantineNamespace(options: QuarantineNamespaceOptions): QuarantineNamespaceAction {
  return { kind: 'quarantineNamespace', ...options };
}

/** Options of {@link restrictEgress}: a pod by name or pods by labels, and the egress that stays allowed. */
export type RestrictEgressOptions = NetworkActionOptions & {
  readonly namespace: string;
  /** The only egress that stays allowed besides the DNS profile; `[]` cuts all other egress. */
  readonly allow: readonly EgressAllow[];
} & ({ readonly pod: string; readonly selector?: never } | { readonly selector: Labels; readonly pod?: never });

/** An egress allow-list (exfiltration response); ingress is left as it is. */
export function restrictEgress(options: RestrictEgressOptions): RestrictEgressAction {
  return { kind: 'restrictEgress', ...options } as RestrictEgressAction;
}

/** Options of {@link blockImages}. */
export interface BlockImagesOptions {
  /** `repo@sha256:…` (strongest), `repo:tag` or `repo` (any tag or digest); tags and repositories are flagged as weaker. */
  readonly images: readonly string[];
  /** Shown in the admission denial message. */
  readonly reason: string;
}

/** Keeps images out of the cluster at admission (Pods, workload templates and `kubectl debug`). */
export function blockImages(options: BlockImagesOptions): BlockImagesAction {
  return { kind: 'blockImages', ...options };
}

/** Options of {@link captureEvidence}. */
export interface CaptureEvidenceOptions {
  readonly namespace: string;
  /** The suspect pod. */
  readonly pod: string;
  /** Container the debug container targets (`kubectl debug --target`). @default the pod's first container */
  readonly container?: string;
  /** The pod's PersistentVolumeClaims to snapshot (VolumeSnapshots, kept when the incident is lifted). @default none */
  readonly volumes?: readonly string[];
  /** Logs of every container, and of their previous instances. @default true */
  readonly logs?: boolean;
  /**
   * Processes and sockets, from an ephemeral debug container of the forensic image that joins the suspect
   * container's process namespace. It is added to the live pod for good, so it is opt-in. @default false
   */
  readonly connections?: boolean;
  /** A destination named in `settings.evidence.destinations`. @default `settings.evidence.destination` */
  readonly destination?: string;
  /** Required to capture in a protected namespace. */
  readonly override?: Override;
}

/**
 * Keeps the evidence of a suspect pod before the containment syncs: a capture Job (an Argo CD `PreSync` hook)
 * and VolumeSnapshots, declared in the same reviewed commit as the isolation they precede.
 */
export function captureEvidence(options: CaptureEvidenceOptions): CaptureEvidenceAction {
  return { kind: 'captureEvidence', ...options };
}
