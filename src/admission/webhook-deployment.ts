/**
 * Webhook mode's platform objects: everything a cluster without ValidatingAdmissionPolicy needs to run
 * `airlock webhook serve`, written once into the platform folder of `dist/` by the synth layer. Incidents still
 * only add their own blocklist ConfigMap; nothing here names an incident.
 *
 * How the blocklists reach the server. A Pod can only mount ConfigMaps it names, and naming each incident's
 * ConfigMap in this Deployment would make every incident edit this shared object. So each Pod runs two
 * containers of the same image sharing an in-memory emptyDir:
 *
 * - `blocklist-sync` (`airlock webhook sync-blocklists`) lists and watches the ConfigMaps labelled
 *   `airlock.dev/blocklist=images` in the param namespace and writes each complete set atomically, the way
 *   kubelet updates a mounted ConfigMap (`..data` symlink swap). It alone holds the service-account token,
 *   and its Role allows only `list` and `watch` on ConfigMaps in that one namespace.
 * - `webhook` (`airlock webhook serve --require-snapshot`) reads that directory, reloads on every swap, and
 *   stays not ready until the first snapshot exists, so a starting Pod never serves an empty blocklist. It
 *   has no token at all: the process that parses requests from the network could not use the API if it
 *   were compromised.
 *
 * Trade-offs of this design, against the alternatives:
 * - versus the server watching the API itself: one more container (a few MiB, ~10m CPU) and a second
 *   process to keep alive, in exchange for a credential-free server and one directory contract shared by
 *   `dist/` on a workstation, kubelet mounts and the cluster.
 * - versus a projected volume listing the ConfigMaps: that works without RBAC, but every incident would
 *   rewrite the Deployment (merge conflicts between incident pull requests, a rollout per incident).
 * - RBAC cannot filter by label, so the Role can read every ConfigMap in the param namespace; only
 *   blocklists and `kube-root-ca.crt` belong there, and Secrets (the TLS key) stay out of reach.
 *
 * Types are checked against kubernetes-models' declarations (type-only import, nothing at run time), so a
 * misspelt field fails `tsc`, and tests validate every object against the Kubernetes schemas.
 */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { parseImageReference } from '../incident/image-reference';
import { restrictedContainerSecurityContext } from '../kubernetes/pod-security';
import { BLOCKLIST_LABEL, BLOCKLIST_LABEL_VALUE, DEFAULT_PARAM_NAMESPACE, managedLabels, type Manifest } from './manifest';
import type { FailurePolicy } from './policy';
import { validatingWebhookConfiguration, WEBHOOK_SERVICE_NAME, type WebhookCa } from './webhook-configuration';

/** Port the server listens on inside the Pod (unprivileged, so the container needs no capability). */
export const WEBHOOK_CONTAINER_PORT = 8443;
/** Where the TLS Secret is mounted (`tls.crt`, `tls.key`, as cert-manager and `kubectl create secret tls` write them). */
export const WEBHOOK_TLS_DIR = '/etc/airlock/tls';
/** Where the sidecar writes, and the server reads, the blocklist snapshot. */
export const WEBHOOK_BLOCKLIST_DIR = '/var/run/airlock/blocklists';
/** Default name of the TLS Secret. */
export const WEBHOOK_TLS_SECRET = 'airlock-webhook-tls';
/** Seconds a terminating server keeps answering while failing readiness, so endpoints drop it before it stops. */
const SHUTDOWN_DELAY_S = 5;

/**
 * Where the serving certificate comes from.
 *
 * - `certManager`: a cert-manager Certificate for the Service's DNS names, written into the TLS Secret and
 *   renewed by cert-manager (the server reloads it in place); cert-manager's cainjector copies its CA into the
 *   ValidatingWebhookConfiguration. Without `issuerRef`, a namespaced self-signed Issuer is written too.
 * - `provided`: a Secret created by other means (sealed secret, external secrets, `kubectl create secret tls`)
 *   and the base64 PEM CA bundle that signed it.
 */
export type WebhookTls =
  | {
      readonly certManager: {
        readonly issuerRef?: { readonly name: string; readonly kind: 'Issuer' | 'ClusterIssuer'; readonly group?: string };
      };
    }
  | { readonly provided: { readonly secretName?: string; readonly caBundle: string } };

/** CPU and memory of one container, as Kubernetes quantities. */
export interface ContainerResources {
  readonly requests?: Readonly<Record<string, string>>;
  readonly limits?: Readonly<Record<string, string>>;
}

/** Options of {@link webhookDeploymentObjects}. */
export interface WebhookDeploymentOptions {
  /**
   * Image holding the `airlock` CLI. Pin it by digest (`…@sha256:…`): the webhook decides what may run in the
   * cluster, so a moved tag would silently change that decision maker ({@link webhookImageWarning}).
   */
  readonly image: string;
  /** Command that runs the CLI in the image. @default ['airlock'] */
  readonly command?: readonly string[];
  /** @default 'airlock-system' */
  readonly namespace?: string;
  /** Namespace holding the blocklist ConfigMaps (where the sync's Role applies). @default the webhook's namespace */
  readonly paramNamespace?: string;
  /** Emit the Namespace object (set false when something else creates it). @default true */
  readonly createNamespace?: boolean;
  /** At least 2: a single replica would fail closed on every restart and block node drains under its PodDisruptionBudget. @default 2 */
  readonly replicas?: number;
  /** @default { certManager: {} } (self-signed Issuer) */
  readonly tls?: WebhookTls;
  /** See {@link WebhookConfigurationOptions.failurePolicy} for the trade-off. @default 'Fail' */
  readonly failurePolicy?: FailurePolicy;
  /** @default 5 */
  readonly timeoutSeconds?: number;
  /** Namespaces never checked. @default DEFAULT_PROTECTED_NAMESPACES; the webhook's own is always added */
  readonly protectedNamespaces?: readonly string[];
  /** Resources of the server container. @default requests 100m CPU / 96Mi, limit 256Mi, no CPU limit (throttling shows up as admission latency) */
  readonly resources?: ContainerResources;
  /** Resources of the sync sidecar. @default requests 10m CPU / 48Mi, limit 128Mi */
  readonly syncResources?: ContainerResources;
  /** e.g. `system-cluster-critical`, so a fail-closed webhook is not the first thing evicted under pressure. @default none */
  readonly priorityClassName?: string;
  /** @default 'IfNotPresent' */
  readonly imagePullPolicy?: 'IfNotPresent' | 'Always';
}

/** Labels that select the webhook's Pods; fixed, because a Deployment's selector cannot change. */
function selectorLabels(): Record<string, string> {
  return { 'app.kubernetes.io/name': WEBHOOK_SERVICE_NAME };
}

function objectLabels(): Record<string, string> {
  return managedLabels({ ...selectorLabels(), 'app.kubernetes.io/component': 'admission-webhook', 'app.kubernetes.io/part-of': 'airlock' });
}

/** The plain-object form every other admission function returns; the kubernetes-models types were for `tsc`. */
function manifest(o: { apiVersion: string; kind: string }): Manifest {
  return o as unknown as Manifest;
}

function resources(given: ContainerResources | undefined, fallback: ContainerResources): IResourceRequirements {
  const r = given ?? fallback;
  return { ...(r.requests ? { requests: { ...r.requests } } : {}), ...(r.limits ? { limits: { ...r.limits } } : {}) };
}

/**
 * A warning for the plan when the image is not pinned by digest, or undefined when it is. Throws a RangeError
 * for a string that is not an image reference at all.
 */
export function webhookImageWarning(image: string): string | undefined {
  const parsed = parseImageReference(image);
  if (!parsed.ok) throw new RangeError(`webhook image "${image}" is not an image reference: ${parsed.error} (${parsed.hint})`);
  if (parsed.value.strength === 'digest') return undefined;
  return `webhook image ${image} is not pinned by digest: whoever can move that tag decides what the admission webhook runs; use ${parsed.value.repository}@sha256:…`;
}

/** The Namespace for webhook mode: Pod Security "restricted" enforced, which the webhook's Pods satisfy. */
function namespaceObject(name: string): Manifest {
  const ns: INamespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: managedLabels({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' }),
    },
  };
  return manifest(ns);
}

/** The cert-manager objects for `tls: { certManager }`: [Issuer?, Certificate]. */
function certManagerObjects(namespace: string, secretName: string, issuerRef: { name: string; kind: string; group?: string } | undefined): Manifest[] {
  const objects: Manifest[] = [];
  let ref = issuerRef;
  if (!ref) {
    ref = { name: `${WEBHOOK_SERVICE_NAME}-selfsigned`, kind: 'Issuer' };
    objects.push({ apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: ref.name, namespace, labels: objectLabels() }, spec: { selfSigned: {} } });
  }
  objects.push({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: WEBHOOK_SERVICE_NAME, namespace, labels: objectLabels() },
    spec: {
      secretName,
      dnsNames: [`${WEBHOOK_SERVICE_NAME}.${namespace}.svc`, `${WEBHOOK_SERVICE_NAME}.${namespace}.svc.cluster.local`],
      issuerRef: { name: ref.name, kind: ref.kind, group: ref.group ?? 'cert-manager.io' },
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      duration: '2160h',
      renewBefore: '720h',
      usages: ['server auth', 'digital signature'],
    },
  });
  return objects;
}

function deployment(options: WebhookDeploymentOptions, namespace: string, paramNamespace: string, secretName: string, replicas: number): Manifest {
  const command = [...(options.command ?? ['airlock'])];
  const imagePullPolicy = options.imagePullPolicy ?? 'IfNotPresent';
  const server: IContainer = {
    name: 'webhook',
    image: options.image,
    imagePullPolicy,
    command,
    args: [
      'webhook', 'serve',
      '--port', String(WEBHOOK_CONTAINER_PORT),
      '--tls-cert', `${WEBHOOK_TLS_DIR}/tls.crt`,
      '--tls-key', `${WEBHOOK_TLS_DIR}/tls.key`,
      '--blocklist', WEBHOOK_BLOCKLIST_DIR,
      '--require-snapshot',
      '--shutdown-delay', String(SHUTDOWN_DELAY_S),
      '--json',
    ],
    ports: [{ name: 'https', containerPort: WEBHOOK_CONTAINER_PORT, protocol: 'TCP' }],
    // Liveness only asks "does the process answer HTTPS": a Pod waiting for its first snapshot must not be
    // restarted for it. Readiness adds "blocklists loaded", and goes false at once on SIGTERM.
    livenessProbe: { httpGet: { path: '/healthz', port: 'https', scheme: 'HTTPS' }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/readyz', port: 'https', scheme: 'HTTPS' }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 2 },
    resources: resources(options.resources, { requests: { cpu: '100m', memory: '96Mi' }, limits: { memory: '256Mi' } }),
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: [
      { name: 'tls', mountPath: WEBHOOK_TLS_DIR, readOnly: true },
      { name: 'blocklists', mountPath: WEBHOOK_BLOCKLIST_DIR, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
  const sync: IContainer = {
    name: 'blocklist-sync',
    image: options.image,
    imagePullPolicy,
    command,
    args: [
      'webhook', 'sync-blocklists',
      '--dir', WEBHOOK_BLOCKLIST_DIR,
      '--namespace', paramNamespace,
      '--selector', `${BLOCKLIST_LABEL}=${BLOCKLIST_LABEL_VALUE}`,
      '--json',
    ],
    resources: resources(options.syncResources, { requests: { cpu: '10m', memory: '48Mi' }, limits: { memory: '128Mi' } }),
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: [
      { name: 'blocklists', mountPath: WEBHOOK_BLOCKLIST_DIR },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ],
  };
  const spread = (topologyKey: string, whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway') => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable,
    labelSelector: { matchLabels: selectorLabels() },
  });
  const d: IDeployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: WEBHOOK_SERVICE_NAME, namespace, labels: objectLabels() },
    spec: {
      replicas,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selectorLabels() },
      // Never fewer ready replicas than asked during a rollout: with failurePolicy Fail, capacity is availability.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: objectLabels() },
        spec: {
          serviceAccountName: WEBHOOK_SERVICE_NAME,
          // The token is projected into the sync container only (volume kube-api-access below).
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          terminationGracePeriodSeconds: 30,
          ...(options.priorityClassName ? { priorityClassName: options.priorityClassName } : {}),
          // One replica per node (a single node still schedules both), zones as far as possible.
          topologySpreadConstraints: [spread('kubernetes.io/hostname', 'DoNotSchedule'), spread('topology.kubernetes.io/zone', 'ScheduleAnyway')],
          containers: [server, sync],
          volumes: [
            { name: 'tls', secret: { secretName, defaultMode: 0o440 } },
            { name: 'blocklists', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            {
              name: 'kube-api-access',
              projected: {
                defaultMode: 0o440,
                sources: [
                  { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
                  { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                  { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
                ],
              },
            },
          ],
        },
      },
    },
  };
  return manifest(d);
}

/**
 * Every object webhook mode needs, in apply order: [Namespace?, ServiceAccount, Role, RoleBinding, (Issuer,)
 * Certificate (cert-manager) , Deployment, PodDisruptionBudget, Service, ValidatingWebhookConfiguration].
 * Throws a RangeError for options Kubernetes or this design would refuse (an image that does not parse,
 * fewer than 2 replicas, a timeout outside 1–30 s).
 */
export function webhookDeploymentObjects(options: WebhookDeploymentOptions): Manifest[] {
  webhookImageWarning(options.image); // throws on an invalid image; the warning itself is the plan's business
  const namespace = options.namespace ?? DEFAULT_PARAM_NAMESPACE;
  const paramNamespace = options.paramNamespace ?? namespace;
  const replicas = options.replicas ?? 2;
  if (!Number.isInteger(replicas) || replicas < 2) {
    throw new RangeError(`webhook replicas must be an integer of at least 2, got ${replicas}: one replica fails closed on every restart and blocks node drains under its PodDisruptionBudget`);
  }
  const tls = options.tls ?? { certManager: {} };
  const secretName = 'provided' in tls ? (tls.provided.secretName ?? WEBHOOK_TLS_SECRET) : WEBHOOK_TLS_SECRET;
  const ca: WebhookCa = 'provided' in tls ? { caBundle: tls.provided.caBundle } : { certManagerCertificate: `${namespace}/${WEBHOOK_SERVICE_NAME}` };

  const objects: Manifest[] = [];
  if (options.createNamespace ?? true) objects.push(namespaceObject(namespace));
  const sa: IServiceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: WEBHOOK_SERVICE_NAME, namespace, labels: objectLabels() },
    automountServiceAccountToken: false,
  };
  const role: IRole = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: `${WEBHOOK_SERVICE_NAME}-blocklists`, namespace: paramNamespace, labels: objectLabels() },
    // list + watch is all the sync does; no get, no write, no Secrets.
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'watch'] }],
  };
  const binding: IRoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: `${WEBHOOK_SERVICE_NAME}-blocklists`, namespace: paramNamespace, labels: objectLabels() },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${WEBHOOK_SERVICE_NAME}-blocklists` },
    subjects: [{ kind: 'ServiceAccount', name: WEBHOOK_SERVICE_NAME, namespace }],
  };
  objects.push(manifest(sa), manifest(role), manifest(binding));
  if ('certManager' in tls) objects.push(...certManagerObjects(namespace, secretName, tls.certManager.issuerRef));
  objects.push(deployment(options, namespace, paramNamespace, secretName, replicas));
  const pdb: IPodDisruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: WEBHOOK_SERVICE_NAME, namespace, labels: objectLabels() },
    spec: {
      minAvailable: 1,
      selector: { matchLabels: selectorLabels() },
      // A crash-looping replica does not protect anything; let drains evict it.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
  const service: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: WEBHOOK_SERVICE_NAME, namespace, labels: objectLabels() },
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(),
      ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }],
    },
  };
  objects.push(
    manifest(pdb),
    manifest(service),
    validatingWebhookConfiguration({
      namespace,
      serviceName: WEBHOOK_SERVICE_NAME,
      servicePort: 443,
      ca,
      ...(options.failurePolicy ? { failurePolicy: options.failurePolicy } : {}),
      ...(options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}),
      ...(options.protectedNamespaces ? { protectedNamespaces: options.protectedNamespaces } : {}),
    }),
  );
  return objects;
}
