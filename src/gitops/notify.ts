/**
 * Telling Argo CD or Flux to reconcile now instead of at the next poll (Argo CD: every three minutes). Used by
 * `airlock sync-notify` and, when configured, right after `propose --direct` pushes a break-glass commit.
 *
 * - Argo CD: a GitHub push event to `/api/webhook`, signed with `webhook.github.secret` when one is set.
 * - Flux: a POST to the Receiver's `/hook/<sha256>` URL with the payload its type expects: `github` (the same
 *   push event, HMAC-signed with the Receiver token), `generic-hmac` (signed in `X-Signature`) or `generic`.
 *
 * A notification never fails the push it follows: {@link notifyControllers} reports each controller's outcome
 * and leaves it to the caller to decide (the CLI exits non-zero, `propose` prints a warning).
 */
import { randomUUID } from 'node:crypto';
import { GitopsConfigError } from './errors';
import type { GitopsNotifySettings } from './notify-settings';
import { githubPushEvent, githubPushHeaders, hmacSha256, type PushChange } from './push-event';

/** The outcome for one controller. */
export interface NotifyResult {
  readonly controller: 'argocd' | 'flux';
  /** The endpoint, with a Flux hook path shortened (it is a capability: whoever knows it can trigger reconciles). */
  readonly url: string;
  readonly ok: boolean;
  /** HTTP status of the last attempt, when one answered. */
  readonly status?: number;
  readonly attempts: number;
  /** Why it failed (never contains a secret). */
  readonly error?: string;
}

/** Options of {@link notifyControllers}. */
export interface NotifyOptions {
  /** Where `secretEnv` names are looked up. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Per request. @default 10000 */
  readonly timeoutMs?: number;
  /** Attempts per controller on network errors, 429 and 5xx. @default 3 */
  readonly attempts?: number;
  /** Pause before a retry (doubled each time). @default 250 */
  readonly retryDelayMs?: number;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
}

/** `https://argocd.example.com` → `https://argocd.example.com/api/webhook`; a URL with a path is kept. */
export function argoCdWebhookUrl(url: string): string {
  const parsed = parseHttpUrl(url, 'gitops.argocd.webhookUrl');
  return parsed.pathname === '/' || parsed.pathname === '' ? `${parsed.origin}/api/webhook` : parsed.toString();
}

function parseHttpUrl(url: string, field: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GitopsConfigError(field, `"${url}" is not a URL`, 'http(s)://host[:port]/path');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new GitopsConfigError(field, `"${url}" is not http(s)`, 'http(s)://host[:port]/path');
  if (parsed.username || parsed.password) throw new GitopsConfigError(field, 'the URL carries credentials', 'a URL without user:password; the secret is read from secretEnv');
  return parsed;
}

/** A Flux hook URL with the hash shortened, for messages and JSON output. */
export function redactHookUrl(url: string): string {
  return url.replace(/\/hook\/([0-9a-f]{8})[0-9a-f]+/i, '/hook/$1…');
}

function secretFrom(env: NotifyOptions['env'], name: string | undefined, field: string): string | undefined {
  if (name === undefined) return undefined;
  const value = (env ?? process.env)[name];
  if (!value) throw new GitopsConfigError(field, `the environment variable ${name} is empty or unset`, `export ${name}=<the secret configured in the controller>`);
  return value;
}

/**
 * The pushed change to announce. `repoUrl` is the caller's git remote URL, used when settings name none
 * (`gitops.repoUrl` wins: it is the URL as the controllers know it).
 */
export type NotifyChange = Omit<PushChange, 'repoUrl'> & { readonly repoUrl?: string };

/** A prepared request: what would be sent, without sending it (tests and `--dry-run` read it). */
export interface NotifyRequest {
  readonly controller: 'argocd' | 'flux';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The requests for a change, one per configured controller. Throws GitopsConfigError for a malformed URL or a
 * missing secret (a `github` or `generic-hmac` Receiver cannot be called without its token).
 */
export function notifyRequests(settings: GitopsNotifySettings, change: NotifyChange, env?: NotifyOptions['env']): NotifyRequest[] {
  const requests: NotifyRequest[] = [];
  const repoUrl = settings.repoUrl ?? change.repoUrl;
  if (!repoUrl) throw new GitopsConfigError('gitops.repoUrl', 'no repository URL is known', 'set gitops.repoUrl, or pass the URL of the git remote the controllers clone');
  const body = JSON.stringify(githubPushEvent({ ...change, repoUrl }));
  const delivery = randomUUID();
  if (settings.argocd) {
    const secret = secretFrom(env, settings.argocd.secretEnv, 'gitops.argocd.secretEnv');
    requests.push({ controller: 'argocd', url: argoCdWebhookUrl(settings.argocd.webhookUrl), headers: githubPushHeaders(body, secret, delivery), body });
  }
  if (settings.flux) {
    const url = parseHttpUrl(settings.flux.receiverUrl, 'gitops.flux.receiverUrl');
    if (!/^\/hook\/[0-9a-f]{64}$/i.test(url.pathname)) {
      throw new GitopsConfigError('gitops.flux.receiverUrl', `"${redactHookUrl(settings.flux.receiverUrl)}" is not a Receiver URL`, "https://<receiver-host>/hook/<64 hex digits> (kubectl -n flux-system get receiver airlock -o jsonpath='{.status.webhookPath}')");
    }
    const type = settings.flux.type ?? 'github';
    const secret = secretFrom(env, settings.flux.secretEnv, 'gitops.flux.secretEnv');
    if (!secret && type !== 'generic') throw new GitopsConfigError('gitops.flux.secretEnv', `a ${type} Receiver verifies an HMAC signature made with its token`, 'the name of the environment variable holding the Receiver token (--secret-env NAME)');
    const headers =
      type === 'github'
        ? githubPushHeaders(body, secret, delivery)
        : { 'Content-Type': 'application/json', 'User-Agent': 'airlock-sync-notify', ...(type === 'generic-hmac' ? { 'X-Signature': hmacSha256(secret!, body) } : {}) };
    requests.push({ controller: 'flux', url: url.toString(), headers, body });
  }
  return requests;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends one request with retries on network errors, 429 and 5xx; never throws. */
async function send(request: NotifyRequest, options: NotifyOptions): Promise<NotifyResult> {
  const doFetch = options.fetch ?? fetch;
  const max = Math.max(1, options.attempts ?? 3);
  const shown = redactHookUrl(request.url);
  let last: { status?: number; error: string } = { error: 'not sent' };
  let attempt = 0;
  while (attempt < max) {
    attempt++;
    try {
      const response = await doFetch(request.url, { method: 'POST', headers: request.headers, body: request.body, redirect: 'error', signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
      const text = redactHookUrl((await response.text()).replace(/\s+/g, ' ').trim().slice(0, 200));
      if (response.ok) return { controller: request.controller, url: shown, ok: true, status: response.status, attempts: attempt };
      last = { status: response.status, error: `HTTP ${response.status}${text ? `: ${text}` : ''}` };
      if (response.status !== 429 && response.status < 500) break;
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      last = { error: `could not reach ${shown}: ${cause?.code ?? cause?.message ?? (error as Error).message}` };
    }
    if (attempt < max) await sleep((options.retryDelayMs ?? 250) * 2 ** (attempt - 1));
  }
  return { controller: request.controller, url: shown, ok: false, ...(last.status !== undefined ? { status: last.status } : {}), attempts: attempt, error: last.error };
}

/**
 * Notifies every configured controller of a pushed change, concurrently; resolves to one result per controller
 * and never rejects for an HTTP or network failure (the push already happened). Throws GitopsConfigError only
 * for configuration that cannot work, before anything is sent.
 */
export async function notifyControllers(settings: GitopsNotifySettings, change: NotifyChange, options: NotifyOptions = {}): Promise<NotifyResult[]> {
  const requests = notifyRequests(settings, change, options.env);
  return Promise.all(requests.map((r) => send(r, options)));
}
