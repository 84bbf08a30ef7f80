/**
 * Local HTTP servers (127.0.0.1) that answer like Argo CD's `/api/webhook` and a Flux Receiver, following their
 * sources, and record what the controller would have done:
 *
 * - Argo CD (util/webhook/webhook.go with go-playground/webhooks v6 github): POST only; `X-GitHub-Event` must be
 *   `push` or `ping`; with a secret, `X-Hub-Signature-256` must be the HMAC-SHA256 of the body; the body is
 *   decoded into typed structs (a wrong type fails the event). Then, for every Application: `repoURL` must match
 *   the pattern built from `repository.html_url` (GetWebURLRegex), `targetRevision` the pushed branch (or `HEAD`
 *   and the default branch), and a changed file must lie under a `manifest-generate-paths` path (no files: refresh).
 * - Flux (notification-controller): the path is `/hook/` + sha256(token + name + namespace); `github` verifies
 *   `X-Hub-Signature-256` (or `X-Hub-Signature`) with the token and filters `X-GitHub-Event` by `events`;
 *   `generic-hmac` verifies `X-Signature: <alg>=<hex>`; `generic` accepts any request.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as received. */
export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A running fake. */
export interface FakeServer {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

async function serve(handler: (r: Received) => { status: number; body?: string }): Promise<FakeServer> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      const out = handler(r);
      res.writeHead(out.status, { 'Content-Type': 'text/plain' }).end(out.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function hmacMatches(algorithm: string, secret: string, body: string, hex: string): boolean {
  const expected = createHmac(algorithm, secret).update(body).digest();
  const given = Buffer.from(hex, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** An Application as the webhook handler reads it. */
export interface WebhookApplication {
  readonly metadata: { readonly name: string; readonly annotations?: Readonly<Record<string, string>> };
  readonly spec: { readonly source: { readonly repoURL: string; readonly targetRevision: string; readonly path: string } };
}

/** Argo CD's GetWebURLRegex, ported: any scheme, optional user, optional ssh./altssh. host prefix and port, optional .git. */
export function argoWebUrlRegex(webUrl: string): RegExp {
  const url = new URL(webUrl);
  const quote = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const user = '[\\w\\.][\\w\\.-]{0,30}[\\w\\.\\$-]?';
  return new RegExp(`^((https?|ssh)://)?(${user}@)?((alt)?ssh\\.)?${quote(url.hostname)}(:\\d+)?[:/]${quote(url.pathname.slice(1))}(\\.git)?$`, 'i');
}

/** path.GetAppRefreshPaths + AppFilesHaveChanged for a single-source Application. */
function filesHaveChanged(app: WebhookApplication, changed: readonly string[]): boolean {
  if (changed.length === 0) return true;
  const annotation = app.metadata.annotations?.['argocd.argoproj.io/manifest-generate-paths'];
  if (!annotation) return true;
  const clean = (p: string): string => {
    const parts: string[] = [];
    for (const seg of p.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') parts.pop();
      else parts.push(seg);
    }
    return `/${parts.join('/')}`;
  };
  const refresh = annotation.split(';').filter(Boolean).map((item) => (item.startsWith('/') ? clean(item) : clean(`${app.spec.source.path}/${item}`)));
  return changed.some((f) => refresh.some((r) => clean(f) === r || clean(f).startsWith(`${r === '/' ? '' : r}/`)));
}

function typed(payload: Record<string, unknown>): string | undefined {
  const str = (v: unknown): boolean => v === undefined || typeof v === 'string';
  const strs = (v: unknown): boolean => v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
  const repo = (payload.repository ?? {}) as Record<string, unknown>;
  if (![payload.ref, payload.before, payload.after, repo.html_url, repo.clone_url, repo.full_name, repo.name, repo.default_branch].every(str)) return 'json: cannot unmarshal into a string field';
  for (const c of (payload.commits ?? []) as Record<string, unknown>[]) if (!str(c.id) || !strs(c.added) || !strs(c.modified) || !strs(c.removed)) return 'json: cannot unmarshal commit';
  return undefined;
}

/** A fake Argo CD API server; `refreshed` lists, per accepted push, the Applications it would refresh. */
export async function fakeArgoCd(options: { secret?: string; applications: readonly WebhookApplication[]; failFirst?: number }): Promise<FakeServer & { refreshed: string[][] }> {
  const refreshed: string[][] = [];
  let failures = options.failFirst ?? 0;
  const server = await serve((r) => {
    if (r.path !== '/api/webhook') return { status: 404, body: 'not found' };
    if (failures > 0) {
      failures--;
      return { status: 503, body: 'Queue is full, discarding webhook payload' };
    }
    const event = String(r.headers['x-github-event'] ?? '');
    if (!event) return { status: 400, body: 'Unknown webhook event' };
    if (r.method !== 'POST') return { status: 405, body: 'Webhook processing failed: invalid HTTP Method' };
    if (event !== 'push' && event !== 'ping') return { status: 400, body: 'Webhook processing failed: event not defined to be parsed' };
    if (r.body.length === 0) return { status: 400, body: 'Webhook processing failed: error parsing payload' };
    if (options.secret) {
      const signature = String(r.headers['x-hub-signature-256'] ?? '');
      if (!signature) return { status: 400, body: 'Webhook processing failed: missing X-Hub-Signature-256 Header' };
      if (!hmacMatches('sha256', options.secret, r.body, signature.replace(/^sha256=/, ''))) return { status: 400, body: 'Webhook processing failed: HMAC verification failed' };
    }
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(r.body) as Record<string, unknown>;
    } catch {
      return { status: 400, body: 'Webhook processing failed: error parsing payload' };
    }
    const typeError = typed(payload);
    if (typeError) return { status: 400, body: `Webhook processing failed: ${typeError}` };
    if (event === 'ping') return { status: 200 };
    const repo = payload.repository as { html_url?: string; default_branch?: string };
    if (!repo?.html_url) {
      refreshed.push([]);
      return { status: 200 };
    }
    const revision = String(payload.ref ?? '').split('/').slice(2).join('/') || String(payload.ref ?? '');
    const touchedHead = repo.default_branch === revision;
    const changed = ((payload.commits ?? []) as { added?: string[]; modified?: string[]; removed?: string[] }[]).flatMap((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])]);
    const pattern = argoWebUrlRegex(repo.html_url);
    refreshed.push(
      options.applications
        .filter((app) => {
          const target = app.spec.source.targetRevision.replace(/^refs\/(heads|tags)\//, '');
          const revisionChanged = target === 'HEAD' || target === '' ? touchedHead : target === revision;
          return revisionChanged && pattern.test(app.spec.source.repoURL) && filesHaveChanged(app, changed);
        })
        .map((app) => app.metadata.name),
    );
    return { status: 200 };
  });
  return Object.assign(server, { refreshed });
}

/** A fake notification-controller serving one Receiver; `reconciled` counts requests that would reconcile its resources. */
export async function fakeFluxReceiver(options: { token: string; name: string; namespace: string; type: 'github' | 'generic-hmac' | 'generic'; events?: readonly string[] }): Promise<FakeServer & { hookPath: string; reconciled: () => number }> {
  const hookPath = `/hook/${createHash('sha256').update(options.token + options.name + options.namespace).digest('hex')}`;
  let reconciled = 0;
  const server = await serve((r) => {
    if (r.path !== hookPath) return { status: 404, body: 'receiver not found' };
    if (options.type === 'github') {
      if (!String(r.headers['content-type'] ?? '').startsWith('application/json')) return { status: 400, body: 'unsupported content type' };
      const sig256 = String(r.headers['x-hub-signature-256'] ?? '');
      const sig1 = String(r.headers['x-hub-signature'] ?? '');
      const ok = sig256 ? hmacMatches('sha256', options.token, r.body, sig256.replace(/^sha256=/, '')) : sig1 ? hmacMatches('sha1', options.token, r.body, sig1.replace(/^sha1=/, '')) : false;
      if (!ok) return { status: 400, body: 'unable to validate GitHub payload' };
      const event = String(r.headers['x-github-event'] ?? '');
      if (event === 'ping') return { status: 200 };
      if (options.events && options.events.length > 0 && !options.events.includes(event)) return { status: 200, body: 'event not in the list' };
    } else if (options.type === 'generic-hmac') {
      const [alg, hex] = String(r.headers['x-signature'] ?? '').split('=');
      if (!alg || !hex || !['sha1', 'sha256', 'sha512'].includes(alg) || !hmacMatches(alg, options.token, r.body, hex)) return { status: 401, body: 'unable to validate HMAC signature' };
    }
    reconciled++;
    return { status: 200 };
  });
  return Object.assign(server, { hookPath, reconciled: () => reconciled });
}
