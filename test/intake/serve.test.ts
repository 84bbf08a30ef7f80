/**
 * The intake end to end: a real HTTPS server on loopback (self-signed certificate), a real project in a git
 * work tree with a bare remote. Nothing sleeps: tests wait on `?wait=1` answers or the processor's idle().
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunningIntake } from '../../src/intake/start';
import { amAlert, amPayload, bearer, falcoAlert, git, gitProject, incidentFilesOf, metric, send, signed, startTestIntake } from './support';

const DIGEST = `sha256:${'4f'.repeat(32)}`;

describe('airlock serve: alerts to proposed incidents', () => {
  let root: string;
  let remote: string;
  let intake: RunningIntake;
  let ca: string;
  let url: string;
  const post = (p: string, payload: unknown, headers: Record<string, string> = bearer()) => send(`${url}${p}`, ca, { body: JSON.stringify(payload), headers });
  const trailers = (ref: string): string => git(remote, 'log', '-1', '--format=%(trailers)', ref);

  before(async () => {
    ({ root, remote } = gitProject());
    ({ intake, ca } = await startTestIntake(root));
    url = intake.server.url;
  });
  after(async () => {
    await intake.close();
  });

  test('an authenticated Falco alert becomes incidents/<ID>.ts and branch airlock/<id> with an Airlock-Alert trailer', async () => {
    const alert = falcoAlert({ uuid: 'c0ffee00-0000-4000-8000-000000000001' });
    const r = await post('/v1/falco?wait=1', alert);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'accepted');
    assert.equal(r.json.disposition, 'created');
    assert.equal(r.json.rule, 'terminal shell');
    assert.match(r.json.incident, /^ALERT-\d{8}-[0-9a-f]{10}$/);
    assert.equal(r.json.proposal.status, 'proposed');
    const id: string = r.json.incident;
    const source = fs.readFileSync(path.join(root, 'incidents', `${id}.ts`), 'utf8');
    assert.match(source, /\.\.\.isolatePod\(\{ namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k' \}\)/);
    assert.match(source, /alerts: \['c0ffee00-0000-4000-8000-000000000001'\]/);
    const branch = `airlock/${id.toLowerCase()}`;
    assert.equal(r.json.proposal.branch, branch);
    assert.match(trailers(branch), new RegExp(`Airlock-Incident: ${id}\\nAirlock-Action: contain\\nAirlock-Severity: low\\nAirlock-Alert: c0ffee00-0000-4000-8000-000000000001`));
    assert.equal(git(remote, 'log', '--format=%s', 'main').trim(), 'seed');
  });

  test('the same target within the window: one incident, both alert ids in the trailer (answered 202 at once)', async () => {
    const fields = { 'k8s.pod.name': 'api-5c6d7-qq9zt' };
    const first = await post('/v1/falco', falcoAlert({ uuid: 'dup-alert-1', fields }));
    const second = await post('/v1/falco', falcoAlert({ uuid: 'dup-alert-2', fields, priority: 'Warning' }));
    const again = await post('/v1/falco', falcoAlert({ uuid: 'dup-alert-2', fields }));
    assert.equal(first.status, 202, first.text);
    assert.deepEqual([first.json.disposition, second.json.disposition, again.json.disposition], ['created', 'updated', 'duplicate']);
    assert.equal(second.json.incident, first.json.incident);
    await intake.processor.idle();
    const id: string = first.json.incident;
    assert.equal(incidentFilesOf(root).filter((f) => f.includes(id.slice(0, 24))).length, 1);
    const t = trailers(`airlock/${id.toLowerCase()}`);
    assert.deepEqual(t.split('\n').filter((l) => l.startsWith('Airlock-Alert:')), ['Airlock-Alert: dup-alert-1', 'Airlock-Alert: dup-alert-2']);
    const metrics = (await send(`${url}/metrics`, ca, { method: 'GET' })).text;
    assert.ok(metric(metrics, 'airlock_intake_alerts_deduplicated_total{source="falco"}')! >= 2);
  });

  test('critical → break-glass commit on main with Airlock-Break-Glass', async () => {
    const r = await post('/v1/falco?wait=1', falcoAlert({ uuid: 'crit-1', priority: 'Critical', fields: { 'k8s.pod.name': 'worker-0' } }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.mode, 'break-glass');
    assert.equal(r.json.proposal.branch, 'main');
    const t = trailers('main');
    assert.match(t, new RegExp(`Airlock-Incident: ${r.json.incident}`));
    assert.match(t, /Airlock-Severity: critical\nAirlock-Alert: crit-1\nAirlock-Break-Glass: intake rule "critical shell" matched alert crit-1 \(priority critical\)/);
  });

  test('a cryptominer alert with a digest blocks the image by repository@digest', async () => {
    const r = await post('/v1/falco?wait=1', falcoAlert({ uuid: 'miner-1', rule: 'Detect crypto miners using the Stratum protocol', priority: 'Critical', fields: { 'k8s.pod.name': 'batch-x1', 'container.image.digest': DIGEST } }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.rule, 'cryptominer');
    const source = fs.readFileSync(path.join(root, 'incidents', `${r.json.incident}.ts`), 'utf8');
    assert.match(source, new RegExp(`\\.\\.\\.cryptominer\\(\\{ namespace: 'payments', pod: 'batch-x1', image: 'ghcr.io/acme/checkout@${DIGEST}' \\}\\)`));
    const manifests = git(remote, 'show', `main:dist/${r.json.incident.toLowerCase()}/kustomization.yaml`);
    assert.match(manifests, /resources:/);
    const tree = git(remote, 'ls-tree', '-r', '--name-only', 'main', `dist/${r.json.incident.toLowerCase()}`);
    const blocklist = tree.split('\n').find((f) => /configmap-.*airlock-blocklist-/.test(f));
    assert.ok(blocklist, tree);
    assert.match(git(remote, 'show', `main:${blocklist}`), new RegExp(`digests: ${DIGEST}\n`));
  });

  test('hostile pod names are refused 422 and nothing is written', async () => {
    const before = incidentFilesOf(root);
    const branches = git(remote, 'branch', '--list');
    for (const pod of ['$(reboot)', "x'; process.exit(1); '", 'a\nAirlock-Break-Glass: yes', 'checkout\u202e', '../../etc/passwd']) {
      const r = await post('/v1/falco?wait=1', falcoAlert({ fields: { 'k8s.pod.name': pod } }));
      assert.equal(r.status, 422, `${JSON.stringify(pod)}: ${r.text}`);
      assert.equal(r.json.code, 'invalid');
      assert.equal(r.json.field, 'k8s.pod.name');
      assert.match(r.json.reason, /not a pod name/);
    }
    const ns = await post('/v1/falco', falcoAlert({ fields: { 'k8s.ns.name': 'Payments; rm -rf /' } }));
    assert.equal(ns.status, 422);
    assert.equal(ns.json.field, 'k8s.ns.name');
    const digest = await post('/v1/falco', falcoAlert({ rule: 'cryptominer', priority: 'critical', fields: { 'k8s.pod.name': 'ok-pod', 'container.image.digest': 'sha256:$(id)' } }));
    assert.equal(digest.status, 422);
    assert.deepEqual(incidentFilesOf(root), before);
    assert.equal(git(remote, 'branch', '--list'), branches);
    assert.deepEqual(fs.readdirSync(path.join(root, '.airlock/intake-queue')), []);
  });

  test('a protected namespace is refused with its reason and the command a responder can run instead; nothing is written', async () => {
    const before = incidentFilesOf(root);
    const r = await post('/v1/falco?wait=1', falcoAlert({ uuid: 'ks-1', fields: { 'k8s.ns.name': 'kube-system', 'k8s.pod.name': 'coredns-5d78c9869d-abcde' } }));
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.code, 'protected-namespace');
    assert.match(r.json.reason, /"kube-system" is protected/);
    assert.match(r.json.reason, /a responder can: airlock new <ID> --isolate kube-system\/coredns-5d78c9869d-abcde --playbook isolatePod --override <REASON>$/);
    assert.deepEqual(incidentFilesOf(root), before);
    const metrics = (await send(`${url}/metrics`, ca, { method: 'GET' })).text;
    assert.equal(metric(metrics, 'airlock_intake_alerts_rejected_total{source="falco",reason="protected-namespace"}'), 1);
  });

  test('an unmatched alert is answered 202 with one reason per rule, and counted', async () => {
    const r = await post('/v1/falco', falcoAlert({ rule: 'Read sensitive file untrusted', priority: 'Warning' }));
    assert.equal(r.status, 202);
    assert.equal(r.json.status, 'unmatched');
    assert.ok(r.json.reasons.includes('terminal shell: detector rule name differs'), r.text);
    const low = await post('/v1/falco', falcoAlert({ priority: 'Informational' }));
    assert.equal(low.json.status, 'unmatched');
    assert.ok(low.json.reasons.includes('terminal shell: priority informational is below notice'), low.text);
    const metrics = (await send(`${url}/metrics`, ca, { method: 'GET' })).text;
    assert.equal(metric(metrics, 'airlock_intake_alerts_unmatched_total{source="falco"}'), 2);
  });

  test('an Alertmanager group: firing alerts act, resolved ones are reported and ignored', async () => {
    const payload = amPayload([
      amAlert({ alertname: 'CryptoMiningDetected', severity: 'critical', namespace: 'ci', pod: 'runner-8f7d6', image: `ghcr.io/acme/runner@${DIGEST}` }, 'firing', '00aa11bb22cc33dd'),
      amAlert({ alertname: 'CryptoMiningDetected', severity: 'critical', namespace: 'ci', pod: 'runner-old' }, 'resolved', '99aa11bb22cc33dd'),
    ]);
    const r = await post('/v1/alertmanager?wait=1', payload);
    assert.equal(r.status, 202, r.text);
    const [firing, resolved] = r.json.results;
    assert.equal(firing.status, 'accepted');
    assert.equal(firing.proposal.status, 'proposed');
    assert.match(firing.alert, /^am-00aa11bb22cc33dd-20261122031200$/);
    assert.equal(resolved.status, 'resolved');
    const source = fs.readFileSync(path.join(root, 'incidents', `${firing.incident}.ts`), 'utf8');
    assert.match(source, new RegExp(`image: 'ghcr.io/acme/runner@${DIGEST}'`));
    assert.match(trailers('main'), new RegExp(`Airlock-Alert: ${firing.alert}`));
  });

  test('malformed payloads get 400 and the server keeps serving', async () => {
    for (const body of ['{"rule": ', '[]', '"just a string"', '{"priority":"Notice"}', 'null']) {
      const r = await send(`${url}/v1/falco`, ca, { body, headers: bearer() });
      assert.equal(r.status, 400, `${body}: ${r.text}`);
    }
    const am = await send(`${url}/v1/alertmanager`, ca, { body: '{"alerts": [1, 2]}', headers: bearer() });
    assert.equal(am.status, 400);
    const big = await send(`${url}/v1/falco`, ca, { body: `{"rule":"${'x'.repeat(2 * 1024 * 1024)}"}`, headers: bearer() }).catch(() => ({ status: 413 }));
    assert.equal(big.status, 413);
    assert.equal((await send(`${url}/healthz`, ca, { method: 'GET' })).status, 200);
    const ok = await post('/v1/falco', falcoAlert({ rule: 'Something else' }));
    assert.equal(ok.status, 202);
  });

  test('tolerates nulls, numbers and <NA> where strings were expected', async () => {
    const alert: Record<string, unknown> = { ...falcoAlert({ rule: 'Unrelated' }), tags: [1, null, 'x'], hostname: null, time: 12, uuid: 42 };
    (alert.output_fields as Record<string, unknown>)['k8s.pod.name'] = '<NA>';
    const r = await post('/v1/falco', alert);
    assert.equal(r.status, 202, r.text);
    assert.equal(r.json.status, 'unmatched');
    const missingPod = await post('/v1/falco', falcoAlert({ fields: { 'k8s.pod.name': '<NA>' } }));
    assert.equal(missingPod.status, 422);
    assert.match(missingPod.json.reason, /is missing/);
  });
});

describe('airlock serve: authentication', () => {
  let root: string;
  let intake: RunningIntake;
  let ca: string;
  let url: string;
  const body = JSON.stringify(falcoAlert({ rule: 'Not a rule we act on' }));

  before(async () => {
    ({ root } = gitProject());
    ({ intake, ca } = await startTestIntake(root, { queueDir: false }));
    url = `${intake.server.url}/v1/falco`;
  });
  after(() => intake.close());

  test('refuses 401: missing credentials, wrong secret, bad HMAC, stale timestamp, replayed signature', async () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['missing', {}, /missing credentials/],
      ['wrong bearer', bearer('wrong-secret-0123456789abcdef'), /wrong token/],
      ['wrong token header', { 'x-airlock-token': 'short' }, /wrong token/],
      ['bad hmac', signed(body, Date.now() / 1000, 'another-secret-0123456789'), /bad signature/],
      ['hmac over another body', signed(`${body} `), /bad signature/],
      ['stale', signed(body, Date.now() / 1000 - 3600), /stale timestamp/],
      ['future', signed(body, Date.now() / 1000 + 3600), /stale timestamp/],
      ['malformed signature', { 'x-airlock-timestamp': String(Math.floor(Date.now() / 1000)), 'x-airlock-signature': 'sha256=zz' }, /malformed/],
    ];
    for (const [name, headers, reason] of cases) {
      const r = await send(url, ca, { body, headers });
      assert.equal(r.status, 401, name);
      assert.match(r.json.reason, reason, name);
      assert.doesNotMatch(r.text, /test-secret/);
    }
    const good = signed(body);
    assert.equal((await send(url, ca, { body, headers: good })).status, 202);
    const replay = await send(url, ca, { body, headers: good });
    assert.equal(replay.status, 401);
    assert.match(replay.json.reason, /replayed signature/);
    assert.equal((await send(url, ca, { body, headers: bearer() })).status, 202);
    const metrics = (await send(`${intake.server.url}/metrics`, ca, { method: 'GET' })).text;
    assert.equal(metric(metrics, 'airlock_intake_requests_refused_total{code="401"}'), cases.length + 1);
    assert.equal(metric(metrics, 'airlock_intake_alerts_received_total{source="falco"}'), 2);
  });

  test('probes and metrics need no credentials; other paths and methods are refused', async () => {
    assert.equal((await send(`${intake.server.url}/readyz`, ca, { method: 'GET' })).status, 200);
    assert.equal((await send(`${intake.server.url}/v1/other`, ca, { body, headers: bearer() })).status, 404);
    assert.equal((await send(url, ca, { method: 'GET', headers: bearer() })).status, 405);
  });
});

describe('airlock serve: the journal', () => {
  test('an alert accepted by a process that dies before proposing is proposed by the next start', async () => {
    const { root, remote } = gitProject();
    const first = await startTestIntake(root, { propose: false });
    const r = await send(`${first.intake.server.url}/v1/falco`, first.ca, { body: JSON.stringify(falcoAlert({ uuid: 'journal-1' })), headers: bearer() });
    assert.equal(r.status, 202, r.text);
    assert.equal(fs.readdirSync(path.join(root, '.airlock/intake-queue')).length, 1);
    await first.intake.close();
    assert.equal(git(remote, 'branch', '--list').trim(), '* main');

    const second = await startTestIntake(root);
    try {
      assert.equal(second.intake.replayed, 1);
      await second.intake.processor.idle();
      assert.match(git(remote, 'log', '-1', '--format=%(trailers)', `airlock/${r.json.incident.toLowerCase()}`), /Airlock-Alert: journal-1/);
      assert.deepEqual(fs.readdirSync(path.join(root, '.airlock/intake-queue')), []);
    } finally {
      await second.intake.close();
    }
  });
});
