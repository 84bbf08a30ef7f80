/**
 * The organisation's settings and guardrails, declared in `policies/settings.ts` and `policies/guardrails.ts`.
 * Plain typed data with documented defaults; every layer reads the resolved form, never the raw file.
 */
import type { DnsProfile, Labels } from '../incident/types';

/**
 * How containment is enforced on the cluster. `networkpolicy` is portable but only adds allows, so the plan
 * checks whether existing policies defeat it. (Deny-capable backends arrive with the isolation issue.)
 */
export type EnforcementBackend = 'networkpolicy';
export const ENFORCEMENT_BACKENDS: readonly EnforcementBackend[] = ['networkpolicy'];

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
}

/** `policies/settings.ts`. */
export interface SettingsSpec {
  /** @default 'networkpolicy' */
  readonly backend?: EnforcementBackend;
  readonly dns?: DnsSettings;
  readonly admission?: AdmissionSettings;
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
  readonly admission: Required<AdmissionSettings>;
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

/** Applies defaults. */
export function resolveSettings(spec: SettingsSpec = {}): Settings {
  return {
    backend: spec.backend ?? DEFAULT_SETTINGS.backend,
    dns: { ...DEFAULT_SETTINGS.dns, ...spec.dns },
    admission: { ...DEFAULT_SETTINGS.admission, ...spec.admission },
  };
}

/** Applies defaults. */
export function resolveGuardrails(spec: GuardrailsSpec = {}): Guardrails {
  return {
    protectedNamespaces: spec.protectedNamespaces ?? DEFAULT_GUARDRAILS.protectedNamespaces,
    blastRadiusLimit: spec.blastRadiusLimit ?? DEFAULT_GUARDRAILS.blastRadiusLimit,
  };
}
