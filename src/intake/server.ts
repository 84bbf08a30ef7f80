/**
 * The intake's HTTP(S) server: `POST /v1/falco` (Falcosidekick's webhook output) and `POST /v1/alertmanager`
 * (Alertmanager webhook v4), `/healthz`, `/readyz` and Prometheus `/metrics`.
 *
 * Order of work on a POST, cheapest refusal first: a request presenting no credential is answered 401 before
 * its body is read; the body is read within a size (413) and time (408) bound; the credential is checked
 * against the body (401, or 429 when the replay cache is full); JSON and payload shape are checked (400); then
 * each alert gets the processor's decision. A malformed request never reaches the processor, and no exception
 * escapes a request: the server keeps serving.
 *
 * Answers (JSON): 202 `accepted` with the incident id as soon as the alert is decided and journalled — the
 * proposal runs afterwards in the repository's queue and its outcome goes to the logs and metrics. With
 * `?wait=1` the answer waits for the proposal: 200 when pushed, 422 when the incident was refused, 502 when
 * git delivery failed. 202 `unmatched` (with one reason per rule) and `resolved` are answers too, not errors;
 * 422 refuses a matched alert (invalid name, protected namespace), 429 a full queue. For Alertmanager's
 * groups, the body lists one result per alert and the status is 429 if any alert met a full queue (a resend
 * is harmless: recording is idempotent), with wait the worst 5xx if a proposal failed (same reason), 422 if
 * every alert was refused, otherwise 202 (200 when every proposal waited for was pushed).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { METRICS_CONTENT_TYPE } from '../webhook/metrics';
import type { Alert } from './alert';
import { parseAlertmanagerPayload } from './alertmanager';
import type { Authenticator } from './auth';
import { IntakeStartError } from './errors';
import { parseFalcoPayload } from './falco';
import { readBody } from '../http/read-body';
import type { IntakeMetrics } from './metrics';
import type { AlertOutcome, IntakeProcessor, ProposalOutcome } from './processor';

/** Falcosidekick's webhook output posts here (`webhook.address: https://…/v1/falco`). */
export const FALCO_PATH = '/v1/falco';
/** Alertmanager's `webhook_configs[].url` points here. */
export const ALERTMANAGER_PATH = '/v1/alertmanager';
/** Liveness: the process answers HTTP. */
export const HEALTH_PATH = '/healthz';
/** Readiness: alerts are accepted (fails as soon as shutdown begins, so the Service stops sending). */
export const READY_PATH = '/readyz';
/** Prometheus scrape endpoint (no credentials: it holds counts, never alert content or secrets). */
export const METRICS_PATH = '/metrics';

/** Default body limit: a Falco alert is a few KiB; an Alertmanager group of hundreds of alerts stays well under. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Default time from headers to the last body byte. */
export const BODY_TIMEOUT_MS = 10_000;

/** One request, for the access log: never the body, never a credential. */
export interface RequestLog {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly ms: number;
  readonly remote?: string;
  /** Why it was refused (401/400/413…), in the server's words. */
  readonly reason?: string;
  readonly alerts?: number;
}

/** Options of {@link startIntakeServer}. */
export interface IntakeServerOptions {
  readonly processor: IntakeProcessor;
  readonly authenticator: Authenticator;
  readonly metrics: IntakeMetrics;
  /** PEM key and certificate; without them the server speaks plain HTTP (see the serve command for when that is allowed). */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  /** @default 8080 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default MAX_BODY_BYTES */
  readonly maxBodyBytes?: number;
  /** @default BODY_TIMEOUT_MS */
  readonly bodyTimeoutMs?: number;
  /** Time allowed for the request line, headers and TLS handshake. @default 5000 */
  readonly headersTimeoutMs?: number;
  readonly onRequest?: (entry: RequestLog) => void;
}

/** A running intake server. */
export interface IntakeServer {
  /** `https://host:port` (or `http://`), with the port actually bound. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting alerts (readiness fails, POSTs get 503), waits for queued proposals, then closes. */
  close(): Promise<void>;
  readonly closed: Promise<void>;
}

type Json = Record<string, unknown>;

function send(res: ServerResponse, status: number, body: Json | string, extraHeaders: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
  const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...extraHeaders });
  res.end(text);
}

/** Answers without reading the rest of the body, and closes the connection so the unread body is never parsed as a request. */
function refuse(res: ServerResponse, status: number, body: Json, extraHeaders: Record<string, string> = {}): void {
  res.shouldKeepAlive = false;
  send(res, status, body, { connection: 'close', ...extraHeaders });
}

function outcomeJson(o: AlertOutcome): Json {
  switch (o.status) {
    case 'resolved':
      return { status: o.status, alert: o.alert, reason: 'resolved alerts never contain anything' };
    case 'unmatched':
      return { status: o.status, alert: o.alert, reason: 'no rule of policies/alert-rules.ts matches', reasons: o.reasons };
    case 'rejected':
      return { status: o.status, alert: o.alert, rule: o.rule, code: o.code, ...(o.field ? { field: o.field } : {}), reason: o.reason };
    case 'accepted':
      return { status: o.status, alert: o.alert, rule: o.rule, incident: o.incident, disposition: o.disposition, mode: o.mode };
  }
}

function outcomeStatus(o: AlertOutcome): number {
  if (o.status === 'rejected') return o.code === 'queue-full' ? 429 : 422;
  return 202;
}

function proposalStatus(p: ProposalOutcome): number {
  if (p.ok) return 200;
  return p.errorKind === 'invalid' ? 422 : p.errorKind === 'git' ? 502 : 500;
}

function proposalJson(p: ProposalOutcome): Json {
  if (p.ok) return { status: 'proposed', action: p.action, mode: p.mode, branch: p.branch, commit: p.commit, pushed: p.pushed, unchanged: p.unchanged, alerts: p.alerts };
  return { status: 'failed', errorKind: p.errorKind, error: p.errorKind === 'internal' ? 'internal error (see the server log)' : p.error };
}

/** The status of a group: see the module comment. */
function groupStatus(statuses: readonly number[]): number {
  if (statuses.length === 0) return 202;
  if (statuses.includes(429)) return 429;
  const failures = statuses.filter((s) => s >= 500);
  if (failures.length > 0) return Math.max(...failures);
  if (statuses.every((s) => s === statuses[0])) return statuses[0]!;
  if (statuses.every((s) => s >= 400)) return 422;
  return statuses.some((s) => s === 202) ? 202 : 200;
}

/** Starts the server; resolves once it listens. */
export function startIntakeServer(options: IntakeServerOptions): Promise<IntakeServer> {
  const { processor, authenticator, metrics } = options;
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const bodyTimeout = options.bodyTimeoutMs ?? BODY_TIMEOUT_MS;
  const headersTimeout = options.headersTimeoutMs ?? 5000;
  let closing = false;
  metrics.ready.set(1);

  const handle = async (req: IncomingMessage, res: ServerResponse, log: (status: number, extra?: Partial<RequestLog>) => void): Promise<void> => {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const url = q < 0 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const read = req.method === 'GET' || req.method === 'HEAD';
    let bodyRead = false;
    const fail = (status: number, reason: string, extraHeaders: Record<string, string> = {}): void => {
      metrics.refused.inc([String(status)]);
      log(status, { reason });
      // Close the connection only when an unread body is still coming; otherwise keep-alive saves a handshake.
      if (bodyRead) send(res, status, { status: 'refused', reason }, extraHeaders);
      else refuse(res, status, { status: 'refused', reason }, extraHeaders);
    };
    const answer = (status: number, text: string, headers: Record<string, string> = {}): void => {
      log(status);
      send(res, status, text, headers);
    };
    if (url === HEALTH_PATH && read) return answer(200, 'ok\n');
    if (url === READY_PATH && read) return closing ? answer(503, 'shutting down\n') : answer(200, 'ready\n');
    if (url === METRICS_PATH && read) return answer(200, metrics.render(), { 'content-type': METRICS_CONTENT_TYPE });
    if (url !== FALCO_PATH && url !== ALERTMANAGER_PATH) return fail(404, `not found; alerts go to POST ${FALCO_PATH} or ${ALERTMANAGER_PATH}`);
    if (req.method !== 'POST') return fail(405, `${url} accepts POST only`, { allow: 'POST' });
    if (closing) return fail(503, 'shutting down; resend to another replica or after the restart');
    if (!authenticator.presented(req.headers)) return fail(401, 'missing credentials', { 'www-authenticate': 'Bearer realm="airlock-intake"' });
    const body = await readBody(req, maxBody, bodyTimeout);
    if (!body.ok) {
      if (body.status === 413) return fail(413, `request body is larger than ${maxBody} bytes`);
      if (body.status === 408) return fail(408, `request body not received within ${bodyTimeout} ms`);
      if (!res.destroyed && !req.socket.destroyed) return fail(400, 'request body was cut short');
      metrics.refused.inc(['400']);
      return log(400, { reason: 'client went away' });
    }
    bodyRead = true;
    const auth = authenticator.check(req.headers, body.body);
    if (!auth.ok) return fail(auth.status, auth.reason, auth.status === 401 ? { 'www-authenticate': 'Bearer realm="airlock-intake"' } : { 'retry-after': '5' });
    let json: unknown;
    try {
      json = JSON.parse(body.body.toString('utf8'));
    } catch {
      return fail(400, 'request body is not JSON');
    }
    let alerts: readonly Alert[];
    if (url === FALCO_PATH) {
      const parsed = parseFalcoPayload(json);
      if (!parsed.ok) return fail(400, parsed.error);
      alerts = [parsed.alert];
    } else {
      const parsed = parseAlertmanagerPayload(json);
      if (!parsed.ok) return fail(400, parsed.error);
      alerts = parsed.alerts;
    }
    const outcomes = alerts.map((a) => processor.accept(a));
    const wait = query.get('wait') === '1' || query.get('wait') === 'true';
    const results: Json[] = [];
    const statuses: number[] = [];
    for (const o of outcomes) {
      const json = outcomeJson(o);
      if (wait && o.status === 'accepted' && o.done) {
        const p = await o.done;
        results.push({ ...json, proposal: proposalJson(p) });
        statuses.push(proposalStatus(p));
      } else {
        results.push(json);
        statuses.push(outcomeStatus(o));
      }
    }
    const status = groupStatus(statuses);
    log(status, { alerts: alerts.length });
    const retry: Record<string, string> = status === 429 ? { 'retry-after': '5' } : {};
    if (url === FALCO_PATH) return send(res, status, results[0]!, retry);
    send(res, status, { results }, retry);
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const log = (status: number, extra: Partial<RequestLog> = {}): void =>
      options.onRequest?.({ method: req.method ?? '', path: (req.url ?? '').split('?')[0]!.slice(0, 200), status, ms: Math.round((performance.now() - started) * 10) / 10, ...(req.socket.remoteAddress ? { remote: req.socket.remoteAddress } : {}), ...extra });
    handle(req, res, log).catch((e: unknown) => {
      metrics.refused.inc(['500']);
      log(500, { reason: `internal error: ${(e as Error)?.message}` });
      if (!res.headersSent) send(res, 500, { status: 'error', reason: 'internal error (see the server log)' });
      else res.destroy();
    });
  };

  const serverOptions = { headersTimeout, requestTimeout: bodyTimeout + headersTimeout, connectionsCheckingInterval: 1000 };
  let server: http.Server;
  try {
    server = options.tls
      ? https.createServer({ ...serverOptions, key: options.tls.key, cert: options.tls.cert, minVersion: 'TLSv1.2', handshakeTimeout: headersTimeout }, listener)
      : http.createServer(serverOptions, listener);
  } catch (e) {
    return Promise.reject(new IntakeStartError(`cannot use the TLS key and certificate: ${(e as Error).message}`));
  }
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new IntakeStartError(`cannot listen: ${e.message}`)));
    const host = options.host ?? '127.0.0.1';
    server.listen(options.port ?? 8080, host, () => {
      const port = (server.address() as AddressInfo).port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `${options.tls ? 'https' : 'http'}://${shownHost}:${port}`,
        port,
        close: async () => {
          if (!closing) {
            closing = true;
            metrics.ready.set(0);
            await processor.close();
            await new Promise<void>((done, fail) => {
              server.close((e) => (e ? fail(e) : done()));
              server.closeIdleConnections();
            });
          }
          return closed;
        },
        closed,
      });
    });
  });
}
