/**
 * `airlock bootstrap`: the controller objects for the settings, split into files, with the numbered steps that
 * take a platform engineer from an empty controller to "Argo CD (or Flux) applies dist/, prunes lifted
 * incidents and reconciles on push". Deterministic: the same settings and options give the same bytes.
 */
import { stringify } from 'yaml';
import { argoCdObjects, type ArgoCdOptions } from './argocd';
import { fluxBundles, fluxKubeconfigSecret, type FluxBundle, type FluxOptions } from './flux';
import { evidenceStorageObjects } from './evidence-storage';
import type { BootstrapBundle, BootstrapFile, DeliverySettings, KubeObject } from './types';

/** File name of an object inside a bundle: `<kind>-<name>.yaml`, lower case (never `kustomization.yaml`). */
export function bootstrapFileName(object: KubeObject): string {
  return `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}

function filesOf(objects: readonly KubeObject[], cluster?: string): BootstrapFile[] {
  return objects.map((object) => ({ path: cluster ? `${cluster}/${bootstrapFileName(object)}` : bootstrapFileName(object), ...(cluster ? { cluster } : {}), objects: [object] }));
}

/** Folder of the per-cluster prerequisites inside `--out`; the underscore keeps it apart from cluster names. */
export const PREREQUISITES_DIR = '_prerequisites';

/** The evidence storage of every cluster, one file per object. */
function prerequisiteFiles(settings: DeliverySettings): BootstrapFile[] {
  const clusters = settings.clusters.length === 0 ? [{ name: undefined, settings }] : settings.clusters;
  return clusters.flatMap((c) => filesOf(evidenceStorageObjects(c.settings), c.name).map((f) => ({ ...f, path: `${PREREQUISITES_DIR}/${f.path}` })));
}

/** The first step when there are prerequisites: evidence storage exists before the first incident's capture. */
function prerequisiteSteps(settings: DeliverySettings, prerequisites: readonly BootstrapFile[]): string[] {
  if (prerequisites.length === 0) return [];
  const clusters = [...new Set(prerequisites.map((f) => f.cluster))];
  const commands = clusters.map((c) => (c === undefined ? `kubectl apply --server-side -f <out>/${PREREQUISITES_DIR}/` : `kubectl --context <context-of-${c}> apply --server-side -f <out>/${PREREQUISITES_DIR}/${c}/`));
  const many = settings.clusters.length > 0;
  return [
    `Before the first incident, create the evidence namespace and storage on ${many ? 'each cluster' : 'the cluster'} (written with --out; the capture of an incident runs before anything else of its sync, so they cannot come with it; they are never pruned): ${commands.join('; ')}`,
  ];
}

/** The Argo CD bundle: AppProject and Application (or ApplicationSet), applied to Argo CD's namespace. */
export function argoCdBootstrap(options: ArgoCdOptions): BootstrapBundle {
  const namespace = options.namespace ?? 'argocd';
  const name = options.name ?? 'airlock';
  const many = options.settings.clusters.length > 0;
  const prerequisites = prerequisiteFiles(options.settings);
  const steps = [
    ...prerequisiteSteps(options.settings, prerequisites),
    `Apply the project and the ${many ? 'ApplicationSet' : 'Application'} to Argo CD (namespace ${namespace}): kubectl apply -n ${namespace} -f <out>/   (or: airlock bootstrap --argocd … | kubectl apply -n ${namespace} -f -)`,
    ...(many
      ? [`Register every cluster under its name in settings, so the ApplicationSet's destinations resolve: ${options.settings.clusters.map((c) => `argocd cluster add <context-of-${c.name}> --name ${c.name}`).join('; ')}`]
      : []),
    `If the repository is private, give Argo CD read access: argocd repo add ${options.source.repoUrl} (with --ssh-private-key-path, or --username/--password for a read-only token)`,
    `Instant reconcile: on the forge, add a repository webhook to https://<argocd-server>/api/webhook, content type application/json, push events, with a random secret; give Argo CD the same secret: kubectl -n ${namespace} patch secret argocd-secret --type merge -p '{"stringData":{"webhook.github.secret":"<secret>"}}' (GitLab: webhook.gitlab.secret, Bitbucket Server: webhook.bitbucketserver.secret)`,
    `Let Airlock notify Argo CD after a break-glass push: export AIRLOCK_ARGOCD_WEBHOOK_SECRET=<secret>; airlock sync-notify --argocd https://<argocd-server>/api/webhook --secret-env AIRLOCK_ARGOCD_WEBHOOK_SECRET (or set gitops.argocd in policies/settings.ts for propose --direct)`,
    `Check: kubectl -n ${namespace} get applications -l app.kubernetes.io/part-of=airlock   (${many ? options.settings.clusters.map((c) => `${name}-${c.name}`).join(', ') : name} should be Synced and Healthy)`,
  ];
  return { controller: 'argocd', files: filesOf(argoCdObjects(options)), prerequisites, steps };
}

/** The paths of every Kustomization of the bundles, evidence ones first for each cluster, as `flux get` lists them. */
function kustomizationPaths(bundles: readonly FluxBundle[]): string[] {
  return bundles.flatMap((b) => b.objects.filter((o) => o.kind === 'Kustomization').map((o) => String((o.spec as { path: string }).path)));
}

/** The Flux bundle(s): GitRepository, Kustomization(s) and Receiver, per the topology for many clusters. */
export function fluxBootstrap(options: FluxOptions): BootstrapBundle {
  const namespace = options.namespace ?? 'flux-system';
  const name = options.name ?? 'airlock';
  const secret = options.receiverSecret ?? `${name}-webhook-token`;
  const topology = options.topology ?? 'hub';
  const bundles = fluxBundles(options);
  const clusters = options.settings.clusters;
  const perCluster = clusters.length > 0 && topology === 'per-cluster';
  const contexts = perCluster ? clusters.map((c) => `--context <context-of-${c.name}> `) : [''];
  const each = (command: (context: string, cluster?: string) => string): string => (perCluster ? clusters.map((c, i) => command(contexts[i], c.name)).join('; ') : command(''));
  const prerequisites = prerequisiteFiles(options.settings);
  const steps = [
    ...prerequisiteSteps(options.settings, prerequisites),
    `Create the Receiver's token: ${each((ctx) => `kubectl ${ctx}-n ${namespace} create secret generic ${secret} --from-literal=token=<random token, e.g. $(openssl rand -hex 32)>`)}`,
    ...(options.gitSecret ? [`Create the git credentials: flux create secret git ${options.gitSecret} --namespace ${namespace} --url ${options.source.repoUrl} (a read-only deploy key or token)`] : []),
    ...(clusters.length > 0 && topology === 'hub'
      ? [`Give the hub a kubeconfig per cluster: ${clusters.map((c) => `kubectl -n ${namespace} create secret generic ${fluxKubeconfigSecret(name, c.name)} --from-file=value=<kubeconfig of ${c.name}>`).join('; ')}`]
      : []),
    perCluster
      ? `Apply each cluster's bundle to its own Flux: ${clusters.map((c, i) => `kubectl ${contexts[i]}apply -f <out>/${c.name}/`).join('; ')}`
      : `Apply the bundle: kubectl apply -f <out>/   (or: airlock bootstrap --flux … | kubectl apply -f -)`,
    `Instant reconcile: expose the notification-controller's webhook-receiver Service (Ingress), read the path with kubectl ${perCluster ? '--context <ctx> ' : ''}-n ${namespace} get receiver ${name} -o jsonpath='{.status.webhookPath}', and add a repository webhook on the forge to https://<receiver-host><path>, content type application/json, push events, secret = the token`,
    `Let Airlock notify Flux after a break-glass push: export AIRLOCK_FLUX_TOKEN=<token>; airlock sync-notify --flux-receiver https://<receiver-host><path> --secret-env AIRLOCK_FLUX_TOKEN (or set gitops.flux in policies/settings.ts for propose --direct)`,
    `Check: ${each((ctx) => `flux ${ctx}get kustomizations -n ${namespace}`)}   (${kustomizationPaths(bundles).join(', ')} should be Ready; an evidence Kustomization that stays not Ready holds its cluster's containment: see the incident's RUNBOOK.md)`,
  ];
  const files = bundles.flatMap((b) => filesOf(b.objects, b.cluster));
  return { controller: 'flux', files, prerequisites, steps };
}

/** One YAML document, keys in the order the builders chose. */
export function objectYaml(object: KubeObject): string {
  return stringify(object, { lineWidth: 0, aliasDuplicateObjects: false });
}

function header(controller: BootstrapBundle['controller'], cluster: string | undefined): string {
  const who = controller === 'argocd' ? 'Argo CD' : 'Flux';
  return `# Generated by airlock bootstrap for ${who}${cluster ? ` on cluster ${cluster}` : ''}. Regenerate rather than edit.\n`;
}

/** A file's content: a header naming what applies it, then its objects as YAML documents. */
export function renderBootstrapFile(file: BootstrapFile, controller: BootstrapBundle['controller']): string {
  return header(controller, file.cluster) + file.objects.map((o) => `---\n${objectYaml(o)}`).join('');
}

/**
 * The whole bundle as one multi-document stream for `kubectl apply -f -`. Only for bundles applied by one
 * controller: per-cluster bundles go to different clusters and are written as files.
 */
export function renderBootstrapStream(bundle: BootstrapBundle): string {
  return header(bundle.controller, undefined) + bundle.files.flatMap((f) => f.objects).map((o) => `---\n${objectYaml(o)}`).join('');
}
