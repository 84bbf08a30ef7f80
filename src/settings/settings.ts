/**
 * The organisation's settings and guardrails, declared in `policies/settings.ts` and `policies/guardrails.ts`.
 * Plain typed data with documented defaults; every layer reads the resolved form, never the raw file.
 */
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
}

/** Fields a {@link ClusterSpec} may override. */
export const CLUSTER_OVERRIDES = ['backend', 'dns', 'admission', 'adminNetworkPolicy', 'calico'] as const;

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
  /** Declared clusters with their settings resolved; empty for a single, unnamed cluster. */
  readonly clusters: readonly ClusterTarget[];
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
    clusters: [],
  });
  const top: Settings = { ...merge(DEFAULT_SETTINGS, spec), git: { ...DEFAULT_SETTINGS.git, ...spec.git } };
  return { ...top, clusters: (spec.clusters ?? []).map(({ name, ...over }) => ({ name, settings: merge(top, over) })) };
}

/** Applies defaults. */
export function resolveGuardrails(spec: GuardrailsSpec = {}): Guardrails {
  return {
    protectedNamespaces: spec.protectedNamespaces ?? DEFAULT_GUARDRAILS.protectedNamespaces,
    blastRadiusLimit: spec.blastRadiusLimit ?? DEFAULT_GUARDRAILS.blastRadiusLimit,
  };
}
