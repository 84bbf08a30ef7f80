/**
 * `airlock label` end to end: the real CLI against a local HTTPS server that speaks the Kubernetes API's
 * documented PATCH semantics (no cluster runs here), with each change recorded as a commit on the base branch
 * of a real git remote.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { airlockAsync, incidentSource } from '../support/project';
import { git, gitProject } from '../support/git-project';
import { FakeApiServer } from '../kubernetes/fake-api-server';
import { testCertificate } from '../webhook/tls';
import { tempDir } from '../support/temp-dir';

const POD = '/api/v1/namespaces/payments/pods/checkout-7d9f8c-x2x4k';

describe('airlock label', () => {
  const api = new FakeApiServer();
  let kubeconfig = '';
  before(async () => {
    const pems = await testCertificate();
    await api.start(pems.key, pems.cert);
    kubeconfig = path.join(tempDir('airlock-kube-'), 'config');
    fs.writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'prod',
        clusters: [{ name: 'prod', cluster: { server: api.url, 'certificate-authority-data': Buffer.from(pems.cert).toString('base64') } }],
        users: [{ name: 'responder', user: { token: 'token-1' } }],
        contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'responder' } }],
      }),
    );
  });
  after(() => api.stop());

  const seed = (): void => {
    api.objects.clear();
    api.put(POD, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'checkout-7d9f8c-x2x4k', namespace: 'payments', labels: { app: 'checkout' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'checkout-7d9f8c', controller: true }] },
    });
    api.put('/apis/apps/v1/namespaces/payments/replicasets/checkout-7d9f8c', { kind: 'ReplicaSet', metadata: { name: 'checkout-7d9f8c', namespace: 'payments' }, spec: { selector: { matchLabels: { app: 'checkout' } } } });
  };
  const labels = (): Record<string, string> => (api.objects.get(POD)!.metadata as { labels: Record<string, string> }).labels;
  const incident = incidentSource('INC-1', `isolate({ namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', detach: true })`);

  test('labels and detaches the pod, records Airlock-Action: label on main, and --restore undoes it', async () => {
    seed();
    const { root, remote } = gitProject({ 'INC-1.ts': incident });
    const labelled = await airlockAsync(root, ['label', 'INC-1', '--kubeconfig', kubeconfig, '--json']);
    assert.equal(labelled.status, 0, labelled.stderr);
    assert.deepEqual(labels(), { 'airlock.dev/quarantine': 'INC-1' });
    assert.match(git(remote, 'log', '-1', '--format=%s%n%(trailers)', 'main'), /label payments\/checkout-7d9f8c-x2x4k on prod\n[\s\S]*Airlock-Action: label/);
    const restored = await airlockAsync(root, ['label', 'INC-1', '--restore', '--kubeconfig', kubeconfig]);
    assert.equal(restored.status, 0, restored.stderr);
    assert.deepEqual(labels(), { app: 'checkout' });
    assert.match(git(remote, 'log', '-1', '--format=%(trailers)', 'main'), /Airlock-Action: restore/);
  });

  test('--dry-run prints the patch and changes and records nothing', async () => {
    seed();
    const { root, remote } = gitProject({ 'INC-1.ts': incident });
    const result = await airlockAsync(root, ['label', 'INC-1', '--dry-run', '--kubeconfig', kubeconfig]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /would patch/);
    assert.deepEqual(labels(), { app: 'checkout' });
    assert.equal(git(remote, 'log', '--format=%s', 'main').trim(), 'seed');
  });

  test('airlock status reads the probe verdict and evidence result; a probe that found no enforcement exits 4', async () => {
    seed();
    const labels = (kind: string, action: string) => ({ 'airlock.dev/incident': 'INC-1', 'airlock.dev/result': kind, 'airlock.dev/action-index': action });
    api.put('/api/v1/namespaces/airlock-system/configmaps/airlock-inc-1-0-probe', { kind: 'ConfigMap', metadata: { name: 'airlock-inc-1-0-probe', namespace: 'airlock-system', labels: labels('probe', '0') }, data: { verdict: 'not-enforced', 'checked-at': '2026-11-22T03:20:00Z', checks: 'egress 10.0.0.1:443 open\ningress blocked', canary: 'payments/canary (10.1.0.9)', rounds: '3' } });
    api.put('/api/v1/namespaces/airlock-system/configmaps/airlock-inc-1-1-evidence', { kind: 'ConfigMap', metadata: { name: 'airlock-inc-1-1-evidence', namespace: 'airlock-system', labels: labels('evidence', '1') }, data: { status: 'complete', run: 'r1', 'captured-at': '2026-11-22T03:15:00Z', location: 'pvc://airlock-evidence/INC-1/payments/checkout/r1', 'manifest-sha256': 'a'.repeat(64), files: '9', 'failed-steps': '' } });
    const { root } = gitProject({ 'INC-1.ts': incident });
    const result = await airlockAsync(root, ['status', '--kubeconfig', kubeconfig, '--json']);
    assert.equal(result.status, 4, result.stderr);
    const rows = JSON.parse(result.stdout) as Array<{ kind: string; result: string; action: number }>;
    assert.deepEqual(rows.map((r) => `${r.action} ${r.kind} ${r.result}`), ['0 probe not-enforced', '1 evidence complete']);
  });
});
