/**
 * ValidatingAdmissionPolicy mode (the default): one policy and one binding, written once into the platform
 * folder of `dist/`. The binding's `paramRef.selector` picks up every incident's blocklist ConfigMap, so an
 * incident only adds its own ConfigMap and never edits a shared file; with no incident at all nothing matches
 * and `parameterNotFoundAction: Allow` lets everything through.
 */
import { blockImagesCel } from './cel';
import {
  BLOCK_IMAGES_POLICY_NAME,
  BLOCKLIST_LABEL,
  BLOCKLIST_LABEL_VALUE,
  DEFAULT_PARAM_NAMESPACE,
  DEFAULT_PROTECTED_NAMESPACES,
  excludeNamespacesSelector,
  managedLabels,
  type Manifest,
} from './manifest';
import { admissionRules } from './resources';

/**
 * admissionregistration.k8s.io version: `v1` (Kubernetes 1.30+), or `v1beta1` for 1.28–1.29 (where the
 * ValidatingAdmissionPolicy feature gate and the v1beta1 API must be enabled).
 */
export type AdmissionApiVersion = 'v1' | 'v1beta1';

/**
 * What a policy violation does, as the combinations Kubernetes accepts: `Deny` refuses the request, `Warn`
 * returns a warning to the client, `Audit` records it in the audit log. Deny and Warn together are rejected
 * by the API server, so they cannot be written here.
 */
export type ValidationActions = readonly ['Deny'] | readonly ['Warn'] | readonly ['Audit'] | readonly ['Deny', 'Audit'] | readonly ['Warn', 'Audit'];

/**
 * What happens when the policy cannot be evaluated (a CEL error, a missing param kind): `Fail` refuses the
 * request (fail-closed), `Ignore` admits it (fail-open).
 */
export type FailurePolicy = 'Fail' | 'Ignore';

/** Options of {@link admissionPlatformObjects}. */
export interface AdmissionPlatformOptions {
  /** @default 'v1' */
  readonly apiVersion?: AdmissionApiVersion;
  /** @default ['Deny'] */
  readonly validationActions?: ValidationActions;
  /** Namespaces never checked. @default DEFAULT_PROTECTED_NAMESPACES (kube-system, argocd, flux-system, falco, airlock-system) */
  readonly protectedNamespaces?: readonly string[];
  /** Namespace of the blocklist ConfigMaps; always excluded from checks too. @default 'airlock-system' */
  readonly paramNamespace?: string;
  /** @default 'Fail' (fail-closed) */
  readonly failurePolicy?: FailurePolicy;
  /** Also emit the Namespace object for `paramNamespace` (set false when something else creates it). @default true */
  readonly createParamNamespace?: boolean;
}

/** The ValidatingAdmissionPolicy alone (see {@link admissionPlatformObjects}). */
export function validatingAdmissionPolicy(options: Pick<AdmissionPlatformOptions, 'apiVersion' | 'failurePolicy'> = {}): Manifest {
  const cel = blockImagesCel();
  return {
    apiVersion: `admissionregistration.k8s.io/${options.apiVersion ?? 'v1'}`,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: BLOCK_IMAGES_POLICY_NAME, labels: managedLabels() },
    spec: {
      failurePolicy: options.failurePolicy ?? 'Fail',
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      matchConstraints: { matchPolicy: 'Equivalent', resourceRules: admissionRules() },
      variables: cel.variables.map((v) => ({ name: v.name, expression: v.expression })),
      validations: cel.validations.map((v) => ({ expression: v.expression, messageExpression: v.messageExpression, message: v.message, reason: v.reason })),
    },
  };
}

/** The binding that applies the policy with every blocklist ConfigMap as a param (see {@link admissionPlatformObjects}). */
export function validatingAdmissionPolicyBinding(
  options: Pick<AdmissionPlatformOptions, 'apiVersion' | 'validationActions' | 'protectedNamespaces' | 'paramNamespace'> = {},
): Manifest {
  const paramNamespace = options.paramNamespace ?? DEFAULT_PARAM_NAMESPACE;
  const excluded = [...(options.protectedNamespaces ?? DEFAULT_PROTECTED_NAMESPACES), paramNamespace];
  return {
    apiVersion: `admissionregistration.k8s.io/${options.apiVersion ?? 'v1'}`,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: BLOCK_IMAGES_POLICY_NAME, labels: managedLabels() },
    spec: {
      policyName: BLOCK_IMAGES_POLICY_NAME,
      validationActions: [...(options.validationActions ?? ['Deny'])],
      paramRef: {
        namespace: paramNamespace,
        selector: { matchLabels: { [BLOCKLIST_LABEL]: BLOCKLIST_LABEL_VALUE } },
        // No blocklist (no incident blocks images) means nothing is blocked.
        parameterNotFoundAction: 'Allow',
      },
      matchResources: { namespaceSelector: excludeNamespacesSelector(excluded) },
    },
  };
}

/** The Namespace that holds the blocklists (and the webhook, in webhook mode). */
export function paramNamespaceObject(namespace: string = DEFAULT_PARAM_NAMESPACE): Manifest {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: managedLabels() } };
}

/**
 * Everything the platform folder needs for ValidatingAdmissionPolicy mode: [Namespace?, policy, binding].
 * Written once; incidents add only their ConfigMap (`blocklistConfigMap`).
 */
export function admissionPlatformObjects(options: AdmissionPlatformOptions = {}): Manifest[] {
  const objects: Manifest[] = [];
  if (options.createParamNamespace ?? true) objects.push(paramNamespaceObject(options.paramNamespace));
  objects.push(validatingAdmissionPolicy(options), validatingAdmissionPolicyBinding(options));
  return objects;
}
