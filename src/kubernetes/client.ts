/**
 * The few Kubernetes API calls `airlock label` makes (read a pod, its owner and the namespace's Services;
 * merge-patch the pod), over HTTPS with the kubeconfig's credentials. Small on purpose: every request it can
 * make is visible here, which matters for a tool that changes live evidence.
 */
import * as https from 'node:https';
import { KubernetesApiError } from './errors';
import type { ClusterConnection } from './kubeconfig';

/** Content type of a JSON merge patch (RFC 7386), which the API server applies to any object. */
export const MERGE_PATCH = 'application/merge-patch+json';

/** A client for one cluster connection. */
export class KubernetesClient {
  constructor(
    readonly connection: ClusterConnection,
    private readonly options: { readonly timeoutMs?: number; readonly userAgent?: string } = {},
  ) {}

  /** GET a path (`/api/v1/namespaces/ns/pods/name`) as JSON. */
  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  /** Applies a JSON merge patch; a `metadata.resourceVersion` in it makes the write conditional (409 if stale). */
  mergePatch<T>(path: string, patch: unknown): Promise<T> {
    return this.request<T>('PATCH', path, JSON.stringify(patch), MERGE_PATCH);
  }

  /** One request; rejects with KubernetesApiError for a transport error or a non-2xx status. */
  request<T>(method: string, path: string, body?: string, contentType?: string): Promise<T> {
    const c = this.connection;
    const url = new URL(path, `${c.server}/`);
    return new Promise<T>((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          ...(c.ca ? { ca: c.ca } : {}),
          ...(c.cert ? { cert: c.cert } : {}),
          ...(c.key ? { key: c.key } : {}),
          rejectUnauthorized: !c.insecureSkipTlsVerify,
          timeout: this.options.timeoutMs ?? 15000,
          headers: {
            accept: 'application/json',
            'user-agent': this.options.userAgent ?? 'airlock',
            ...(c.token ? { authorization: `Bearer ${c.token}` } : {}),
            ...(body !== undefined ? { 'content-type': contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text === '' ? undefined : JSON.parse(text);
            } catch {
              json = undefined;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(json as T);
            const s = (json ?? {}) as { message?: string; reason?: string };
            reject(new KubernetesApiError(`${method} ${url.pathname} on ${c.context}: ${status} ${s.message ?? (text.slice(0, 200) || res.statusMessage || '')}`.trim(), status, s.reason));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.options.timeoutMs ?? 15000} ms`)));
      req.on('error', (err) => reject(new KubernetesApiError(`${method} ${url.pathname} on ${c.context}: ${err.message}`, 0)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }
}
