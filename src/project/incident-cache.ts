/**
 * A cache that lets `airlock synth` skip work for incidents that did not change: the validated incident per
 * file content, and the fingerprint of the `dist/` folder it last wrote. Loading thousands of TypeScript files
 * and rendering their charts is the cost of a full synthesis (BENCHMARKS.md); a responder editing one
 * incident should not pay it, nor the cost of re-reading or re-stat'ing everything that did not change.
 *
 * Exactness of the inputs (exact): an entry is used only when the incident file's bytes are the same AND
 * everything it can depend on is the same (every file of `src/` and `policies/`, and package.json, hashed
 * into the cache's key). Incidents that import anything else are never cached. A file's bytes are re-read
 * and re-hashed unless its size, modification and change times and inode are all as recorded; a stamp is
 * recorded only for a file whose last change is over {@link SETTLED_MS} old, so a second edit within the
 * file system's timestamp granularity (up to 2 s on some file systems) cannot hide behind an equal stamp.
 *
 * Exactness of the output (weaker, by choice): a `dist/` folder is trusted unchanged while the folder itself
 * (inode, modification and change times) and its `kustomization.yaml` (inode, size, times) are as Airlock
 * left them. That catches every file added, removed, renamed or replaced in the folder (git checkouts,
 * editors that save by rename, scripts) and any edit of the kustomization, in two stats per folder instead of
 * one per file (5,000 incidents write about 60,000 files: stat'ing them all cost more than the whole
 * incremental synth's budget). A manifest edited in place (same inode) is NOT seen by a cached `synth`;
 * `synth --check` (CI), which never trusts the cache and compares every byte, reports it, and
 * `synth --no-cache` rewrites it. The cache lives in `node_modules/.cache/airlock/`, the convention for tool
 * caches.
 *
 * The file is a snapshot (one line) followed by a journal: when a run changed a few entries, it appends one
 * line per changed entry instead of rewriting the whole snapshot (3 MB for 5,000 incidents, about a tenth of
 * an incremental synth). Each journal line names the cache key it was written under and is ignored under any
 * other; a line cut short by a crash ends the journal. After {@link JOURNAL_LIMIT} lines, or when the key or
 * the environment changed, the next save writes a new snapshot (temp file, then rename).
 *
 * Each incident is stored as its {@link EntryRecord} (what checking its file and listing its folders need)
 * and, apart from it, the incident's own JSON text, parsed only when the incident itself is needed (see
 * IncidentOutline): a run that renders one incident of 5,000 parses one, not 5,000. The texts follow their
 * line's JSON, each after a tab, which JSON text never holds outside its strings (JSON.stringify escapes it
 * there): the snapshot is `<header>\t<incident 1>\t<incident 2>...`, the header listing the records in the
 * same order; a journal line that records an entry is `<journal line>\t<incident>`.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomically } from '../files/write-file-atomically';
import type { Incident } from '../incident/types';
import { IncidentOutline } from './incident-outline';

const CACHE_FORMAT = 6;

/** Journal lines a cache file may hold before a save compacts it into a new snapshot. */
export const JOURNAL_LIMIT = 256;

/**
 * How old a file's last change must be before its stat stamp is trusted to stand for its bytes. Two seconds
 * covers the coarsest common timestamp granularity (FAT); a file edited more recently is simply re-hashed.
 */
export const SETTLED_MS = 2000;

interface Entry {
  /** sha256 of the incident file. */
  readonly hash: string;
  /** {@link fileStamp} of the incident file when `hash` was taken, once settled. */
  stamp?: string;
  readonly incident: IncidentOutline;
  /**
   * The incident's `dist/` folders (`<slug>` or `<cluster>/<slug>`) and their fingerprints as last written or
   * verified, in pairs: `[folder, fingerprint, folder, fingerprint...]`. Not an object keyed by folder: every
   * incident has folders of its own names, and thousands of objects each of a different shape made reading
   * the cache three times slower.
   */
  folders: readonly string[];
}

/** The fingerprint recorded for one of an entry's folders. */
function recordedFingerprint(entry: Entry | undefined, folder: string): string | undefined {
  const folders = entry?.folders ?? [];
  for (let i = 0; i < folders.length; i += 2) if (folders[i] === folder) return folders[i + 1];
  return undefined;
}

/** Folder pairs (see Entry.folders) with `folder`'s fingerprint set. */
function withFingerprint(folders: readonly string[], folder: string, fingerprint: string): string[] {
  const others: string[] = [];
  for (let i = 0; i < folders.length; i += 2) if (folders[i] !== folder) others.push(folders[i], folders[i + 1]);
  return [...others, folder, fingerprint];
}

/**
 * An entry as the cache file stores it, before its incident's JSON text: a tuple rather than an object, as
 * there are thousands to read on every run.
 */
type EntryRecord = [
  file: string,
  hash: string,
  stamp: string | null,
  slug: string,
  status: Incident['status'],
  clusters: readonly string[] | null,
  captures: boolean,
  folders: readonly string[],
];

/** A folder not owned by an incident (the platform): trusted while its input and fingerprint are unchanged. */
interface SharedFolder {
  /** sha256 of what the folder is rendered from. */
  readonly input: string;
  readonly fingerprint: string;
}

/** A file's content hash with the stamp it was taken at. */
export interface StampedHash {
  readonly stamp: string;
  readonly hash: string;
}

/** The snapshot's header: the cache file's first line up to its first tab (the incidents' texts follow). */
interface CacheHeader {
  readonly format: number;
  readonly key: string;
  /** The content hashes behind `key`, by path relative to the root. */
  readonly environment: Record<string, StampedHash>;
  readonly shared: Record<string, SharedFolder>;
  /** One per incident text after the header, in the same order. */
  readonly entries: readonly EntryRecord[];
}

/** What a cache file holds: its snapshot with its journal applied. */
interface CacheData {
  readonly key: string;
  readonly environment: Record<string, StampedHash>;
  readonly shared: Record<string, SharedFolder>;
  readonly entries: Map<string, Entry>;
}

/**
 * One journal line under the cache key `key`: an incident file's entry recorded (its incident's JSON text
 * follows on the line) or forgotten, or the new state of a shared folder (`null`: forgotten).
 */
type JournalLine =
  | { readonly key: string; readonly entry: EntryRecord }
  | { readonly key: string; readonly forget: string }
  | { readonly key: string; readonly shared: string; readonly value: SharedFolder | null };

function toRecord(file: string, entry: Entry): EntryRecord {
  const { slug, status, clusters, captures } = entry.incident;
  return [file, entry.hash, entry.stamp ?? null, slug, status, clusters ?? null, captures, entry.folders];
}

function fromRecord(record: EntryRecord, json: string): Entry {
  const [file, hash, stamp, slug, status, clusters, captures, folders] = record;
  const incident = IncidentOutline.lazy({ file, slug, status, clusters: clusters ?? undefined, captures }, json);
  return { hash, stamp: stamp ?? undefined, incident, folders };
}

/** A line's JSON and the texts after it (see the module comment). */
function splitLine(line: string): { head: string; texts: string[] } {
  const [head, ...texts] = line.split('\t');
  return { head, texts };
}

/**
 * Reads a cache file: the snapshot with the journal lines written under its key applied. `damaged` when
 * reading stopped at a line cut short (a crash mid-append): the next save must compact, or later lines
 * appended after the broken one would never be read.
 */
function readCacheFile(file: string): { data?: CacheData; journal: number; damaged: boolean } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { journal: 0, damaged: false }; // No cache yet.
  }
  let end = text.indexOf('\n');
  let data: CacheData;
  try {
    // A snapshot is written whole (temp file, rename): one without its newline is not one.
    if (end < 0) throw new Error('a snapshot without its newline');
    const { head, texts } = splitLine(text.slice(0, end));
    const header = JSON.parse(head) as CacheHeader;
    if (header.format !== CACHE_FORMAT) return { journal: 0, damaged: false };
    if (header.entries.length !== texts.length) throw new Error('as many incident texts as records');
    const entries = new Map<string, Entry>();
    header.entries.forEach((record, i) => entries.set(record[0], fromRecord(record, texts[i])));
    data = { key: header.key, environment: header.environment, shared: header.shared, entries };
  } catch {
    return { journal: 0, damaged: true };
  }
  let journal = 0;
  while (end + 1 < text.length) {
    const start = end + 1;
    end = text.indexOf('\n', start);
    let line: JournalLine;
    let texts: string[];
    try {
      if (end < 0) throw new Error('a last line without its newline');
      const split = splitLine(text.slice(start, end));
      line = JSON.parse(split.head) as JournalLine;
      texts = split.texts;
      if (texts.length !== ('entry' in line ? 1 : 0)) throw new Error('an incident text for an entry recorded, and only then');
    } catch {
      return { data, journal, damaged: true };
    }
    journal++;
    if (line.key !== data.key) continue;
    if ('entry' in line) data.entries.set(line.entry[0], fromRecord(line.entry, texts[0]));
    else if ('forget' in line) data.entries.delete(line.forget);
    else if (line.value) data.shared[line.shared] = line.value;
    else delete data.shared[line.shared];
  }
  return { data, journal, damaged: false };
}

/** sha256 of a string, hex. */
export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A time in whole microseconds. Stamps use Node's plain stats (milliseconds as doubles, precise to a fraction
 * of a microsecond today) rather than BigInt ones: converting four BigInts to text per file was a visible part
 * of checking 15,000 stamps (see the commit message). Changes closer together than that are covered by
 * {@link SETTLED_MS} anyway.
 */
function micros(ms: number): number {
  return Math.round(ms * 1000);
}

/**
 * Inode, size, modification and change times of a file, or undefined when it does not exist or changed
 * too recently to stand for its bytes (see {@link SETTLED_MS}). The change time moves on every write,
 * rename and chmod and cannot be set back by tools that preserve the modification time.
 */
export function fileStamp(file: string, now = Date.now()): string | undefined {
  const s = fs.statSync(file, { throwIfNoEntry: false });
  if (!s || now - s.ctimeMs < SETTLED_MS || now - s.mtimeMs < SETTLED_MS) return undefined;
  return statStamp(s);
}

/** Inode, size, modification and change times of a stat, as one string. */
function statStamp(s: fs.Stats): string {
  return `${s.ino}:${s.size}:${micros(s.mtimeMs)}:${micros(s.ctimeMs)}`;
}

/** Reads and hashes a file unless its stamp matches `known`; `undefined` when it is missing. */
function stampedHash(file: string, known: StampedHash | undefined, now: number): StampedHash | undefined {
  const stamp = fileStamp(file, now) ?? '';
  if (stamp && known?.stamp === stamp) return known;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  return { stamp, hash: sha256(bytes) };
}

function filesUnder(dir: string, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) filesUnder(p, out);
    // .sh: the static scripts the evidence Jobs run are copied into the synthesized ConfigMaps.
    else if (e.name.endsWith('.ts') || e.name.endsWith('.sh')) out.push(p);
  }
}

/**
 * Hash of everything an incident's meaning can depend on besides its own file: every `.ts` and `.sh` file of
 * `src/` and `policies/`, and package.json. `known` (content hashes by relative path, from the last run) is
 * reused for files whose stamp is unchanged and receives the hashes of this run; without it every file is read.
 * `now` judges which stamps have settled.
 */
export function environmentKey(root: string, known: Record<string, StampedHash> = {}, now = Date.now()): string {
  const files: string[] = [];
  filesUnder(path.join(root, 'src'), files);
  filesUnder(path.join(root, 'policies'), files);
  const hash = createHash('sha256').update(`format ${CACHE_FORMAT}\n`);
  const seen = new Set<string>();
  for (const file of [...files, path.join(root, 'package.json')].sort()) {
    const relative = path.relative(root, file);
    const stamped = stampedHash(file, known[relative], now);
    hash.update(relative).update('\0').update(stamped?.hash ?? '(missing)').update('\0');
    seen.add(relative);
    if (stamped) known[relative] = stamped;
    else delete known[relative];
  }
  for (const relative of Object.keys(known)) if (!seen.has(relative)) delete known[relative];
  return hash.digest('hex');
}

/**
 * A `dist/` folder's state: inode and times of the folder (they change when any file in it is added, removed,
 * renamed or replaced) and the stamp of its `kustomization.yaml`. Undefined when the folder does not exist.
 * A file edited in place does not change it (see the module comment).
 */
export function folderFingerprint(dir: string): string | undefined {
  const d = fs.statSync(dir, { throwIfNoEntry: false });
  if (!d?.isDirectory()) return undefined;
  const k = fs.statSync(`${dir}${path.sep}kustomization.yaml`, { throwIfNoEntry: false });
  return `${d.ino}:${micros(d.mtimeMs)}:${micros(d.ctimeMs)}|${k ? statStamp(k) : '-'}`;
}

/**
 * Who a `dist/` folder belongs to: an incident (by its file) or, for a shared folder (the platform), what it is
 * rendered from (`input`, a hash).
 */
export type FolderOwner = { readonly file: string } | { readonly input: string };

/** What a project keeps in `node_modules/.cache/airlock/`: this synth cache, and the code esbuild made of its incident files. */
export type ProjectCacheKind = 'synth' | 'transpiled';

/**
 * The project's cache file of `kind`, in `node_modules/.cache/airlock/` (the convention for tools' caches). One
 * per project root and kind: node_modules may be shared (a symlink) between checkouts.
 */
export function projectCacheFile(root: string, kind: ProjectCacheKind): string {
  return path.join(root, 'node_modules', '.cache', 'airlock', `${kind}-${sha256(fs.realpathSync(root)).slice(0, 16)}.json`);
}

/** Every cache file of the project at `root` (see {@link projectCacheFile}): what goes when the project goes. */
export function projectCacheFiles(root: string): string[] {
  return (['synth', 'transpiled'] as const).map((kind) => projectCacheFile(root, kind));
}

/** The synth cache of one project. */
export class IncidentCache {
  /** The snapshot must be rewritten: a new key or environment, or no cache file yet. */
  private rewrite = false;
  /** Incident files and shared folders whose state changed in this run (the journal lines of the next save). */
  private readonly changedEntries = new Set<string>();
  private readonly changedShared = new Set<string>();
  /** Stamps of incident files hashed in this run, recorded with their entry by {@link setIncident}. */
  private readonly stamps = new Map<string, string>();

  private constructor(
    private readonly now: number,
    private readonly file: string,
    private readonly key: string,
    private readonly environment: Record<string, StampedHash>,
    private readonly shared: Record<string, SharedFolder>,
    private readonly entries: Map<string, Entry>,
    /** Journal lines in the cache file after its snapshot. */
    private journal: number,
  ) {}

  /**
   * Opens the project's cache; an unreadable or outdated cache is an empty one. `now` is the clock that judges
   * whether a file has settled (tests move it forward instead of waiting). @default Date.now()
   */
  static open(root: string, options: { readonly now?: number } = {}): IncidentCache {
    const now = options.now ?? Date.now();
    const file = projectCacheFile(root, 'synth');
    const { data, journal, damaged } = readCacheFile(file);
    const environment = { ...data?.environment };
    const key = environmentKey(root, environment, now);
    const valid = data?.key === key;
    const cache = new IncidentCache(now, file, key, environment, valid ? data.shared : {}, valid ? data.entries : new Map(), journal);
    // A new key, or environment hashes refreshed with new stamps: worth saving.
    cache.rewrite = !valid || damaged || JSON.stringify(environment) !== JSON.stringify(data.environment);
    return cache;
  }

  /**
   * sha256 of an incident file (`file` relative to the root, `absolute` its path): the recorded hash when the
   * file's stamp is unchanged, otherwise its bytes hashed now.
   */
  hashFile(file: string, absolute: string): string {
    const entry = this.entries.get(file);
    const stamp = fileStamp(absolute, this.now);
    if (stamp && entry?.stamp === stamp) return entry.hash;
    const hash = sha256(fs.readFileSync(absolute));
    if (stamp) this.stamps.set(file, stamp);
    // Same bytes under a new stamp (touched, copied back, settled since): remember the stamp.
    if (entry?.hash === hash && stamp && entry.stamp !== stamp) {
      entry.stamp = stamp;
      this.changedEntries.add(file);
    }
    return hash;
  }

  /** The validated incident for a file whose bytes hash to `hash`, if known (parsed when first read: see IncidentOutline). */
  incident(file: string, hash: string): IncidentOutline | undefined {
    const entry = this.entries.get(file);
    return entry?.hash === hash ? entry.incident : undefined;
  }

  /** Records a validated incident. */
  setIncident(file: string, hash: string, incident: Incident | IncidentOutline): void {
    if (this.entries.get(file)?.hash === hash) return;
    const stamp = this.stamps.get(file);
    const outline = incident instanceof IncidentOutline ? incident : IncidentOutline.of(incident);
    this.entries.set(file, { hash, stamp, incident: outline, folders: [] });
    this.changedEntries.add(file);
  }

  /**
   * Whether a `dist/` folder is as Airlock last wrote or verified it: for an incident's folder, for this
   * incident file; for a shared folder (the platform), for this `input` (a hash of what it is rendered from).
   */
  folderUpToDate(owner: FolderOwner, folder: string, distDir: string): boolean {
    const recorded = 'input' in owner ? this.sharedFingerprint(folder, owner.input) : recordedFingerprint(this.entries.get(owner.file), folder);
    return recorded !== undefined && folderFingerprint(`${distDir}${path.sep}${folder}`) === recorded;
  }

  private sharedFingerprint(folder: string, input: string): string | undefined {
    const shared = this.shared[folder];
    return shared?.input === input ? shared.fingerprint : undefined;
  }

  /** Records the folder's state after a write or a full comparison. */
  setFolder(owner: FolderOwner, folder: string, distDir: string): void {
    const fingerprint = folderFingerprint(`${distDir}${path.sep}${folder}`);
    if (fingerprint === undefined) return;
    if ('input' in owner) {
      if (this.sharedFingerprint(folder, owner.input) === fingerprint) return;
      this.shared[folder] = { input: owner.input, fingerprint };
      this.changedShared.add(folder);
      return;
    }
    const entry = this.entries.get(owner.file);
    if (!entry || recordedFingerprint(entry, folder) === fingerprint) return;
    entry.folders = withFingerprint(entry.folders, folder, fingerprint);
    this.changedEntries.add(owner.file);
  }

  /** Forgets incidents whose files are gone, and shared folders no longer synthesized. */
  retain(files: ReadonlySet<string>, sharedFolders: ReadonlySet<string> = new Set(Object.keys(this.shared))): void {
    for (const file of this.entries.keys()) {
      if (!files.has(file)) {
        this.entries.delete(file);
        this.changedEntries.add(file);
      }
    }
    for (const folder of Object.keys(this.shared)) {
      if (!sharedFolders.has(folder)) {
        delete this.shared[folder];
        this.changedShared.add(folder);
      }
    }
  }

  /**
   * Saves what changed: journal lines appended to the cache file, or a new snapshot written atomically (see
   * the module comment). A cache that cannot be written is silently skipped.
   */
  save(): void {
    const changes = this.changedEntries.size + this.changedShared.size;
    if (!this.rewrite && changes === 0) return;
    try {
      if (this.rewrite || this.journal + changes > JOURNAL_LIMIT) this.writeSnapshot();
      else this.appendJournal();
      this.rewrite = false;
      this.changedEntries.clear();
      this.changedShared.clear();
    } catch {
      // A read-only node_modules only costs speed.
    }
  }

  private writeSnapshot(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const entries = [...this.entries];
    const header: CacheHeader = { format: CACHE_FORMAT, key: this.key, environment: this.environment, shared: this.shared, entries: entries.map(([file, entry]) => toRecord(file, entry)) };
    writeFileAtomically(this.file, `${[JSON.stringify(header), ...entries.map(([, entry]) => entry.incident.json())].join('\t')}\n`);
    this.journal = 0;
  }

  /** One write of whole lines, in append mode: a concurrent writer's lines land before or after, not inside. */
  private appendJournal(): void {
    const lines: string[] = [];
    for (const file of this.changedEntries) {
      const entry = this.entries.get(file);
      const line: JournalLine = entry ? { key: this.key, entry: toRecord(file, entry) } : { key: this.key, forget: file };
      lines.push(entry ? `${JSON.stringify(line)}\t${entry.incident.json()}\n` : `${JSON.stringify(line)}\n`);
    }
    for (const shared of this.changedShared) lines.push(`${JSON.stringify({ key: this.key, shared, value: this.shared[shared] ?? null } satisfies JournalLine)}\n`);
    fs.appendFileSync(this.file, lines.join(''));
    this.journal += lines.length;
  }
}
