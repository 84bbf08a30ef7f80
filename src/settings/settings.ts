/**
 * The organisation's settings and guardrails, declared in `policies/settings.ts` and `policies/guardrails.ts`.
 * Plain typed data with documented defaults; every layer reads the resolved form, never the raw file.
 */
import type { GitopsNotifySettings } from '../gitops/notify-settings';
import type { DnsProfile, Labels } from '../incident/types';

/**
 * How containment is enforced on the cluster. `networkpolicy` is portable but only adds allows, so the plan
 * checks whether existing policies defeat it. The others carry a deny that outranks existing allows:
 * - `adminnetworkpolicy`: AdminNetworkPolicy (or ClusterNetworkPolicy, see {@link AdminNetworkPolicySettings})
 *   with Allow rules for DNS and the declared allows, then Deny; implemented by Calico, OVN-Kubernetes, Antrea,
 *   Kube-OVN. A plain NetworkPolicy comes with it, because AdminNetworkPolicy ingress cannot name addresses
 *   outside the cluster.
 * - `calico`: a `projectcalico.org/v3` GlobalNetworkPolicy ordered before every Kubernetes NetworkPolicy.
 * - `cilium`: a CiliumNetworkPolicy whose ingressDeny/egressDeny cover everything but DNS and the declared allows.
 */
export type EnforcementBackend = 'networkpolicy' | 'adminnetworkpolicy' | 'calico' | 'cilium';
export const ENFORCEMENT_BACKENDS: readonly EnforcementBackend[] = ['networkpolicy', 'adminnetworkpolicy', 'calico', 'cilium'];

/** The two generations of the network-policy-api admin tier. */
export type AdminPolicyKind = 'AdminNetworkPolicy' | 'ClusterNetworkPolicy';
export const ADMIN_POLICY_KINDS: readonly AdminPolicyKind[] = ['AdminNetworkPolicy', 'ClusterNetworkPolicy'];

/** Options of the `adminnetworkpolicy` backend. */
export interface AdminNetworkPolicySettings {
  /**
   * Priority of the policy of an incident's first action; action `i` gets `priority + i`, so the policies of
   * one incident never share a priority (their order would be undefined). 0–1000; lower is evaluated earlier,
   * and every admin policy precedes all NetworkPolicies. The default leaves 0–9 to platform policies that
   * must outrank containment (for example the cluster's own DNS or monitoring allows).
   * @default 10
   */
  readonly priority?: number;
  /**
   * `AdminNetworkPolicy` (policy.networking.k8s.io/v1alpha1, network-policy-api up to v0.1.x) or its successor
   * `ClusterNetworkPolicy` (v1alpha2, tier `Admin`, network-policy-api v0.2+). Pick what the cluster serves.
   * @default 'AdminNetworkPolicy'
   */
  readonly kind?: AdminPolicyKind;
}

/** Options of the `calico` backend. */
export interface CalicoSettings {
  /**
   * `order` of the GlobalNetworkPolicies, in Calico's `default` tier. Lower is evaluated earlier; Calico
   * orders Kubernetes NetworkPolicies at 1000, so anything below precedes them. Policies of equal order are
   * evaluated by name.
   * @default 100
   */
  readonly order?: number;
}

/** How blocked images are kept out at admission. */
export type AdmissionMode = 'validatingadmissionpolicy' | 'webhook' | 'kyverno';
export const ADMISSION_MODES: readonly AdmissionMode[] = ['validatingadmissionpolicy', 'webhook', 'kyverno'];

/** Pods that serve DNS, chosen by namespace and labels. */
export interface DnsPods {
  readonly namespace: string;
  readonly selector: Labels;
  /** Port the DNS pods listen on (after the Service's port mapping). */
  readonly port: number;
}

/** Where DNS lives, per profile. */
export interface DnsSettings {
  /** Profile for actions that do not name one. @default 'cluster' */
  readonly defaultProfile?: DnsProfile;
  /** @default kube-system pods with `k8s-app: kube-dns`, port 53 */
  readonly cluster?: DnsPods;
  /** NodeLocal DNSCache link-local address. @default '169.254.20.10' */
  readonly nodeLocalAddress?: string;
  /** @default openshift-dns pods with `dns.operator.openshift.io/daemonset-dns: default`, port 5353 */
  readonly openshift?: DnsPods;
}

/** Admission settings for `blockImages`. */
export interface AdmissionSettings {
  /** @default 'validatingadmissionpolicy' */
  readonly mode?: AdmissionMode;
  /** admissionregistration.k8s.io version: `v1` (Kubernetes 1.30+) or `v1beta1` (1.28–1.29). @default 'v1' */
  readonly apiVersion?: 'v1' | 'v1beta1';
  /** @default 'Deny' */
  readonly validationAction?: 'Deny' | 'Warn' | 'Audit';
  /** Required when `mode` is `webhook`: how the webhook server is deployed into `airlock-system`. */
  readonly webhook?: WebhookSettings;
}

/** The admission webhook's deployment (webhook mode). */
export interface WebhookSettings {
  /** The Airlock image, pinned by digest (`repo@sha256:…`); the plan warns about a tag. */
  readonly image: string;
  /**
   * `Fail` (fail-closed) refuses pod creation while the webhook is unreachable — safe, but an outage of the
   * webhook blocks deployments; `Ignore` (fail-open) admits everything while it is down. @default 'Fail'
   */
  readonly failurePolicy?: 'Fail' | 'Ignore';
  /** Seconds the API server waits for an answer (1–30). @default 5 */
  readonly timeoutSeconds?: number;
  /** PEM CA bundle (base64) of the serving certificate; without it cert-manager issues one. @default cert-manager */
  readonly caBundle?: string;
}

/** A forge where `airlock propose` opens pull (GitHub) or merge (GitLab) requests. */
export type ForgeSettings =
  | {
      readonly kind: 'github';
      /** API base for GitHub Enterprise, e.g. `https://github.example.com/api/v3`. @default 'https://api.github.com' */
      readonly baseUrl?: string;
      readonly owner: string;
      readonly repo: string;
      /** Name of the environment variable holding the token (the token itself never goes in a file). */
      readonly tokenEnv: string;
    }
  | {
      readonly kind: 'gitlab';
      /** API base for self-hosted GitLab, e.g. `https://gitlab.example.com/api/v4`. @default 'https://gitlab.com/api/v4' */
      readonly baseUrl?: string;
      /** Project id or path, e.g. `platform/airlock`. */
      readonly project: string;
      readonly tokenEnv: string;
    };

/** Where incidents are proposed. */
export interface GitSettings {
  /** @default 'origin' */
  readonly remote?: string;
  /** Branch Argo CD / Flux reconcile from. @default 'main' */
  readonly base?: string;
  /** @default none: branches are pushed, no pull request is opened */
  readonly forge?: ForgeSettings;
  /** Labels put on pull requests (plus `severity:<level>`). @default ['airlock'] */
  readonly labels?: readonly string[];
}

/**
 * Where captured evidence goes. Both live outside the suspect's namespace, so nobody who controls the
 * compromised workload can reach (or rewrite) what was captured about it.
 * - `pvc`: an existing PersistentVolumeClaim in the evidence namespace, mounted by the capture Job; every run
 *   writes its own folder `<incident>/<namespace>/<pod>/<run>/`. Prefer ReadWriteMany: the capture Jobs of
 *   several incidents may run at once.
 * - `s3`: an S3-compatible bucket (AWS S3, MinIO, Ceph RGW...), uploaded to with the AWS CLI of the forensic
 *   image; the credentials come from a Secret in the evidence namespace (keys `AWS_ACCESS_KEY_ID` and
 *   `AWS_SECRET_ACCESS_KEY`), injected by the kubelet, so the Job's ServiceAccount never reads Secrets.
 */
export type EvidenceDestination =
  | {
      readonly kind: 'pvc';
      /** Name of the claim in the evidence namespace. */
      readonly claimName: string;
      /** Have `airlock bootstrap` create the claim. @default none: the claim exists already */
      readonly provision?: EvidenceClaimProvision;
    }
  | {
      readonly kind: 's3';
      /** `https://…` (or `http://…` for an in-cluster store), e.g. `https://s3.eu-west-1.amazonaws.com`. */
      readonly endpoint: string;
      readonly bucket: string;
      /** Key prefix inside the bucket, ending in `/`, e.g. `airlock/`. @default '' */
      readonly prefix?: string;
      /** @default 'us-east-1' */
      readonly region?: string;
      /** Secret in the evidence namespace with `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`. */
      readonly credentialsSecret: string;
    };

/** Access modes an evidence claim may have; several capture Jobs writing at once need `ReadWriteMany`. */
export type EvidenceAccessMode = 'ReadWriteMany' | 'ReadWriteOnce' | 'ReadWriteOncePod';
/** Every {@link EvidenceAccessMode}, for validation. */
export const EVIDENCE_ACCESS_MODES: readonly EvidenceAccessMode[] = ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

/**
 * The evidence claim as `airlock bootstrap` creates it, once per cluster, before any incident: Argo CD runs the
 * capture's `PreSync` hook before any manifest of a sync, so the claim cannot come with the incident (or with
 * `dist/_platform/`), and a claim waiting for its first consumer would hold a sync that tracked its health.
 */
export interface EvidenceClaimProvision {
  /** Requested size, a Kubernetes quantity with a unit, e.g. `'200Gi'`. */
  readonly storage: string;
  /** @default the cluster's default StorageClass */
  readonly storageClassName?: string;
  /** @default 'ReadWriteMany' */
  readonly accessMode?: EvidenceAccessMode;
}

/** `kubectl debug --profile` of the debug container: what it may do inside the suspect pod. */
export type DebugProfile = 'restricted' | 'baseline' | 'general';
/** Every {@link DebugProfile}, for validation. */
export const DEBUG_PROFILES: readonly DebugProfile[] = ['restricted', 'baseline', 'general'];

/**
 * The post-sync enforcement probe: a policy object existing is not proof that the CNI enforces it (kindnet
 * accepts NetworkPolicies and enforces nothing), so after each sync a canary pod carrying the quarantine
 * labels checks that its traffic is really cut.
 */
export interface ProbeSettings {
  /** @default true */
  readonly enabled?: boolean;
  /**
   * Extra `ip:port` (`[v6]:port`) destinations the canary must not reach, beside the Kubernetes API service,
   * e.g. an address outside the cluster. Targets an action's own allow rules cover are left out for it.
   * @default []
   */
  readonly egressTargets?: readonly string[];
  /** A name that must resolve when the action's DNS profile allows DNS, and must not when it is `none`. @default 'kubernetes.default.svc.cluster.local' */
  readonly dnsName?: string;
  /** TCP port the canary listens on for the ingress check. @default 8080 */
  readonly port?: number;
  /** How long the probe waits for the containment to hold before it fails (10–3600). @default 120 */
  readonly timeoutSeconds?: number;
}

/**
 * Evidence capture and the enforcement probe. Without this block, `captureEvidence` still snapshots the named
 * volumes and the runbook lists the capture commands to run by hand, and no probe is written.
 */
export interface EvidenceSettings {
  /**
   * The forensic toolbox image, pinned by digest (`repo@sha256:…`): the capture and probe Jobs, the debug
   * container and the canary run it. It must provide a POSIX `sh`, `kubectl` 1.30+, `sha256sum`, `find`,
   * `sort`, `ps`, `ss` or `netstat`, BusyBox-compatible `nc` (`-z`, `-w`, `-lk -p PORT -e PROG`) and
   * `nslookup`, plus the AWS CLI for `s3` destinations, and run as a non-root user.
   */
  readonly image: string;
  /** Namespace of the Jobs, their ServiceAccounts and results; a protected one. @default 'airlock-system' */
  readonly namespace?: string;
  /** Where evidence goes unless an action names another destination. */
  readonly destination: EvidenceDestination;
  /** Other destinations an action may name with `captureEvidence({ destination })`, e.g. a legal-hold bucket. @default none */
  readonly destinations?: Readonly<Record<string, EvidenceDestination>>;
  /** VolumeSnapshotClass of the snapshots; prefer one with `deletionPolicy: Retain`. @default the cluster's default class for the driver */
  readonly volumeSnapshotClassName?: string;
  /** @default 'restricted' (non-root, no capabilities: what a namespace enforcing the restricted Pod Security Standard admits) */
  readonly debugProfile?: DebugProfile;
  /**
   * The capture Job's `activeDeadlineSeconds` (60–86400): as an Argo CD `PreSync` hook, a capture that cannot
   * run (image not pulled, claim missing) holds the containment back this long, then fails the sync.
   * @default 300
   */
  readonly deadlineSeconds?: number;
  /**
   * Whether a capture that failed in part fails its Job — and so, as an Argo CD `PreSync` hook, holds back the
   * containment. Containment matters more than evidence, so by default a capture records what failed and
   * succeeds. @default false
   */
  readonly failOnCaptureError?: boolean;
  /** @default { enabled: true } */
  readonly probe?: ProbeSettings;
}

/**
 * A cluster Airlock delivers to. Its manifests go to `dist/<name>/`, synthesized with the top-level settings
 * overridden by the fields given here (each cluster has its own CNI and Kubernetes version).
 */
export interface ClusterSpec {
  /** DNS-1123 label; the folder `dist/<name>/` and the name incidents use in `clusters: [...]`. */
  readonly name: string;
  readonly backend?: EnforcementBackend;
  readonly dns?: DnsSettings;
  readonly admission?: AdmissionSettings;
  readonly adminNetworkPolicy?: AdminNetworkPolicySettings;
  readonly calico?: CalicoSettings;
  /** Replaces the top-level `evidence` block as a whole (spread a shared constant to reuse parts of it). */
  readonly evidence?: EvidenceSettings;
}

/** Fields a {@link ClusterSpec} may override. */
export const CLUSTER_OVERRIDES = ['backend', 'dns', 'admission', 'adminNetworkPolicy', 'calico', 'evidence'] as const;

/** `policies/settings.ts`. */
export interface SettingsSpec {
  /** @default 'networkpolicy' */
  readonly backend?: EnforcementBackend;
  readonly dns?: DnsSettings;
  readonly admission?: AdmissionSettings;
  readonly git?: GitSettings;
  /** Used when `backend` is `adminnetworkpolicy`. */
  readonly adminNetworkPolicy?: AdminNetworkPolicySettings;
  /** Used when `backend` is `calico`. */
  readonly calico?: CalicoSettings;
  /** Evidence capture and the post-sync enforcement probe. @default none: manual capture, no probe */
  readonly evidence?: EvidenceSettings;
  /** How `propose --direct` and `airlock sync-notify` tell Argo CD or Flux to reconcile at once. @default none */
  readonly gitops?: GitopsNotifySettings;
  /**
   * The clusters, when there is more than one: `dist/<cluster>/<id>/` per cluster, and incidents may target
   * some of them. @default none: one cluster, `dist/<id>/`
   */
  readonly clusters?: readonly ClusterSpec[];
}

/** `policies/guardrails.ts`. */
export interface GuardrailsSpec {
  /**
   * Namespaces no action may isolate or block in unless it carries `override: { reason }`.
   * @default DEFAULT_PROTECTED_NAMESPACES
   */
  readonly protectedNamespaces?: readonly string[];
  /** Most pods one action may catch before the plan refuses it (unless overridden). @default 50 */
  readonly blastRadiusLimit?: number;
}

/** The control plane, CNIs, GitOps controllers, the detector, policy engines and Airlock itself. */
export const DEFAULT_PROTECTED_NAMESPACES: readonly string[] = [
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'argocd',
  'flux-system',
  'falco',
  'cilium',
  'calico-system',
  'tigera-operator',
  'kyverno',
  'gatekeeper-system',
  'cert-manager',
  'airlock-system',
];

/** Settings with every default applied. */
export interface Settings {
  readonly backend: EnforcementBackend;
  readonly dns: Required<DnsSettings>;
  readonly admission: Required<Omit<AdmissionSettings, 'webhook'>> & Pick<AdmissionSettings, 'webhook'>;
  readonly git: { readonly remote: string; readonly base: string; readonly forge?: ForgeSettings; readonly labels: readonly string[] };
  readonly adminNetworkPolicy: Required<AdminNetworkPolicySettings>;
  readonly calico: Required<CalicoSettings>;
  /** Absent when the settings declare no `evidence` block. */
  readonly evidence?: ResolvedEvidenceSettings;
  readonly gitops?: GitopsNotifySettings;
  /** Declared clusters with their settings resolved; empty for a single, unnamed cluster. */
  readonly clusters: readonly ClusterTarget[];
}

/** {@link EvidenceSettings} with every default applied. */
export interface ResolvedEvidenceSettings {
  readonly image: string;
  readonly namespace: string;
  readonly destination: EvidenceDestination;
  readonly destinations: Readonly<Record<string, EvidenceDestination>>;
  readonly volumeSnapshotClassName?: string;
  readonly debugProfile: DebugProfile;
  readonly deadlineSeconds: number;
  readonly failOnCaptureError: boolean;
  readonly probe: Required<ProbeSettings>;
}

/** Defaults of {@link EvidenceSettings} and {@link ProbeSettings}. */
export const EVIDENCE_DEFAULTS = {
  namespace: 'airlock-system',
  debugProfile: 'restricted',
  deadlineSeconds: 300,
  failOnCaptureError: false,
  probe: { enabled: true, egressTargets: [], dnsName: 'kubernetes.default.svc.cluster.local', port: 8080, timeoutSeconds: 120 },
} as const satisfies Omit<ResolvedEvidenceSettings, 'image' | 'destination' | 'destinations'>;

/** Applies the defaults of an `evidence` block. */
export function resolveEvidenceSettings(spec: EvidenceSettings): ResolvedEvidenceSettings {
  return {
    image: spec.image,
    namespace: spec.namespace ?? EVIDENCE_DEFAULTS.namespace,
    destination: spec.destination,
    destinations: spec.destinations ?? {},
    ...(spec.volumeSnapshotClassName !== undefined ? { volumeSnapshotClassName: spec.volumeSnapshotClassName } : {}),
    debugProfile: spec.debugProfile ?? EVIDENCE_DEFAULTS.debugProfile,
    deadlineSeconds: spec.deadlineSeconds ?? EVIDENCE_DEFAULTS.deadlineSeconds,
    failOnCaptureError: spec.failOnCaptureError ?? EVIDENCE_DEFAULTS.failOnCaptureError,
    probe: { ...EVIDENCE_DEFAULTS.probe, ...spec.probe },
  };
}

/** One cluster's name and effective settings. */
export interface ClusterTarget {
  readonly name: string;
  /** The top-level settings with the cluster's overrides applied (its own `clusters` is empty). */
  readonly settings: Settings;
}

/** Guardrails with every default applied. */
export interface Guardrails {
  readonly protectedNamespaces: readonly string[];
  readonly blastRadiusLimit: number;
}

export const DEFAULT_SETTINGS: Settings = {
  backend: 'networkpolicy',
  dns: {
    defaultProfile: 'cluster',
    cluster: { namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, port: 53 },
    nodeLocalAddress: '169.254.20.10',
    openshift: { namespace: 'openshift-dns', selector: { 'dns.operator.openshift.io/daemonset-dns': 'default' }, port: 5353 },
  },
  admission: { mode: 'validatingadmissionpolicy', apiVersion: 'v1', validationAction: 'Deny' },
  git: { remote: 'origin', base: 'main', labels: ['airlock'] },
  adminNetworkPolicy: { priority: 10, kind: 'AdminNetworkPolicy' },
  calico: { order: 100 },
  clusters: [],
};

export const DEFAULT_GUARDRAILS: Guardrails = { protectedNamespaces: DEFAULT_PROTECTED_NAMESPACES, blastRadiusLimit: 50 };

/** Declares `policies/settings.ts`; typed so the editor completes and checks it. */
export function defineSettings(spec: SettingsSpec): SettingsSpec {
  return spec;
}

/** Declares `policies/guardrails.ts`. */
export function defineGuardrails(spec: GuardrailsSpec): GuardrailsSpec {
  return spec;
}

/** Applies defaults, and each cluster's overrides on top of the resolved top level. */
export function resolveSettings(spec: SettingsSpec = {}): Settings {
  const merge = (base: Settings, over: Omit<SettingsSpec, 'clusters' | 'git'>): Settings => ({
    ...base,
    backend: over.backend ?? base.backend,
    dns: { ...base.dns, ...over.dns },
    admission: { ...base.admission, ...over.admission },
    adminNetworkPolicy: { ...base.adminNetworkPolicy, ...over.adminNetworkPolicy },
    calico: { ...base.calico, ...over.calico },
    ...(over.evidence ? { evidence: resolveEvidenceSettings(over.evidence) } : {}),
    clusters: [],
  });
  const top: Settings = { ...merge(DEFAULT_SETTINGS, spec), git: { ...DEFAULT_SETTINGS.git, ...spec.git }, ...(spec.gitops ? { gitops: spec.gitops } : {}) };
  return { ...top, clusters: (spec.clusters ?? []).map(({ name, ...over }) => ({ name, settings: merge(top, over) })) };
}

/** Applies defaults. */
export function resolveGuardrails(spec: GuardrailsSpec = {}): Guardrails {
  return {
    protectedNamespaces: spec.protectedNamespaces ?? DEFAULT_GUARDRAILS.protectedNamespaces,
    blastRadiusLimit: spec.blastRadiusLimit ?? DEFAULT_GUARDRAILS.blastRadiusLimit,
  };
}
