/**
 * The declaration API that `incidents/<ID>.ts` files and `policies/` playbooks use. The helpers only tag plain
 * data with its action kind, so a declaration stays readable in a diff and is validated in one place
 * (validate-incident.ts) whether it was written by hand, by `airlock new` or by the alert intake.
 */
import type {
  Action,
  BlockImagesAction,
  CaptureEvidenceAction,
  IncidentSpec,
  IsolatePodAction,
  IsolateWorkloadAction,
  QuarantineNamespaceAction,
  RestrictEgressAction,
} from './types';

/** Options of {@link isolate} for one pod (fields documented on IsolatePodAction). */
export type IsolatePodOptions = Omit<IsolatePodAction, 'kind'>;

/** Options of {@link isolate} for a workload (fields documented on IsolateWorkloadAction). */
export type IsolateWorkloadOptions = Omit<IsolateWorkloadAction, 'kind'>;

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

/** Options of {@link quarantineNamespace} (fields documented on QuarantineNamespaceAction). */
export type QuarantineNamespaceOptions = Omit<QuarantineNamespaceAction, 'kind'>;

/** Default-deny for every pod in a namespace, except DNS and the declared `allow` rules. */
export function quarantineNamespace(options: QuarantineNamespaceOptions): QuarantineNamespaceAction {
  return { kind: 'quarantineNamespace', ...options };
}

/**
 * Options of {@link restrictEgress}: a pod by name or pods by labels (fields documented on
 * RestrictEgressAction). The omit distributes over that union, so exactly one of the two is accepted.
 */
export type RestrictEgressOptions = RestrictEgressAction extends infer A ? (A extends unknown ? Omit<A, 'kind'> : never) : never;

/** An egress allow-list (exfiltration response); ingress is left as it is. */
export function restrictEgress(options: RestrictEgressOptions): RestrictEgressAction {
  return { kind: 'restrictEgress', ...options } as RestrictEgressAction;
}

/** Options of {@link blockImages} (fields documented on BlockImagesAction). */
export type BlockImagesOptions = Omit<BlockImagesAction, 'kind'>;

/** Keeps images out of the cluster at admission (Pods, workload templates and `kubectl debug`). */
export function blockImages(options: BlockImagesOptions): BlockImagesAction {
  return { kind: 'blockImages', ...options };
}

/** Options of {@link captureEvidence} (fields documented on CaptureEvidenceAction). */
export type CaptureEvidenceOptions = Omit<CaptureEvidenceAction, 'kind'>;

/**
 * Keeps the evidence of a suspect pod before the containment syncs: a capture Job (an Argo CD `PreSync` hook)
 * and VolumeSnapshots, declared in the same reviewed commit as the isolation they precede.
 */
export function captureEvidence(options: CaptureEvidenceOptions): CaptureEvidenceAction {
  return { kind: 'captureEvidence', ...options };
}

/**
 * The same actions, each allowed to act in a protected namespace (guardrails) for `reason`: what
 * `override: { reason }` on every one of them says, stated once for a group, such as a playbook's actions
 * (`...overrideGuardrails('CoreDNS pod compromised, SEC-4211', isolatePod({ namespace: 'kube-system', pod }))`).
 * Image blocks act in no namespace and are returned as they are.
 */
export function overrideGuardrails(reason: string, actions: readonly Action[]): Action[] {
  return actions.map((action) => (action.kind === 'blockImages' ? action : { ...action, override: { reason } }));
}
