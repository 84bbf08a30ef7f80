/**
 * `proposeChange`: deliver one incident's files to the remote as one commit, on a review branch or (break-glass)
 * straight onto the base branch.
 *
 * What a responder can rely on:
 * - Only the change's paths are committed. The commit is built in a private index from the remote head plus the
 *   work tree's state of those paths; the responder's HEAD, index and other files are never read or written
 *   (one exception below). Nothing else they were doing can end up in the containment commit.
 * - They stay on the branch they were on. Nothing is checked out. In branch mode the commit exists on the remote
 *   and in `refs/remotes/<remote>/<branch>`; `git switch airlock/<id>` gives a local branch tracking it. A local
 *   branch of the pushed name is fast-forwarded only when that is lossless, which is what makes `main` contain a
 *   break-glass commit right after `--direct` from a checkout of `main` (see local-sync.ts).
 * - Proposing is declarative: on the branch, the change's paths become what the work tree holds. A second
 *   proposal of the same incident adds a commit to the same branch (and so updates the same pull request).
 * - Never a force-push, never a rewrite of the base. A push that loses a race is retried on top of the new
 *   remote head (fetch, file-level rebase, `resynthesize`, recommit) with jittered backoff, and gives up with
 *   {@link PushRejectedError}. If someone else changed the same files differently meanwhile, it stops with
 *   {@link ConcurrentEditError} instead of overwriting them.
 * - Nothing changed, nothing committed: `unchanged: true`, no empty commit, no push.
 * - Commit hooks (`pre-commit`, `commit-msg`) do not run (the commit is made with plumbing); `pre-push` does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backoffDelay, retryPolicy, type RetryOptions } from './backoff';
import { GitDeliveryError, PushRejectedError } from './errors';
import { syncLocalBranch, type LocalSync } from './local-sync';
import { formatCommitMessage } from './message';
import { checkBranchName, checkRemoteName, normalizeChangePaths } from './names';
import { fetchHeads, pushCommit } from './remote';
import { GitCommandError, openWorkTree, type Git } from './runner';
import { privateIndex, rebaseStaged, stagePaths } from './stage';
import type { Trailers } from './trailers';

/**
 * Where the commit goes. `branch`: a review branch (`airlock/<id>`), created from the base or continued if it
 * exists. `direct`: break-glass, onto the base branch itself; the reason becomes the `Airlock-Break-Glass` trailer.
 */
export type ProposeMode = { readonly kind: 'branch'; readonly branch: string } | { readonly kind: 'direct'; readonly reason: string };

/** Who the commit is by. */
export interface Identity {
  readonly name: string;
  readonly email: string;
}

/** Progress of a proposal, for the CLI's progress line (and for tests that need to act at an exact moment). */
export type ProposeEvent =
  | { readonly kind: 'fetched'; readonly attempt: number; readonly parent: string }
  | { readonly kind: 'pushing'; readonly attempt: number; readonly commit: string }
  | { readonly kind: 'rejected'; readonly attempt: number; readonly reason: string; readonly retryInMs: number }
  | { readonly kind: 'pushed'; readonly attempt: number; readonly commit: string };

/** Inputs of {@link proposeChange}. */
export interface ProposeOptions {
  /** Any directory inside the repository's work tree. */
  readonly cwd: string;
  /** Repository-relative files and folders of the change (may be deleted in the work tree: that is a deletion). */
  readonly paths: readonly string[];
  /** One line, e.g. `incident(INC-1): isolate pod payments/api-7f9c`. */
  readonly subject: string;
  readonly body?: string;
  /**
   * The commit's trailers. `breakGlass` is ignored here: the break-glass trailer comes from the direct mode's
   * reason only, so a reviewed commit can never claim to be break-glass and a break-glass commit always says so.
   */
  readonly trailers: Trailers;
  readonly mode: ProposeMode;
  /** Default `origin`. */
  readonly remote?: string;
  /** Default `main`. */
  readonly base?: string;
  /** Regenerates the change's files in the work tree after a rebase, before the retry commits them again. */
  readonly resynthesize?: () => Promise<void>;
  readonly retry?: RetryOptions;
  /** Author (and committer, when git has no identity configured). Default: git's configured identity. */
  readonly author?: Identity;
  /** Called at each step; awaited. */
  readonly onEvent?: (event: ProposeEvent) => void | Promise<void>;
}

/** What {@link proposeChange} did. */
export interface ProposeResult {
  /** The pushed commit; when `unchanged`, the remote head that already had this content. */
  readonly commit: string;
  /** Branch on the remote the commit went to (`airlock/<id>`, or the base in direct mode). */
  readonly branch: string;
  readonly remote: string;
  readonly base: string;
  readonly mode: ProposeMode['kind'];
  /** Whether a commit was pushed (false exactly when `unchanged`). */
  readonly pushed: boolean;
  /** The remote already held exactly this content for the change's paths; nothing was committed. */
  readonly unchanged: boolean;
  /** Push attempts made (0 when unchanged before the first push). */
  readonly attempts: number;
  /** What happened to the local branch of the same name (never created, never checked out). */
  readonly local: LocalSync;
}

/** Commits the change's paths on top of the up-to-date remote head and pushes it. See the module comment. */
export async function proposeChange(options: ProposeOptions): Promise<ProposeResult> {
  const paths = normalizeChangePaths(options.paths);
  const remote = options.remote ?? 'origin';
  const base = options.base ?? 'main';
  checkRemoteName(remote);
  checkBranchName(base, 'base branch');
  const target = options.mode.kind === 'branch' ? options.mode.branch : base;
  if (options.mode.kind === 'branch') {
    checkBranchName(target, 'branch');
    if (target === base) {
      throw new GitDeliveryError('propose', `review branch '${target}' is the base branch`, 'use a branch such as airlock/<id>, or direct mode with a reason');
    }
  }
  const { breakGlass: _ignored, ...rest } = options.trailers;
  const trailers: Trailers = options.mode.kind === 'direct' ? { ...rest, breakGlass: options.mode.reason } : rest;
  const message = formatCommitMessage({ subject: options.subject, ...(options.body !== undefined ? { body: options.body } : {}), trailers });
  const policy = retryPolicy(options.retry);
  const emit = async (event: ProposeEvent): Promise<void> => {
    await options.onEvent?.(event);
  };

  const git = await openWorkTree(options.cwd);
  const tmp = await mkdtemp(join(tmpdir(), 'airlock-git-'));
  try {
    const messageFile = join(tmp, 'message');
    await writeFile(messageFile, message, 'utf8');
    const committer = await commitEnvironment(git, options.author);
    const index = privateIndex(git, join(tmp, 'index'));
    const branches = target === base ? [base] : [base, target];

    let heads = await fetchHeads(git, remote, branches);
    let parent = remoteParent(heads, target, base, remote);
    const original = parent;
    for (let attempt = 1; ; attempt++) {
      await emit({ kind: 'fetched', attempt, parent });
      let tree = await stagePaths(index, parent, paths);
      if (parent !== original) tree = await rebaseStaged(index, original, parent, paths, { remote, branch: target });
      const parentTree = (await git.run(['rev-parse', '--verify', '--end-of-options', `${parent}^{tree}`])).trim();
      if (tree === parentTree) {
        return { commit: parent, branch: target, remote, base, mode: options.mode.kind, pushed: false, unchanged: true, attempts: attempt - 1, local: 'untouched' };
      }
      const commit = await commitTree(committer, tree, parent, messageFile);
      await emit({ kind: 'pushing', attempt, commit });
      const outcome = await pushCommit(git, remote, commit, target);
      if (outcome.kind === 'pushed') {
        await emit({ kind: 'pushed', attempt, commit });
        const local = await syncLocalBranch(git, { branch: target, commit, paths, tmpDir: tmp });
        return { commit, branch: target, remote, base, mode: options.mode.kind, pushed: true, unchanged: false, attempts: attempt, local };
      }
      if (attempt >= policy.attempts) throw new PushRejectedError(remote, target, attempt, outcome.reason);
      const delay = backoffDelay(policy, attempt);
      await emit({ kind: 'rejected', attempt, reason: outcome.reason, retryInMs: delay });
      await policy.sleep(delay);
      heads = await fetchHeads(git, remote, branches);
      parent = remoteParent(heads, target, base, remote);
      await options.resynthesize?.();
    }
  } catch (error) {
    if (error instanceof GitCommandError) {
      throw new GitDeliveryError(`git ${error.args[0] ?? ''}`.trim(), error.reason, 'unexpected git failure; the working tree was not changed, run the command again');
    }
    throw error;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The commit to build on: the review branch if it exists on the remote, else the base. */
function remoteParent(heads: ReadonlyMap<string, string>, target: string, base: string, remote: string): string {
  const parent = heads.get(target) ?? heads.get(base);
  if (parent === undefined) {
    throw new GitDeliveryError(
      `find ${remote}/${base}`,
      `branch '${base}' does not exist on remote '${remote}'`,
      `push the repository's first commit to ${remote}/${base}, or name the right base branch`,
    );
  }
  return parent;
}

/** Git bound to the author identity, with the author as committer too when git has no committer configured. */
async function commitEnvironment(git: Git, author: Identity | undefined): Promise<Git> {
  if (author === undefined) return git;
  for (const [what, value] of [['name', author.name], ['email', author.email]] as const) {
    if (value.trim() === '' || /[<>\u0000-\u001f\u007f]/.test(value)) {
      throw new GitDeliveryError('commit', `author ${what} '${value}' cannot be used in a commit`, 'one line without < or >');
    }
  }
  const env: Record<string, string> = { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email };
  if ((await git.attempt(['var', 'GIT_COMMITTER_IDENT'])).exitCode !== 0) {
    Object.assign(env, { GIT_COMMITTER_NAME: author.name, GIT_COMMITTER_EMAIL: author.email });
  }
  return git.withEnv(env);
}

async function commitTree(git: Git, tree: string, parent: string, messageFile: string): Promise<string> {
  try {
    return (await git.run(['commit-tree', tree, '-p', parent, '-F', messageFile])).trim();
  } catch (error) {
    const reason = error instanceof GitCommandError ? error.reason : String(error);
    throw new GitDeliveryError(
      'commit',
      reason,
      /identity|tell me who you are|user\.(name|email)/i.test(reason)
        ? 'configure git user.name and user.email, or pass the author'
        : 'check that git can write to the repository (and that signing works if commit.gpgSign is set)',
    );
  }
}
