/**
 * A cache that lets `airlock synth` skip work for incidents that did not change: the validated incident per
 * file content, and the fingerprint of the `dist/` folder it last wrote. Loading thousands of TypeScript files
 * and rendering their charts is the cost of a full synthesis (BENCHMARKS.md); a responder editing one
 * incident should not pay it.
 *
 * Exactness: an entry is used only when the incident file's bytes are the same AND everything it can depend
 * on is the same (every file of `src/` and `policies/`, and package.json, hashed into the cache's key).
 * Incidents that import anything else are never cached. A folder is trusted unchanged only when every file in
 * it has the size, modification time and inode recorded after Airlock wrote or read it; `synth --check`
 * never trusts the cache. The cache lives in `node_modules/.cache/airlock/`, the convention for tool caches.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Incident } from '../incident/types';

const CACHE_FORMAT = 2;

interface Entry {
  /** sha256 of the incident file. */
  readonly hash: string;
  readonly incident: Incident;
  /** Fingerprints of the incident's `dist/` folders (`<slug>` or `<cluster>/<slug>`) as last written or verified. */
  folders?: Record<string, string>;
}

interface CacheFile {
  readonly format: number;
  readonly key: string;
  readonly entries: Record<string, Entry>;
}

/** sha256 of a string, hex. */
export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
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

/** Hash of everything an incident's meaning can depend on besides its own file. */
export function environmentKey(root: string): string {
  const files: string[] = [];
  filesUnder(path.join(root, 'src'), files);
  filesUnder(path.join(root, 'policies'), files);
  const hash = createHash('sha256').update(`format ${CACHE_FORMAT}\n`);
  for (const file of [...files, path.join(root, 'package.json')].sort()) {
    hash.update(path.relative(root, file)).update('\0');
    try {
      hash.update(fs.readFileSync(file));
    } catch {
      hash.update('(missing)');
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Size, mtime and inode of every file of a folder: changes when anything in it is written, added or removed. */
export function folderFingerprint(dir: string): string | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return undefined;
  }
  const parts = names.map((name) => {
    const s = fs.statSync(path.join(dir, name), { bigint: true });
    return `${name}:${s.isDirectory() ? 'dir' : ''}${s.size}:${s.mtimeNs}:${s.ino}`;
  });
  return parts.join('|');
}

/** The synth cache of one project. */
export class IncidentCache {
  private dirty = false;

  private constructor(
    private readonly file: string,
    private readonly key: string,
    private readonly entries: Record<string, Entry>,
  ) {}

  /** The cache file of a project. One per project root: node_modules may be shared (a symlink) between checkouts. */
  static fileFor(root: string): string {
    return path.join(root, 'node_modules', '.cache', 'airlock', `synth-${sha256(fs.realpathSync(root)).slice(0, 16)}.json`);
  }

  /** Opens the project's cache; an unreadable or outdated cache is an empty one. */
  static open(root: string): IncidentCache {
    const file = IncidentCache.fileFor(root);
    const key = environmentKey(root);
    try {
      const data = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheFile;
      if (data.format === CACHE_FORMAT && data.key === key) return new IncidentCache(file, key, data.entries);
    } catch {
      // No cache yet, or a damaged one: start empty.
    }
    return new IncidentCache(file, key, {});
  }

  /** The validated incident for a file whose bytes hash to `hash`, if known. */
  incident(file: string, hash: string): Incident | undefined {
    const entry = this.entries[file];
    return entry?.hash === hash ? entry.incident : undefined;
  }

  /** Records a validated incident. */
  setIncident(file: string, hash: string, incident: Incident): void {
    if (this.entries[file]?.hash === hash) return;
    this.entries[file] = { hash, incident };
    this.dirty = true;
  }

  /** Whether an incident's folder is exactly as Airlock last wrote or verified it for this incident file. */
  folderUpToDate(incident: Incident, folder: string, distDir: string): boolean {
    const entry = this.entries[incident.file];
    const recorded = entry?.folders?.[folder];
    return recorded !== undefined && folderFingerprint(path.join(distDir, folder)) === recorded;
  }

  /** Records the folder's state after a write or a full comparison. */
  setFolder(incident: Incident, folder: string, distDir: string): void {
    const entry = this.entries[incident.file];
    if (!entry) return;
    const fingerprint = folderFingerprint(path.join(distDir, folder));
    if (fingerprint !== undefined && entry.folders?.[folder] !== fingerprint) {
      entry.folders = { ...entry.folders, [folder]: fingerprint };
      this.dirty = true;
    }
  }

  /** Forgets incidents whose files are gone. */
  retain(files: ReadonlySet<string>): void {
    for (const file of Object.keys(this.entries)) {
      if (!files.has(file)) {
        delete this.entries[file];
        this.dirty = true;
      }
    }
  }

  /** Writes the cache (atomically) when it changed; a cache that cannot be written is silently skipped. */
  save(): void {
    if (!this.dirty) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const temp = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(temp, JSON.stringify({ format: CACHE_FORMAT, key: this.key, entries: this.entries } satisfies CacheFile));
      fs.renameSync(temp, this.file);
      this.dirty = false;
    } catch {
      // A read-only node_modules only costs speed.
    }
  }
}
