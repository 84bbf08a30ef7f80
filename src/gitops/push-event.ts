/**
 * The GitHub push event Airlock sends to Argo CD's `/api/webhook` and to a Flux `github` Receiver, and its
 * signatures. Argo CD parses it with go-playground/webhooks into typed structs, so only string, boolean and
 * string-array fields are sent (a wrong type fails the whole event). What Argo CD matches on:
 * - `repository.html_url`: host and path, compared with each Application's `repoURL` (any scheme, user, port, `.git`);
 * - `ref`: `refs/heads/<branch>`, compared with `targetRevision` (and `repository.default_branch` for `HEAD`);
 * - `commits[].added/modified/removed`: compared with the `manifest-generate-paths` annotation; an event without
 *   any file refreshes every Application of the repository and revision.
 */
import { createHmac } from 'node:crypto';
import { repoCloneUrl, repoFullName, repoWebUrl } from './source';

/** What changed: the commit on the branch and the repository-relative files it touched. */
export interface PushChange {
  /** Repository URL in any form git accepts; converted to the web and clone URLs a forge reports. */
  readonly repoUrl: string;
  readonly branch: string;
  /** The pushed commit (40 hex digits). */
  readonly commit: string;
  /** The commit the branch pointed to before, when known. @default 40 zeros */
  readonly before?: string;
  /** Files added, changed or removed, e.g. `dist/inc-1/networkpolicy-….yaml`. Empty: refresh regardless of paths. */
  readonly paths: readonly string[];
  /** Commit message, for the controller's logs. @default 'airlock' */
  readonly message?: string;
}

const ZERO = '0'.repeat(40);

/**
 * The push event body. Every path is reported as modified: Argo CD and Flux treat added, modified and removed
 * alike, and `notifyControllers` callers know which files a commit touched, not how.
 */
export function githubPushEvent(change: PushChange): Record<string, unknown> {
  const commit = { id: change.commit, message: change.message ?? 'airlock', distinct: true, added: [] as string[], modified: [...change.paths], removed: [] as string[] };
  return {
    ref: `refs/heads/${change.branch}`,
    before: change.before ?? ZERO,
    after: change.commit,
    created: false,
    deleted: false,
    forced: false,
    repository: {
      name: repoFullName(change.repoUrl).split('/').pop() ?? '',
      full_name: repoFullName(change.repoUrl),
      html_url: repoWebUrl(change.repoUrl),
      clone_url: repoCloneUrl(change.repoUrl),
      default_branch: change.branch,
    },
    pusher: { name: 'airlock', email: '' },
    commits: change.paths.length > 0 ? [commit] : [],
    head_commit: commit,
  };
}

/** `sha256=<hex>` HMAC of the exact body bytes, as GitHub sends in `X-Hub-Signature-256` (and Flux's `X-Signature`). */
export function hmacSha256(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** `sha1=<hex>`, GitHub's legacy `X-Hub-Signature`, still the header older Flux and Bitbucket-style receivers read. */
export function hmacSha1(secret: string, body: string): string {
  return `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
}

/** Headers of a GitHub push delivery; signatures only when a secret is given. */
export function githubPushHeaders(body: string, secret: string | undefined, deliveryId: string): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'airlock-sync-notify',
    'X-GitHub-Event': 'push',
    'X-GitHub-Delivery': deliveryId,
    ...(secret ? { 'X-Hub-Signature-256': hmacSha256(secret, body), 'X-Hub-Signature': hmacSha1(secret, body) } : {}),
  };
}
