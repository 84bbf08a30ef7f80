/**
 * After a push, bring the responder's local branch of the same name up to date, but only when that is a pure
 * fast-forward that loses nothing. The responder stays on the branch they were on, always.
 *
 * Why bother: after a break-glass push to `main` from a checkout of `main`, the responder expects `main` to
 * contain the containment; leaving it behind would make `git status` show the committed incident as untracked and
 * `git pull` refuse to overwrite it. The same holds for someone who has `airlock/<id>` checked out to inspect it.
 * Why so careful: it is their checkout. Anything that is not a clean fast-forward (unpushed local commits, an
 * index lock held by another git, local edits to files the fast-forward must change) leaves everything untouched.
 */
import { closeSync, copyFileSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { objectStore } from './object-store';
import type { Git } from './runner';
import { stageWorkTree } from './stage';

/** What happened to the local branch: moved to the pushed commit, already there, or left alone. */
export type LocalSync = 'fast-forwarded' | 'current' | 'untouched';

/** Inputs of {@link syncLocalBranch}. */
export interface SyncLocalBranchOptions {
  readonly branch: string;
  /** The commit that was pushed. */
  readonly commit: string;
  /** The change's paths (already staged in the commit; they are staged in the index too on fast-forward). */
  readonly paths: readonly string[];
  /** A private temporary folder for the scratch index. */
  readonly tmpDir: string;
}

/**
 * Fast-forwards `refs/heads/<branch>` to the pushed commit when it exists locally and is an ancestor of it.
 * A local branch that does not exist is not created: `git switch <branch>` creates it with upstream tracking,
 * which is what a responder wants if they want one at all.
 */
export async function syncLocalBranch(git: Git, options: SyncLocalBranchOptions): Promise<LocalSync> {
  const { branch, commit, paths, tmpDir } = options;
  return (await syncLocalBranches(git, [{ branch, commit, paths }], tmpDir)).get(branch)!;
}

/**
 * The local branches, for {@link syncLocalBranches}: one listing answers both "does the local branch exist,
 * where" and "is it checked out here" (%(HEAD) is `*`). It may be read before the push: every move it leads to
 * is a compare-and-swap on the value read, so a branch that moved meanwhile is left alone.
 */
export function readLocalBranches(git: Git): Promise<string> {
  return git.run(['for-each-ref', '--format=%(refname)%09%(objectname)%09%(HEAD)', 'refs/heads/'], { quiet: true });
}

/**
 * The local branches as {@link readLocalBranches} lists them, for a caller that will only ask about `names`:
 * when none of them exists locally (the intake's review branches never do), the answer is known without
 * starting git (the refs are looked up through the long-lived object reader), and is an empty listing.
 */
export async function readLocalBranchesAmong(git: Git, names: readonly string[]): Promise<{ readonly names: ReadonlySet<string>; readonly listing: string }> {
  const store = objectStore(git.dir);
  const exist = await Promise.all(names.map((name) => store.resolveCommit(`refs/heads/${name}`)));
  return { names: new Set(names), listing: exist.some((oid) => oid !== undefined) ? await readLocalBranches(git) : '' };
}

/** {@link syncLocalBranch} for several pushed branches, reading the local branches once (or using `listing`). */
export async function syncLocalBranches(
  git: Git,
  pushed: ReadonlyArray<Omit<SyncLocalBranchOptions, 'tmpDir'>>,
  tmpDir: string,
  listing: Promise<string> = readLocalBranches(git),
): Promise<Map<string, LocalSync>> {
  const results = new Map<string, LocalSync>();
  const branches = await listing;
  if (pushed.length === 0) return results;
  const local = new Map(branches.split('\n').map((line) => line.split('\t')).filter((cols) => cols.length === 3).map(([ref, oid, head]) => [ref!, { oid: oid!, head: head === '*' }]));
  for (const options of pushed) {
    const entry = local.get(`refs/heads/${options.branch}`);
    results.set(options.branch, entry === undefined ? 'untouched' : await syncOne(git, { ...options, tmpDir }, entry.oid, entry.head));
  }
  return results;
}

async function syncOne(git: Git, options: SyncLocalBranchOptions, local: string, checkedOut: boolean): Promise<LocalSync> {
  const ref = `refs/heads/${options.branch}`;
  if (local === options.commit) return 'current';
  const mergeBase = await git.attempt(['merge-base', local, options.commit]);
  if (mergeBase.stdout.trim() !== local) return 'untouched'; // diverged: local commits would be lost
  if (checkedOut) return fastForwardCheckout(git, ref, local, options);
  const worktrees = await git.run(['worktree', 'list', '--porcelain']);
  if (worktrees.split('\n').some((line) => line === `branch ${ref}`)) return 'untouched';
  const moved = await git.attempt(['update-ref', '-m', reflogMessage(options.commit), ref, options.commit, local], { quiet: true });
  return moved.exitCode === 0 ? 'fast-forwarded' : 'untouched';
}

function reflogMessage(commit: string): string {
  return `airlock: fast-forward to pushed ${commit.slice(0, 12)}`;
}

/**
 * Fast-forwards the checked-out branch, its index and work tree together, like `git merge --ff-only` would, with
 * the change's paths staged first (the work tree already holds exactly what was committed there).
 */
async function fastForwardCheckout(git: Git, ref: string, local: string, options: SyncLocalBranchOptions): Promise<LocalSync> {
  const moved = await withCheckoutIndex(git, options.tmpDir, async (index) => {
    await stageWorkTree(index, options.paths);
    if ((await git.attempt(['update-ref', '-m', reflogMessage(options.commit), ref, options.commit, local], { quiet: true })).exitCode !== 0) return false;
    if ((await index.attempt(['read-tree', '-m', '-u', local, options.commit], { quiet: true })).exitCode !== 0) {
      await git.attempt(['update-ref', '-m', 'airlock: undo fast-forward', ref, local, options.commit], { quiet: true });
      return false;
    }
    return true;
  });
  return moved ? 'fast-forwarded' : 'untouched';
}

/**
 * After a review branch was pushed from a checkout of the base branch: stages the change's paths in that
 * checkout's index, exactly as they were committed. Why: left untracked, the incident's files make `git pull`
 * of the merged pull request (and `git switch airlock/<id>`) refuse to "overwrite untracked working tree
 * files"; staged with the same content as the merge brings, the pull fast-forwards over them, and `git status`
 * shows them as what they are, a change on its way to the base. Returns false (nothing changed) when the
 * index is busy or the staging fails.
 */
export async function stageInCheckout(git: Git, paths: readonly string[], tmpDir: string): Promise<boolean> {
  return withCheckoutIndex(git, tmpDir, async (index) => {
    await stageWorkTree(index, paths);
    return true;
  });
}

/**
 * Edits a copy of the checkout's index under git's own `index.lock` and installs it when `edit` returns true,
 * so a concurrent git command sees either the old or the new index, never half of one. Another git holding
 * the lock, or `edit` failing, leaves the index as it was.
 */
async function withCheckoutIndex(git: Git, tmpDir: string, edit: (index: Git) => Promise<boolean>): Promise<boolean> {
  const indexPath = resolve(git.dir, (await git.run(['rev-parse', '--git-path', 'index'])).trim());
  const lockPath = `${indexPath}.lock`;
  let lock: number | undefined;
  try {
    lock = openSync(lockPath, 'wx');
  } catch {
    return false; // another git process holds the index
  }
  let installed = false;
  try {
    const scratch = join(tmpDir, 'checkout-index');
    try {
      copyFileSync(indexPath, scratch);
    } catch {
      return false;
    }
    try {
      if (!(await edit(git.withEnv({ GIT_INDEX_FILE: scratch })))) return false;
    } catch {
      return false;
    }
    writeSync(lock, readFileSync(scratch));
    closeSync(lock);
    lock = undefined;
    renameSync(lockPath, indexPath);
    installed = true;
    return true;
  } finally {
    if (lock !== undefined) closeSync(lock);
    if (!installed) {
      try {
        unlinkSync(lockPath);
      } catch {
        // already gone
      }
    }
  }
}
