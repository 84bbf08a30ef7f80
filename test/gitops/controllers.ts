/**
 * What Argo CD and Flux would render from a repository checkout, emulated from their sources so the tests can
 * prove a bootstrap's source settings work over a real synthesized `dist/`:
 *
 * - Argo CD directory source (reposerver/repository/repository.go `findManifests`): walk the app path (sub
 *   folders only with `recurse`), take files whose name matches `^.*\.(yaml|yml|json|jsonnet)$`, drop those
 *   whose path relative to the app path matches `exclude` (util/glob over gobwas/glob, no separators: `*`
 *   crosses `/`), keep those matching `include`, and decode every YAML document as an object.
 * - Flux kustomize-controller (fluxcd/pkg kustomize `Generator.generateKustomization`): when the path has no
 *   kustomization file, walk it in lexical order; a sub folder holding `kustomization.yaml|.yml|Kustomization`
 *   becomes one resource and is not descended; every other `.yaml`/`.yml` file must decode as Kubernetes YAML
 *   and becomes a resource. Then `kubectl kustomize` builds the result, as Flux's kustomize SDK does.
 * - Argo CD sync order (gitops-engine): wave, then kind (namespaces first, other built-in kinds in the kubectl
 *   order, custom resources last), then name.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { tempDir } from '../support/temp-dir';

/** A decoded Kubernetes object. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] } } & Record<string, unknown>;

/** gobwas/glob compiled without separators, as a RegExp: `*` and `**` match anything, `{a,b}` alternatives, `[…]` classes. */
export function gobwasGlob(pattern: string): RegExp {
  let out = '';
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') out += escape(pattern[++i] ?? '');
    else if (c === '*') {
      while (pattern[i + 1] === '*') i++;
      out += '[\\s\\S]*';
    } else if (c === '?') out += '[\\s\\S]';
    else if (c === '{') {
      depth++;
      out += '(?:';
    } else if (c === '}' && depth > 0) {
      depth--;
      out += ')';
    } else if (c === ',' && depth > 0) out += '|';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      const body = pattern.slice(i + 1, end);
      out += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else out += escape(c);
  }
  return new RegExp(`^${out}$`);
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Every YAML document of a text, as objects (null documents skipped, as both controllers do). */
export function decodeYaml(text: string): unknown[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(d.errors[0].message);
      return d.toJSON() as unknown;
    })
    .filter((d) => d !== null && d !== undefined);
}

/** Why a decoded document is not a Kubernetes object Argo CD could apply, or undefined. */
export function notAnObject(doc: unknown): string | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'not a mapping';
  const o = doc as Partial<K8sObject>;
  if (typeof o.apiVersion !== 'string' || o.apiVersion === '') return 'no apiVersion';
  if (typeof o.kind !== 'string' || o.kind === '') return 'no kind';
  // kustomize's own config types are read by kustomize and never served by an API server.
  if (/^kustomize\.config\.k8s\.io\//.test(o.apiVersion)) return `${o.kind} (${o.apiVersion}) is kustomize configuration, not an API object`;
  if (typeof o.metadata?.name !== 'string' || o.metadata.name === '') return 'no metadata.name';
  return undefined;
}

/** The `spec.source` fields of a directory Application that decide what it renders. */
export interface ArgoDirectorySource {
  readonly path: string;
  readonly directory?: { readonly recurse?: boolean; readonly include?: string; readonly exclude?: string };
}

/** What an Argo CD directory application renders from `repoRoot`: the files it reads and their objects. */
export function argoDirectoryRender(repoRoot: string, source: ArgoDirectorySource): { files: string[]; objects: K8sObject[]; problems: string[] } {
  const appPath = path.join(repoRoot, source.path);
  const recurse = source.directory?.recurse ?? false;
  const exclude = source.directory?.exclude ? gobwasGlob(source.directory.exclude) : undefined;
  const include = source.directory?.include ? gobwasGlob(source.directory.include) : undefined;
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (recurse) walk(full);
        continue;
      }
      if (!/^.*\.(yaml|yml|json|jsonnet)$/.test(entry.name)) continue;
      const rel = path.relative(appPath, full).split(path.sep).join('/');
      if (exclude?.test(rel)) continue;
      if (include && !include.test(rel)) continue;
      files.push(rel);
    }
  };
  walk(appPath);
  const objects: K8sObject[] = [];
  const problems: string[] = [];
  for (const rel of files) {
    const text = fs.readFileSync(path.join(appPath, rel), 'utf8');
    const docs = rel.endsWith('.json') ? [JSON.parse(text) as unknown] : decodeYaml(text);
    for (const doc of docs) {
      const why = notAnObject(doc);
      if (why) problems.push(`${rel}: ${why}`);
      else objects.push(doc as K8sObject);
    }
  }
  return { files, objects, problems };
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/**
 * The `kustomization.yaml` Flux generates for a folder without one (resources relative to the folder), or
 * undefined when it has one. Throws, like the controller, for a YAML file that is not Kubernetes YAML.
 */
export function fluxGeneratedKustomization(dir: string): { resources: string[] } | undefined {
  if (KUSTOMIZATION_FILES.some((f) => fs.existsSync(path.join(dir, f)) && fs.statSync(path.join(dir, f)).isFile())) return undefined;
  const resources: string[] = [];
  const walk = (current: string): void => {
    // Go's filepath.Walk: lexical order by name.
    for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(current, entry.name);
      const rel = `./${path.relative(dir, full).split(path.sep).join('/')}`;
      if (entry.isDirectory()) {
        if (KUSTOMIZATION_FILES.some((f) => fs.existsSync(path.join(full, f)) && fs.statSync(path.join(full, f)).isFile())) resources.push(rel);
        else walk(full);
        continue;
      }
      const ext = path.extname(entry.name);
      if (ext !== '.yaml' && ext !== '.yml') continue;
      for (const doc of decodeYaml(fs.readFileSync(full, 'utf8'))) {
        const o = doc as Partial<K8sObject>;
        if (typeof o?.kind !== 'string' || typeof o.apiVersion !== 'string') throw new Error(`failed to decode Kubernetes YAML from ${full}: missing kind or apiVersion`);
      }
      resources.push(rel);
    }
  };
  walk(dir);
  return { resources };
}

/** `kubectl kustomize DIR` as objects. */
export function kustomizeBuild(dir: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return decodeYaml(out) as K8sObject[];
}

/**
 * What a Flux Kustomization with `spec.path` builds from the source artifact `repoRoot`: the path is copied
 * (the controller builds in a temporary copy of the artifact), a root kustomization generated when missing,
 * then kustomize runs. Returns the generated file too, to show what Flux wrote.
 */
export function fluxBuild(repoRoot: string, specPath: string): { generated?: { resources: string[] }; objects: K8sObject[] } {
  const tmp = tempDir('airlock-flux-build-');
  try {
    const dir = path.join(tmp, 'artifact');
    fs.cpSync(path.join(repoRoot, specPath), dir, { recursive: true });
    const generated = fluxGeneratedKustomization(dir);
    if (generated) fs.writeFileSync(path.join(dir, 'kustomization.yaml'), stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: generated.resources }));
    return { ...(generated ? { generated } : {}), objects: kustomizeBuild(dir) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Identity of an object as the controllers track it (inventory / live state). */
export function objectKey(o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** gitops-engine's kind order for one wave; custom and unknown kinds come after every listed kind. */
const ARGO_KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount', 'Secret', 'SecretList',
  'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleList',
  'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding', 'RoleBindingList', 'Service', 'DaemonSet', 'Pod',
  'ReplicationController', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService',
];

/** The wave Argo CD reads from an object (`argocd.argoproj.io/sync-wave`, default 0). */
export function argoWave(o: K8sObject): number {
  const value = o.metadata.annotations?.['argocd.argoproj.io/sync-wave'];
  return value === undefined ? 0 : Number(value);
}

/** Objects in the order an Argo CD sync applies them, with their waves. */
export function argoSyncOrder(objects: readonly K8sObject[]): { wave: number; object: K8sObject }[] {
  const kindRank = (o: K8sObject): number => {
    const i = ARGO_KIND_ORDER.indexOf(o.kind);
    return i === -1 ? ARGO_KIND_ORDER.length : i;
  };
  return [...objects]
    .map((object) => ({ wave: argoWave(object), object }))
    .sort((a, b) => a.wave - b.wave || kindRank(a.object) - kindRank(b.object) || (a.object.metadata.name < b.object.metadata.name ? -1 : a.object.metadata.name > b.object.metadata.name ? 1 : 0));
}

/** The Applications an ApplicationSet list generator produces (goTemplate `{{.key}}` substitution). */
export function expandListApplicationSet(appSet: { metadata: { namespace?: string }; spec: Record<string, unknown> }): K8sObject[] {
  const spec = appSet.spec as { generators: { list: { elements: Record<string, string>[] } }[]; template: { metadata: Record<string, unknown>; spec: Record<string, unknown> } };
  return spec.generators.flatMap((g) =>
    g.list.elements.map((element) => {
      const text = JSON.stringify(spec.template).replace(/\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}/g, (_m, key: string) => {
        if (!(key in element)) throw new Error(`missingkey=error: ${key}`);
        return element[key];
      });
      const template = JSON.parse(text) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
      return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { ...template.metadata, namespace: appSet.metadata.namespace }, spec: template.spec } as unknown as K8sObject;
    }),
  );
}
