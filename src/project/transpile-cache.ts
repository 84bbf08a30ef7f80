/**
 * The code esbuild made of a project's incident files when many were loaded at once (transpileAllSync), kept
 * between runs. tsx keeps its own transform cache, but a load of many files bypasses tsx (see
 * transpileAllSync); without this, a second `synth --check` of 5,000 incidents would transpile them all again
 * (about 3 s here) where tsx would have read its cache.
 *
 * Exact: an entry is used only for the very bytes it was made from (sha256 of the file's text), and the whole
 * file only under the same esbuild version and transform options. One entry per incident file, the latest;
 * entries of files that no longer exist are dropped on save. A cache that cannot be read or written only costs
 * speed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomically } from '../files/write-file-atomically';
import type { Transpiled } from './direct-transpile';
import { projectCacheFile, sha256 } from './incident-cache';

/** What the cache file holds: the transpiler key it was made under, and per file the hash of its text and its code. */
interface CacheFileData {
  readonly key: string;
  readonly files: Record<string, [hash: string, code: string]>;
}

/** The transpiled code of one project's incident files (see the module comment). */
export class TranspileCache {
  private changed = false;

  private constructor(
    private readonly file: string,
    private readonly key: string,
    private readonly files: Record<string, [hash: string, code: string]>,
  ) {}

  /** Opens the cache of the project at `root` for code made under `key` (the transpiler's version and options). */
  static open(root: string, key: string): TranspileCache {
    const file = projectCacheFile(root, 'transpiled');
    let data: CacheFileData | undefined;
    try {
      data = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheFileData;
    } catch {
      data = undefined; // None yet, or damaged: an empty cache.
    }
    const usable = data !== undefined && data.key === key && typeof data.files === 'object' && data.files !== null;
    return new TranspileCache(file, key, usable ? data!.files : {});
  }

  /** The code made of `source` as `filename`, if this cache has it. */
  get(filename: string, source: string): Transpiled | undefined {
    const entry = Object.hasOwn(this.files, filename) ? this.files[filename] : undefined;
    if (!Array.isArray(entry) || entry[0] !== sha256(source) || typeof entry[1] !== 'string') return undefined;
    return { filename, source, code: entry[1] };
  }

  /** Records the code made of a file's source, replacing the file's earlier entry. */
  set(transpiled: Transpiled): void {
    this.files[transpiled.filename] = [sha256(transpiled.source), transpiled.code];
    this.changed = true;
  }

  /** Writes the cache when something was recorded (whole or not at all), without the files that are gone. */
  save(): void {
    if (!this.changed) return;
    for (const filename of Object.keys(this.files)) if (!fs.existsSync(filename)) delete this.files[filename];
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileAtomically(this.file, JSON.stringify({ key: this.key, files: this.files } satisfies CacheFileData));
      this.changed = false;
    } catch {
      // A read-only node_modules only costs speed.
    }
  }
}
