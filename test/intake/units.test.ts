/** The intake's parts without a server: authentication, replay cache, queue, safe edits, dedup decisions, journal. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../src/errors';
import { definePlaybook } from '../../src/incident/playbook';
import { isolate } from '../../src/incident/declare';
import type { Incident } from '../../src/incident/types';
import { appendAlerts, withAlerts } from '../../src/intake/append-alerts';
import { Authenticator, signatureHeaders } from '../../src/intake/auth';
import { parseFalcoPayload } from '../../src/intake/falco';
import { Journal } from '../../src/intake/journal';
import { IntakeMetrics } from '../../src/intake/metrics';
import { IntakeProcessor, type AlertOutcome } from '../../src/intake/processor';
import { ReplayCache } from '../../src/intake/replay-cache';
import { validateAlertRules } from '../../src/intake/rules';
import { CoalescingQueue } from '../../src/intake/work-queue';
import { DEFAULT_GUARDRAILS } from '../../src/settings/settings';
import { createIncident } from '../../src/project/create-incident';
import { makeProject } from '../support/project';
import { falcoAlert } from './support';
import { tempDir } from '../support/temp-dir';

const SECRET = Buffer.from('unit-secret-0123456789abcdef');

describe('Authenticator', () => {
  const body = Buffer.from('{"rule":"x"}');
  let now = 1_800_000_000_000;
  const auth = new Authenticator({ secret: SECRET, now: () => now, replayCapacity: 2 });

  test('tokens: bearer or header, compared whole', () => {
    assert.deepEqual(auth.check({ authorization: `Bearer ${SECRET}` }, body), { ok: true, method: 'token' });
    assert.deepEqual(auth.check({ 'x-airlock-token': SECRET.toString() }, body), { ok: true, method: 'token' });
    assert.equal(auth.check({ 'x-airlock-token': `${SECRET}x` }, body).ok, false);
    assert.equal(auth.check({ 'x-airlock-token': SECRET.toString().slice(0, -1) }, body).ok, false);
    assert.equal(auth.check({ authorization: `Basic ${SECRET}` }, body).ok, false);
    assert.equal(auth.presented({}), false);
    assert.equal(auth.presented({ authorization: 'Basic x' }), false);
  });

  test('HMAC: stale timestamps and replays are refused; a full replay cache refuses rather than forgets', () => {
    const ts = now / 1000;
    const h1 = signatureHeaders(SECRET, body, ts);
    assert.deepEqual(auth.check(h1, body), { ok: true, method: 'hmac' });
    assert.deepEqual(auth.check(h1, body), { ok: false, status: 401, reason: 'replayed signature' });
    assert.match(JSON.stringify(auth.check(signatureHeaders(SECRET, body, ts - 301), body)), /stale/);
    assert.equal(auth.check(signatureHeaders(SECRET, body, ts - 299), body).ok, true);
    const third = auth.check(signatureHeaders(SECRET, body, ts - 1), body);
    assert.deepEqual(third, { ok: false, status: 429, reason: 'too many signed requests in the tolerance window; retry later' });
    now += 700_000;
    assert.equal(auth.check(signatureHeaders(SECRET, body, now / 1000), body).ok, true, 'expired signatures make room');
  });

  test('modes: token-only ignores signatures, hmac-only refuses tokens', () => {
    const hmacOnly = new Authenticator({ secret: SECRET, mode: 'hmac' });
    assert.match(JSON.stringify(hmacOnly.check({ authorization: `Bearer ${SECRET}` }, Buffer.alloc(0))), /HMAC-signed requests only/);
    assert.equal(hmacOnly.presented({ authorization: `Bearer ${SECRET}` }), false);
    const tokenOnly = new Authenticator({ secret: SECRET, mode: 'token' });
    assert.equal(tokenOnly.check(signatureHeaders(SECRET, 'x', Date.now() / 1000), Buffer.from('x')).ok, false);
    assert.throws(() => new Authenticator({ secret: Buffer.from('short') }), RangeError);
  });
});

test('ReplayCache keeps entries until they expire', () => {
  const cache = new ReplayCache(10);
  assert.equal(cache.remember('a', 100, 0), 'new');
  assert.equal(cache.remember('a', 100, 50), 'replayed');
  assert.equal(cache.remember('a', 200, 150), 'new');
  assert.equal(cache.remember('b', 300, 250), 'new');
  assert.equal(cache.size, 1);
});

describe('CoalescingQueue', () => {
  test('one batch at a time takes every waiting item; items for a waiting key merge; full means refused', async () => {
    const runs: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queue = new CoalescingQueue<string[], string>(
      async (batch) => {
        runs.push(batch.map(([key, item]) => `${key}:${item.join(',')}`));
        if (runs.length === 1) await gate;
        return new Map(batch.map(([key]) => [key, key]));
      },
      (a, b) => [...a, ...b],
      3,
    );
    const first = queue.push('inc-1', ['a1']);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(runs, [['inc-1:a1']], 'the first batch runs');
    const second = queue.push('inc-1', ['a2']);
    const third = queue.push('inc-1', ['a3']);
    assert.equal(second, third, 'merged into the waiting item');
    const other = queue.push('inc-2', ['b1']);
    assert.equal(queue.depth, 3);
    assert.equal(queue.accepts('inc-3'), false);
    assert.equal(queue.accepts('inc-2'), true, 'a waiting key still merges');
    assert.throws(() => queue.push('inc-3', ['c1']), RangeError);
    release();
    assert.equal(await first, 'inc-1');
    assert.equal(await other, 'inc-2');
    await queue.idle();
    assert.deepEqual(runs, [['inc-1:a1'], ['inc-1:a2,a3', 'inc-2:b1']], 'what waited ran as one batch, in arrival order');
  });

  test('a forced push (a retry of accepted work) is taken even when the queue is full', async () => {
    const queue = new CoalescingQueue<string, string>(async (batch) => new Map(batch.map(([key]) => [key, key])), (a) => a, 1);
    const first = queue.push('inc-1', 'a');
    assert.throws(() => queue.push('inc-2', 'b'), RangeError);
    assert.equal(await queue.push('inc-2', 'b', { force: true }), 'inc-2');
    assert.equal(await first, 'inc-1');
  });
});

describe('recording alert ids in an incident file', () => {
  test('rewrites the generated one-line list, or adds one after owner', () => {
    assert.equal(withAlerts("  owner: 'x',\n  alerts: ['a'],\n", ['a', "b'c"], 'f'), "  owner: 'x',\n  alerts: ['a', 'b\\'c'],\n");
    assert.equal(withAlerts("  owner: 'x',\n  alerts: [\n    'a',\n  ],\n", ['a', 'b'], 'f'), "  owner: 'x',\n  alerts: ['a', 'b'],\n");
    assert.equal(withAlerts("  owner: 'x',\n  actions: [],\n", ['a'], 'f'), "  owner: 'x',\n  alerts: ['a'],\n  actions: [],\n");
    assert.throws(() => withAlerts('export default x;', ['a'], 'incidents/X.ts'), UsageError);
  });

  test('validated before it replaces the file; a computed list is left alone', () => {
    const root = makeProject({ incidents: {} });
    const incident = createIncident(root, { id: 'ALERT-1', title: 't', severity: 'low', owner: 'o', openedAt: '2026-11-22T03:12:00Z', alerts: ['a'], pods: [{ namespace: 'shop', pod: 'web-1' }] });
    const updated = appendAlerts(root, incident, ['a', 'b', 'b'], DEFAULT_GUARDRAILS);
    assert.deepEqual(updated.alerts, ['a', 'b']);
    assert.match(fs.readFileSync(path.join(root, 'incidents/ALERT-1.ts'), 'utf8'), /alerts: \['a', 'b'\],/);
    assert.equal(appendAlerts(root, updated, ['b'], DEFAULT_GUARDRAILS), updated, 'nothing new, nothing written');
    const file = path.join(root, 'incidents/ALERT-1.ts');
    fs.writeFileSync(file, `const ALERTS = ['a', 'b'];\n${fs.readFileSync(file, 'utf8').replace("alerts: ['a', 'b'],", 'alerts: ALERTS,')}`);
    const computed = fs.readFileSync(file, 'utf8');
    assert.throws(() => appendAlerts(root, updated, ['c'], DEFAULT_GUARDRAILS));
    assert.equal(fs.readFileSync(file, 'utf8'), computed);
    assert.deepEqual(fs.readdirSync(path.join(root, 'incidents')), ['ALERT-1.ts']);
  });
});

describe('dedup decisions', () => {
  const isolatePod = definePlaybook({ name: 'isolatePod', description: 'x', actions: (t) => [isolate({ namespace: t.namespace, pod: t.pod! })] });
  const rules = validateAlertRules({ dedupWindowMinutes: 60, maxAlertsPerIncident: 3, rules: [{ name: 'shell', match: { rule: 'Terminal shell in container' }, action: { playbook: 'isolatePod' } }] }, 'policies/alert-rules.ts', new Map([['isolatePod', isolatePod]]));
  const T0 = Date.parse('2026-11-22T23:30:00Z');
  const processor = (incidents: Incident[] = [], journal?: Journal) =>
    new IntakeProcessor({ root: tempDir('airlock-intake-'), rules, playbooks: new Map([['isolatePod', isolatePod]]), guardrails: DEFAULT_GUARDRAILS, incidents, metrics: new IntakeMetrics(), propose: false, ...(journal ? { journal } : {}) });
  const alert = (uuid: string, pod = 'web-1') => {
    const p = parseFalcoPayload(falcoAlert({ uuid, fields: { 'k8s.ns.name': 'shop', 'k8s.pod.name': pod } }));
    assert.ok(p.ok);
    return p.alert;
  };
  const summary = (o: AlertOutcome) => (o.status === 'accepted' ? `${o.incident} ${o.disposition}` : o.status);

  test('by target within the window, a new id after it (same day: -2), ids by date and target hash', () => {
    const p = processor();
    const first = summary(p.accept(alert('a1'), { now: T0 }));
    assert.match(first, /^ALERT-20261122-[0-9a-f]{10} created$/);
    const id = first.split(' ')[0]!;
    assert.equal(summary(p.accept(alert('a2'), { now: T0 + 59 * 60_000 })), `${id} updated`, 'across midnight, still the same incident');
    assert.equal(summary(p.accept(alert('a2'), { now: T0 + 59 * 60_000 })), `${id} duplicate`);
    assert.equal(summary(p.accept(alert('a3'), { now: T0 + 59 * 60_000 })), `${id} updated`);
    assert.equal(summary(p.accept(alert('a4'), { now: T0 + 59 * 60_000 })), `${id} duplicate`, 'maxAlertsPerIncident reached: counted, not recorded');
    const other = summary(p.accept(alert('b1', 'web-2'), { now: T0 }));
    assert.notEqual(other.split(' ')[0], id);
    assert.match(summary(p.accept(alert('a5'), { now: T0 + 61 * 60_000 })), /^ALERT-20261123-[0-9a-f]{10} created$/);
    const p2 = processor();
    p2.accept(alert('a1'), { now: T0 - 3 * 3_600_000 });
    assert.equal(summary(p2.accept(alert('a2'), { now: T0 })), `${id}-2 created`, 'the same stem later that day gets a suffix');
  });

  test('a lifted incident is never reopened; existing alert incidents are found after a restart', () => {
    const p0 = processor();
    const id = summary(p0.accept(alert('a1'), { now: T0 })).split(' ')[0]!;
    const base: Incident = { id, slug: id.toLowerCase(), file: `incidents/${id}.ts`, title: 't', severity: 'low', status: 'active', openedAt: new Date(T0).toISOString(), owner: 'o', alerts: ['a1'], actions: [{ kind: 'isolatePod', namespace: 'shop', pod: 'web-1' }] };
    assert.equal(summary(processor([base]).accept(alert('a1'), { now: T0 + 1000 })), `${id} duplicate`);
    assert.equal(summary(processor([base]).accept(alert('a2'), { now: T0 + 1000 })), `${id} updated`);
    assert.equal(summary(processor([{ ...base, status: 'lifted' }]).accept(alert('a2'), { now: T0 + 1000 })), `${id}-2 created`);
    const elsewhere = { ...base, actions: [{ kind: 'isolatePod' as const, namespace: 'shop', pod: 'other' }] };
    assert.equal(summary(processor([elsewhere]).accept(alert('a2'), { now: T0 + 1000 })), `${id}-2 created`, 'a hash collision is not a match');
  });

  test('a full queue refuses new targets (429) but still merges alerts into a waiting proposal; failures are reported, not thrown', async () => {
    const root = makeProject({ incidents: {} });
    const metrics = new IntakeMetrics();
    const p = new IntakeProcessor({ root, rules, playbooks: new Map([['isolatePod', isolatePod]]), guardrails: DEFAULT_GUARDRAILS, incidents: [], metrics, queueLimit: 1 });
    const first = p.accept(alert('q1'), { now: T0 });
    const other = p.accept(alert('q2', 'web-2'), { now: T0 });
    const same = p.accept(alert('q3'), { now: T0 });
    assert.equal(summary(other), 'rejected');
    assert.equal(other.status === 'rejected' && other.code, 'queue-full');
    assert.match(summary(same), / updated$/);
    assert.ok(first.status === 'accepted' && same.status === 'accepted' && first.done === same.done, 'one proposal for both');
    const outcome = await (first.status === 'accepted' ? first.done : undefined);
    assert.ok(outcome && !outcome.ok);
    assert.equal(outcome.errorKind, 'git', outcome.error);
    assert.deepEqual(outcome.alerts, ['q1', 'q3']);
    assert.ok(fs.existsSync(path.join(root, 'incidents', `${outcome.incident}.ts`)), 'the incident file stays for the next proposal');
    assert.equal(metrics.failed.get(['falco']), 2);
    assert.equal(metrics.rejected.get(['falco', 'queue-full']), 1);
  });

  test('accepted alerts are journalled before the answer; refused ones are not', () => {
    const dir = tempDir('airlock-journal-');
    const journal = new Journal(dir);
    const p = processor([], journal);
    p.accept(alert('j1'), { now: T0 });
    p.accept(alert('j2'), { now: T0 });
    p.accept(alert('j2'), { now: T0 });
    p.accept(alert('bad', '$(reboot)'), { now: T0 });
    const { entries } = journal.pending();
    assert.deepEqual(entries.map((e) => e.entry.alert.id), ['j1', 'j2']);
    fs.writeFileSync(path.join(dir, '99999999999999-garbage.json'), '{"version":1,"alert":{"id":"x y"},"acceptedAt":1}');
    const replaying = processor([], journal);
    assert.equal(replaying.replay(), 3);
    assert.equal(journal.pending().entries.length, 2, 'the valid entries stay until proposed');
    assert.ok(fs.existsSync(path.join(dir, '99999999999999-garbage.json.unreadable')), 'the unreadable one is set aside');
  });
});
