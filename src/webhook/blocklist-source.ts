/**
 * Reads the blocklists the webhook enforces from a directory, in either of the two shapes the same
 * ConfigMaps take:
 *
 * - **Manifests** (`dist/` on a workstation or in CI): `.yaml`/`.yml` files anywhere below the directory; every
 *   `v1` ConfigMap labelled `airlock.dev/blocklist: images` is a blocklist. These are the very objects the
 *   ValidatingAdmissionPolicy reads as params, so both modes block the same images.
 * - **Mounted** (in the cluster): a ConfigMap mounted as a volume is a directory with one file per data key
 *   (`incident`, `reason`, `digests`, `tags`, `repositories`). The directory given may be one such mount, hold
 *   one sub-directory per ConfigMap (several volume mounts, a projected volume with `items` paths, or the
 *   snapshot the `sync-blocklists` sidecar writes), or mix both shapes.
 *
 * Kubelet (and the sidecar) update a mounted directory by writing a new hidden `..<timestamp>` directory and
 * atomically swapping the `..data` symlink to it; the visible names are symlinks through `..data`. This reader
 * resolves `..data` once per directory and reads everything from that one target, so a load never mixes two
 * generations, and it skips every `..`-prefixed entry (the generations themselves).
 */
import * as fs from 'node:fs/promises';
import type { Stats } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { BLOCKLIST_LABEL, BLOCKLIST_LABEL_VALUE, INCIDENT_LABEL } from '../admission/manifest';
import { BLOCKLIST_KEYS, blocklistFromData, type Blocklist } from '../admission/blocklist';
import { BlocklistLoadError } from './errors';

/** The symlink kubelet swaps atomically when a mounted ConfigMap changes; the sidecar writes the same. */
export const SNAPSHOT_LINK = '..data';
/** Directory levels followed below the blocklist directory; deeper trees are not a layout this reader knows. */
const MAX_DEPTH = 8;
const MOUNTED_KEYS: ReadonlySet<string> = new Set(Object.values(BLOCKLIST_KEYS));

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);

/** Blocklists found in the documents of one YAML text (exported for tests and in-memory use). */
export function blocklistsFromYaml(text: string, file: string): Blocklist[] {
  const found: Blocklist[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new BlocklistLoadError(file, `is not valid YAML: ${doc.errors[0]!.message}`);
    const o = obj(doc.toJS());
    if (!o || o.kind !== 'ConfigMap' || o.apiVersion !== 'v1') continue;
    const labels = obj(obj(o.metadata)?.labels);
    if (labels?.[BLOCKLIST_LABEL] !== BLOCKLIST_LABEL_VALUE) continue;
    const name = String(obj(o.metadata)?.name ?? '');
    const fallback = typeof labels[INCIDENT_LABEL] === 'string' ? (labels[INCIDENT_LABEL] as string) : name;
    const parsed = blocklistFromData(o.data ?? {}, fallback);
    if (!parsed.ok) throw new BlocklistLoadError(file, `ConfigMap ${name} ${parsed.error}`);
    found.push(parsed.value);
  }
  return found;
}

/** What one read of a blocklist directory found, and what to watch to notice the next change. */
export interface BlocklistDirectory {
  /** Every blocklist, ordered by incident id (then as found), so the same files always give the same order. */
  readonly blocklists: Blocklist[];
  /**
   * Directories whose entries decide the result: the directory itself, every plain sub-directory, and each
   * directory holding a `..data` link (the swap happens there). Directories read through a `..data` link
   * are left out: they never change in place, they are replaced.
   */
  readonly watchDirs: string[];
  /** Whether the directory itself holds a `..data` link, i.e. a complete snapshot has been written. */
  readonly snapshot: boolean;
}

async function statIfPresent(p: string, follow: boolean): Promise<Stats | undefined> {
  try {
    return follow ? await fs.stat(p) : await fs.lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

interface Walk {
  readonly blocklists: Blocklist[];
  readonly watchDirs: string[];
  /** Set by the top-level directory: whether it held `..data`. */
  snapshot: boolean;
}

/**
 * Reads one mounted ConfigMap: its blocklist keys as files (other keys are ignored, as the CEL ignores them).
 * A key that is present but not a file is an error: half a blocklist must not pass for a whole one.
 */
async function readMounted(root: string, entries: ReadonlyArray<readonly [string, Stats]>, shown: string, fallbackIncident: string): Promise<Blocklist> {
  const data: Record<string, string> = {};
  for (const [key, st] of entries) {
    if (!MOUNTED_KEYS.has(key)) continue;
    if (!st.isFile()) throw new BlocklistLoadError(path.join(shown, key), 'is not a file (a mounted ConfigMap key)');
    data[key] = await fs.readFile(path.join(root, key), 'utf8');
  }
  const parsed = blocklistFromData(data, fallbackIncident);
  if (!parsed.ok) throw new BlocklistLoadError(shown, parsed.error);
  return parsed.value;
}

async function walk(dir: string, shown: string, depth: number, watched: boolean, out: Walk): Promise<void> {
  if (depth > MAX_DEPTH) throw new BlocklistLoadError(shown, `is more than ${MAX_DEPTH} directories deep; expected one directory per ConfigMap`);
  let root = dir;
  let snapshot = false;
  if (await statIfPresent(path.join(dir, SNAPSHOT_LINK), false)) {
    // Resolve once: everything below is read from this generation even if the link is swapped meanwhile.
    root = await fs.realpath(path.join(dir, SNAPSHOT_LINK));
    snapshot = true;
  }
  if (depth === 0) out.snapshot = snapshot;
  if (watched) out.watchDirs.push(dir);
  const entries: Array<readonly [string, Stats]> = [];
  for (const name of (await fs.readdir(root)).filter((n) => !n.startsWith('.')).sort()) {
    const st = await statIfPresent(path.join(root, name), true); // a dangling symlink is skipped, like any leftover
    if (st) entries.push([name, st]);
  }
  // A mounted ConfigMap has its keys as files; a dist/ folder that merely has an incident folder called
  // "tags" is not one.
  if (entries.some(([name, st]) => MOUNTED_KEYS.has(name) && st.isFile())) {
    out.blocklists.push(await readMounted(root, entries, shown, path.basename(dir)));
    return;
  }
  for (const [name, st] of entries) {
    const full = path.join(root, name);
    if (st.isDirectory()) await walk(full, path.join(shown, name), depth + 1, watched && !snapshot, out);
    else if (st.isFile() && /\.ya?ml$/.test(name)) out.blocklists.push(...blocklistsFromYaml(await fs.readFile(full, 'utf8'), path.join(shown, name)));
  }
}

/**
 * Reads every blocklist under `dir` (manifests and mounted ConfigMaps alike). A missing directory is an error
 * (a typo must not silently allow everything); an empty one means no incident blocks images.
 */
export async function readBlocklistDirectory(dir: string): Promise<BlocklistDirectory> {
  const st = await statIfPresent(dir, true).catch(() => undefined);
  if (!st?.isDirectory()) throw new BlocklistLoadError(dir, 'cannot be read as the blocklist folder (no such directory)');
  const out: Walk = { blocklists: [], watchDirs: [], snapshot: false };
  try {
    await walk(dir, dir, 0, true, out);
  } catch (e) {
    if (e instanceof BlocklistLoadError) throw e;
    throw new BlocklistLoadError(dir, `cannot be read (${(e as Error).message})`);
  }
  const blocklists = out.blocklists
    .map((b, i) => ({ b, i }))
    .sort((x, y) => (x.b.incident < y.b.incident ? -1 : x.b.incident > y.b.incident ? 1 : x.i - y.i))
    .map(({ b }) => b);
  return { blocklists, watchDirs: out.watchDirs, snapshot: out.snapshot };
}

/** Every blocklist under `dir`, ordered by incident id (see {@link readBlocklistDirectory}). */
export async function loadBlocklists(dir: string): Promise<Blocklist[]> {
  return (await readBlocklistDirectory(dir)).blocklists;
}
