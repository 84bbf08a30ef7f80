/**
 * The files of a change, as git would commit them, without touching the responder's index or work tree.
 *
 * Only the named paths are read, so whatever else the responder has modified, staged or left untracked can
 * never be committed. Plain files whose bytes git stores as they are (the manifests Airlock writes) are hashed
 * here and stored with the batch's pack (work-tree-blobs.ts); anything else goes through a scratch index that
 * starts empty (`GIT_INDEX_FILE` in a temporary folder), where `git add` applies .gitignore, filters, the
 * executable bit and symlinks exactly as a commit would. The new tree is then spliced together from the
 * parent's (see tree-edit.ts).
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { ConcurrentEditError, stagingError, type GitDeliveryError } from './errors';
import { readIndexEntries } from './index-file';
import { literalPathspecs } from './names';
import type { PackObject } from './pack-file';
import { GitCommandError, type Git } from './runner';
import type { TreeFile } from './tree-edit';
import { workTreeBlobs } from './work-tree-blobs';

/** Repository path → mode and object id. */
export type FileSet = ReadonlyMap<string, TreeFile>;

/**
 * Work-tree folders whose new content is known but not yet written (the intake's synthesized manifests): staged
 * from memory, and written by `write()` while the push runs, so the disk's slowness overlaps the remote's.
 */
export interface UnwrittenFolders {
  /** Folder (repository path) → its files (name → content) once written; null when it is to be removed. */
  readonly folders: ReadonlyMap<string, ReadonlyMap<string, string> | null>;
  /** Writes them all; idempotent. Called before staging when git must stage them itself. */
  write(): void;
}

/** The files of a change, and the blobs among them that are still to be stored (with the batch's pack). */
export interface StagedFiles {
  readonly files: FileSet;
  readonly blobs: readonly PackObject[];
}

/**
 * The work tree's files at and under `paths`, as git would commit them (with `unwritten`'s folders as they will
 * be). A path missing from the work tree contributes nothing (committing the change deletes it). `indexFile` is
 * a scratch index path that must not exist yet, used when git must stage the files itself; it is read directly
 * when its format allows (index-file.ts), else through git.
 */
export async function workTreeFiles(git: Git, paths: readonly string[], indexFile: string, algorithm: 'sha1' | 'sha256' = 'sha1', unwritten?: UnwrittenFolders): Promise<StagedFiles> {
  const hashed = await workTreeBlobs(git.dir, paths, algorithm, unwritten?.folders);
  if (hashed) return hashed;
  unwritten?.write();
  const present = paths.filter((p) => existsInWorkTree(join(git.dir, p)));
  if (present.length === 0) return { files: new Map(), blobs: [] };
  const scratch = git.withEnv({ GIT_INDEX_FILE: indexFile });
  try {
    await scratch.run(['add', '--all', '--verbose', '--', ...literalPathspecs(present)], { quiet: true });
  } catch (error) {
    throw addError(paths, error);
  }
  const files = readIndexEntries(indexFile, algorithm) ?? parseFiles(await scratch.run(['ls-files', '-s', '-z', '--full-name'], { quiet: true }), 'index');
  return { files, blobs: [] };
}

/**
 * Stages the work tree's state of `paths` (added, modified, deleted files) into the index `git` is bound to.
 * Paths present in the work tree are added (`--all` records deletions inside them); paths absent from it are
 * removed from the index if they were there (`--ignore-unmatch`: a path that never existed is simply nothing).
 */
export async function stageWorkTree(git: Git, paths: readonly string[]): Promise<void> {
  const present = paths.filter((p) => existsInWorkTree(join(git.dir, p)));
  const absent = paths.filter((p) => !present.includes(p));
  try {
    if (present.length > 0) await git.run(['add', '--all', '--verbose', '--', ...literalPathspecs(present)], { quiet: true });
    if (absent.length > 0) await git.run(['rm', '-r', '--cached', '--ignore-unmatch', '--', ...literalPathspecs(absent)], { quiet: true });
  } catch (error) {
    throw addError(paths, error);
  }
}

/** `git add` failed: its reason, as a staging error. */
function addError(paths: readonly string[], error: unknown): GitDeliveryError {
  return stagingError(paths, error instanceof GitCommandError ? error.reason : String(error));
}

function existsInWorkTree(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Parses `ls-tree -z` (`mode type oid\tpath`) or `ls-files -s -z` (`mode oid stage\tpath`) records. */
function parseFiles(out: string, format: 'tree' | 'index'): Map<string, TreeFile> {
  const files = new Map<string, TreeFile>();
  for (const record of out.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const fields = record.slice(0, tab).split(' ');
    files.set(record.slice(tab + 1), { mode: fields[0]!, oid: (format === 'tree' ? fields[2] : fields[1])! });
  }
  return files;
}

/** Mode and object id of each file at or under `paths` in a commit. */
export async function filesInTree(git: Git, treeish: string, paths: readonly string[]): Promise<FileSet> {
  return parseFiles(await git.run(['ls-tree', '-r', '-z', '--full-tree', '--end-of-options', treeish, '--', ...literalPathspecs(paths)], { quiet: true }), 'tree');
}

/**
 * The rebase step of a retry, file by file. Our change was built on `before` (the old remote head); the remote
 * has moved to `theirs`, and `mine` is the work tree's state. For each file of the change: if only we changed
 * it, ours stays; if only they changed it, theirs is kept (the work tree may simply be behind); if both changed
 * it differently, {@link ConcurrentEditError}, as a rebase would stop there too. Returns the files to commit.
 */
export function mergeFiles(before: FileSet, theirs: FileSet, mine: FileSet, where: { remote: string; branch: string }): FileSet {
  const same = (a: TreeFile | undefined, b: TreeFile | undefined): boolean => a?.oid === b?.oid && a?.mode === b?.mode;
  const merged = new Map(mine);
  const conflicts: string[] = [];
  for (const file of new Set([...before.keys(), ...theirs.keys(), ...mine.keys()])) {
    const [o, t, w] = [before.get(file), theirs.get(file), mine.get(file)];
    if (same(t, o) || same(t, w)) continue;
    if (same(w, o)) {
      if (t === undefined) merged.delete(file);
      else merged.set(file, t);
      continue;
    }
    conflicts.push(file);
  }
  if (conflicts.length > 0) throw new ConcurrentEditError(where.remote, where.branch, conflicts.sort());
  return merged;
}
