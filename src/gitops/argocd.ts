/**
 * Argo CD objects that apply `dist/`: an AppProject allowing exactly Airlock's kinds, and one Application per
 * cluster (an ApplicationSet with a list generator when settings declare clusters).
 *
 * Source type: a *directory* application over the cluster's folder with `recurse: true` and
 * `exclude: {kustomization.yaml,**\/kustomization.yaml}`. A directory application parses every `.yaml`, `.yml`
 * and `.json` file under its path, so the per-folder `kustomization.yaml` files (kustomize config, not
 * Kubernetes objects) must be excluded; `RUNBOOK.md` is never read. Argo CD matches `exclude` with gobwas/glob
 * without path separators, so `**\/kustomization.yaml` excludes that file name in every folder and nothing
 * else. Weighed against an ApplicationSet with a git directory generator (one kustomize Application per
 * incident folder): a directory application syncs platform and incidents in one operation, so sync waves can
 * order them; lifting removes files and the objects are pruned in the next sync instead of waiting for the
 * ApplicationSet controller to delete a generated Application; no file is shared, since Argo CD reads the
 * folders directly; and it is one Application per cluster rather than one per incident and cluster.
 */
import { injectsCaBundle, airlockKinds, type ResourceKind } from './kinds';
import { deliveryTargets } from './source';
import { BOOTSTRAP_LABELS, type DeliverySettings, type DeliverySource, type DeliveryTarget, type KubeObject } from './types';

/** Finalizer that makes deleting the Application delete (prune) everything it applied, in the foreground. */
export const ARGOCD_RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** Files a directory application must not parse: kustomize config in every folder (and at the root, should one appear). */
export const ARGOCD_DIRECTORY_EXCLUDE = '{kustomization.yaml,**/kustomization.yaml}';

/**
 * Sync options. None rewrites what Airlock wrote: a directory source has no kustomize `commonLabels` or
 * `namespace`, the destination names no namespace (every namespaced object carries its own, and one without
 * would fail rather than land in a default), and namespaces are never created implicitly.
 * - `ServerSideApply=true`: no last-applied annotation, and fields owned by others (cert-manager's caBundle) stay theirs;
 * - `PruneLast=true`: on a change, new containment is applied before anything is pruned;
 * - `FailOnSharedResource=true`: refuse to take over an object another Application manages;
 * - `CreateNamespace=false`: `airlock-system` comes from `_platform/`, incident namespaces already exist.
 */
export const ARGOCD_SYNC_OPTIONS: readonly string[] = ['CreateNamespace=false', 'ServerSideApply=true', 'PruneLast=true', 'FailOnSharedResource=true'];

/** Options of the Argo CD builders. */
export interface ArgoCdOptions {
  readonly source: DeliverySource;
  readonly settings: DeliverySettings;
  /** Namespace Argo CD runs in (and reads Applications from). @default 'argocd' */
  readonly namespace?: string;
  /** Name of the AppProject, the Application (`<name>-<cluster>` per cluster) and the ApplicationSet. @default 'airlock' */
  readonly name?: string;
  /** Destination of the single-cluster Application. @default 'https://kubernetes.default.svc' (the cluster Argo CD runs in) */
  readonly server?: string;
}

interface Resolved {
  readonly source: DeliverySource;
  readonly settings: DeliverySettings;
  readonly namespace: string;
  readonly name: string;
  readonly server: string;
}

function resolve(options: ArgoCdOptions): Resolved {
  return { source: options.source, settings: options.settings, namespace: options.namespace ?? 'argocd', name: options.name ?? 'airlock', server: options.server ?? 'https://kubernetes.default.svc' };
}

function groupKinds(kinds: readonly ResourceKind[], scope: ResourceKind['scope']): { group: string; kind: string }[] {
  return kinds.filter((k) => k.scope === scope).map(({ group, kind }) => ({ group, kind }));
}

/**
 * The AppProject: Applications of this project may read only the Airlock repository, write only to the
 * declared clusters (any namespace: incidents contain pods wherever they run) and create only the kinds
 * Airlock writes, cluster-scoped and namespaced listed separately.
 */
export function argoAppProject(options: ArgoCdOptions): KubeObject {
  const o = resolve(options);
  const kinds = airlockKinds(o.settings);
  const destinations = o.settings.clusters.length === 0 ? [{ server: o.server, namespace: '*' }] : o.settings.clusters.map((c) => ({ name: c.name, namespace: '*' }));
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: o.name, namespace: o.namespace, labels: { ...BOOTSTRAP_LABELS } },
    spec: {
      description: 'Airlock incident containment: dist/ of the Airlock repository, only the kinds Airlock writes',
      sourceRepos: [o.source.repoUrl],
      destinations,
      clusterResourceWhitelist: groupKinds(kinds, 'Cluster'),
      namespaceResourceWhitelist: groupKinds(kinds, 'Namespaced'),
    },
  };
}

/** The Application spec for one target; `destination` differs between the single-cluster and per-cluster forms. */
function applicationSpec(o: Resolved, path: string, destination: Record<string, string>): Record<string, unknown> {
  return {
    project: o.name,
    source: {
      repoURL: o.source.repoUrl,
      targetRevision: o.source.branch,
      path,
      directory: { recurse: true, exclude: ARGOCD_DIRECTORY_EXCLUDE },
    },
    destination,
    syncPolicy: {
      // prune: lifting removes files, so their objects must go; selfHeal: a kubectl edit cannot weaken containment.
      automated: { prune: true, selfHeal: true },
      syncOptions: [...ARGOCD_SYNC_OPTIONS, ...(injectsCaBundle(o.settings) ? ['RespectIgnoreDifferences=true'] : [])],
      retry: { limit: 10, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
    },
    ...(injectsCaBundle(o.settings)
      ? {
          // cert-manager's cainjector writes the webhook's caBundle; it is not in dist/ and must not be reverted.
          ignoreDifferences: [{ group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] }],
        }
      : {}),
    revisionHistoryLimit: 10,
  };
}

/**
 * Metadata shared by the single Application and the ApplicationSet template: the finalizer (deleting the
 * Application prunes what it applied), and `manifest-generate-paths: .` so a push event refreshes the
 * Application only when it changed files under its own folder.
 */
function applicationMetadata(name: string, namespace?: string): KubeObject['metadata'] {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { ...BOOTSTRAP_LABELS },
    annotations: { 'argocd.argoproj.io/manifest-generate-paths': '.' },
    finalizers: [ARGOCD_RESOURCES_FINALIZER],
  };
}

/** The Application for a single cluster: the whole `dist/`, into the cluster Argo CD runs in (or `server`). */
export function argoApplication(options: ArgoCdOptions, target: DeliveryTarget = deliveryTargets(options.settings, options.source)[0]): KubeObject {
  const o = resolve(options);
  const destination: Record<string, string> = target.cluster ? { name: target.cluster } : { server: o.server };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: applicationMetadata(target.cluster ? `${o.name}-${target.cluster}` : o.name, o.namespace),
    spec: applicationSpec(o, target.path, destination),
  };
}

/** Placeholder the ApplicationSet template uses for the cluster name (Go template, `goTemplate: true`). */
export const APPLICATIONSET_CLUSTER_PARAM = '{{.cluster}}';

/**
 * The ApplicationSet for many clusters: a list generator with one element per declared cluster, each
 * generating `<name>-<cluster>` over `dist/<cluster>/` into the Argo CD cluster registered under that name.
 * Removing a cluster from settings deletes its Application, and the finalizer prunes what it applied.
 */
export function argoApplicationSet(options: ArgoCdOptions): KubeObject {
  const o = resolve(options);
  const template = {
    metadata: applicationMetadata(`${o.name}-${APPLICATIONSET_CLUSTER_PARAM}`),
    spec: applicationSpec(o, `${o.source.path}/${APPLICATIONSET_CLUSTER_PARAM}`, { name: APPLICATIONSET_CLUSTER_PARAM }),
  };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: o.name, namespace: o.namespace, labels: { ...BOOTSTRAP_LABELS } },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [{ list: { elements: o.settings.clusters.map((c) => ({ cluster: c.name })) } }],
      template,
      syncPolicy: { preserveResourcesOnDeletion: false },
    },
  };
}

/** Every Argo CD object for the settings: the AppProject, then the Application or the ApplicationSet. */
export function argoCdObjects(options: ArgoCdOptions): KubeObject[] {
  return [argoAppProject(options), options.settings.clusters.length === 0 ? argoApplication(options) : argoApplicationSet(options)];
}
