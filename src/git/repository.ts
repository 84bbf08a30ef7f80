/**
 * `proposeChanges`: deliver incidents' files to the remote, one commit per change, each on its review branch or
 * (break-glass) straight onto the base branch, in one fetch and one push for the whole batch. `proposeChange`
 * is the same for a single change.
 *
 * What a responder can rely on:
 * - Only the change's paths are committed. The commit's tree is the remote head's with those paths replaced by
 *   the work tree's state of them (stage.ts, tree-edit.ts); the responder's HEAD, index and other files are never
 *   read or written (two exceptions below). Nothing else they were doing can end up in the containment commit.
 * - They stay on the branch they were on. Nothing is checked out. In branch mode the commit exists on the remote
 *   and in `refs/remotes/<remote>/<branch>`; `git switch airlock/<id>` gives a local branch tracking it. A local
 *   branch of the pushed name is fast-forwarded only when that is lossless, which is what makes `main` contain a
 *   break-glass commit right after `--direct` from a checkout of `main` (see local-sync.ts).
 * - With `stageInCheckout` (the CLI), review-branch files are staged in the index of a checkout of the base, so
 *   that `git pull` of the merged pull request fast-forwards over them instead of refusing to overwrite
 *   untracked files (see local-sync.ts).
 * - Proposing is declarative: on the branch, the change's paths become what the work tree holds. A second
 *   proposal of the same incident adds a commit to the same branch (and so updates the same pull request).
 * - Never a force-push, never a rewrite of the base. A push that loses a race is retried on top of the new
 *   remote head (fetch, file-level rebase, `resynthesize`, recommit) with jittered backoff, and gives up with
 *   {@link PushRejectedError}. If someone else changed the same files differently meanwhile, it stops with
 *   {@link ConcurrentEditError} instead of overwriting them.
 * - Nothing changed, nothing committed: `unchanged: true`, no empty commit, no push.
 * - A batch is one `git fetch`, one `git push` carrying every ref, and per-ref results: a change whose branch
 *   lost a race is retried alone, on top of the new head, without redoing the ones that landed. Break-glass
 *   changes of a batch are chained, one commit each, and land on the base together.
 * - Commit hooks (`pre-commit`, `commit-msg`) do not run (the commit is made with plumbing); `pre-push` does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backoffDelay, retryPolicy, type RetryOptions } from './backoff';
import { askCommitIdentity, cachedCommitIdentity, type CommitIdentity } from './commit-identity';
import { GitDeliveryError, PushRejectedError } from './errors';
import { readLocalBranches, readLocalBranchesAmong, stageInCheckout, syncLocalBranches, type LocalSync } from './local-sync';
import { formatCommitMessage } from './message';
import { checkBranchName, checkRemoteName, isValidBranchName, normalizeChangePaths } from './names';
import { fetchHeads, pushRefs, type PushRef, type RemoteHeads } from './remote';
import { GitCommandError, openWorkTree, type Git } from './runner';
import { filesInTree, mergeFiles, workTreeFiles, type FileSet, type UnwrittenFolders } from './stage';
import type { Trailers } from './trailers';
import { objectStore } from './object-store';
import type { PackObject } from './pack-file';
import { ancestorDirs, commitObject, objectAlgorithm, pathsInCommit, readTreeDirs, replacePaths, unstoredTrees, type TreeDir } from './tree-edit';

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

/** Progress of a change, for the CLI's progress line (and for tests that need to act at an exact moment). */
export type ProposeEvent =
  | { readonly kind: 'fetched'; readonly branch: string; readonly attempt: number; readonly parent: string }
  | { readonly kind: 'pushing'; readonly branch: string; readonly attempt: number; readonly commit: string }
  | { readonly kind: 'rejected'; readonly branch: string; readonly attempt: number; readonly reason: string; readonly retryInMs: number }
  | { readonly kind: 'pushed'; readonly branch: string; readonly attempt: number; readonly commit: string };

/** One change: the files it commits, its message and where it goes. */
export interface Change {
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
}

/** What every proposal shares: the repository, the remote and how to retry. */
interface DeliveryOptions {
  /** Any directory inside the repository's work tree. */
  readonly cwd: string;
  /** Default `origin`. */
  readonly remote?: string;
  /** Default `main`. */
  readonly base?: string;
  /** Regenerates the changes' files in the work tree after a rebase, before the retry commits them again. */
  readonly resynthesize?: () => Promise<void>;
  readonly retry?: RetryOptions;
  /** Author (and committer, when git has no identity configured). Default: git's configured identity. */
  readonly author?: Identity;
  /** Called at each step; awaited. */
  readonly onEvent?: (event: ProposeEvent) => void | Promise<void>;
  /**
   * When the work tree is a checkout of the base branch, stage the files delivered on review branches in its
   * index (see stageInCheckout), so that `git pull` of the merged pull request works. Default false: the
   * intake's checkout is Airlock's own; the CLI sets it for the responder's.
   */
  readonly stageInCheckout?: boolean;
}

/** Inputs of {@link proposeChange}. */
export interface ProposeOptions extends DeliveryOptions, Change {}

/** Inputs of {@link proposeChanges}. */
export interface ProposeChangesOptions extends DeliveryOptions {
  /**
   * The changes, or a function building them once the base is fetched, from which of `probe` exist on the base
   * (e.g. to say `contain` or `update`). At most one change per review branch.
   */
  readonly changes: readonly Change[] | ((onBase: ReadonlySet<string>) => readonly Change[]);
  /** Repository paths whose presence on the fetched base `changes` is told. */
  readonly probe?: readonly string[];
  /** Review branches to fetch together with the base when `changes` is a function (saves a round trip). */
  readonly branches?: readonly string[];
  /**
   * Folders of the changes not written to the work tree yet: the first attempt stages them from memory and
   * writes them while its push runs (see UnwrittenFolders); a retry finds them written.
   */
  readonly unwritten?: UnwrittenFolders;
}

/** What {@link proposeChange} did. */
export interface ProposeResult {
  /** The pushed commit; when `unchanged`, the head that already had this content. */
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
  /**
   * When `unchanged`: the branch that holds the content, `branch` itself or, for a review branch that does not
   * exist (yet, or any more), the base.
   */
  readonly alreadyOn?: string;
  /** Push attempts made (0 when unchanged before the first push). */
  readonly attempts: number;
  /** What happened to the local branch of the same name (never created, never checked out). */
  readonly local: LocalSync;
}

/** How one change of a batch ended: delivered (or already there), or failed on its own. */
export type ChangeResult = { readonly ok: true; readonly result: ProposeResult } | { readonly ok: false; readonly error: GitDeliveryError };

/** Commits the change's paths on top of the up-to-date remote head and pushes it. See the module comment. */
export async function proposeChange(options: ProposeOptions): Promise<ProposeResult> {
  const { paths, subject, body, trailers, mode, ...delivery } = options;
  const [outcome] = await proposeChanges({ ...delivery, changes: [{ paths, subject, ...(body !== undefined ? { body } : {}), trailers, mode }] });
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.result;
}

/** A change checked and ready to commit, with its state across attempts. */
interface Pending {
  readonly index: number;
  readonly paths: readonly string[];
  readonly mode: ProposeMode;
  /** Branch the commit goes to. */
  readonly target: string;
  readonly message: string;
  /** Where the message is written for `git commit-tree`, when git must make the commit (see attemptBatch). */
  readonly messageFile: string;
  /** The head the first attempt built on; a retry rebases from it onto the new head. */
  original?: string;
  parent?: string;
  attempts: number;
}

/**
 * Commits each change on top of the up-to-date remote head of its branch and pushes them all at once. Returns
 * one result per change, in order; a change that failed on its own (a conflicting concurrent edit, a hook
 * refusing its branch, a race lost every time) is an error result and does not fail the others. Throws
 * {@link GitDeliveryError} for what fails the whole batch (remote unreachable, missing base, bad names).
 */
export async function proposeChanges(options: ProposeChangesOptions): Promise<ChangeResult[]> {
  const remote = options.remote ?? 'origin';
  const base = options.base ?? 'main';
  checkRemoteName(remote);
  checkBranchName(base, 'base branch');
  const policy = retryPolicy(options.retry);
  const emit = async (event: ProposeEvent): Promise<void> => {
    await options.onEvent?.(event);
  };

  const git = await openWorkTree(options.cwd);
  const tmp = await mkdtemp(join(tmpdir(), 'airlock-git-'));
  try {
    const committer = await commitEnvironment(git, options.author);
    const early = typeof options.changes === 'function' ? (options.branches ?? []) : options.changes.flatMap((c) => (c.mode.kind === 'branch' ? [c.mode.branch] : []));
    // Read now, alongside the rest (see readLocalBranches); used once the pushes are done, for the branches
    // known now (the base is pushed only in break-glass mode, and then listed after the push).
    const valid = early.filter((b) => isValidBranchName(b));
    const localBranches = readLocalBranchesAmong(git, valid);
    localBranches.catch(() => undefined);
    const identity$ = options.author === undefined ? cachedCommitIdentity(git) : askCommitIdentity(committer).then((r) => r.identity);
    const [identity, fetched] = await Promise.all([identity$, fetchHeads(git, remote, unique([base, ...valid]))]);
    let heads = fetched;
    const onBase = options.probe?.length ? await pathsInCommit(git, baseHead(heads, remote, base), options.probe) : new Set<string>();
    const changes = typeof options.changes === 'function' ? options.changes(onBase) : options.changes;
    const pending = changes.map((change, index) => prepare(change, index, base, tmp));
    const targets = pending.filter((p) => p.mode.kind === 'branch').map((p) => p.target);
    const twice = targets.find((t, i) => targets.indexOf(t) !== i);
    if (twice) throw new GitDeliveryError('propose', `two changes of one batch go to branch '${twice}'`, 'propose them one after the other, or as one change');
    const late = targets.filter((t) => !early.includes(t));
    if (late.length > 0) heads = new Map([...heads, ...(await fetchHeads(git, remote, late))]);

    const results: ChangeResult[] = new Array(pending.length);
    const landed: Array<{ item: Pending; commit: string }> = [];
    let todo = pending;
    for (let attempt = 1; todo.length > 0; attempt++) {
      const retry = await attemptBatch(git, committer, identity, todo, heads, { remote, base, attempt, tmp, emit, ...(attempt === 1 && options.unwritten ? { unwritten: options.unwritten } : {}) });
      for (const [item, outcome] of retry.done) {
        if (outcome.ok && outcome.result.pushed) landed.push({ item, commit: outcome.result.commit });
        results[item.index] = outcome;
      }
      todo = retry.moved.map(([item]) => item);
      if (todo.length === 0) break;
      if (attempt >= policy.attempts) {
        for (const [item, reason] of retry.moved) results[item.index] = { ok: false, error: new PushRejectedError(remote, item.target, attempt, reason) };
        break;
      }
      const delay = backoffDelay(policy, attempt);
      for (const [item, reason] of retry.moved) await emit({ kind: 'rejected', branch: item.target, attempt, reason, retryInMs: delay });
      await policy.sleep(delay);
      heads = await fetchHeads(git, remote, unique([base, ...todo.map((p) => p.target)]));
      await options.resynthesize?.();
    }

    // The responder's local branches of the pushed names, fast-forwarded where that is lossless. Break-glass
    // changes land together, in chain order, so the last one pushed to the base is its tip.
    const tips = new Map<string, { commit: string; paths: string[] }>();
    for (const { item, commit } of landed) tips.set(item.target, { commit, paths: [...(tips.get(item.target)?.paths ?? []), ...item.paths] });
    const known = await localBranches;
    const listing = [...tips.keys()].every((b) => known.names.has(b)) ? Promise.resolve(known.listing) : readLocalBranches(git);
    const local = await syncLocalBranches(git, [...tips].map(([branch, t]) => ({ branch, commit: t.commit, paths: t.paths })), tmp, listing);
    const reviewed = pending.filter((p) => p.mode.kind === 'branch' && results[p.index]?.ok).flatMap((p) => p.paths);
    if (options.stageInCheckout && reviewed.length > 0 && (await git.attempt(['symbolic-ref', '-q', 'HEAD'])).stdout.trim() === `refs/heads/${base}`) {
      await stageInCheckout(git, reviewed, tmp);
    }
    return results.map((r) => (r.ok && r.result.pushed ? { ok: true, result: { ...r.result, local: local.get(r.result.branch) ?? 'untouched' } } : r));
  } catch (error) {
    if (error instanceof GitCommandError) {
      throw new GitDeliveryError(`git ${error.args[0] ?? ''}`.trim(), error.reason, 'unexpected git failure; the working tree was not changed, run the command again');
    }
    throw error;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

function prepare(change: Change, index: number, base: string, tmp: string): Pending {
  const paths = normalizeChangePaths(change.paths);
  const target = change.mode.kind === 'branch' ? change.mode.branch : base;
  if (change.mode.kind === 'branch') {
    checkBranchName(target, 'branch');
    if (target === base) {
      throw new GitDeliveryError('propose', `review branch '${target}' is the base branch`, 'use a branch such as airlock/<id>, or direct mode with a reason');
    }
  }
  const { breakGlass: _ignored, ...rest } = change.trailers;
  const trailers: Trailers = change.mode.kind === 'direct' ? { ...rest, breakGlass: change.mode.reason } : rest;
  const message = formatCommitMessage({ subject: change.subject, ...(change.body !== undefined ? { body: change.body } : {}), trailers });
  return { index, paths, mode: change.mode, target, message, messageFile: join(tmp, `message-${index}`), attempts: 0 };
}

function baseHead(heads: RemoteHeads, remote: string, base: string): string {
  const head = heads.get(base);
  if (head === undefined) {
    throw new GitDeliveryError(
      `find ${remote}/${base}`,
      `branch '${base}' does not exist on remote '${remote}'`,
      `push the repository's first commit to ${remote}/${base}, or name the right base branch`,
    );
  }
  return head;
}

/** The files of `all` at or under `paths`. */
function within(all: FileSet, paths: readonly string[]): FileSet {
  return new Map([...all].filter(([file]) => paths.some((p) => file === p || file.startsWith(`${p}/`))));
}

interface AttemptContext {
  readonly remote: string;
  readonly base: string;
  readonly attempt: number;
  readonly tmp: string;
  readonly emit: (event: ProposeEvent) => Promise<void>;
  readonly unwritten?: UnwrittenFolders;
}

/**
 * One round: build each pending change on its branch's current head, write the trees, commit, push every ref
 * at once. Returns the changes that are settled and those whose ref lost a race (with git's reason).
 */
async function attemptBatch(
  git: Git,
  committer: Git,
  identity: CommitIdentity | undefined,
  todo: readonly Pending[],
  heads: RemoteHeads,
  ctx: AttemptContext,
): Promise<{ done: Array<[Pending, ChangeResult]>; moved: Array<[Pending, string]> }> {
  const { remote, base, attempt, tmp, emit, unwritten } = ctx;
  const head = baseHead(heads, remote, base);
  for (const item of todo) {
    item.parent = item.mode.kind === 'direct' ? head : (heads.get(item.target) ?? head);
    item.original ??= item.parent;
    await emit({ kind: 'fetched', branch: item.target, attempt, parent: item.parent });
  }
  const byParent = new Map<string, Pending[]>();
  for (const item of todo) byParent.set(item.parent!, [...(byParent.get(item.parent!) ?? []), item]);
  const algorithm = objectAlgorithm(head);
  const [staged, snapshots] = await Promise.all([
    workTreeFiles(git, unique(todo.flatMap((p) => p.paths)), join(tmp, `index-${attempt}`), algorithm, unwritten),
    Promise.all([...byParent].map(async ([parent, items]) => [parent, await readTreeDirs(git, parent, ancestorDirs(items.flatMap((i) => i.paths)))] as const)),
  ]);
  const mine = staged.files;
  const snapshot = new Map(snapshots);

  const done: Array<[Pending, ChangeResult]> = [];
  const result = (item: Pending, commit: string, pushed: boolean): ChangeResult => ({
    ok: true,
    result: {
      commit,
      branch: item.target,
      remote,
      base,
      mode: item.mode.kind,
      pushed,
      unchanged: !pushed,
      ...(pushed ? {} : { alreadyOn: heads.has(item.target) ? item.target : base }),
      attempts: pushed ? attempt : attempt - 1,
      local: 'untouched',
    },
  });
  /** The files to commit for `item`: the work tree's, rebased file by file when its head moved since the first attempt. */
  const filesOf = async (item: Pending): Promise<FileSet> => {
    const files = within(mine, item.paths);
    if (item.parent === item.original) return files;
    const [before, theirs] = await Promise.all([filesInTree(git, item.original!, item.paths), filesInTree(git, item.parent!, item.paths)]);
    return mergeFiles(before, theirs, files, { remote, branch: item.target });
  };

  // Trees: review branches each on their own head; break-glass changes chained on the base head.
  const built: Array<{ item: Pending; tree: TreeDir; parentTree: TreeDir }> = [];
  const failed = (item: Pending, error: unknown): void => {
    if (!(error instanceof GitDeliveryError)) throw error;
    done.push([item, { ok: false, error }]);
  };
  let chain: TreeDir | undefined;
  for (const item of todo) {
    try {
      const start = item.mode.kind === 'direct' ? (chain ?? snapshot.get(head)!) : snapshot.get(item.parent!)!;
      const tree = replacePaths(start, item.paths, await filesOf(item));
      if (item.mode.kind === 'direct') chain = tree;
      built.push({ item, tree, parentTree: start });
    } catch (error) {
      failed(item, error);
    }
  }
  // Commits: review branches each on their head; the break-glass chain in order, each on the previous one.
  // Computed here and stored with the blobs and trees as one pack; or, when git must make the commits
  // (`commit-tree`: no plain identity, e.g. signing), one `commit-tree` each after the pack is stored.
  const commits = new Map<Pending, string>();
  const computed: PackObject[] = [];
  const objects: PackObject[] = [...staged.blobs, ...unstoredTrees(built.map((b) => b.tree))];
  const store = objectStore(git.dir);
  if (!identity) await store.writePack(objects, algorithm);
  const commit = async (b: (typeof built)[number], parent: string): Promise<string> => {
    if (!identity) {
      await writeFile(b.item.messageFile, b.item.message, 'utf8');
      return commitTree(committer, b.tree.oid(), parent, b.item.messageFile);
    }
    const object = commitObject(algorithm, { tree: b.tree.oid(), parent, ...identity, message: b.item.message });
    computed.push(object);
    return object.oid;
  };
  let tip = head;
  for (const b of built.filter((x) => x.item.mode.kind === 'direct')) {
    if (b.tree.oid() === b.parentTree.oid()) continue;
    tip = await commit(b, tip);
    commits.set(b.item, tip);
  }
  await Promise.all(
    built.filter((x) => x.item.mode.kind === 'branch' && x.tree.oid() !== x.parentTree.oid()).map(async (b) => commits.set(b.item, await commit(b, b.item.parent!))),
  );
  if (identity) await store.writePack([...objects, ...computed], algorithm);
  for (const b of built) if (!commits.has(b.item)) done.push([b.item, result(b.item, b.item.mode.kind === 'direct' ? tip : b.item.parent!, false)]);

  const refs: PushRef[] = [...commits].filter(([item]) => item.mode.kind === 'branch').map(([item, commit]) => ({ commit, branch: item.target }));
  if (tip !== head) refs.push({ commit: tip, branch: base });
  for (const [item, commit] of commits) await emit({ kind: 'pushing', branch: item.target, attempt, commit });
  const pushing = pushRefs(git, remote, refs);
  if (unwritten) {
    // The disk's work overlaps the remote's: let the push start, then write synchronously meanwhile.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      unwritten.write();
    } catch (error) {
      await pushing.catch(() => undefined);
      throw error;
    }
  }
  const outcomes = await pushing;

  const moved: Array<[Pending, string]> = [];
  for (const [item, commit] of commits) {
    const outcome = outcomes.get(item.target)!;
    if (outcome.kind === 'pushed') {
      await emit({ kind: 'pushed', branch: item.target, attempt, commit });
      done.push([item, result(item, commit, true)]);
    } else if (outcome.kind === 'moved') moved.push([item, outcome.reason]);
    else done.push([item, { ok: false, error: outcome.error }]);
  }
  return { done, moved };
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
