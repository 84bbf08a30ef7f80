/**
 * The shapes the GitOps builders share. Builders return plain objects (no cdk8s, no classes) so the output is
 * easy to compare, validate against the controllers' CRDs and render deterministically.
 */
import type { Settings } from '../settings/settings';

/** A Kubernetes object as data, in the key order it should be rendered. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly finalizers?: readonly string[];
  };
  readonly [field: string]: unknown;
}

/**
 * The parts of the resolved settings delivery depends on: which objects each cluster receives (backend,
 * admission mode) and which clusters exist. A `Pick` of the real settings, so a test can pass a literal.
 */
export type DeliverySettings = Pick<Settings, 'backend' | 'admission' | 'adminNetworkPolicy' | 'evidence'> & {
  readonly clusters: readonly { readonly name: string; readonly settings: Pick<Settings, 'backend' | 'admission' | 'adminNetworkPolicy' | 'evidence'> }[];
};

/** Where the controllers read `dist/` from, as validated by {@link normalizeSource}. */
export interface DeliverySource {
  /** The repository URL exactly as the controllers will clone it (Argo CD form; Flux gets `ssh://` for scp-like). */
  readonly repoUrl: string;
  /** Branch the controllers follow (the branch `propose --direct` pushes to). */
  readonly branch: string;
  /** `dist/` relative to the repository root, without `./` or a trailing slash, e.g. `dist` or `deploy/dist`. */
  readonly path: string;
}

/** One folder a controller applies: `dist/` for a single cluster, `dist/<cluster>/` for each of many. */
export interface DeliveryTarget {
  /** The cluster's name from settings; undefined for the single, unnamed cluster. */
  readonly cluster?: string;
  /** Repository-relative folder, e.g. `dist` or `dist/prod-eu`. */
  readonly path: string;
}

/** One file of a bootstrap bundle. */
export interface BootstrapFile {
  /** Path relative to the output folder, e.g. `application-airlock.yaml` or `prod-eu/receiver-airlock.yaml`. */
  readonly path: string;
  /** The cluster whose controller applies it; undefined when it goes to the one (hub) controller. */
  readonly cluster?: string;
  readonly objects: readonly KubeObject[];
}

/** Everything `airlock bootstrap` produces: the manifests and the steps a platform engineer runs. */
export interface BootstrapBundle {
  readonly controller: 'argocd' | 'flux';
  readonly files: readonly BootstrapFile[];
  /**
   * Applied once to each workload cluster, not to the controller: the evidence namespace and claims
   * (evidence-storage.ts), under `_prerequisites/` (per cluster: `_prerequisites/<cluster>/`). Empty without
   * `evidence` settings. Never part of the stdout stream, which goes to the controller's namespace.
   */
  readonly prerequisites: readonly BootstrapFile[];
  /** Numbered, copy-pasteable steps (shell commands and forge settings), in order. */
  readonly steps: readonly string[];
}

/** Labels on every bootstrap object, so `kubectl get -l` finds what Airlock installed into the controller. */
export const BOOTSTRAP_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/managed-by': 'airlock', 'app.kubernetes.io/part-of': 'airlock' };
