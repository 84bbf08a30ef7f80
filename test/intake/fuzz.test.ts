/**
 * Property (fast-check): whatever a sender posts, the intake answers with a documented status (never 500,
 * never a crash) and a JSON body, and writes nothing outside `incidents/`, `dist/` and its journal; every
 * incident it writes is valid. 125 runs of 8 concurrent requests = 1,000 payloads, from arbitraries biased
 * towards what matters: real rule names and priorities, valid and hostile Kubernetes names, wrong types, nulls,
 * control characters, huge and truncated strings, broken JSON. The seed is fixed, so a failure replays; fast-check
 * then shrinks it to the smallest batch that still fails and prints it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import fc from 'fast-check';
import { ALERT_INCIDENT_ID } from '../../src/intake/incident-spec';
import { loadProject } from '../../src/project/load-project';
import { bearer, gitProject, startTestIntake } from './support';

const HOSTILE = ['$(reboot)', '`id`', "'; process.exit(1); '", '"quoted"', 'a\nb', 'x\r\nAirlock-Break-Glass: yes', '\u202eevil', '\u0000', '../../etc/passwd', '<NA>', '', ' ', 'ÄÖÜ', '🙂', 'a'.repeat(300), 'checkout-7d9f...', 'Payments', '-lead', 'trail-', '${process.env}', '\\', '}); require("child_process"); ({'];
const RULES = ['Terminal shell in container', 'Detect crypto miners using the Stratum protocol', 'Unexpected outbound connection destination', 'Read sensitive file untrusted', ''];
const PRIORITIES = ['Emergency', 'Critical', 'Notice', 'informational', 'debug', 'LOUD', '', 'warning'];

/** Anything a field may hold instead of what it should: hostile text, numbers, nulls, booleans, arrays, objects. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.double(),
  fc.constant(null),
  fc.boolean(),
  fc.tuple(fc.constantFrom(...HOSTILE), fc.integer()),
  fc.record({ nested: fc.constantFrom(...HOSTILE) }),
);
/** Mostly the right value, sometimes junk, sometimes absent. */
const field = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 6, arbitrary: good }, { weight: 3, arbitrary: junk }, { weight: 1, arbitrary: fc.constant(undefined) });

const falcoFields = fc.record({
  'k8s.ns.name': field(fc.constant('payments')),
  'k8s.pod.name': field(fc.constantFrom('web-0', 'api-1')),
  'container.image.repository': field(fc.constant('ghcr.io/acme/app')),
  'container.image.digest': field(fc.constant(`sha256:${'c'.repeat(64)}`)),
  'k8s.pod.label.app': field(fc.constant('web')),
});
const falco = fc.record({
  // Few distinct ids: most matches are duplicates, so the run is about the HTTP path, not 1,000 commits.
  uuid: field(fc.integer({ min: 0, max: 2 }).map((n) => `fuzz-${n}`)),
  rule: field(fc.constantFrom(...RULES)),
  priority: field(fc.constantFrom(...PRIORITIES)),
  output: field(fc.constantFrom(...HOSTILE)),
  time: field(fc.constant('2026-11-22T03:12:00Z')),
  output_fields: fc.oneof({ weight: 9, arbitrary: falcoFields }, { weight: 1, arbitrary: junk }),
  tags: field(fc.tuple(fc.constant('container'), fc.constantFrom(...HOSTILE))),
  hostname: junk,
  source: junk,
});
const amLabels = fc.record({
  alertname: field(fc.constantFrom(...RULES)),
  severity: field(fc.constantFrom(...PRIORITIES)),
  namespace: field(fc.constant('payments')),
  pod: field(fc.constantFrom('web-0', 'api-1')),
  image: field(fc.constant(`ghcr.io/a/b@sha256:${'d'.repeat(64)}`)),
});
const alertmanager = fc.record({
  version: fc.constant('4'),
  status: fc.constant('firing'),
  alerts: fc.oneof(
    { weight: 19, arbitrary: fc.array(fc.record({ status: field(fc.constantFrom('firing', 'resolved')), labels: fc.oneof({ weight: 9, arbitrary: amLabels }, { weight: 1, arbitrary: junk }), annotations: fc.oneof(fc.record({ summary: junk }), junk), fingerprint: field(fc.bigInt({ min: 0n, max: 10n ** 12n }).map((n) => n.toString(16))), startsAt: field(fc.constant('2026-11-22T03:12:00Z')) }), { minLength: 1, maxLength: 3 }) },
    { weight: 1, arbitrary: junk },
  ),
});
const BROKEN = ['', '{', 'null', '[]', '{"rule":', '"x"', '1e999', '{"output_fields":{}}', '\u0000\u0001'];

/** One request: a payload for either endpoint, as JSON text — sometimes truncated, sometimes not JSON at all. */
const request: fc.Arbitrary<{ path: string; body: string }> = fc.oneof(
  { weight: 15, arbitrary: fc.tuple(falco, fc.oneof({ weight: 19, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) })).map(([p, cut]) => ({ path: '/v1/falco', body: truncate(JSON.stringify(p), cut) })) },
  { weight: 4, arbitrary: alertmanager.map((p) => ({ path: '/v1/alertmanager', body: JSON.stringify(p) })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('/v1/falco', '/v1/alertmanager'), fc.constantFrom(...BROKEN)).map(([p, body]) => ({ path: p, body })) },
);

function truncate(text: string, at: number | null): string {
  return at === null ? text : text.slice(0, Math.floor(at * text.length));
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
    const post = (c: { path: string; body: string }): Promise<{ status: number; text: string }> =>
      new Promise((resolve, reject) => {
        const req = https.request(`${intake.server.url}${c.path}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...bearer() } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', reject);
        req.end(c.body);
      });
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 8, maxLength: 8 }), async (batch) => {
        const replies = await Promise.all(batch.map(post));
        replies.forEach(({ status, text }, i) => {
          assert.ok([202, 400, 422].includes(status), `${status} for ${batch[i]!.path} ${batch[i]!.body.slice(0, 300)}: ${text}`);
          assert.doesNotThrow(() => JSON.parse(text), text);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        });
      }),
      { numRuns: 125, seed: 0x5eed, endOnFailure: true },
    );
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
