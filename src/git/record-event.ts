/**
 * Records an event that changes no file — a live pod labelled or restored by `airlock label` — as a commit on
 * the base branch, so the audit trail (`airlock audit`) holds every explicit step, not only the manifests.
 * The commit reuses its parent's tree, so GitOps controllers have nothing to apply. Never forced; a push that
 * loses a race is retried on the new head.
 */
import { GitDeliveryError } from './errors';
import { formatCommitMessage } from './message';
import { fetchHeads, pushCommit } from './remote';
import { openWorkTree } from './runner';
import type { Trailers } from './trailers';

/** Options of {@link recordEvent}. */
export interface RecordEventOptions {
  /** Any directory inside the work tree. */
  readonly cwd: string;
  readonly subject: string;
  readonly body?: string;
  readonly trailers: Trailers;
  /** @default 'origin' */
  readonly remote?: string;
  /** @default 'main' */
  readonly base?: string;
  /** Push attempts before giving up. @default 5 */
  readonly attempts?: number;
}

/** Commits and pushes the event; returns the commit id. */
export async function recordEvent(options: RecordEventOptions): Promise<string> {
  const remote = options.remote ?? 'origin';
  const base = options.base ?? 'main';
  const git = await openWorkTree(options.cwd);
  const message = formatCommitMessage({ subject: options.subject, ...(options.body ? { body: options.body } : {}), trailers: options.trailers });
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const parent = (await fetchHeads(git, remote, [base])).get(base);
    if (!parent) throw new GitDeliveryError(`record ${options.trailers.action} on ${remote}/${base}`, `branch ${base} does not exist on ${remote}`, 'push the base branch first');
    const tree = (await git.run(['rev-parse', `${parent}^{tree}`])).trim();
    const commit = (await git.run(['commit-tree', tree, '-p', parent, '-m', message])).trim();
    const pushed = await pushCommit(git, remote, commit, base);
    if (pushed.kind === 'pushed') return commit;
  }
  throw new GitDeliveryError(`record ${options.trailers.action} on ${remote}/${base}`, `the branch kept moving during ${attempts} attempts`, 'run the command again');
}
