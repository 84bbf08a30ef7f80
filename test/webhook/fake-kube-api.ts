/**
 * Just enough of the Kubernetes API, over real HTTPS on loopback, for the blocklist sync: list and watch of
 * ConfigMaps in one namespace with a label selector, bearer-token checks, and the watch stream under the
 * test's control (events are pushed, the stream can be ended or answered with 410 Gone).
 */
import { EventEmitter } from 'node:events';
import * as https from 'node:https';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A ConfigMap as the API returns it. */
export interface ApiConfigMap {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly resourceVersion: string; readonly labels?: Record<string, string> };
  readonly data?: Record<string, string>;
}

/** One request the fake received. */
export interface SeenRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
}

/** Events: `list` and `watch` after each such request is answered (a watch when its stream is open). */
export class FakeKubeApi extends EventEmitter<{ list: [SeenRequest]; watch: [SeenRequest] }> {
  readonly requests: SeenRequest[] = [];
  /** The ConfigMaps a list returns. */
  items: ApiConfigMap[] = [];
  resourceVersion = 100;
  /** Token accepted; anything else gets 401. */
  token = 'token-1';
  /** Status for the next lists (e.g. 403), then back to 200. */
  failLists: number[] = [];
  private watches: ServerResponse[] = [];
  private server!: https.Server;
  url = '';

  async start(key: string, cert: string): Promise<void> {
    this.server = https.createServer({ key, cert }, (req, res) => {
      const u = new URL(req.url ?? '/', 'https://x');
      const seen: SeenRequest = { path: u.pathname, query: u.searchParams, authorization: req.headers.authorization };
      this.requests.push(seen);
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${this.token}`) return json(401, { kind: 'Status', code: 401, message: 'Unauthorized' });
      if (u.pathname !== '/api/v1/namespaces/airlock-system/configmaps') return json(404, { kind: 'Status', code: 404, message: 'not found' });
      if (u.searchParams.get('watch') === 'true') {
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        res.flushHeaders();
        this.watches.push(res);
        res.on('close', () => (this.watches = this.watches.filter((w) => w !== res)));
        this.emit('watch', seen);
        return;
      }
      const failure = this.failLists.shift();
      if (failure !== undefined) return json(failure, { kind: 'Status', code: failure, message: `configmaps is forbidden (${failure})` });
      json(200, { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: String(this.resourceVersion) }, items: this.items });
      this.emit('list', seen);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A blocklist ConfigMap with the next resourceVersion. */
  configMap(name: string, data: Record<string, string>): ApiConfigMap {
    return { metadata: { name, namespace: 'airlock-system', resourceVersion: String(++this.resourceVersion), labels: { 'airlock.dev/blocklist': 'images' } }, data };
  }

  /** Sends one watch event to every open watch. */
  push(type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK', object: ApiConfigMap): void {
    for (const w of this.watches) w.write(`${JSON.stringify({ type, object })}\n`);
  }

  /** Tells open watches their resourceVersion is too old, as the API server does after compaction. */
  gone(): void {
    for (const w of this.watches) {
      w.write(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version' } })}\n`);
      w.end();
    }
  }

  async close(): Promise<void> {
    for (const w of this.watches) w.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
