/**
 * The incident model: plain, typed data that `incidents/<ID>.ts` files declare and every later layer
 * (synth, analysis, git, intake) reads. Nothing here knows about cdk8s, git or the CLI.
 */

/** How urgent an incident is; carried as an annotation and a commit trailer. */
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/** `active` incidents synthesize manifests; `lifted` ones stay in `incidents/` as history and synthesize nothing. */
export type IncidentStatus = 'active' | 'lifted';
export const INCIDENT_STATUSES: readonly IncidentStatus[] = ['active', 'lifted'];

/**
 * Which DNS traffic an isolated pod keeps.
 * - `none`: no DNS at all.
 * - `cluster`: the cluster DNS pods (kube-dns in kube-system), UDP and TCP 53.
 * - `cluster+nodelocal`: `cluster` plus the NodeLocal DNSCache link-local address.
 * - `openshift`: the openshift-dns pods (UDP and TCP 5353, the port they listen on behind the Service).
 *
 * Every profile but `none` keeps a tunnelling channel open; the plan says so.
 */
export type DnsProfile = 'none' | 'cluster' | 'cluster+nodelocal' | 'openshift';
export const DNS_PROFILES: readonly DnsProfile[] = ['none', 'cluster', 'cluster+nodelocal', 'openshift'];

/** Transport protocols that NetworkPolicy ports accept. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

/** Traffic direction relative to the contained pods. */
export type Direction = 'ingress' | 'egress';
export const DIRECTIONS: readonly Direction[] = ['ingress', 'egress'];

/** Label set used as an equality selector (`matchLabels`). */
export type Labels = Readonly<Record<string, string>>;

/**
 * A port (or port range) that an allow rule opens.
 * `port` is a number, or a named container port (then `endPort` is not allowed, as in Kubernetes).
 */
export interface PortSpec {
  /** Port number 1–65535, or a container port name (IANA_SVC_NAME). */
  readonly port: number | string;
  /** End of a port range, inclusive; requires a numeric `port` and `endPort >= port`. */
  readonly endPort?: number;
  /** @default 'TCP' */
  readonly protocol?: Protocol;
}

/** Pods chosen by labels in one namespace. */
export interface PodPeer {
  /** Namespace of the peer pods. */
  readonly namespace: string;
  /** Labels the peer pods carry. @default every pod in `namespace` */
  readonly selector?: Labels;
}

/** An IP range, optionally with holes. */
export interface CidrPeer {
  /** IPv4 or IPv6 CIDR, e.g. `203.0.113.0/24`. */
  readonly cidr: string;
  /** Sub-ranges of `cidr` that stay blocked. Each must lie inside `cidr`. */
  readonly except?: readonly string[];
}

/** A peer that contained pods may still talk to. */
export type Peer = PodPeer | CidrPeer;

/** An egress allow entry: a peer and the ports on it. */
export type EgressAllow = Peer & {
  /** Ports opened on the peer. @default all ports */
  readonly ports?: readonly PortSpec[];
};

/** An allow entry for isolation: which way the traffic goes, the peer and the ports. */
export type AllowRule = EgressAllow & {
  /** `egress`: the contained pods may reach the peer; `ingress`: the peer may reach the contained pods. */
  readonly direction: Direction;
};

/**
 * Permission to act on a protected namespace (kube-system, the GitOps controller, ...).
 * The reason is recorded in the manifests' annotations and the plan.
 */
export interface Override {
  readonly reason: string;
}

/** Options every network action shares. */
export interface NetworkActionOptions {
  /** @default 'cluster' (or the settings' default DNS profile) */
  readonly dns?: DnsProfile;
  /** Required to act on a protected namespace. */
  readonly override?: Override;
}

/** Isolate one pod: the per-incident quarantine label is applied to it, and the policy selects that label. */
export interface IsolatePodAction extends NetworkActionOptions {
  readonly kind: 'isolatePod';
  readonly namespace: string;
  /** Name of the suspect pod. */
  readonly pod: string;
  /** Traffic that stays allowed. @default none beyond DNS */
  readonly allow?: readonly AllowRule[];
  /**
   * Also detach the pod from its owner when the label is applied (`airlock label`): the labels that the
   * owner's selector and the Services select are removed (kept in an annotation for `--restore`), so the
   * owner starts a healthy replacement, existing policies keyed on those labels stop selecting the suspect,
   * and the evidence keeps running. @default false
   */
  readonly detach?: boolean;
}

/** Isolate every pod that carries the given labels (a whole workload, and any lookalike). */
export interface IsolateWorkloadAction extends NetworkActionOptions {
  readonly kind: 'isolateWorkload';
  readonly namespace: string;
  /** Labels of the workload's pods; never empty. */
  readonly selector: Labels;
  readonly allow?: readonly AllowRule[];
}

/** Default-deny for every pod in a namespace. */
export interface QuarantineNamespaceAction extends NetworkActionOptions {
  readonly kind: 'quarantineNamespace';
  readonly namespace: string;
  readonly allow?: readonly AllowRule[];
}

/** Egress allow-list for a pod or workload (exfiltration); ingress is left as it is. */
export type RestrictEgressAction = NetworkActionOptions & {
  readonly kind: 'restrictEgress';
  readonly namespace: string;
  /** The only egress that stays allowed besides DNS. */
  readonly allow: readonly EgressAllow[];
} & ({ readonly pod: string; readonly selector?: never } | { readonly selector: Labels; readonly pod?: never });

/** Keep compromised images out of the cluster at admission. */
export interface BlockImagesAction {
  readonly kind: 'blockImages';
  /** Image references: `repo@sha256:…` (strongest), `repo:tag`, or `repo` (any tag or digest). */
  readonly images: readonly string[];
  /** Why these images are blocked; shown in the admission denial message. */
  readonly reason: string;
}

/**
 * Keep the evidence of a suspect pod before it changes or goes: containers are ephemeral, and a reviewed
 * commit is the only place the capture can be declared so that it travels with the containment. It snapshots
 * the named PersistentVolumeClaims and runs a capture Job (Argo CD `PreSync` hook) that records the pod's spec
 * and status, image digests, logs and events, and — from an ephemeral debug container of the forensic image
 * configured in `policies/settings.ts` — its processes and sockets, with a manifest of sha256 hashes.
 */
export interface CaptureEvidenceAction {
  readonly kind: 'captureEvidence';
  readonly namespace: string;
  /** Name of the suspect pod. */
  readonly pod: string;
  /**
   * Container the debug container targets (`kubectl debug --target`): it shares that container's process
   * namespace, so `ps` shows the suspect's processes. @default the pod's first container
   */
  readonly container?: string;
  /** PersistentVolumeClaims (in `namespace`) to snapshot; they must be the pod's. @default none */
  readonly volumes?: readonly string[];
  /** Record the logs of every container, and of their previous instances. @default true */
  readonly logs?: boolean;
  /**
   * Record processes and sockets from an ephemeral debug container. It adds a container to the suspect pod
   * (visible to whoever is inside it, and permanent for the pod's life), so it is asked for explicitly.
   * @default false
   */
  readonly connections?: boolean;
  /** A destination named in `settings.evidence.destinations`. @default `settings.evidence.destination` */
  readonly destination?: string;
  /** Required to capture in a protected namespace. */
  readonly override?: Override;
}

/** Everything an incident can ask for. */
export type Action =
  | IsolatePodAction
  | IsolateWorkloadAction
  | QuarantineNamespaceAction
  | RestrictEgressAction
  | BlockImagesAction
  | CaptureEvidenceAction;

export type ActionKind = Action['kind'];
export const ACTION_KINDS: readonly ActionKind[] = [
  'isolatePod',
  'isolateWorkload',
  'quarantineNamespace',
  'restrictEgress',
  'blockImages',
  'captureEvidence',
];

/** Actions that synthesize network policies. */
export type NetworkAction = Exclude<Action, BlockImagesAction | CaptureEvidenceAction>;

/** Kinds of {@link NetworkAction}. */
export const NETWORK_ACTION_KINDS: readonly NetworkAction['kind'][] = ['isolatePod', 'isolateWorkload', 'quarantineNamespace', 'restrictEgress'];

/** Whether an action synthesizes network policies (narrows the union, so callers need no cast). */
export function isNetworkAction(action: Action): action is NetworkAction {
  return (NETWORK_ACTION_KINDS as readonly string[]).includes(action.kind);
}

/** What an `incidents/<ID>.ts` file declares. */
export interface IncidentSpec {
  /** Incident identifier, e.g. `INC-2026-0142`; the file must be named `<id>.ts`. Upper case is allowed. */
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** @default 'active' */
  readonly status?: IncidentStatus;
  /** ISO 8601 timestamp with a time zone, e.g. `2026-11-22T03:12:00Z`. */
  readonly openedAt: string;
  /** When the containment should be lifted (`airlock expire`); after `openedAt`. */
  readonly expiresAt?: string;
  /** Who owns the response (person or team). */
  readonly owner: string;
  /** Ticket or case reference, e.g. `SEC-1234`. */
  readonly ticket?: string;
  readonly summary?: string;
  /** Alert ids that raised this incident (filled by the alert intake). */
  readonly alerts?: readonly string[];
  /** Clusters the containment applies to, by the names in `policies/settings.ts`. @default every cluster */
  readonly clusters?: readonly string[];
  /** At least one action; playbooks return arrays of actions, which may be spread in. */
  readonly actions: readonly Action[];
}

/** A validated incident, with defaults applied and the file it came from. */
export interface Incident extends IncidentSpec {
  readonly status: IncidentStatus;
  /** Lower-case form of `id`, used for Kubernetes names and the `dist/` folder. */
  readonly slug: string;
  /** Path of the declaring file, relative to the project root. */
  readonly file: string;
}

/**
 * Label that single-pod isolation selects; its value is the incident id. Applying it to the live pod is an
 * explicit, logged step (the runbook's `kubectl label` command, or `airlock label`).
 */
export const QUARANTINE_LABEL = 'airlock.dev/quarantine';
