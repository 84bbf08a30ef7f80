/**
 * Flux objects that apply `dist/`: a GitRepository, one Kustomization per cluster, and a Receiver for instant
 * reconcile on push.
 *
 * `dist/` has no root `kustomization.yaml` (a shared file every incident would touch), so kustomize-controller
 * generates one for `spec.path` (fluxcd/pkg `kustomize.Generator`): it walks the folder, adds each sub-folder
 * holding a `kustomization.yaml` as one resource without descending into it, and adds every other `.yaml` /
 * `.yml` file, which must then decode as Kubernetes objects. Every `dist/` folder (`_platform/`, each incident)
 * has its own `kustomization.yaml`, so the generated root lists exactly those folders and kustomize builds each
 * with its own listing; `RUNBOOK.md` is never read. The Kustomization sets no `targetNamespace`, `namePrefix`,
 * `commonMetadata` or patches, so nothing Airlock wrote is rewritten.
 *
 * Evidence first: with `evidence` settings, the capture Jobs live in `_evidence/incidents/<id>/`, which the
 * generated root never reaches (`_evidence/` has a `kustomization.yaml` listing nothing). A second
 * Kustomization, `<name>-evidence`, applies `_evidence/incidents/` and waits for the Jobs to finish; the
 * containment's Kustomization `dependsOn` it. Both follow the same GitRepository, so Flux's dependency check
 * also requires the evidence Kustomization to have applied the very revision the containment is about to
 * apply: a new incident's capture always runs before its isolation. The price is Argo CD's too (a failed
 * `PreSync` hook fails the sync): a capture that cannot finish holds the containment back until it is fixed
 * or the dependency is removed by hand; the runbook gives both. With the default `failOnCaptureError: false`
 * a capture that runs always completes (failed steps are recorded), so only one that cannot start at all
 * (image, claim, quota) does that, after `deadlineSeconds`.
 */
import { createHash } from 'node:crypto';
import { CAPTURE_DIR } from '../synth/synthesize';
import { fluxRepoUrl, deliveryTargets } from './source';
import { BOOTSTRAP_LABELS, type DeliverySettings, type DeliverySource, type DeliveryTarget, type KubeObject } from './types';

/** Receiver types Airlock can notify (`airlock sync-notify`) and a forge can call. */
export type FluxReceiverType = 'github' | 'generic-hmac' | 'generic';

/** How Flux reaches the clusters when settings declare several. */
export type FluxTopology =
  /** One Flux (the management cluster) applies every cluster's folder through a kubeconfig Secret per cluster. */
  | 'hub'
  /** Flux runs on each cluster and applies its own folder; one bundle per cluster. */
  | 'per-cluster';

/** Options of the Flux builders. */
export interface FluxOptions {
  readonly source: DeliverySource;
  readonly settings: DeliverySettings;
  /** Namespace the Flux controllers run in. @default 'flux-system' */
  readonly namespace?: string;
  /** Name of the GitRepository and Receiver, and prefix of the Kustomizations. @default 'airlock' */
  readonly name?: string;
  /** Secret with git credentials for a private repository (`flux create secret git`). @default none: public repository */
  readonly gitSecret?: string;
  /** Receiver type. `github` verifies the forge's HMAC signature and filters `push` events. @default 'github' */
  readonly receiverType?: FluxReceiverType;
  /** Secret holding the Receiver's `token`. @default '<name>-webhook-token' */
  readonly receiverSecret?: string;
  /** For many clusters. @default 'hub' */
  readonly topology?: FluxTopology;
}

interface Resolved {
  readonly source: DeliverySource;
  readonly settings: DeliverySettings;
  readonly namespace: string;
  readonly name: string;
  readonly gitSecret?: string;
  readonly receiverType: FluxReceiverType;
  readonly receiverSecret: string;
  readonly topology: FluxTopology;
}

function resolve(options: FluxOptions): Resolved {
  const name = options.name ?? 'airlock';
  return {
    source: options.source,
    settings: options.settings,
    namespace: options.namespace ?? 'flux-system',
    name,
    ...(options.gitSecret ? { gitSecret: options.gitSecret } : {}),
    receiverType: options.receiverType ?? 'github',
    receiverSecret: options.receiverSecret ?? `${name}-webhook-token`,
    topology: options.topology ?? 'hub',
  };
}

/** Intervals: a minute of polling when no webhook arrives; drift correction every ten minutes. */
export const FLUX_INTERVALS = { source: '1m', kustomization: '10m', retry: '1m', timeout: '3m' } as const;

/**
 * The GitRepository. `ignore` keeps only the delivered folder in the artifact (the recommended form in the Flux
 * docs: exclude everything, re-include the folder), so incidents, policies and sources never reach the cluster.
 */
export function fluxGitRepository(options: FluxOptions): KubeObject {
  const o = resolve(options);
  const top = o.source.path.split('/')[0];
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: o.name, namespace: o.namespace, labels: { ...BOOTSTRAP_LABELS } },
    spec: {
      interval: FLUX_INTERVALS.source,
      url: fluxRepoUrl(o.source.repoUrl),
      ref: { branch: o.source.branch },
      ...(o.gitSecret ? { secretRef: { name: o.gitSecret } } : {}),
      ignore: `# Only ${o.source.path}/ is delivered\n/*\n!/${top}/\n`,
    },
  };
}

/** Name of the kubeconfig Secret the hub's Kustomization for `cluster` uses. */
export function fluxKubeconfigSecret(name: string, cluster: string): string {
  return `${name}-${cluster}-kubeconfig`;
}

/**
 * CEL health checks for the custom resources in `dist/` that report readiness but are not kstatus-compatible
 * (kstatus would call them ready as soon as they exist). With `wait: true` Flux checks every applied object;
 * objects without status (policies) count as ready, Deployments by their rollout, these by their Ready
 * condition. Only `current` is given: a Certificate is Ready=False while it is being issued, so "not ready
 * yet" must mean in progress until the timeout, not failed at once. Health only decides the Kustomization's
 * Ready status: everything is already applied, so an unhealthy admission component never holds containment back.
 */
function healthCheckExprs(settings: DeliverySettings): Record<string, string>[] {
  const each = settings.clusters.length === 0 ? [settings] : settings.clusters.map((c) => c.settings);
  const ready = { current: "status.conditions.exists(e, e.type == 'Ready' && e.status == 'True')" };
  const out: Record<string, string>[] = [];
  if (each.some((s) => s.admission.mode === 'webhook' && !s.admission.webhook?.caBundle)) {
    out.push({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', ...ready }, { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', ...ready });
  }
  if (each.some((s) => s.admission.mode === 'kyverno')) out.push({ apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', ...ready });
  return out;
}

/** The evidence settings of a target's cluster; without them nothing is captured and no order is needed. */
function evidenceOf(settings: DeliverySettings, target: DeliveryTarget): DeliverySettings['evidence'] {
  return target.cluster === undefined ? settings.evidence : settings.clusters.find((c) => c.name === target.cluster)?.settings.evidence;
}

/** The containment Kustomization's name for a target: `<name>`, or `<name>-<cluster>` on a hub. */
function kustomizationName(o: Resolved, target: DeliveryTarget): string {
  return target.cluster !== undefined && o.topology === 'hub' ? `${o.name}-${target.cluster}` : o.name;
}

/** Fields both Kustomizations of a target share: schedule, source, pruning, and the cluster they reach. */
function kustomizationSpec(o: Resolved, target: DeliveryTarget, path: string): Record<string, unknown> {
  const remote = target.cluster !== undefined && o.topology === 'hub';
  return {
    interval: FLUX_INTERVALS.kustomization,
    retryInterval: FLUX_INTERVALS.retry,
    timeout: FLUX_INTERVALS.timeout,
    sourceRef: { kind: 'GitRepository', name: o.name },
    path: `./${path}`,
    prune: true,
    wait: true,
    ...(remote ? { kubeConfig: { secretRef: { name: fluxKubeconfigSecret(o.name, target.cluster!) } } } : {}),
  };
}

/**
 * The Kustomization for one target: `prune` (lifting removes files, so their objects go), `wait` (health of
 * everything applied), interval, retry and timeout, and — with `evidence` settings — `dependsOn` the target's
 * evidence Kustomization. For a hub applying to many clusters, it reaches the cluster through
 * `<name>-<cluster>-kubeconfig`.
 */
export function fluxKustomization(options: FluxOptions, target: DeliveryTarget = deliveryTargets(options.settings, options.source)[0]): KubeObject {
  const o = resolve(options);
  const exprs = healthCheckExprs(o.settings);
  const name = kustomizationName(o, target);
  const { kubeConfig, ...spec } = kustomizationSpec(o, target, target.path);
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: o.namespace, labels: { ...BOOTSTRAP_LABELS } },
    spec: {
      ...(evidenceOf(o.settings, target) ? { dependsOn: [{ name: `${name}-evidence` }] } : {}),
      ...spec,
      ...(exprs.length > 0 ? { healthCheckExprs: exprs } : {}),
      ...(kubeConfig ? { kubeConfig } : {}),
    },
  };
}

/**
 * The evidence Kustomization of one target (none without `evidence` settings): applies the capture Jobs of
 * `_evidence/incidents/` and waits until every one has finished, for at most the capture deadline plus a
 * minute (a Job past `activeDeadlineSeconds` is failed, so the wait always ends). Pruned like the rest: a
 * lifted incident's capture objects go, while the evidence itself (files, snapshots) stays.
 */
export function fluxEvidenceKustomization(options: FluxOptions, target: DeliveryTarget = deliveryTargets(options.settings, options.source)[0]): KubeObject | undefined {
  const o = resolve(options);
  const evidence = evidenceOf(o.settings, target);
  if (!evidence) return undefined;
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: `${kustomizationName(o, target)}-evidence`, namespace: o.namespace, labels: { ...BOOTSTRAP_LABELS } },
    spec: { ...kustomizationSpec(o, target, `${target.path}/${CAPTURE_DIR}`), timeout: `${evidence.deadlineSeconds + 60}s` },
  };
}

/** A target's Kustomizations: its evidence one first (when there is one), then the containment's. */
function targetKustomizations(options: FluxOptions, target: DeliveryTarget): KubeObject[] {
  const evidence = fluxEvidenceKustomization(options, target);
  return [...(evidence ? [evidence] : []), fluxKustomization(options, target)];
}

/**
 * The Receiver: a push event for the repository makes Flux fetch the GitRepository at once, and the new
 * revision triggers the Kustomizations. Its `token` (in `receiverSecret`) salts the webhook path and, for the
 * `github` and `generic-hmac` types, verifies the payload's HMAC signature.
 */
export function fluxReceiver(options: FluxOptions): KubeObject {
  const o = resolve(options);
  return {
    apiVersion: 'notification.toolkit.fluxcd.io/v1',
    kind: 'Receiver',
    metadata: { name: o.name, namespace: o.namespace, labels: { ...BOOTSTRAP_LABELS } },
    spec: {
      type: o.receiverType,
      ...(o.receiverType === 'github' ? { events: ['ping', 'push'] } : {}),
      secretRef: { name: o.receiverSecret },
      resources: [{ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', name: o.name }],
    },
  };
}

/**
 * The path notification-controller serves a Receiver on: `/hook/` + hex sha256 of token + name + namespace
 * (documented for `.status.webhookPath`). Lets `sync-notify` and the bootstrap steps name the URL before the
 * Receiver reports it.
 */
export function fluxReceiverPath(token: string, name: string, namespace: string): string {
  return `/hook/${createHash('sha256').update(token + name + namespace).digest('hex')}`;
}

/** One bundle of Flux objects and the cluster whose Flux applies it (undefined: the only or the hub Flux). */
export interface FluxBundle {
  readonly cluster?: string;
  readonly objects: readonly KubeObject[];
}

/**
 * Every Flux object, grouped by the Flux that applies them: one bundle for a single cluster or a hub (with one
 * Kustomization per cluster), or one bundle per cluster when each runs its own Flux.
 */
export function fluxBundles(options: FluxOptions): FluxBundle[] {
  const o = resolve(options);
  const targets = deliveryTargets(o.settings, o.source);
  if (o.settings.clusters.length > 0 && o.topology === 'per-cluster') {
    return targets.map((t) => ({ cluster: t.cluster, objects: [fluxGitRepository(options), ...targetKustomizations(options, t), fluxReceiver(options)] }));
  }
  return [{ objects: [fluxGitRepository(options), ...targets.flatMap((t) => targetKustomizations(options, t)), fluxReceiver(options)] }];
}
