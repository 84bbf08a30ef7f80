/**
 * Shared pieces of the intake tests: a project in a real git work tree with a bare remote (as the propose
 * tests build it), the intake started in-process over HTTPS on loopback with a self-signed certificate, a
 * client that verifies that certificate, and Falcosidekick / Alertmanager payload builders.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { signatureHeaders } from '../../src/intake/auth';
import { startIntake, type RunningIntake, type StartIntakeOptions } from '../../src/intake/start';
import { gitProject as sharedGitProject } from '../support/git-project';
import { testCertificate } from '../webhook/tls';

Object.assign(process.env, {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Airlock Intake',
  GIT_AUTHOR_EMAIL: 'intake@example.test',
  GIT_COMMITTER_NAME: 'Airlock Intake',
  GIT_COMMITTER_EMAIL: 'intake@example.test',
});

/** The shared secret of every test server. */
export const SECRET = 'test-secret-0123456789abcdef';

export { git } from '../support/git-project';

/** A project (no incidents, the repository's policies) in a git work tree whose `origin` is a bare repository. */
export function gitProject(policies: Record<string, string> = {}): { root: string; remote: string } {
  return sharedGitProject({}, policies);
}

/** Starts the intake on the project over HTTPS (loopback, free port); `ca` verifies its certificate. */
export async function startTestIntake(root: string, options: Partial<StartIntakeOptions> = {}): Promise<{ intake: RunningIntake; ca: string }> {
  const { key, cert } = await testCertificate();
  const intake = await startIntake({ root, secret: Buffer.from(SECRET), tls: { key, cert }, port: 0, host: '127.0.0.1', ...options });
  return { intake, ca: cert };
}

/** A reply, with the body parsed when it is JSON. */
export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

/** One HTTPS request, verifying the server against `ca`. */
export function send(url: string, ca: string, options: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: options.method ?? 'POST', ca, headers: { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Bearer-token headers with the test secret (or another). */
export const bearer = (secret = SECRET): Record<string, string> => ({ authorization: `Bearer ${secret}` });

/** HMAC headers for `body` at `seconds` (default now). */
export const signed = (body: string, seconds = Date.now() / 1000, secret = SECRET): Record<string, string> => signatureHeaders(secret, body, seconds);

let counter = 0;

/** A Falcosidekick payload; `fields` are merged into output_fields (null removes one). */
export function falcoAlert(overrides: { rule?: string; priority?: string; uuid?: string; tags?: unknown; fields?: Record<string, unknown> } = {}): Record<string, unknown> {
  counter += 1;
  const fields: Record<string, unknown> = {
    'container.id': 'b7e9c2a1f0d3',
    'container.image.repository': 'ghcr.io/acme/checkout',
    'container.image.tag': '1.4.2',
    'k8s.ns.name': 'payments',
    'k8s.pod.name': 'checkout-7d9f8c-x2x4k',
    'proc.cmdline': 'bash -i',
    'user.name': 'root',
    ...overrides.fields,
  };
  for (const [k, v] of Object.entries(fields)) if (v === null) delete fields[k];
  return {
    uuid: overrides.uuid ?? `0b7c2d4e-1111-4a5b-9c8d-${String(counter).padStart(12, '0')}`,
    output: `03:12:00.000000000: Notice A shell was spawned in a container with an attached terminal (user=root ${fields['k8s.pod.name']} shell=bash)`,
    priority: overrides.priority ?? 'Notice',
    rule: overrides.rule ?? 'Terminal shell in container',
    time: '2026-11-22T03:12:00.000000000Z',
    output_fields: fields,
    source: 'syscall',
    tags: overrides.tags ?? ['container', 'shell', 'mitre_execution'],
    hostname: 'node-a-7',
  };
}

/** One Alertmanager alert. */
export function amAlert(labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing', fingerprint = 'a1b2c3d4e5f60718'): Record<string, unknown> {
  return { status, labels, annotations: { summary: 'Cryptominer detected' }, startsAt: '2026-11-22T03:12:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus/graph', fingerprint };
}

/** An Alertmanager webhook v4 payload. */
export function amPayload(alerts: Record<string, unknown>[]): Record<string, unknown> {
  return { version: '4', groupKey: '{}:{alertname="x"}', truncatedAlerts: 0, status: 'firing', receiver: 'airlock', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager', alerts };
}

/** Files under `incidents/` (without hidden temp files). */
export function incidentFilesOf(root: string): string[] {
  const dir = path.join(root, 'incidents');
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

/** One metric sample's value from the exposition text. */
export function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
