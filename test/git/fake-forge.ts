/**
 * A local stand-in for the GitHub and GitLab REST endpoints Airlock uses, on 127.0.0.1 only. It keeps pull/merge
 * requests in memory (so a second call can find the first one's request) and records every request for assertions.
 * No real forge is contacted by any test.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server saw it. */
export interface RecordedRequest {
  readonly method: string;
  /** Raw path with query, as sent (percent-encoding preserved). */
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

/** A canned reply for the next request matching `method` and a path prefix. */
export interface Override {
  readonly method: string;
  readonly pathStartsWith: string;
  readonly status: number;
  readonly body: unknown;
  /** How many times it applies (default once). */
  times?: number;
}

/** The running fake: its address, what it received, and its in-memory pull/merge requests. */
export interface FakeForge {
  /** e.g. `http://127.0.0.1:34567` */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Open requests by id: GitHub number or GitLab iid. */
  readonly pulls: Map<number, { head: string; base: string; title: string; body: string; labels: string[] }>;
  override(o: Override): void;
  close(): Promise<void>;
}

/** Starts the fake on an ephemeral loopback port. `prefix` is the API root path (`''`, `/api/v3`, `/api/v4`). */
export async function startFakeForge(kind: 'github' | 'gitlab', prefix = ''): Promise<FakeForge> {
  const requests: RecordedRequest[] = [];
  const pulls: FakeForge['pulls'] = new Map();
  const overrides: Override[] = [];
  let next = 1;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      const url = req.url ?? '';
      requests.push({ method: req.method ?? '', url, headers: req.headers, body });
      const send = (status: number, payload: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      const path = url.split('?')[0]!;
      const query = new URL(url, 'http://x').searchParams;
      const o = overrides.find((x) => x.method === req.method && path.startsWith(x.pathStartsWith));
      if (o) {
        o.times = (o.times ?? 1) - 1;
        if (o.times <= 0) overrides.splice(overrides.indexOf(o), 1);
        return send(o.status, o.body);
      }
      if (!path.startsWith(prefix)) return send(404, { message: 'Not Found' });
      const route = path.slice(prefix.length);
      return kind === 'github' ? github(route, query, body, send) : gitlab(route, query, body, send);
    });
  });

  type Send = (status: number, payload: unknown) => void;
  const origin = (): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function github(route: string, query: URLSearchParams, body: Record<string, unknown> | undefined, send: Send): void {
    let m: RegExpMatchArray | null;
    const view = (n: number): unknown => ({ number: n, html_url: `${origin()}/o/r/pull/${n}` });
    if ((m = route.match(/^\/repos\/([^/]+)\/([^/]+)\/pulls$/))) {
      if (requests.at(-1)!.method === 'GET') {
        const head = query.get('head') ?? '';
        const found = [...pulls].filter(([, p]) => `${decodeURIComponent(m![1]!)}:${p.head}` === head);
        return send(200, found.map(([n]) => view(n)));
      }
      const n = next++;
      pulls.set(n, { head: String(body!.head), base: String(body!.base), title: String(body!.title), body: String(body!.body), labels: [] });
      return send(201, view(n));
    }
    if ((m = route.match(/^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)$/))) {
      const pull = pulls.get(Number(m[1]));
      if (!pull) return send(404, { message: 'Not Found' });
      Object.assign(pull, body);
      return send(200, view(Number(m[1])));
    }
    if ((m = route.match(/^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/labels$/))) {
      const pull = pulls.get(Number(m[1]));
      if (!pull) return send(404, { message: 'Not Found' });
      for (const l of (body!.labels as string[]) ?? []) if (!pull.labels.includes(l)) pull.labels.push(l);
      return send(200, pull.labels.map((name) => ({ name })));
    }
    return send(404, { message: 'Not Found' });
  }

  function gitlab(route: string, query: URLSearchParams, body: Record<string, unknown> | undefined, send: Send): void {
    let m: RegExpMatchArray | null;
    const view = (iid: number): unknown => ({ iid, web_url: `${origin()}/g/p/-/merge_requests/${iid}` });
    if ((m = route.match(/^\/projects\/([^/]+)\/merge_requests$/))) {
      if (requests.at(-1)!.method === 'GET') {
        const found = [...pulls].filter(([, p]) => p.head === query.get('source_branch') && query.get('state') === 'opened');
        return send(200, found.map(([n]) => view(n)));
      }
      const iid = next++;
      const labels = body!.labels ? String(body!.labels).split(',') : [];
      pulls.set(iid, { head: String(body!.source_branch), base: String(body!.target_branch), title: String(body!.title), body: String(body!.description), labels });
      return send(201, view(iid));
    }
    if ((m = route.match(/^\/projects\/[^/]+\/merge_requests\/(\d+)$/))) {
      const mr = pulls.get(Number(m[1]));
      if (!mr) return send(404, { message: '404 Not found' });
      if (body!.title !== undefined) mr.title = String(body!.title);
      if (body!.description !== undefined) mr.body = String(body!.description);
      for (const l of body!.add_labels ? String(body!.add_labels).split(',') : []) if (!mr.labels.includes(l)) mr.labels.push(l);
      return send(200, view(Number(m[1])));
    }
    return send(404, { message: '404 Not found' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: origin(),
    requests,
    pulls,
    override: (o) => void overrides.push(o),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
