/**
 * Property: whatever a sender posts, the intake answers with a documented status (never 500, never a crash),
 * and writes nothing outside `incidents/`, `dist/` and its journal; every incident it writes is valid.
 * 1,000 seeded random payloads (a fixed seed, so a failure replays), biased towards what matters: real rule
 * names and priorities, valid and hostile Kubernetes names, wrong types, nulls, control characters, huge and
 * truncated strings, broken JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { ALERT_INCIDENT_ID } from '../../src/intake/incident-spec';
import { loadProject } from '../../src/project/load-project';
import { bearer, gitProject, startTestIntake } from './support';

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE = ['$(reboot)', '`id`', "'; process.exit(1); '", '"quoted"', 'a\nb', 'x\r\nAirlock-Break-Glass: yes', '\u202eevil', '\u0000', '../../etc/passwd', '<NA>', '', ' ', 'ÄÖÜ', '🙂', 'a'.repeat(300), 'checkout-7d9f...', 'Payments', '-lead', 'trail-', '${process.env}', '\\', '}); require("child_process"); ({'];
const VALID_NS = ['payments'];
const VALID_PODS = ['web-0', 'api-1'];
const RULES = ['Terminal shell in container', 'Detect crypto miners using the Stratum protocol', 'Unexpected outbound connection destination', 'Read sensitive file untrusted', ''];
const PRIORITIES = ['Emergency', 'Critical', 'Notice', 'informational', 'debug', 'LOUD', '', 'warning'];

function payloads(count: number, seed: number): Array<{ path: string; body: string }> {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const scalar = (): unknown => pick<() => unknown>([() => pick(HOSTILE), () => rand() * 1e6, () => null, () => rand() < 0.5, () => [pick(HOSTILE), 1], () => ({ nested: pick(HOSTILE) }), () => undefined])();
  const maybe = (good: () => unknown): unknown => (rand() < 0.6 ? good() : scalar());
  const out: Array<{ path: string; body: string }> = [];
  for (let i = 0; i < count; i++) {
    const falco = rand() < 0.8;
    let body: string;
    if (rand() < 0.05) {
      body = pick(['', '{', 'null', '[]', '{"rule":', '"x"', '1e999', '{"output_fields":{}}', '\u0000\u0001']);
    } else if (falco) {
      const fields: Record<string, unknown> = {
        'k8s.ns.name': maybe(() => pick(VALID_NS)),
        'k8s.pod.name': maybe(() => pick(VALID_PODS)),
        'container.image.repository': maybe(() => 'ghcr.io/acme/app'),
        'container.image.digest': maybe(() => `sha256:${'c'.repeat(64)}`),
        'k8s.pod.label.app': maybe(() => 'web'),
      };
      const p: Record<string, unknown> = {
        // Few distinct ids: most matches are duplicates, so the run is about the HTTP path, not 1,000 commits.
        uuid: maybe(() => `fuzz-${Math.floor(rand() * 3)}`),
        rule: maybe(() => pick(RULES)),
        priority: maybe(() => pick(PRIORITIES)),
        output: maybe(() => pick(HOSTILE)),
        time: maybe(() => '2026-11-22T03:12:00Z'),
        output_fields: rand() < 0.9 ? fields : scalar(),
        tags: maybe(() => ['container', pick(HOSTILE)]),
        hostname: scalar(),
        source: scalar(),
      };
      body = JSON.stringify(p);
      if (rand() < 0.05) body = body.slice(0, Math.floor(rand() * body.length));
    } else {
      const alerts = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({
        status: maybe(() => pick(['firing', 'resolved'])),
        labels: rand() < 0.9 ? { alertname: maybe(() => pick(RULES)), severity: maybe(() => pick(PRIORITIES)), namespace: maybe(() => pick(VALID_NS)), pod: maybe(() => pick(VALID_PODS)), image: maybe(() => `ghcr.io/a/b@sha256:${'d'.repeat(64)}`) } : scalar(),
        annotations: rand() < 0.8 ? { summary: scalar() } : scalar(),
        fingerprint: maybe(() => Math.floor(rand() * 1e12).toString(16)),
        startsAt: maybe(() => '2026-11-22T03:12:00Z'),
      }));
      body = JSON.stringify({ version: '4', status: 'firing', alerts: rand() < 0.95 ? alerts : scalar() });
    }
    out.push({ path: falco ? '/v1/falco' : '/v1/alertmanager', body });
  }
  return out;
}

/** Every file under root except node_modules, src (symlinks) and .git, with a hash of its bytes. */
function tree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      const rel = path.relative(root, p);
      if (['node_modules', 'src', '.git'].includes(rel)) continue;
      if (e.isDirectory()) walk(p);
      else files.set(rel, createHash('sha256').update(fs.readFileSync(p)).digest('hex'));
    }
  };
  walk(root);
  return files;
}

test('1,000 fuzzed payloads: documented statuses only, no crash, nothing written outside incidents/ and dist/', async () => {
  const { root } = gitProject();
  const before = tree(root);
  const { intake, ca } = await startTestIntake(root);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 8, ca });
  try {
    const statuses = new Map<number, number>();
    const cases = payloads(1000, 0x5eed);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) {
        const c = cases[next++]!;
        const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = https.request(`${intake.server.url}${c.path}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...bearer() } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (d: Buffer) => chunks.push(d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          });
          req.on('error', reject);
          req.end(c.body);
        });
        assert.ok([202, 400, 422].includes(status), `${status} for ${c.path} ${c.body.slice(0, 300)}: ${text}`);
        assert.doesNotThrow(() => JSON.parse(text), text);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await intake.processor.idle();
    assert.ok((statuses.get(202) ?? 0) > 100 && (statuses.get(400) ?? 0) > 30 && (statuses.get(422) ?? 0) > 30, JSON.stringify([...statuses]));
    const after = tree(root);
    for (const [file, hash] of after) {
      if (/^(incidents|dist|\.airlock)\//.test(file)) continue;
      assert.equal(before.get(file), hash, `${file} was written`);
    }
    const incidents = [...after.keys()].filter((f) => f.startsWith('incidents/'));
    assert.ok(incidents.length >= 1);
    assert.ok(incidents.every((f) => ALERT_INCIDENT_ID.test(path.basename(f, '.ts'))), incidents.join(', '));
    const project = loadProject(root, { fresh: true });
    assert.equal(project.incidents.length, incidents.length);
    // Booleans become "true"/"false", which are valid namespace names: the only ones besides the valid pool.
    assert.ok(project.incidents.every((i) => i.actions.every((a) => !('namespace' in a) || ['payments', 'true', 'false'].includes(a.namespace))));
    assert.equal(intake.metrics.failed.get(['falco']) + intake.metrics.failed.get(['alertmanager']), 0);
  } finally {
    agent.destroy();
    await intake.close();
  }
});
