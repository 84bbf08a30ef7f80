/**
 * Webhook mode, for clusters without ValidatingAdmissionPolicy: the ValidatingWebhookConfiguration that sends
 * the same requests the policy would see to `airlock webhook serve`.
 */
import {
  BLOCK_IMAGES_POLICY_NAME,
  DEFAULT_PARAM_NAMESPACE,
  DEFAULT_PROTECTED_NAMESPACES,
  excludeNamespacesSelector,
  managedLabels,
  type Manifest,
} from './manifest';
import { admissionRules } from './resources';
import type { FailurePolicy } from './policy';

/** Path the webhook server answers AdmissionReviews on. */
export const WEBHOOK_PATH = '/validate';
/** Name of the webhook entry; must be a fully qualified name. */
export const WEBHOOK_NAME = 'block-images.airlock.dev';
/** Name of the webhook's Service (and Deployment, ServiceAccount…), which the configuration points the API server at. */
export const WEBHOOK_SERVICE_NAME = 'airlock-webhook';

/**
 * How the API server learns the webhook's CA: a base64 PEM bundle, or a cert-manager Certificate
 * (`namespace/name`) whose CA cert-manager's cainjector writes in.
 */
export type WebhookCa = { readonly caBundle: string } | { readonly certManagerCertificate: string };

/** Options of {@link validatingWebhookConfiguration}. */
export interface WebhookConfigurationOptions {
  /**
   * What the API server does when it cannot get an answer (webhook down, timed out, not ready, bad TLS).
   *
   * - `Fail` (fail-closed, the default): nothing the blocklist covers is admitted unanswered, so an attacker
   *   cannot bring a blocked image back by crashing or flooding the webhook. The price: while no replica
   *   answers, every Pod and workload create/update outside the protected namespaces is refused, including
   *   replacements of crashed pods and scale-ups. Hence two replicas spread over nodes, a
   *   PodDisruptionBudget, a short `timeoutSeconds`, and the protected namespaces (control plane, CNI, GitOps,
   *   Airlock itself) excluded, so the cluster can always heal and redeploy the webhook.
   * - `Ignore` (fail-open): an outage never blocks deployments, but during it blocked images are admitted
   *   without a trace in the webhook's log; choose it only where availability outranks containment, and
   *   alert on `airlock_webhook_ready` and the API server's webhook rejection metrics.
   *
   * @default 'Fail'
   */
  readonly failurePolicy?: FailurePolicy;
  /** @default DEFAULT_PROTECTED_NAMESPACES; the webhook's own namespace is always excluded (it must be able to start). */
  readonly protectedNamespaces?: readonly string[];
  /** Namespace of the webhook Service. @default 'airlock-system' */
  readonly namespace?: string;
  /** @default 'airlock-webhook' */
  readonly serviceName?: string;
  /** @default 443 */
  readonly servicePort?: number;
  /**
   * Seconds the API server waits (1–30) before applying `failurePolicy`. Short, because the wait is added to
   * every Pod create while the webhook hangs; a review takes milliseconds. @default 5
   */
  readonly timeoutSeconds?: number;
  /** @default none: the bundle must then be injected by other means */
  readonly ca?: WebhookCa;
}

/** The ValidatingWebhookConfiguration for webhook mode. */
export function validatingWebhookConfiguration(options: WebhookConfigurationOptions = {}): Manifest {
  const namespace = options.namespace ?? DEFAULT_PARAM_NAMESPACE;
  const timeoutSeconds = options.timeoutSeconds ?? 5;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 30) {
    throw new RangeError(`webhook timeoutSeconds must be an integer from 1 to 30, got ${timeoutSeconds}`);
  }
  const ca = options.ca;
  const annotations = ca && 'certManagerCertificate' in ca ? { 'cert-manager.io/inject-ca-from': ca.certManagerCertificate } : undefined;
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: BLOCK_IMAGES_POLICY_NAME, labels: managedLabels(), ...(annotations ? { annotations } : {}) },
    webhooks: [
      {
        name: WEBHOOK_NAME,
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: options.failurePolicy ?? 'Fail',
        matchPolicy: 'Equivalent',
        timeoutSeconds,
        rules: admissionRules(),
        namespaceSelector: excludeNamespacesSelector([...(options.protectedNamespaces ?? DEFAULT_PROTECTED_NAMESPACES), namespace]),
        clientConfig: {
          service: { namespace, name: options.serviceName ?? WEBHOOK_SERVICE_NAME, path: WEBHOOK_PATH, port: options.servicePort ?? 443 },
          ...(ca && 'caBundle' in ca ? { caBundle: ca.caBundle } : {}),
        },
      },
    ],
  };
}
