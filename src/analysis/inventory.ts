/**
 * Inventory loading: manifests from files and directories (what `kubectl get ... -A -o yaml` writes, what a
 * GitOps repository holds) into the analysis model, plus the two derivations `airlock plan` needs: the
 * cluster with Airlock's manifests added, and a pod as it will be once the quarantine label is applied.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as jsYaml from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { ValidationError, type Problem } from '../errors';
import type { AdminPolicyInfo, Inventory, NamespaceInfo, NetworkPolicyInfo, Note, PodInfo, PodRef } from './model';
import { parseAdminPolicy, parseNetworkPolicy, type RawObject } from './policies';
import type { Labels } from './selectors';
import { implicitNamespace, parseNamespace, parsePod, parseWorkload, WORKLOAD_KINDS, type WorkloadKind } from './workloads';

/** A raw manifest object and the file it came from (or a label such as `airlock plan` for generated ones). */
export interface SourcedObject {
  readonly object: RawObject;
  readonly source: string;
}

/** What reading manifests produced: the Kubernetes objects, and notes on everything skipped. */
export interface ManifestRead {
  readonly objects: readonly SourcedObject[];
  readonly notes: readonly Note[];
}

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every manifest file under the given paths, recursively, in a stable order. */
function manifestFiles(paths: readonly string[]): string[] {
  const problems: Problem[] = [];
  const files: string[] = [];
  const walk = (p: string): void => {
    const entries = fs.readdirSync(p, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(p, e.name);
      if (e.isDirectory()) walk(full);
      else if (MANIFEST_EXTENSIONS.includes(path.extname(e.name).toLowerCase())) files.push(full);
    }
  };
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      problems.push({ file: p, field: '', message: `cannot be read (${code})`, hint: 'a manifest file (.yaml, .yml, .json) or a directory of them' });
      continue;
    }
    if (stat.isDirectory()) walk(p);
    else files.push(p);
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return files;
}

/**
 * Expands `List` and `*List` wrappers (what `kubectl get -o yaml` prints). Items of a typed list may omit their
 * kind; it is then the list's kind without `List`.
 */
function expandLists(value: unknown, source: string, out: SourcedObject[], notes: Note[]): void {
  if (!isObject(value)) {
    if (value !== null && value !== undefined) notes.push({ file: source, message: `skipped a document that is not a Kubernetes object (${Array.isArray(value) ? 'a list' : typeof value})` });
    return;
  }
  const kind = value.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value.items)) {
    const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
    for (const item of value.items) {
      if (isObject(item) && item.kind === undefined && itemKind) expandLists({ ...item, kind: itemKind }, source, out, notes);
      else expandLists(item, source, out, notes);
    }
    return;
  }
  if (typeof kind !== 'string' || (typeof value.apiVersion !== 'string' && !isObject(value.metadata))) {
    notes.push({ file: source, message: 'skipped a document that is not a Kubernetes object (no kind/apiVersion)' });
    return;
  }
  out.push({ object: value, source });
}

type YamlDocument = Extract<ReturnType<typeof parseAllDocuments>, readonly unknown[]>[number];

/**
 * Every document of well-formed YAML as plain values, read by js-yaml (about ten times faster than the yaml
 * package, and it builds no document tree: a 7 MB `kubectl get -o yaml` dump parses in under a second). The
 * schema is YAML 1.2 core, as the yaml package reads it (no timestamps, no merge keys), and a repeated key
 * keeps its last value. Undefined for anything else (a syntax error, a tag the core schema lacks, aliases that
 * expand past the text's size): the caller then reads the text with the yaml package, which locates errors per
 * document, retries kubectl's tab leniency and bounds alias expansion.
 */
function loadYamlFast(text: string): unknown[] | undefined {
  const docs: unknown[] = [];
  try {
    jsYaml.loadAll(text, (doc) => docs.push(doc), { schema: jsYaml.CORE_SCHEMA, json: true });
  } catch {
    return undefined;
  }
  // Aliases share objects: a few are harmless, but nested ones can stand for more nodes than any text could
  // spell out (a "billion laughs"). Without an anchor (`&`) in the text there can be none.
  if (text.includes('&') && !withinNodes(docs, text.length)) return undefined;
  return docs;
}

/** True when walking the values visits at most `budget` arrays, objects and scalars (aliases counted each time). */
function withinNodes(values: readonly unknown[], budget: number): boolean {
  const stack: unknown[] = [...values];
  let visited = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (++visited > budget) return false;
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) stack.push(x);
  }
  return true;
}

function parseYaml(text: string): YamlDocument[] {
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  return Array.isArray(docs) ? docs : [];
}

/**
 * Parses manifest text: multi-document YAML, or JSON. A document with a syntax error is skipped with a note
 * naming the file and line; the other documents of the file are kept.
 */
export function parseManifestText(text: string, source: string): ManifestRead {
  const objects: SourcedObject[] = [];
  const notes: Note[] = [];
  if (source.toLowerCase().endsWith('.json')) {
    try {
      expandLists(JSON.parse(text), source, objects, notes);
      return { objects, notes };
    } catch {
      // Not strict JSON: YAML is a superset, and its parser reports the position of the error.
    }
  }
  const fast = loadYamlFast(text);
  if (fast) {
    for (const value of fast) expandLists(value, source, objects, notes);
    return { objects, notes };
  }
  let docs = parseYaml(text);
  if (docs.some((d) => d.errors.length > 0)) {
    // Go's YAML parser (kubectl's) accepts tabs in the leading whitespace of lines inside flow collections; the
    // YAML 1.2 grammar does not. Retry with those tabs as spaces, and keep the retry if it is cleaner.
    const lenient = parseYaml(text.replace(/^[ \t]+/gm, (ws) => ws.replace(/\t/g, ' ')));
    const errors = (ds: YamlDocument[]): number => ds.filter((d) => d.errors.length > 0).length;
    if (errors(lenient) < errors(docs)) {
      notes.push({ file: source, message: 'read leniently: tabs in indentation were taken as spaces, as kubectl does' });
      docs = lenient;
    }
  }
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const err = doc.errors[0];
      const line = err.linePos?.[0]?.line;
      notes.push({ file: source, message: `skipped a document with a YAML syntax error${line ? ` at line ${line}` : ''}: ${err.message.split('\n')[0]}` });
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      // Aliases that expand too far (a "billion laughs"), or an alias to a missing anchor: skipped, never a crash.
      const line = doc.range ? lineOf(text, doc.range[0]) : undefined;
      notes.push({ file: source, message: `skipped a document that cannot be read${line ? ` (from line ${line})` : ''}: ${(err as Error).message}` });
      continue;
    }
    expandLists(value, source, objects, notes);
  }
  return { objects, notes };
}

/** The 1-based line of a character offset. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let k = text.indexOf('\n'); k >= 0 && k < offset; k = text.indexOf('\n', k + 1)) line++;
  return line;
}

/** Reads every manifest under the given files and directories. Throws ValidationError for a path that cannot be read. */
export function readManifests(paths: readonly string[]): ManifestRead {
  const objects: SourcedObject[] = [];
  const notes: Note[] = [];
  for (const file of manifestFiles(paths)) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ValidationError([{ file, field: '', message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, hint: 'a readable manifest file' }]);
    }
    const read = parseManifestText(text, file);
    objects.push(...read.objects);
    notes.push(...read.notes);
  }
  return { objects, notes };
}

/** An inventory with nothing in it. */
export const EMPTY_INVENTORY: Inventory = { namespaces: new Map(), pods: [], networkPolicies: [], adminNetworkPolicies: [], notes: [] };

/** How objects that are already in the inventory are treated when more arrive. */
type Merge = 'reject-duplicates' | 'replace';

const IGNORED_SILENTLY = new Set(['Service', 'Route', 'Ingress']);

/**
 * Adds objects to an inventory. With `reject-duplicates` (loading a snapshot) a second object of the same kind,
 * namespace and name is a problem; with `replace` (adding the manifests a change will apply) it replaces the first.
 */
function addObjects(base: Inventory, objects: readonly SourcedObject[], extraNotes: readonly Note[], merge: Merge): Inventory {
  const problems: Problem[] = [];
  const notes: Note[] = [...base.notes, ...extraNotes];
  const d = { problems, notes };
  // The namespace and pod maps are copied on the first object of their kind: adding policies to a snapshot (what
  // `airlock plan` does) then keeps the snapshot's very pod list, whose pod classes are already computed.
  let namespaces: Map<string, NamespaceInfo> | undefined;
  const namespaceMap = (): Map<string, NamespaceInfo> => (namespaces ??= new Map(base.namespaces));
  const declaredNamespaces = new Set<string>();
  let pods: Map<string, PodInfo> | undefined;
  const podMap = (): Map<string, PodInfo> => (pods ??= new Map<string, PodInfo>(base.pods.map((p) => [`${p.namespace}/${p.name}`, p])));
  const netpols = new Map<string, NetworkPolicyInfo>(base.networkPolicies.map((p) => [`${p.namespace}/${p.ref.name}`, p]));
  const anps = new Map<string, AdminPolicyInfo>(base.adminNetworkPolicies.map((p) => [p.ref.name, p]));
  let banp = base.baselineAdminNetworkPolicy;
  const skipped = new Map<string, Map<string, number>>();

  const put = <T extends { source: string }>(map: Map<string, T>, key: string, value: T, what: string): void => {
    const existing = map.get(key);
    if (existing && merge === 'reject-duplicates') {
      problems.push({ file: value.source, field: what, message: `is defined twice (also in ${existing.source})`, hint: 'one definition per object' });
      return;
    }
    map.set(key, value);
  };

  for (const { object, source } of objects) {
    const kind = object.kind as string;
    switch (kind) {
      case 'Namespace': {
        const ns = parseNamespace(object, source, d);
        if (!ns) break;
        if (declaredNamespaces.has(ns.name) && merge === 'reject-duplicates') {
          problems.push({ file: source, field: `Namespace ${ns.name}`, message: 'is defined twice', hint: 'one definition per namespace' });
        }
        declaredNamespaces.add(ns.name);
        namespaceMap().set(ns.name, ns);
        break;
      }
      case 'Pod': {
        const pod = parsePod(object, source, d);
        if (pod) put(podMap(), `${pod.namespace}/${pod.name}`, pod, `Pod ${pod.namespace}/${pod.name}`);
        break;
      }
      case 'NetworkPolicy': {
        const np = parseNetworkPolicy(object, source, d);
        if (np) put(netpols, `${np.namespace}/${np.ref.name}`, np, `NetworkPolicy ${np.namespace}/${np.ref.name}`);
        break;
      }
      case 'AdminNetworkPolicy': {
        const anp = parseAdminPolicy(object, source, d);
        if (anp) put(anps, anp.ref.name, anp, `AdminNetworkPolicy ${anp.ref.name}`);
        break;
      }
      case 'BaselineAdminNetworkPolicy': {
        const b = parseAdminPolicy(object, source, d);
        if (!b) break;
        if (banp && merge === 'reject-duplicates') {
          problems.push({ file: source, field: `BaselineAdminNetworkPolicy ${b.ref.name}`, message: `is a second baseline policy (also in ${banp.source})`, hint: 'one BaselineAdminNetworkPolicy, named "default"' });
        }
        banp = b;
        break;
      }
      default:
        if ((WORKLOAD_KINDS as readonly string[]).includes(kind)) {
          const pod = parseWorkload(object, kind as WorkloadKind, source, d);
          if (pod) put(podMap(), `${pod.namespace}/${pod.name}`, pod, `${kind} ${pod.namespace}/${pod.workload.name}`);
        } else if (!IGNORED_SILENTLY.has(kind)) {
          const perFile = skipped.get(source) ?? new Map<string, number>();
          perFile.set(kind, (perFile.get(kind) ?? 0) + 1);
          skipped.set(source, perFile);
        }
    }
  }
  for (const [file, kinds] of skipped) {
    const list = [...kinds].map(([k, n]) => (n > 1 ? `${k} (${n})` : k)).join(', ');
    notes.push({ file, message: `skipped objects of kinds the analysis does not use: ${list}` });
  }

  const sortedAnps = [...anps.values()].sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
  for (let k = 1; k < sortedAnps.length; k++) {
    const [a, b] = [sortedAnps[k - 1], sortedAnps[k]];
    if (a.priority === b.priority) {
      problems.push({
        file: b.source,
        field: `AdminNetworkPolicy ${b.ref.name}.spec.priority`,
        message: `is ${b.priority}, the same as AdminNetworkPolicy ${a.ref.name} (${a.source}); their order would be undefined`,
        hint: 'a priority no other AdminNetworkPolicy uses',
      });
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);

  const podList = pods ? [...pods.values()] : base.pods;
  for (const pod of podList) {
    if (!(namespaces ?? base.namespaces).has(pod.namespace)) namespaceMap().set(pod.namespace, implicitNamespace(pod.namespace));
  }
  return {
    namespaces: namespaces ?? base.namespaces,
    pods: podList,
    networkPolicies: [...netpols.values()],
    adminNetworkPolicies: sortedAnps,
    ...(banp ? { baselineAdminNetworkPolicy: banp } : {}),
    notes,
  };
}

/**
 * Builds an inventory from objects already read. Throws ValidationError listing every invalid field of every
 * object (and every duplicate), so one run shows all that needs fixing.
 */
export function buildInventory(objects: readonly SourcedObject[], notes: readonly Note[] = []): Inventory {
  return addObjects(EMPTY_INVENTORY, objects, notes, 'reject-duplicates');
}

/** Reads and builds the inventory under the given files and directories (recursively). */
export function loadInventory(paths: readonly string[]): Inventory {
  const read = readManifests(paths);
  return buildInventory(read.objects, read.notes);
}

/**
 * {@link loadInventory} for `plan` and `propose --inventory`, which judge an incident against a cluster: an
 * inventory with neither namespaces nor pods is refused (ValidationError) rather than planned. It is the wrong
 * file (an incident, an empty export), and planned it would read as "ineffective" with nothing to show why.
 */
export function loadClusterSnapshot(paths: readonly string[]): Inventory {
  const inventory = loadInventory(paths);
  if (inventory.pods.length > 0 || inventory.namespaces.size > 0) return inventory;
  const skipped = inventory.notes.length;
  const why = skipped === 0 ? '' : `; ${skipped} document${skipped === 1 ? ' was' : 's were'} skipped, the first: ${inventory.notes[0]!.file}: ${inventory.notes[0]!.message}`;
  throw new ValidationError([
    { file: paths.join(', '), field: '', message: `holds no namespaces or pods${why}`, hint: 'a snapshot of the cluster, e.g. kubectl get ns,pods,deploy,rs,sts,ds,netpol -A -o yaml > snapshot.yaml' },
  ]);
}

/**
 * The inventory after applying more manifests, as `kubectl apply` would: an object with the same kind,
 * namespace and name as an existing one replaces it (that is how a patched NetworkPolicy is analysed).
 * Throws ValidationError if an added object is invalid.
 */
export function withManifests(inventory: Inventory, objects: readonly SourcedObject[]): Inventory {
  return addObjects(inventory, objects, [], 'replace');
}

/** The pods named `namespace/name`: a pod object, or the representative pod `name[Kind]` of a workload. */
export function findPod(inventory: Inventory, ref: PodRef): PodInfo | undefined {
  return inventory.pods.find((p) => p.namespace === ref.namespace && p.name === ref.name);
}

/**
 * The inventory with one pod's labels replaced: the pod as it will be once, say, `airlock.dev/quarantine` is
 * applied. With `detach`, the pod is also reported under itself rather than its owner, as it is after being
 * detached from its ReplicaSet. Throws ValidationError if the pod is not in the inventory.
 */
export function withPodLabels(inventory: Inventory, ref: PodRef, labels: Labels, options: { detach?: boolean } = {}): Inventory {
  const target = findPod(inventory, ref);
  if (!target) {
    throw new ValidationError([{ file: '(inventory)', field: 'pod', message: `${ref.namespace}/${ref.name} is not in the inventory`, hint: 'a pod listed by the inventory (namespace/name)' }]);
  }
  const changed: PodInfo = {
    ...target,
    labels: { ...labels },
    ...(options.detach ? { workload: { namespace: target.namespace, name: target.name, kind: 'Pod' } } : {}),
  };
  return { ...inventory, pods: inventory.pods.map((p) => (p === target ? changed : p)) };
}
