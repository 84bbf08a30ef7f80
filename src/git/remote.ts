/**
 * Talking to the remote: learn where its branches are, fetch them, push commits. Pushes are never forced,
 * and a rejection is classified so the caller can tell "someone pushed first, retry" from "you may not push".
 */
import { GitDeliveryError } from './errors';
import { isValidBranchName, isValidRemoteName } from './names';
import { objectStore } from './object-store';
import { GitCommandError, type Git } from './runner';

/** The remote's branch heads Airlock cares about: branch name → commit, absent when the branch does not exist. */
export type RemoteHeads = ReadonlyMap<string, string>;

/**
 * Fetches the named branches that exist on the remote into `refs/remotes/<remote>/<branch>` and returns the
 * commits the remote advertised. Branches that do not exist are absent from the result (and a stale
 * remote-tracking ref for one is not trusted: a merged and deleted `airlock/<id>` branch must not be continued).
 * If the remote moves between listing and fetching, the older advertised commit is returned (its objects are
 * there); the push will then lose the race and retry, which is the safe way round.
 */
export async function fetchHeads(git: Git, remote: string, branches: readonly string[]): Promise<RemoteHeads> {
  // What the remote advertises (unless that was asked ahead, see prefetchHeads) and what the remote-tracking
  // refs hold, asked at once; the refs through the repository's long-lived object reader (no process start).
  const store = objectStore(git.dir);
  const early = takePrefetched(git, remote, branches);
  const [listing, tracking] = await Promise.all([
    (early ?? listRemoteHeads(git, remote, branches)).catch((error: unknown) => {
      throw remoteError(error, `reach remote '${remote}'`, `check that '${remote}' is configured (git remote -v) and reachable, and your credentials`);
    }),
    Promise.all(branches.map((b) => store.resolveCommit(`refs/remotes/${remote}/${b}`))),
  ]);
  const advertised = new Map<string, string>();
  for (const line of listing.split('\n')) {
    const [oid, ref] = line.split('\t');
    if (oid && ref?.startsWith('refs/heads/')) advertised.set(ref.slice('refs/heads/'.length), oid);
  }
  const heads = new Map<string, string>();
  const wanted = branches.filter((b) => advertised.has(b));
  if (wanted.length === 0) return heads;
  // Fetch only what the remote-tracking refs do not already hold (a ref that exists has all its objects).
  const stale = wanted.filter((b) => tracking[branches.indexOf(b)] !== advertised.get(b));
  if (stale.length > 0) {
    try {
      await git.run(['fetch', '--no-tags', '--no-recurse-submodules', '--', remote, ...stale.map((b) => `+refs/heads/${b}:refs/remotes/${remote}/${b}`)]);
    } catch (error) {
      throw remoteError(error, `fetch ${stale.join(', ')} from ${remote}`, 'check the network and your credentials, then run the command again');
    }
  }
  for (const b of wanted) heads.set(b, advertised.get(b)!);
  return heads;
}

function listRemoteHeads(git: Git, remote: string, branches: readonly string[]): Promise<string> {
  return git.run(['ls-remote', '--heads', '--', remote, ...branches.map((b) => `refs/heads/${b}`)]);
}

/** A remote listing asked for ahead of time, per repository directory and remote. */
const prefetched = new Map<string, { readonly branches: ReadonlySet<string>; readonly listing: Promise<string> }>();

/**
 * Asks the remote where `branches` are now, for the next {@link fetchHeads} of this repository and remote
 * (once, and only if it asks about no other branch). Why: the intake's writer knows which branches a batch
 * will propose before it spends ~100 ms writing and synthesizing the incidents; the remote's answer arrives
 * meanwhile instead of after. The answer is as good as one asked later: the remote may move after any
 * listing, and a push that lost such a race is retried on the new head. Invalid names are skipped. The
 * promise settles once the remote has answered (it never rejects).
 */
export function prefetchHeads(git: Git, remote: string, branches: readonly string[]): Promise<void> {
  const valid = branches.filter((b) => isValidBranchName(b));
  if (!isValidRemoteName(remote) || valid.length === 0) return Promise.resolve();
  const listing = listRemoteHeads(git, remote, valid);
  prefetched.set(`${git.dir}\0${remote}`, { branches: new Set(valid), listing });
  // Settles once the remote answered; a failure is reported by the fetch that takes the answer, if any.
  return listing.then(
    () => undefined,
    () => undefined,
  );
}

/** The prefetched listing for this fetch, if there is one that covers every branch it asks about (taken once). */
function takePrefetched(git: Git, remote: string, branches: readonly string[]): Promise<string> | undefined {
  const key = `${git.dir}\0${remote}`;
  const early = prefetched.get(key);
  prefetched.delete(key);
  return early && branches.every((b) => early.branches.has(b)) ? early.listing : undefined;
}

/** How the push of one ref ended. */
export type PushOutcome =
  | { readonly kind: 'pushed' }
  /** The remote moved (non-fast-forward, fetch first, lost a ref-lock race): fetch, rebase and try again. */
  | { readonly kind: 'moved'; readonly reason: string }
  /** Refused for good (a hook, branch protection, permissions): retrying the same commit cannot help. */
  | { readonly kind: 'refused'; readonly error: GitDeliveryError };

/** Reasons git gives for a rejection that another fetch and rebase can cure. */
const RETRYABLE = /non-fast-forward|fetch first|stale info|cannot lock ref|failed to update ref|failed to lock|incorrect old value|but expected/i;

/** One ref to push: `commit` to `refs/heads/<branch>`. */
export interface PushRef {
  readonly commit: string;
  readonly branch: string;
}

/**
 * Pushes several commits to their branches in one `git push` (one connection, one pack), never forced, and
 * reports each ref on its own: the push is not atomic, so a ref that lost a race is `moved` while the others
 * landed. Throws {@link GitDeliveryError} only when the push failed as a whole (network, credentials, a
 * `pre-push` hook) without per-ref results.
 */
export async function pushRefs(git: Git, remote: string, refs: readonly PushRef[]): Promise<Map<string, PushOutcome>> {
  const outcomes = new Map<string, PushOutcome>();
  if (refs.length === 0) return outcomes;
  const result = await git.attempt(['push', '--porcelain', '--', remote, ...refs.map((r) => `${r.commit}:refs/heads/${r.branch}`)]);
  // Porcelain status lines look like "!\t<src>:<dst>\t[rejected] (non-fast-forward)".
  const statuses = new Map<string, string[]>();
  for (const cols of result.stdout.split('\n').map((line) => line.split('\t'))) {
    const dst = cols[1]?.split(':refs/heads/')[1];
    if (cols.length >= 3 && dst !== undefined) statuses.set(dst, cols);
  }
  const wholeFailure = (): GitDeliveryError => {
    const why = firstLine(result.stderr) || `exit code ${result.exitCode}`;
    return refusal(refs.map((r) => r.branch).join(', '), remote, why, result.stderr);
  };
  for (const { branch } of refs) {
    const status = statuses.get(branch);
    const summary = status?.[2]?.trim() ?? '';
    if (status !== undefined && status[0] !== '!') outcomes.set(branch, { kind: 'pushed' });
    else if (status !== undefined && RETRYABLE.test(summary)) {
      outcomes.set(branch, { kind: 'moved', reason: summary.replace(/^\[[^\]]*\]\s*/, '').replace(/^\(|\)$/g, '') || summary });
    } else if (status !== undefined) outcomes.set(branch, { kind: 'refused', error: refusal(branch, remote, summary, result.stderr) });
    else if (result.exitCode === 0) outcomes.set(branch, { kind: 'pushed' });
    else if (RETRYABLE.test(result.stderr)) outcomes.set(branch, { kind: 'moved', reason: firstLine(result.stderr) });
    else throw wholeFailure();
  }
  return outcomes;
}

/**
 * Pushes `commit` to `refs/heads/<branch>`, never forced. Returns `moved` when the remote branch moved under us;
 * throws {@link GitDeliveryError} for every other failure (permissions, hooks, network).
 */
export async function pushCommit(git: Git, remote: string, commit: string, branch: string): Promise<Exclude<PushOutcome, { kind: 'refused' }>> {
  const outcome = (await pushRefs(git, remote, [{ commit, branch }])).get(branch)!;
  if (outcome.kind === 'refused') throw outcome.error;
  return outcome;
}

function refusal(branch: string, remote: string, why: string, stderr: string): GitDeliveryError {
  return new GitDeliveryError(
    `push ${branch} to ${remote}`,
    why,
    /hook|declined|protected/i.test(why + stderr)
      ? `the remote refused the commit (a hook or branch protection); for ${branch} this may need a pull request instead of a direct push`
      : 'check the network, your credentials and your permission to push to this branch',
  );
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '' && !l.startsWith('hint:')) ?? ''
  );
}

function remoteError(error: unknown, operation: string, hint: string): GitDeliveryError {
  const detail = error instanceof GitCommandError ? error.reason : String(error);
  return new GitDeliveryError(operation, detail, hint);
}
