/**
 * The work tree's files under a change's paths as blobs computed here, for the common case where git would
 * store their bytes as they are: what `git add --all -- <paths>` into an empty index would record, without its
 * one loose object file per blob (see pack-file.ts for why that matters).
 *
 * Git's rules that decide what a commit takes are asked of git itself: `.gitignore` (and `info/exclude`,
 * `core.excludesFile`) through `git check-ignore`, attributes through `git check-attr` (both long-lived, see
 * rule-checkers.ts). Wherever git could store something other than the file's bytes, or record something
 * other than a plain file, the answer is undefined and the caller stages through `git add` (stage.ts), exact
 * whatever the configuration:
 *
 * - a symlink, an executable file, anything that is not a regular file or folder, a nested repository;
 * - a carriage return in a file (end-of-line conversion: `core.autocrlf`, `text`, `eol`);
 * - a `filter`, `ident` or `working-tree-encoding` attribute on a file.
 *
 * Like `git add`, a path named in the change that is ignored is an error, and ignored files inside a named
 * folder are left out. One difference stays: `core.safecrlf=true` with `core.autocrlf=true` makes `git add`
 * refuse a file with bare newlines; here the file is stored as it is, which is what git stores when it accepts.
 */
import type { Dirent, Stats } from 'node:fs';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stagingError } from './errors';
import { objectId, type PackObject } from './pack-file';
import { ruleCheckers, type RuleAnswers } from './rule-checkers';
import type { TreeFile } from './tree-edit';

/** What {@link workTreeBlobs} found: each file's mode and id, and the blobs to store. */
export interface WorkTreeBlobs {
  readonly files: ReadonlyMap<string, TreeFile>;
  readonly blobs: readonly PackObject[];
}

/** Thrown inside the walk when git must stage the files itself. */
class NeedsGit extends Error {}

/** Regular files at or under `path` (repository-relative, `/`-separated); anything else means git must stage. */
function regularFiles(top: string, path: string, stat: Stats | Dirent, out: string[]): void {
  if (stat.isFile()) {
    out.push(path);
    return;
  }
  if (!stat.isDirectory()) throw new NeedsGit();
  for (const entry of readdirSync(join(top, path), { withFileTypes: true })) {
    if (entry.name === '.git') throw new NeedsGit();
    regularFiles(top, `${path}/${entry.name}`, entry, out);
  }
}

/**
 * The files at and under `paths` (repository-relative, in the work tree whose top is `top`) and their blobs,
 * or undefined when git must stage them (see the module comment). A path missing from the work tree
 * contributes nothing. `unwritten` gives folders as they will be once written (null: gone), used instead of
 * the disk; a path above or below one of them leaves the staging to git (after the write). Throws
 * a GitDeliveryError (stagingError) when a named path is ignored, as `git add` refuses it.
 */
export async function workTreeBlobs(
  top: string,
  paths: readonly string[],
  algorithm: 'sha1' | 'sha256',
  unwritten: ReadonlyMap<string, ReadonlyMap<string, string> | null> = new Map(),
): Promise<WorkTreeBlobs | undefined> {
  const named: string[] = [];
  const candidates: string[] = [];
  const contents = new Map<string, Buffer>();
  const nested = (a: string, b: string): boolean => a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
  try {
    for (const path of paths) {
      if (unwritten.has(path)) {
        const files = unwritten.get(path);
        if (!files) continue;
        named.push(path);
        for (const [name, content] of files) {
          candidates.push(`${path}/${name}`);
          contents.set(`${path}/${name}`, Buffer.from(content, 'utf8'));
        }
        continue;
      }
      if ([...unwritten.keys()].some((folder) => nested(folder, path))) return undefined;
      const stat = lstatSync(join(top, path), { throwIfNoEntry: false });
      if (!stat) continue;
      named.push(path);
      regularFiles(top, path, stat, candidates);
    }
  } catch (error) {
    if (error instanceof NeedsGit) return undefined;
    throw error;
  }
  if (named.length === 0) return { files: new Map(), blobs: [] };
  // A folder not written yet is asked about as one (`dir/`): git cannot tell from the disk that it is a folder.
  const asked = (p: string): string => (unwritten.has(p) ? `${p}/` : p);
  for (const file of candidates) {
    let bytes = contents.get(file);
    if (!bytes) {
      const absolute = join(top, file);
      // Any execute bit: git may record 100755 (core.fileMode).
      if ((lstatSync(absolute).mode & 0o111) !== 0) return undefined;
      bytes = readFileSync(absolute);
      contents.set(file, bytes);
    }
    // A carriage return: end-of-line conversion may apply.
    if (bytes.includes(0x0d)) return undefined;
  }
  let rules: RuleAnswers;
  try {
    rules = await ruleCheckers(top).check(named.map(asked), candidates);
  } catch {
    return undefined; // a checker that failed: git add applies the rules itself
  }
  const { ignored } = rules;
  const refused = named.filter((p) => ignored.has(asked(p)));
  if (refused.length > 0) throw stagingError(paths, `The following paths are ignored by one of your .gitignore files: ${refused.join(', ')}`);
  if (rules.converting) return undefined;
  const files = new Map<string, TreeFile>();
  const blobs: PackObject[] = [];
  for (const [file, content] of contents) {
    if (ignored.has(file)) continue;
    const oid = objectId(algorithm, 'blob', content);
    files.set(file, { mode: '100644', oid });
    blobs.push({ type: 'blob', oid, content });
  }
  return { files, blobs };
}
