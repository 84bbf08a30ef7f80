/** Falcosidekick and Alertmanager payloads read tolerantly; targets validated before anything uses them. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { definePlaybook } from '../../src/incident/playbook';
import { blockImages, isolate } from '../../src/incident/declare';
import { sanitizeText, type Alert } from '../../src/intake/alert';
import { parseAlertmanagerPayload } from '../../src/intake/alertmanager';
import { parseFalcoPayload } from '../../src/intake/falco';
import type { AlertRule } from '../../src/intake/rules';
import { resolveTarget, targetHash } from '../../src/intake/target';
import { amAlert, amPayload, falcoAlert } from './support';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const isolatePod = definePlaybook({ name: 'isolatePod', description: 'x', actions: (t) => [isolate({ namespace: t.namespace, pod: t.pod! })] });
const miner = definePlaybook({ name: 'miner', description: 'x', blocksImage: true, actions: (t) => [isolate({ namespace: t.namespace, pod: t.pod! }), ...(t.image ? [blockImages({ images: [t.image], reason: 'x' })] : [])] });
const needsImage = definePlaybook({ name: 'needsImage', description: 'x', blocksImage: true, requires: ['pod', 'image'], actions: () => [] });
const rule = (playbook: string, target?: AlertRule['action']['target']): AlertRule => ({ name: 'r', match: {}, action: { playbook, ...(target ? { target } : {}) } });

function falco(payload: Record<string, unknown>): Alert {
  const parsed = parseFalcoPayload(payload);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.alert;
}

describe('Falcosidekick payloads', () => {
  test('reads the fields Airlock uses', () => {
    const a = falco(falcoAlert({ uuid: 'u-1', fields: { 'container.image.digest': DIGEST, 'k8s.pod.label.app': 'checkout', 'k8s.pod.label[tier]': 'web' } }));
    assert.equal(a.id, 'u-1');
    assert.equal(a.priority, 'notice');
    assert.deepEqual(a.tags, ['container', 'shell', 'mitre_execution']);
    assert.equal(a.namespace, 'payments');
    assert.equal(a.pod, 'checkout-7d9f8c-x2x4k');
    assert.equal(a.imageRepository, 'ghcr.io/acme/checkout');
    assert.equal(a.imageDigest, DIGEST);
    assert.deepEqual(a.podLabels, { app: 'checkout', tier: 'web' });
    assert.equal(a.time, '2026-11-22T03:12:00.000000000Z');
  });

  test('a time on a day that does not exist is dropped, as an incident file would refuse it', () => {
    assert.equal(falco({ ...falcoAlert(), time: '2026-02-31T03:12:00Z' }).time, undefined);
  });

  test('tolerates null, numbers, <NA>, missing output_fields; a missing uuid gets a stable derived id', () => {
    const payload = { rule: 'Terminal shell in container', priority: null, tags: null, output_fields: null, uuid: null, time: 'yesterday', hostname: 7, output: 12 };
    const a = falco(payload);
    assert.equal(a.priority, undefined);
    assert.deepEqual(a.tags, []);
    assert.equal(a.namespace, undefined);
    assert.equal(a.time, undefined);
    assert.equal(a.hostname, '7');
    assert.match(a.id, /^falco-[0-9a-f]{24}$/);
    assert.equal(falco(payload).id, a.id, 'a resend gets the same id');
    const na = falco(falcoAlert({ fields: { 'k8s.pod.name': '<NA>', 'k8s.ns.name': 42 } }));
    assert.equal(na.pod, undefined);
    assert.equal(na.namespace, '42');
    assert.match(falco(falcoAlert({ uuid: 'has spaces' })).id, /^falco-/);
  });

  test('only a payload that is not an object or names no rule is malformed', () => {
    assert.equal(parseFalcoPayload([]).ok, false);
    assert.equal(parseFalcoPayload(null).ok, false);
    assert.equal(parseFalcoPayload({ priority: 'Notice' }).ok, false);
    assert.equal(parseFalcoPayload({ rule: '   ' }).ok, false);
  });

  test('descriptive text is reduced to one line of printable ASCII', () => {
    assert.equal(sanitizeText('a\nb\u202ec\u0007d  e'), 'a b?c?d e');
    assert.equal(sanitizeText('x'.repeat(400), 10), 'xxxxxxx...');
    const a = falco({ ...falcoAlert(), rule: 'Shell\nAirlock-Break-Glass: yes', output: '\u001b[31mred' });
    assert.equal(a.rule, 'Shell Airlock-Break-Glass: yes');
    assert.equal(a.output, '?[31mred');
  });
});

describe('Alertmanager payloads', () => {
  test('maps labels onto an alert; resolved alerts are not firing', () => {
    const parsed = parseAlertmanagerPayload(amPayload([
      amAlert({ alertname: 'Miner', severity: 'critical', namespace: 'ci', pod: 'r-1', image: `ghcr.io/a/b@${DIGEST}`, tags: 'miner, container', label_app: 'runner' }),
      amAlert({ alertname: 'Miner', namespace: 'ci', pod: 'r-2' }, 'resolved', 'zz-not-hex'),
    ]));
    assert.ok(parsed.ok);
    const [a, b] = parsed.alerts;
    assert.equal(a!.id, 'am-a1b2c3d4e5f60718-20261122031200');
    assert.equal(a!.rule, 'Miner');
    assert.equal(a!.priority, 'critical');
    assert.deepEqual(a!.tags, ['miner', 'container']);
    assert.equal(a!.imageRepository, 'ghcr.io/a/b');
    assert.equal(a!.imageDigest, DIGEST);
    assert.equal(a!.output, 'Cryptominer detected');
    assert.ok(a!.firing);
    assert.equal(b!.firing, false);
    assert.match(b!.id, /^am-[0-9a-f]{24}$/);
    assert.equal(b!.priority, undefined);
  });

  test('malformed groups are refused', () => {
    assert.equal(parseAlertmanagerPayload({}).ok, false);
    assert.equal(parseAlertmanagerPayload({ alerts: {} }).ok, false);
    assert.equal(parseAlertmanagerPayload({ alerts: [null] }).ok, false);
    assert.equal(parseAlertmanagerPayload({ alerts: new Array(1001).fill({}) }).ok, false);
    assert.ok(parseAlertmanagerPayload({ alerts: [{}] }).ok, 'an alert without labels is read, and matches nothing');
  });
});

describe('targets', () => {
  test('a pod target: validated names, a dedup key and its hash', () => {
    const r = resolveTarget(falco(falcoAlert()), rule('isolatePod'), isolatePod);
    assert.ok(r.ok);
    assert.equal(r.target.key, 'payments/pod:checkout-7d9f8c-x2x4k#isolatePod');
    assert.equal(r.target.hash, targetHash(r.target.key));
    assert.match(r.target.hash, /^[0-9a-f]{10}$/);
    assert.equal(r.target.image, undefined, 'isolatePod does not block images');
  });

  test('hostile or invalid identifiers are refused with the field named', () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ 'k8s.pod.name': '$(reboot)' }, 'k8s.pod.name', /"\$\(reboot\)", not a pod name/],
      [{ 'k8s.pod.name': 'a"b' }, 'k8s.pod.name', /not a pod name/],
      [{ 'k8s.pod.name': 'line\nbreak' }, 'k8s.pod.name', /"line\\nbreak"/],
      [{ 'k8s.pod.name': 'x'.repeat(254) }, 'k8s.pod.name', /not a pod name/],
      [{ 'k8s.pod.name': 'checkout-7d9f...' }, 'k8s.pod.name', /not a pod name/],
      [{ 'k8s.ns.name': 'Payments' }, 'k8s.ns.name', /not a namespace name/],
      [{ 'k8s.ns.name': null }, 'k8s.ns.name', /is missing/],
    ];
    for (const [fields, field, reason] of cases) {
      const r = resolveTarget(falco(falcoAlert({ fields })), rule('isolatePod'), isolatePod);
      assert.ok(!r.ok, JSON.stringify(fields));
      assert.equal(r.problem.field, field);
      assert.match(r.problem.reason, reason);
    }
  });

  test('images by repository@digest, only when the digest is there and valid', () => {
    const ok = resolveTarget(falco(falcoAlert({ fields: { 'container.image.digest': DIGEST } })), rule('miner'), miner);
    assert.ok(ok.ok);
    assert.equal(ok.target.image, `ghcr.io/acme/checkout@${DIGEST}`);
    const none = resolveTarget(falco(falcoAlert()), rule('miner'), miner);
    assert.ok(none.ok);
    assert.equal(none.target.image, undefined, 'no digest: no image block (a tag is mutable)');
    const bad = resolveTarget(falco(falcoAlert({ fields: { 'container.image.digest': 'sha256:$(id)' } })), rule('miner'), miner);
    assert.ok(!bad.ok);
    assert.equal(bad.problem.field, 'container.image.digest');
    const repo = resolveTarget(falco(falcoAlert({ fields: { 'container.image.digest': DIGEST, 'container.image.repository': 'Evil Repo' } })), rule('miner'), miner);
    assert.ok(!repo.ok);
    assert.equal(repo.problem.field, 'container.image.repository');
    const needed = resolveTarget(falco(falcoAlert()), rule('needsImage'), needsImage);
    assert.ok(!needed.ok);
    assert.match(needed.problem.reason, /needs image/);
  });

  test('a workload target takes its selector from the alerted pod labels', () => {
    const byLabels = rule('isolatePod', { workloadLabels: ['app'] });
    const ok = resolveTarget(falco(falcoAlert({ fields: { 'k8s.pod.label.app': 'checkout' } })), byLabels, isolatePod);
    assert.ok(ok.ok);
    assert.deepEqual(ok.target.selector, { app: 'checkout' });
    assert.equal(ok.target.key, 'payments/labels:app=checkout#isolatePod');
    const missing = resolveTarget(falco(falcoAlert()), byLabels, isolatePod);
    assert.ok(!missing.ok);
    assert.equal(missing.problem.field, 'k8s.pod.label[app]');
    const bad = resolveTarget(falco(falcoAlert({ fields: { 'k8s.pod.label.app': 'a b' } })), byLabels, isolatePod);
    assert.ok(!bad.ok);
    const am = parseAlertmanagerPayload(amPayload([amAlert({ alertname: 'x', namespace: 'ci', pod: 'p', label_app_kubernetes_io_name: 'runner' })]));
    assert.ok(am.ok);
    const viaAm = resolveTarget(am.alerts[0]!, rule('isolatePod', { workloadLabels: ['app.kubernetes.io/name'] }), isolatePod);
    assert.ok(viaAm.ok);
    assert.deepEqual(viaAm.target.selector, { 'app.kubernetes.io/name': 'runner' });
  });
});
