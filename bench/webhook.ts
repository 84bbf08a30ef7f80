/**
 * Benchmark of the admission webhook: `airlock webhook serve` in its own process (as in a cluster, so the
 * load generator does not share its event loop), TLS on loopback, a 1,000-entry blocklist read from a
 * generated dist/ folder, and autocannon sending AdmissionReview v1 requests for a few seconds per scenario.
 * Targets: ≥ 3,000 reviews/s and p99 ≤ 10 ms on the project's 2-core machine.
 *
 * autocannon does not verify the server certificate (it always connects with rejectUnauthorized false); the
 * TLS handshake and encryption costs are the same.
 *
 * Run alone with `node --import tsx bench/webhook.ts`, or through bench/run.ts via {@link benchWebhook}.
 * Environment: `AIRLOCK_BENCH_CONNECTIONS` (default 16); `AIRLOCK_BENCH_PROFILE=DIR` writes a V8 CPU profile
 * of the server process into DIR (open it in Chrome DevTools) to see where a review's time goes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { generate } from 'selfsigned';
import { stringify } from 'yaml';
import { blocklistConfigMap } from '../src/admission';
import type { Action } from '../src/incident/types';

/** Entries in the benchmark's blocklist, split over the three strengths. */
export const BLOCKLIST_ENTRIES = 1000;
/** Seconds each scenario runs. */
const DURATION_S = 5;
/** Seconds of unmeasured load before each scenario. */
const WARMUP_S = 2;
/** Concurrent connections (the API server keeps a pool of keep-alive connections to a webhook). */
const CONNECTIONS = Number(process.env.AIRLOCK_BENCH_CONNECTIONS ?? 16);

const hex = (n: number): string => n.toString(16).padStart(64, '0');

/** 1,000 entries: 400 digests, 300 repo:tag, 300 repositories, spread over registries. */
function blocklistImages(): string[] {
  const images: string[] = [];
  for (let i = 0; i < BLOCKLIST_ENTRIES; i++) {
    if (i % 10 < 4) images.push(`registry${i % 7}.example.com/team${i % 13}/app${i}@sha256:${hex(i)}`);
    else if (i % 10 < 7) images.push(`ghcr.io/org${i % 11}/svc${i}:v${i % 5}.${i % 3}`);
    else images.push(i % 2 ? `quay.io/ns${i % 9}/tool${i}` : `lib${i}`);
  }
  return images;
}

const podSpec = (images: string[]) => ({
  initContainers: [{ name: 'init', image: 'docker.io/library/busybox:1.36' }],
  containers: images.map((image, i) => ({ name: `c${i}`, image, ports: [{ containerPort: 8080 + i }], resources: { requests: { cpu: '100m', memory: '128Mi' } } })),
});

/** An AdmissionReview v1 as the API server sends it (object and request metadata, no oldObject on create). */
function review(kind: 'Pod' | 'Deployment', images: string[]): string {
  const object =
    kind === 'Pod'
      ? { apiVersion: 'v1', kind, metadata: { name: 'web-7d9f8-abcde', namespace: 'shop', labels: { app: 'web' } }, spec: podSpec(images) }
      : { apiVersion: 'apps/v1', kind, metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: podSpec(images) } } };
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: kind === 'Pod' ? '' : 'apps', version: 'v1', kind },
      resource: { group: kind === 'Pod' ? '' : 'apps', version: 'v1', resource: kind === 'Pod' ? 'pods' : 'deployments' },
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts'] },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  });
}

async function startServer(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...(process.env.AIRLOCK_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.AIRLOCK_BENCH_PROFILE}`] : []), '--import', 'tsx', __filename, '--serve', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: string): void => {
      out += chunk;
      const m = /(?:"event":"listening","url":"|listening on )(https:\/\/[^"\s]+)/.exec(out);
      if (!m) return;
      // From here on the server's log (one line per denial) is drained and dropped.
      child.stdout!.off('data', onData).resume();
      resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`webhook server exited with ${code} before listening`)));
  });
  return { child, url };
}

async function load(url: string, body: string, duration: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/validate`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: CONNECTIONS,
    pipelining: 1,
    duration,
  });
}

/** One scenario's figures, in the shape bench/run.ts collects for BENCHMARKS.md. */
export interface WebhookBenchResult {
  readonly name: string;
  /** Mean answered reviews per second over the measured window. */
  readonly reviewsPerSecond: number;
  /** 99th percentile latency seen by the load generator, TLS included. */
  readonly p99Ms: number;
  /** How it was measured (blocklist size, connections, p50, duration), so the figure can be reproduced. */
  readonly notes: string;
}

/** Targets from the issue: the figures a 2-core machine must reach. */
export const WEBHOOK_TARGETS = { reviewsPerSecond: 3000, p99Ms: 10 } as const;

/** Runs the scenarios against `airlock webhook serve` in its own process and returns their figures. */
export async function benchWebhook(): Promise<WebhookBenchResult[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-bench-webhook-'));
  const { child, url } = await (async () => {
    const cert = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    await fs.writeFile(path.join(dir, 'cert.pem'), cert.cert);
    await fs.writeFile(path.join(dir, 'key.pem'), cert.private);
    const action: Action = { kind: 'blockImages', reason: 'benchmark', images: blocklistImages() };
    const cm = blocklistConfigMap({ incident: { id: 'BENCH-1', slug: 'bench-1', actions: [action] } });
    await fs.mkdir(path.join(dir, 'dist', 'bench-1'), { recursive: true });
    await fs.writeFile(path.join(dir, 'dist', 'bench-1', 'blocklist.yaml'), stringify(cm));
    return startServer(dir);
  })();
  const results: WebhookBenchResult[] = [];
  try {
    const scenarios: Array<[string, string]> = [
      ['allowed Pod (3 containers + 1 init)', review('Pod', ['ghcr.io/acme/web:1.4.2', 'docker.io/envoyproxy/envoy:v1.30.1', `registry3.example.com/team1/app9@sha256:${hex(999999)}`])],
      ['denied Deployment (blocked digest)', review('Deployment', ['ghcr.io/acme/web:1.4.2', `registry0.example.com/team0/app0@sha256:${hex(0)}`])],
    ];
    for (const [name, body] of scenarios) {
      // Check the answer before measuring, so a broken server cannot post good figures.
      const probe = await autocannon({ url: `${url}/validate`, method: 'POST', headers: { 'content-type': 'application/json' }, body, amount: 1, connections: 1 });
      if (probe.non2xx > 0 || probe.errors > 0) throw new Error(`${name}: the webhook did not answer 200`);
      await load(url, body, WARMUP_S); // JIT and TLS sessions warm, not measured
      const r = await load(url, body, DURATION_S);
      if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
      results.push({
        name: `webhook: ${name}`,
        reviewsPerSecond: Math.round(r.requests.average),
        p99Ms: r.latency.p99,
        notes:
          `${BLOCKLIST_ENTRIES}-entry blocklist, TLS 1.3 on loopback, ${CONNECTIONS} keep-alive connections, ` +
          `${DURATION_S} s after ${WARMUP_S} s warm-up, server in its own process logging JSON; p50 ${r.latency.p50} ms, ` +
          `${r.requests.total} reviews; targets >= ${WEBHOOK_TARGETS.reviewsPerSecond}/s, p99 <= ${WEBHOOK_TARGETS.p99Ms} ms`,
      });
    }
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
    await fs.rm(dir, { recursive: true, force: true });
  }
  return results;
}

/** Child process: the real `airlock webhook serve` over the generated files. */
async function serveChild(dir: string): Promise<void> {
  const { webhookCommand } = await import('../src/cli/commands/webhook');
  // The flags the Deployment passes (src/admission/webhook-deployment), minus its paths.
  await webhookCommand().parseAsync(
    ['serve', '--host', '127.0.0.1', '--port', '0', '--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem'), '--blocklist', path.join(dir, 'dist'), '--json'],
    { from: 'user' },
  );
}

if (require.main === module) {
  if (process.argv[2] === '--serve' && process.argv[3]) {
    serveChild(process.argv[3]).catch((e: Error) => {
      process.stderr.write(`${e.message}\n`);
      process.exitCode = 1;
    });
  } else {
    benchWebhook().then((rows) => {
      for (const r of rows) process.stdout.write(`${r.name}: ${r.reviewsPerSecond} reviews/s, p99 ${r.p99Ms} ms (${r.notes})\n`);
    });
  }
}
