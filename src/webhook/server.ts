/**
 * The HTTPS admission webhook (`airlock webhook serve`): answers AdmissionReview v1 on `/validate` from the
 * blocklists it holds, and `ok` on `/healthz` for probes. The blocklists are swapped whole on reload, so a
 * request is always decided against one consistent set.
 */
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Blocklist } from '../admission/blocklist';
import { WEBHOOK_PATH } from '../admission/webhook-configuration';
import { parseAdmissionReview, reviewAdmission, type AdmissionReviewResponse } from './review';
import { WebhookStartError } from './errors';

/** Largest request body accepted; the API server's own limit on an object is 3 MiB, reviews carry two. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** Path answered for liveness and readiness probes. */
export const HEALTH_PATH = '/healthz';

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
  /** The blocklists to enforce at start. */
  readonly blocklists: readonly Blocklist[];
  /** @default 8443 */
  readonly port?: number;
  /** Address to listen on. @default '0.0.0.0' */
  readonly host?: string;
  /** Called after each review is answered. @default none */
  readonly onDecision?: (decision: WebhookDecision) => void;
}

/** A running webhook server. */
export interface WebhookServer {
  /** `https://host:port`, with the port actually bound (useful with port 0). */
  readonly url: string;
  readonly port: number;
  /** Replaces the blocklists for every later request. */
  setBlocklists(blocklists: readonly Blocklist[]): void;
  /** Stops accepting connections and resolves when open ones are done. */
  close(): Promise<void>;
  /** Resolves when the server has closed, however that happened. */
  readonly closed: Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts the server and resolves once it listens. */
export function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  let blocklists = options.blocklists;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = (req.url ?? '/').split('?')[0];
    if (url === HEALTH_PATH && (req.method === 'GET' || req.method === 'HEAD')) return send(res, 200, 'ok\n');
    if (url !== WEBHOOK_PATH) return send(res, 404, `not found; AdmissionReviews go to POST ${WEBHOOK_PATH}\n`);
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, 405, `${WEBHOOK_PATH} accepts POST only\n`);
    }
    const body = await readBody(req);
    if (body === undefined) return send(res, 413, `request body is larger than ${MAX_BODY_BYTES} bytes\n`);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return send(res, 400, 'request body is not JSON\n');
    }
    const parsed = parseAdmissionReview(json);
    if (!parsed.ok) return send(res, 400, `${parsed.error}\n`);
    const review: AdmissionReviewResponse = reviewAdmission(parsed.request, blocklists);
    send(res, 200, JSON.stringify(review), 'application/json');
    options.onDecision?.({
      uid: review.response.uid,
      allowed: review.response.allowed,
      ...(review.response.status ? { message: review.response.status.message } : {}),
    });
  };

  let server: https.Server;
  try {
    server = https.createServer({ key: options.key, cert: options.cert, minVersion: 'TLSv1.2' }, (req, res) => {
      handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) send(res, 500, `internal error: ${(e as Error).message}\n`);
        else res.destroy();
      });
    });
  } catch (e) {
    return Promise.reject(new WebhookStartError(`cannot use the TLS key and certificate: ${(e as Error).message}`));
  }
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
        setBlocklists: (next) => {
          blocklists = next;
        },
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((e) => (e ? fail(e) : done()));
            server.closeIdleConnections();
          }),
        closed,
      });
    });
  });
}
