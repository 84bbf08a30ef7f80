/**
 * The HTTPS admission webhook (`airlock webhook serve`): answers AdmissionReview v1 on `/validate` from the
 * blocklists it holds, liveness on `/healthz`, readiness on `/readyz` and Prometheus metrics on `/metrics`.
 *
 * The blocklists are swapped whole on reload, so a request is always decided against one consistent set. Until
 * the first set arrives the server is alive but not ready, and answers reviews with 503: the API server then
 * applies the webhook's failurePolicy, which is the operator's stated choice for "the webhook cannot decide",
 * rather than this process guessing "allow".
 *
 * Every request is bounded: the body by size (413) and by time (408), the headers and the TLS handshake by
 * time, so a slow or hostile client costs a socket for seconds, not a worker for ever. A malformed request is
 * answered 400 and never reaches the decision code.
 */
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Blocklist } from '../admission/blocklist';
import { WEBHOOK_PATH } from '../admission/webhook-configuration';
import { readBody } from '../http/read-body';
import { parseAdmissionReview, reviewAdmission } from './review';
import { WebhookStartError } from './errors';
import { METRICS_CONTENT_TYPE, WebhookMetrics } from './metrics';

/** Largest request body accepted by default; the API server's own limit on an object is 3 MiB, reviews carry two. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
/**
 * Time allowed by default from a request's headers to its last body byte. The API server gives the whole call
 * `timeoutSeconds` (5 s as Airlock writes it); a body still trickling in after 10 s is not from it.
 */
export const BODY_TIMEOUT_MS = 10_000;
/** Path answered for the liveness probe: the process serves HTTPS. */
export const HEALTH_PATH = '/healthz';
/** Path answered for the readiness probe: blocklists are loaded and reviews are decided. */
export const READY_PATH = '/readyz';
/** Path answered with Prometheus metrics. */
export const METRICS_PATH = '/metrics';

/** One decision, for the operator's log. */
export interface WebhookDecision {
  readonly uid: string;
  readonly allowed: boolean;
  readonly message?: string;
}

/** Options of {@link startWebhookServer}. */
export interface WebhookServerOptions {
  /** PEM private key and certificate chain. */
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  /**
   * The blocklists to enforce at start; leave undefined to start not ready (reviews answered 503) until
   * {@link WebhookServer.setBlocklists} is called, e.g. while a sidecar writes its first snapshot.
   */
  readonly blocklists?: readonly Blocklist[];
  /** @default 8443 */
  readonly port?: number;
  /** Address to listen on. @default '0.0.0.0' */
  readonly host?: string;
  /** Called after each review is answered. @default none */
  readonly onDecision?: (decision: WebhookDecision) => void;
  /** @default MAX_BODY_BYTES */
  readonly maxBodyBytes?: number;
  /** @default BODY_TIMEOUT_MS */
  readonly bodyTimeoutMs?: number;
  /** Time allowed for the request line and headers, and for the TLS handshake. @default 5000 */
  readonly headersTimeoutMs?: number;
}

/** A running webhook server. */
export interface WebhookServer {
  /** `https://host:port`, with the port actually bound (useful with port 0). */
  readonly url: string;
  readonly port: number;
  /** The server's metrics, for callers that record events the server does not see (failed reloads). */
  readonly metrics: WebhookMetrics;
  /** Whether reviews are being decided (blocklists loaded, not shutting down). */
  readonly ready: boolean;
  /** Replaces the blocklists for every later request, and makes the server ready. */
  setBlocklists(blocklists: readonly Blocklist[]): void;
  /**
   * Replaces the TLS key and certificate for new connections (cert-manager renews the Secret in place; a
   * server that kept the first certificate would start failing handshakes when it expires). Throws, keeping
   * the old pair, when the new one is unusable.
   */
  setCertificate(key: string | Buffer, cert: string | Buffer): void;
  /**
   * Fails readiness at once, keeps deciding reviews for `drainMs` (so the Service's endpoints drop this Pod
   * before it stops answering: a fail-closed webhook that vanishes first refuses pods meanwhile), then stops
   * accepting connections and resolves when open ones are done.
   */
  close(drainMs?: number): Promise<void>;
  /** Resolves when the server has closed, however that happened. */
  readonly closed: Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answers without reading the rest of the body, and closes the connection so that body is never parsed as a request. */
function refuse(res: ServerResponse, status: number, body: string): void {
  res.shouldKeepAlive = false;
  res.setHeader('connection', 'close');
  send(res, status, body);
}

function entryCount(blocklists: readonly Blocklist[]): number {
  return blocklists.reduce((n, b) => n + b.digests.size + b.tags.size + b.repositories.size, 0);
}

/** Starts the server and resolves once it listens. */
export function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const metrics = new WebhookMetrics();
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const bodyTimeout = options.bodyTimeoutMs ?? BODY_TIMEOUT_MS;
  const headersTimeout = options.headersTimeoutMs ?? 5000;
  let blocklists: readonly Blocklist[] | undefined;
  let closing = false;
  const isReady = (): boolean => blocklists !== undefined && !closing;

  const setBlocklists = (next: readonly Blocklist[]): void => {
    blocklists = next;
    metrics.reloads.inc(['success']);
    metrics.lastReloadSuccess.set(Math.floor(Date.now() / 1000));
    metrics.incidents.set(next.length);
    metrics.entries.set(entryCount(next));
    metrics.ready.set(isReady() ? 1 : 0);
  };
  if (options.blocklists !== undefined) setBlocklists(options.blocklists);

  const reject = (res: ServerResponse, status: 400 | 405 | 408 | 413 | 503, body: string): void => {
    metrics.rejected.inc([String(status)]);
    if (status === 408 || status === 413) refuse(res, status, body);
    else send(res, status, body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const url = q < 0 ? raw : raw.slice(0, q);
    if (url !== WEBHOOK_PATH) {
      const read = req.method === 'GET' || req.method === 'HEAD';
      if (read && url === HEALTH_PATH) return send(res, 200, 'ok\n');
      if (read && url === READY_PATH) return isReady() ? send(res, 200, 'ready\n') : send(res, 503, closing ? 'shutting down\n' : 'blocklists not loaded yet\n');
      if (read && url === METRICS_PATH) return send(res, 200, metrics.render(), METRICS_CONTENT_TYPE);
      return send(res, 404, `not found; AdmissionReviews go to POST ${WEBHOOK_PATH}\n`);
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return reject(res, 405, `${WEBHOOK_PATH} accepts POST only\n`);
    }
    const body = await readBody(req, maxBody, bodyTimeout);
    if (!body.ok) {
      if (body.status === 413) return reject(res, 413, `request body is larger than ${maxBody} bytes\n`);
      if (body.status === 408) return reject(res, 408, `request body not received within ${bodyTimeout} ms\n`);
      if (!res.destroyed && !req.socket.destroyed) return reject(res, 400, 'request body was cut short\n');
      metrics.rejected.inc(['400']);
      return;
    }
    const lists = blocklists;
    if (lists === undefined) return reject(res, 503, 'blocklists not loaded yet; the failurePolicy decides\n');
    let json: unknown;
    try {
      json = JSON.parse(body.body.toString('utf8'));
    } catch {
      return reject(res, 400, 'request body is not JSON\n');
    }
    const parsed = parseAdmissionReview(json);
    if (!parsed.ok) return reject(res, 400, `${parsed.error}\n`);
    const review = reviewAdmission(parsed.request, lists);
    send(res, 200, JSON.stringify(review), 'application/json');
    const { response } = review;
    metrics.reviews.inc([response.allowed ? 'allowed' : 'denied']);
    metrics.duration.observe((performance.now() - started) / 1000);
    options.onDecision?.({ uid: response.uid, allowed: response.allowed, ...(response.status ? { message: response.status.message } : {}) });
  };

  let server: https.Server;
  try {
    server = https.createServer(
      {
        key: options.key,
        cert: options.cert,
        minVersion: 'TLSv1.2',
        handshakeTimeout: headersTimeout,
        headersTimeout,
        // Whole-request backstop behind the body timer above; checked every second instead of every 30.
        requestTimeout: bodyTimeout + headersTimeout,
        connectionsCheckingInterval: 1000,
      },
      (req, res) => {
        handle(req, res).catch((e: unknown) => {
          metrics.rejected.inc(['500']);
          if (!res.headersSent) send(res, 500, `internal error: ${(e as Error).message}\n`);
          else res.destroy();
        });
      },
    );
  } catch (e) {
    return Promise.reject(new WebhookStartError(`cannot use the TLS key and certificate: ${(e as Error).message}`));
  }
  // The API server keeps connections to webhooks alive; dropping them sooner only adds TLS handshakes.
  server.keepAliveTimeout = 65_000;
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new WebhookStartError(`cannot listen: ${e.message}`)));
    const host = options.host ?? '0.0.0.0';
    server.listen(options.port ?? 8443, host, () => {
      const port = (server.address() as AddressInfo).port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `https://${shownHost}:${port}`,
        port,
        metrics,
        get ready() {
          return isReady();
        },
        setBlocklists,
        setCertificate: (key, cert) => server.setSecureContext({ key, cert, minVersion: 'TLSv1.2' }),
        close: async (drainMs = 0) => {
          if (closing) return closed;
          closing = true;
          metrics.ready.set(0);
          if (drainMs > 0) await new Promise((r) => setTimeout(r, drainMs));
          await new Promise<void>((done, fail) => {
            server.close((e) => (e ? fail(e) : done()));
            server.closeIdleConnections();
          });
        },
        closed,
      });
    });
  });
}
