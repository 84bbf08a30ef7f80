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
 * The file is a snapshot (one JSON line) followed by a journal: when a run changed a few entries, it appends
 * one line per changed entry instead of rewriting the whole snapshot (3 MB of JSON for 5,000 incidents, about
 * a tenth of an incremental synth). Each journal line names the cache key it was written under and is ignored
 * under any other; a line cut short by a crash ends the journal. After {@link JOURNAL_LIMIT} lines, or when
 * the key or the environment changed, the next save writes a new snapshot (temp file, then rename).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Incident } from '../incident/types';

const CACHE_FORMAT = 5;

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
  readonly incident: Incident;
  /** Fingerprints of the incident's `dist/` folders (`<slug>` or `<cluster>/<slug>`) as last written or verified. */
  folders?: Record<string, string>;
}

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

/** The snapshot: the cache file's first line. */
interface CacheFile {
  readonly format: number;
  readonly key: string;
  /** The content hashes behind `key`, by path relative to the root. */
  readonly environment: Record<string, StampedHash>;
  readonly shared: Record<string, SharedFolder>;
  readonly entries: Record<string, Entry>;
}

/**
 * One journal line: the new state of an incident file's entry or of a shared folder (`null`: forgotten),
 * under the cache key `key`.
 */
type JournalLine =
  | { readonly key: string; readonly entry: string; readonly value: Entry | null }
  | { readonly key: string; readonly shared: string; readonly value: SharedFolder | null };

/**
 * Reads a cache file: the snapshot with the journal lines written under its key applied. `damaged` when
 * reading stopped at a line cut short (a crash mid-append): the next save must compact, or later lines
 * appended after the broken one would never be read.
 */
function readCacheFile(file: string): { data: Partial<CacheFile>; journal: number; damaged: boolean } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { data: {}, journal: 0, damaged: false }; // No cache yet.
  }
  let end = text.indexOf('\n');
  let data: Partial<CacheFile>;
  try {
    data = JSON.parse(end < 0 ? text : text.slice(0, end)) as CacheFile;
  } catch {
    return { data: {}, journal: 0, damaged: true };
  }
  let journal = 0;
  while (end >= 0 && end + 1 < text.length && data.entries && data.shared) {
    const start = end + 1;
    end = text.indexOf('\n', start);
    let line: JournalLine;
    try {
      if (end < 0) throw new Error('a last line without its newline');
      line = JSON.parse(text.slice(start, end)) as JournalLine;
    } catch {
      return { data, journal, damaged: true };
    }
    journal++;
    if (line.key !== data.key) continue;
    if ('entry' in line) {
      if (line.value) data.entries[line.entry] = line.value;
      else delete data.entries[line.entry];
    } else if (line.value) data.shared[line.shared] = line.value;
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
    private readonly entries: Record<string, Entry>,
    /** Journal lines in the cache file after its snapshot. */
    private journal: number,
  ) {}

  /** The cache file of a project. One per project root: node_modules may be shared (a symlink) between checkouts. */
  static fileFor(root: string): string {
    return path.join(root, 'node_modules', '.cache', 'airlock', `synth-${sha256(fs.realpathSync(root)).slice(0, 16)}.json`);
  }

  /**
   * Opens the project's cache; an unreadable or outdated cache is an empty one. `now` is the clock that judges
   * whether a file has settled (tests move it forward instead of waiting). @default Date.now()
   */
  static open(root: string, options: { readonly now?: number } = {}): IncidentCache {
    const now = options.now ?? Date.now();
    const file = IncidentCache.fileFor(root);
    const { data, journal, damaged } = readCacheFile(file);
    const current = data.format === CACHE_FORMAT;
    const environment = current && data.environment ? { ...data.environment } : {};
    const key = environmentKey(root, environment, now);
    const valid = current && data.key === key;
    const cache = new IncidentCache(now, file, key, environment, valid ? data.shared ?? {} : {}, valid ? data.entries ?? {} : {}, journal);
    // A new key, or environment hashes refreshed with new stamps: worth saving.
    cache.rewrite = !valid || damaged || JSON.stringify(environment) !== JSON.stringify(data.environment);
    return cache;
  }

  /**
   * sha256 of an incident file (`file` relative to the root, `absolute` its path): the recorded hash when the
   * file's stamp is unchanged, otherwise its bytes hashed now.
   */
  hashFile(file: string, absolute: string): string {
    const entry = this.entries[file];
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

  /** The validated incident for a file whose bytes hash to `hash`, if known. */
  incident(file: string, hash: string): Incident | undefined {
    const entry = this.entries[file];
    return entry?.hash === hash ? entry.incident : undefined;
  }

  /** Records a validated incident. */
  setIncident(file: string, hash: string, incident: Incident): void {
    if (this.entries[file]?.hash === hash) return;
    const stamp = this.stamps.get(file);
    this.entries[file] = { hash, incident, ...(stamp ? { stamp } : {}) };
    this.changedEntries.add(file);
  }

  /**
   * Whether a `dist/` folder is as Airlock last wrote or verified it: for an incident's folder, for this
   * incident file; for a shared folder (the platform), for this `input` (a hash of what it is rendered from).
   */
  folderUpToDate(owner: Incident | { readonly input: string }, folder: string, distDir: string): boolean {
    const recorded = 'input' in owner ? this.sharedFingerprint(folder, owner.input) : this.entries[owner.file]?.folders?.[folder];
    return recorded !== undefined && folderFingerprint(`${distDir}${path.sep}${folder}`) === recorded;
  }

  private sharedFingerprint(folder: string, input: string): string | undefined {
    const shared = this.shared[folder];
    return shared?.input === input ? shared.fingerprint : undefined;
  }

  /** Records the folder's state after a write or a full comparison. */
  setFolder(owner: Incident | { readonly input: string }, folder: string, distDir: string): void {
    const fingerprint = folderFingerprint(`${distDir}${path.sep}${folder}`);
    if (fingerprint === undefined) return;
    if ('input' in owner) {
      if (this.sharedFingerprint(folder, owner.input) === fingerprint) return;
      this.shared[folder] = { input: owner.input, fingerprint };
      this.changedShared.add(folder);
      return;
    }
    const entry = this.entries[owner.file];
    if (!entry || entry.folders?.[folder] === fingerprint) return;
    entry.folders = { ...entry.folders, [folder]: fingerprint };
    this.changedEntries.add(owner.file);
  }

  /** Forgets incidents whose files are gone, and shared folders no longer synthesized. */
  retain(files: ReadonlySet<string>, sharedFolders: ReadonlySet<string> = new Set(Object.keys(this.shared))): void {
    for (const file of Object.keys(this.entries)) {
      if (!files.has(file)) {
        delete this.entries[file];
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
    const temp = `${this.file}.${process.pid}.tmp`;
    const data: CacheFile = { format: CACHE_FORMAT, key: this.key, environment: this.environment, shared: this.shared, entries: this.entries };
    fs.writeFileSync(temp, `${JSON.stringify(data)}\n`);
    fs.renameSync(temp, this.file);
    this.journal = 0;
  }

  /** One write of whole lines, in append mode: a concurrent writer's lines land before or after, not inside. */
  private appendJournal(): void {
    const lines: JournalLine[] = [
      ...[...this.changedEntries].map((entry) => ({ key: this.key, entry, value: this.entries[entry] ?? null })),
      ...[...this.changedShared].map((shared) => ({ key: this.key, shared, value: this.shared[shared] ?? null })),
    ];
    fs.appendFileSync(this.file, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    this.journal += lines.length;
  }
}
