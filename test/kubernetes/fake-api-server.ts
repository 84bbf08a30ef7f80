/**
 * A local HTTPS server that speaks the part of the Kubernetes API `airlock label` uses, with the documented
 * semantics: GET of objects and of a namespace's Services (a List), and PATCH with
 * `application/merge-patch+json` applied as RFC 7386 (null deletes a key, objects merge, everything else
 * replaces), conditional on `metadata.resourceVersion` when the patch carries one (409 Conflict with a
 * Status when stale), a fresh resourceVersion on every write, 415 for other patch types, 401 without the
 * bearer token, 404 Status for unknown objects.
 */
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;

/** One request the server received. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType?: string;
  readonly body?: unknown;
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Json = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const status = (code: number, reason: string, message: string): Json => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });

export class FakeApiServer {
  /** Objects by API path. */
  readonly objects = new Map<string, Json>();
  readonly requests: SeenRequest[] = [];
  token = 'token-1';
  /** Concurrent writes to simulate: each PATCH first bumps the stored resourceVersion while this is positive. */
  concurrentWrites = 0;
  url = '';
  private server!: https.Server;
  private version = 1000;

  /** Stores an object under its path with a fresh resourceVersion. */
  put(path: string, object: Json): void {
    this.objects.set(path, { ...object, metadata: { ...(object.metadata as Json), resourceVersion: String(++this.version) } });
  }

  async start(key: string, cert: string): Promise<void> {
    this.server = https.createServer({ key, cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'https://x').pathname;
        const text = Buffer.concat(chunks).toString('utf8');
        const contentType = req.headers['content-type'];
        this.requests.push({ method: req.method ?? '', path, ...(contentType ? { contentType } : {}), ...(text ? { body: JSON.parse(text) } : {}) });
        const send = (code: number, body: Json): void => {
          res.writeHead(code, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.headers.authorization !== `Bearer ${this.token}`) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
        if (req.method === 'GET') {
          const list = /^\/api\/v1\/namespaces\/([^/]+)\/(services|configmaps)$/.exec(path);
          if (list) {
            // labelSelector with equality terms only (`a=b,c=d`), as the clients here send it.
            const terms = (new URL(req.url ?? '/', 'https://x').searchParams.get('labelSelector') ?? '').split(',').filter(Boolean).map((t) => t.split('='));
            const matches = (o: Json): boolean => terms.every(([k, v]) => ((o.metadata as Json).labels as Record<string, string> | undefined)?.[k!] === v);
            return send(200, { kind: 'List', apiVersion: 'v1', items: [...this.objects].filter(([p, o]) => p.startsWith(`${path}/`) && matches(o)).map(([, o]) => o) });
          }
          const o = this.objects.get(path);
          return o ? send(200, o) : send(404, status(404, 'NotFound', `${path} not found`));
        }
        if (req.method === 'PATCH') {
          if (contentType !== 'application/merge-patch+json') return send(415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`));
          const current = this.objects.get(path);
          if (!current) return send(404, status(404, 'NotFound', `${path} not found`));
          if (this.concurrentWrites > 0) {
            this.concurrentWrites--;
            this.put(path, current);
          }
          const stored = this.objects.get(path)!;
          const patch = JSON.parse(text) as Json;
          const wanted = (patch.metadata as Json | undefined)?.resourceVersion;
          const actual = (stored.metadata as Json).resourceVersion;
          if (wanted !== undefined && wanted !== actual) {
            return send(409, status(409, 'Conflict', `Operation cannot be fulfilled on pods: the object has been modified; please apply your changes to the latest version and try again`));
          }
          this.put(path, mergePatch(stored, patch) as Json);
          return send(200, this.objects.get(path)!);
        }
        send(405, status(405, 'MethodNotAllowed', `${req.method ?? ''} is not allowed`));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
