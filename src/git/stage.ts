/**
 * Building the tree of a change without touching the responder's index or work tree.
 *
 * A private index (`GIT_INDEX_FILE` in a temporary folder) starts as the parent commit's tree; then only the
 * change's paths are staged into it from the work tree (additions, modifications and deletions alike). Whatever
 * else the responder has modified, staged or left untracked is never read, so it can never be committed.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { ConcurrentEditError, GitDeliveryError } from './errors';
import { literalPathspecs } from './names';
import { GitCommandError, type Git } from './runner';

/** A private index file and the repository it belongs to. */
export interface PrivateIndex {
  /** Git bound to the private index. */
  readonly git: Git;
}

/** Opens a private index at `indexFile` (which need not exist yet). */
export function privateIndex(git: Git, indexFile: string): PrivateIndex {
  return { git: git.withEnv({ GIT_INDEX_FILE: indexFile }) };
}

/**
 * Resets the private index to `parent`'s tree, stages the work tree's state of `paths` into it and returns the
 * resulting tree. A path that exists neither in the work tree nor in `parent` is skipped (nothing to say about it).
 */
export async function stagePaths(index: PrivateIndex, parent: string, paths: readonly string[]): Promise<string> {
  await index.git.run(['read-tree', '--end-of-options', parent], { quiet: true });
  await stageWorkTree(index.git, paths);
  return (await index.git.run(['write-tree'])).trim();
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
    const reason = error instanceof GitCommandError ? error.reason : String(error);
    throw new GitDeliveryError(
      `stage ${paths.join(', ')}`,
      reason,
      /ignored/i.test(reason)
        ? 'a path of the change is listed in .gitignore; un-ignore it so the manifests can be committed'
        : 'check that the files are readable',
    );
  }
}

function existsInWorkTree(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Mode and object id of each file under `paths` in a tree-ish, keyed by path. */
async function filesInTree(git: Git, treeish: string, paths: readonly string[]): Promise<Map<string, string>> {
  const out = await git.run(['ls-tree', '-r', '-z', '--full-tree', '--end-of-options', treeish, '--', ...literalPathspecs(paths)]);
  const files = new Map<string, string>();
  for (const record of out.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const [mode, , oid] = record.slice(0, tab).split(' ');
    files.set(record.slice(tab + 1), `${mode} ${oid}`);
  }
  return files;
}

/** Mode and object id of each staged file under `paths` in the private index. */
async function filesInIndex(git: Git, paths: readonly string[]): Promise<Map<string, string>> {
  const out = await git.run(['ls-files', '-s', '-z', '--', ...literalPathspecs(paths)]);
  const files = new Map<string, string>();
  for (const record of out.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const [mode, oid] = record.slice(0, tab).split(' ');
    files.set(record.slice(tab + 1), `${mode} ${oid}`);
  }
  return files;
}

/**
 * The rebase step of a retry, file by file. Our change was built on `ours` (the old remote head); the remote is
 * now at `theirs`, and the private index holds `theirs` plus our paths from the work tree. For each file of the
 * change: if only we changed it, ours stays; if only they changed it, theirs is put back (the work tree may simply
 * be behind); if both changed it differently, {@link ConcurrentEditError}, as a rebase would stop there too.
 * Returns the resulting tree.
 */
export async function rebaseStaged(
  index: PrivateIndex,
  base: string,
  theirs: string,
  paths: readonly string[],
  where: { remote: string; branch: string },
): Promise<string> {
  const { git } = index;
  const [o, t, w] = await Promise.all([filesInTree(git, base, paths), filesInTree(git, theirs, paths), filesInIndex(git, paths)]);
  const conflicts: string[] = [];
  const restore: string[] = [];
  const remove: string[] = [];
  for (const file of new Set([...o.keys(), ...t.keys(), ...w.keys()])) {
    const [before, remote, mine] = [o.get(file), t.get(file), w.get(file)];
    if (remote === before || remote === mine) continue;
    if (mine === before) {
      if (remote === undefined) remove.push(file);
      else restore.push(`${remote.split(' ')[0]},${remote.split(' ')[1]},${file}`);
      continue;
    }
    conflicts.push(file);
  }
  if (conflicts.length > 0) throw new ConcurrentEditError(where.remote, where.branch, conflicts.sort());
  if (restore.length > 0) await git.run(['update-index', '--add', ...restore.flatMap((r) => ['--cacheinfo', r])], { quiet: true });
  if (remove.length > 0) await git.run(['update-index', '--force-remove', '--', ...remove], { quiet: true });
  return (await git.run(['write-tree'])).trim();
}
