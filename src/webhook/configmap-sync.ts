/**
 * `airlock webhook sync-blocklists`: the sidecar that turns "every ConfigMap labelled
 * `airlock.dev/blocklist=images` in airlock-system" into a directory the webhook server reads.
 *
 * Why a sidecar and not a volume: a Pod can only mount ConfigMaps it names, and naming each incident's
 * ConfigMap in the Deployment would make every incident edit one shared file, which the design forbids. Why
 * not the server itself calling the API: the process that parses untrusted AdmissionReviews on a port the
 * whole cluster network can reach then holds no credentials at all; only this container, which listens on
 * nothing, gets the service-account token (list/watch ConfigMaps in one namespace).
 *
 * It lists the ConfigMaps, then watches them (resuming from the last resourceVersion, re-listing when the
 * API server says 410 Gone), and after each change writes a complete snapshot the way kubelet writes a
 * mounted ConfigMap: a new hidden `..<time>` directory with one sub-directory per ConfigMap and one file per
 * key, then an atomic rename of the `..data` symlink onto it. The server therefore sees either the old or the
 * new set, never a mix, and the same reader serves kubelet mounts and this snapshot.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs/promises';
import * as fsSync from 'node:fs';
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import * as path from 'node:path';
import { SNAPSHOT_LINK } from './blocklist-source';

/** How to reach the Kubernetes API: in the cluster, from the service-account mount (see {@link inClusterApiConfig}). */
export interface KubeApiConfig {
  /** `https://host:port` of the API server. */
  readonly server: string;
  /** PEM CA bundle that signed the API server's certificate. */
  readonly ca?: string | Buffer;
  /** Bearer token file, re-read for every request: projected service-account tokens are rotated by kubelet. */
  readonly tokenFile?: string;
}

/** Where kubelet projects the service account's token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The API server as seen from inside a Pod (`KUBERNETES_SERVICE_HOST`/`_PORT` and the service-account files). */
export function inClusterApiConfig(env: NodeJS.ProcessEnv = process.env, dir: string = SERVICE_ACCOUNT_DIR): KubeApiConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new Error('KUBERNETES_SERVICE_HOST is not set: not running in a Pod; pass --api-server');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: fsSync.readFileSync(path.join(dir, 'ca.crt')),
    tokenFile: path.join(dir, 'token'),
  };
}

/** The parts of a ConfigMap the snapshot keeps. */
export interface SyncedConfigMap {
  readonly name: string;
  readonly resourceVersion: string;
  readonly data: Readonly<Record<string, string>>;
}

/** A DNS-1123 subdomain, which every ConfigMap name is; checked again so a name can never be a path. */
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** ConfigMap keys as the API accepts them, minus a leading dot (kubelet's `..` names and hidden files). */
const KEY = /^[-_a-zA-Z0-9][-._a-zA-Z0-9]*$/;

/**
 * Writes `configMaps` under `dir` as one atomic generation (see the module comment) and removes older
 * generations. Keys that could not be file names are skipped. Returns the generation's name.
 */
export async function writeSnapshot(dir: string, configMaps: readonly SyncedConfigMap[]): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('.', '_');
  const generation = `..${stamp}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const root = path.join(dir, generation);
  await fs.mkdir(root, { mode: 0o755 });
  for (const cm of [...configMaps].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!NAME.test(cm.name)) continue;
    await fs.mkdir(path.join(root, cm.name), { mode: 0o755 });
    for (const [key, value] of Object.entries(cm.data)) {
      if (KEY.test(key)) await fs.writeFile(path.join(root, cm.name, key), value, { mode: 0o644 });
    }
  }
  const tmp = path.join(dir, `${SNAPSHOT_LINK}_tmp`);
  await fs.rm(tmp, { force: true });
  await fs.symlink(generation, tmp);
  await fs.rename(tmp, path.join(dir, SNAPSHOT_LINK));
  for (const entry of await fs.readdir(dir)) {
    if (entry.startsWith('..') && entry !== generation && entry !== SNAPSHOT_LINK && entry !== `${SNAPSHOT_LINK}_tmp`) {
      await fs.rm(path.join(dir, entry), { recursive: true, force: true });
    }
  }
  return generation;
}

/** Options of {@link ConfigMapSync}. */
export interface ConfigMapSyncOptions {
  readonly api: KubeApiConfig;
  readonly namespace: string;
  /** Label selector, e.g. `airlock.dev/blocklist=images`. */
  readonly labelSelector: string;
  /** Directory to write snapshots into (an emptyDir shared with the server container). */
  readonly dir: string;
  /** First retry delay after an error; doubles up to 30 s. @default 1000 */
  readonly retryMs?: number;
  /** Seconds a watch call lasts before it is renewed (the API server's `timeoutSeconds`). @default 300 */
  readonly watchSeconds?: number;
}

/** Events of {@link ConfigMapSync}. */
export interface ConfigMapSyncEvents {
  /** A snapshot was written (after the first list, then after each change). */
  synced: [{ readonly names: readonly string[]; readonly generation: string }];
  /** A list, watch or write failed; the sync retries with back-off and the last snapshot stays. */
  'sync-failed': [{ readonly error: Error }];
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

function toSynced(o: unknown): SyncedConfigMap | undefined {
  const meta = obj(obj(o).metadata);
  if (typeof meta.name !== 'string') return undefined;
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(obj(o).data))) if (typeof v === 'string') data[k] = v;
  return { name: meta.name, resourceVersion: String(meta.resourceVersion ?? ''), data };
}

/**
 * Lists and watches the blocklist ConfigMaps and keeps `dir` in step. `run()` returns when `stop()` is called;
 * errors are emitted as `sync-failed` and retried, never thrown, because the sidecar's job is to recover.
 */
export class ConfigMapSync extends EventEmitter<ConfigMapSyncEvents> {
  private readonly configMaps = new Map<string, SyncedConfigMap>();
  private readonly abort = new AbortController();
  private written = '';

  constructor(readonly options: ConfigMapSyncOptions) {
    super();
  }

  /** Stops the sync: the current request is aborted and `run()` resolves. */
  stop(): void {
    this.abort.abort();
  }

  /** Runs until stopped. */
  async run(): Promise<void> {
    let delay = this.options.retryMs ?? 1000;
    while (!this.abort.signal.aborted) {
      try {
        const resourceVersion = await this.list();
        delay = this.options.retryMs ?? 1000;
        await this.watchFrom(resourceVersion);
      } catch (e) {
        if (this.abort.signal.aborted) break;
        // The resourceVersion expired (410 Gone): routine after long watches; re-list at once, quietly.
        if (e instanceof ApiError && e.status === 410) continue;
        this.emit('sync-failed', { error: e as Error });
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          this.abort.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
        });
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  private basePath(): string {
    return `/api/v1/namespaces/${encodeURIComponent(this.options.namespace)}/configmaps?labelSelector=${encodeURIComponent(this.options.labelSelector)}`;
  }

  private async request(pathAndQuery: string): Promise<IncomingMessage> {
    const { api } = this.options;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (api.tokenFile) headers.authorization = `Bearer ${(await fs.readFile(api.tokenFile, 'utf8')).trim()}`;
    return new Promise((resolve, reject) => {
      const req = https.request(new URL(pathAndQuery, api.server), { headers, signal: this.abort.signal, ...(api.ca ? { ca: api.ca } : {}) }, (res) => {
        if (res.statusCode === 200) return resolve(res);
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c.slice(0, 2000)));
        res.on('end', () => reject(new ApiError(res.statusCode ?? 0, `GET ${pathAndQuery}: HTTP ${res.statusCode}: ${String(obj(safeJson(text)).message ?? text).slice(0, 500)}`)));
      });
      // A watch over a dead connection would wait for ever: no byte for this long means start again.
      req.setTimeout(((this.options.watchSeconds ?? 300) + 60) * 1000, () => req.destroy(new Error(`GET ${pathAndQuery}: no data for too long`)));
      req.on('error', reject);
      req.end();
    });
  }

  /** Lists, replaces the known set, writes a snapshot; returns the list's resourceVersion to watch from. */
  private async list(): Promise<string> {
    const res = await this.request(this.basePath());
    let text = '';
    for await (const chunk of res.setEncoding('utf8')) text += chunk as string;
    const list = obj(safeJson(text));
    this.configMaps.clear();
    for (const item of Array.isArray(list.items) ? list.items : []) {
      const cm = toSynced(item);
      if (cm) this.configMaps.set(cm.name, cm);
    }
    await this.write();
    return String(obj(list.metadata).resourceVersion ?? '');
  }

  /** Watches from `resourceVersion` until the API server ends the call, then renews it; throws to re-list. */
  private async watchFrom(resourceVersion: string): Promise<void> {
    let rv = resourceVersion;
    while (!this.abort.signal.aborted) {
      const res = await this.request(
        `${this.basePath()}&watch=true&allowWatchBookmarks=true&timeoutSeconds=${this.options.watchSeconds ?? 300}&resourceVersion=${encodeURIComponent(rv)}`,
      );
      let buffer = '';
      for await (const chunk of res.setEncoding('utf8')) {
        buffer += chunk as string;
        let changed = false;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line === '') continue;
          const event = obj(safeJson(line));
          const type = event.type;
          if (type === 'ERROR') {
            const status = obj(event.object);
            throw new ApiError(Number(status.code ?? 0), `watch: ${String(status.message ?? 'error event')} (re-listing)`);
          }
          const cm = toSynced(event.object);
          if (!cm) continue;
          if (cm.resourceVersion !== '') rv = cm.resourceVersion;
          if (type === 'ADDED' || type === 'MODIFIED') {
            this.configMaps.set(cm.name, cm);
            changed = true;
          } else if (type === 'DELETED') {
            changed = this.configMaps.delete(cm.name) || changed;
          }
        }
        // One snapshot per chunk of events: a burst of incidents lands as one generation.
        if (changed) await this.write();
      }
    }
  }

  /** Writes a snapshot unless it would equal the last one (the first one is always written, even empty). */
  private async write(): Promise<void> {
    const all = [...this.configMaps.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    const print = JSON.stringify(all.map((c) => [c.name, c.data]));
    if (print === this.written) return;
    const generation = await writeSnapshot(this.options.dir, all);
    this.written = print;
    this.emit('synced', { names: all.map((c) => c.name), generation });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
