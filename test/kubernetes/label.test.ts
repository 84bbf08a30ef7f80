/**
 * `airlock label` against a local HTTPS server that speaks the Kubernetes API's documented PATCH semantics
 * (JSON merge patch, resourceVersion preconditions, Status errors): see fake-api-server.ts. Also the
 * kubeconfig loader, and the pure patch computation (quarantine, detachment, restore).
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import {
  DETACHED_FROM_ANNOTATION,
  DETACHED_LABELS_ANNOTATION,
  KubeconfigError,
  KubernetesApiError,
  KubernetesClient,
  LabelRefusedError,
  loadKubeconfig,
  quarantinePlan,
  quarantinePod,
  restorePod,
  type ClusterConnection,
  type LivePod,
} from '../../src/kubernetes';
import { FakeApiServer, mergePatch } from './fake-api-server';
import { testCertificate } from '../webhook/tls';
import { tempDir } from '../support/temp-dir';

const POD = '/api/v1/namespaces/payments/pods/checkout-7d9f8c-x2x4k';
const RS = '/apis/apps/v1/namespaces/payments/replicasets/checkout-7d9f8c';
const LABELS = { app: 'checkout', 'pod-template-hash': '7d9f8c', team: 'payments' };

function seed(api: FakeApiServer, owner: { kind: string; name: string } = { kind: 'ReplicaSet', name: 'checkout-7d9f8c' }): void {
  api.objects.clear();
  api.requests.length = 0;
  api.concurrentWrites = 0;
  api.put(POD, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'checkout-7d9f8c-x2x4k', namespace: 'payments', labels: { ...LABELS }, ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, controller: true }] },
  });
  api.put(RS, { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'checkout-7d9f8c', namespace: 'payments' }, spec: { selector: { matchLabels: { app: 'checkout', 'pod-template-hash': '7d9f8c' } } } });
  api.put('/api/v1/namespaces/payments/services/checkout', { kind: 'Service', metadata: { name: 'checkout', namespace: 'payments' }, spec: { selector: { app: 'checkout' } } });
  api.put('/api/v1/namespaces/payments/services/team', { kind: 'Service', metadata: { name: 'team', namespace: 'payments' }, spec: { selector: { team: 'payments', tier: 'web' } } });
  api.put('/api/v1/namespaces/payments/services/external', { kind: 'Service', metadata: { name: 'external', namespace: 'payments' }, spec: { type: 'ExternalName' } });
}

const labelsOf = (api: FakeApiServer): Record<string, string> => (api.objects.get(POD)!.metadata as { labels: Record<string, string> }).labels;
const annotationsOf = (api: FakeApiServer): Record<string, string> | undefined => (api.objects.get(POD)!.metadata as { annotations?: Record<string, string> }).annotations;
const patches = (api: FakeApiServer): number => api.requests.filter((r) => r.method === 'PATCH').length;

describe('airlock label against a Kubernetes API over HTTPS', () => {
  const api = new FakeApiServer();
  let cert = '';
  let client: KubernetesClient;
  before(async () => {
    const pems = await testCertificate();
    cert = pems.cert;
    await api.start(pems.key, pems.cert);
    const connection: ClusterConnection = { context: 'test', server: api.url, ca: Buffer.from(cert), token: 'token-1', insecureSkipTlsVerify: false };
    client = new KubernetesClient(connection);
  });
  after(() => api.stop());
  beforeEach(() => seed(api));

  test('applies the quarantine label with a merge patch conditional on the resourceVersion read', async () => {
    const rv = (api.objects.get(POD)!.metadata as { resourceVersion: string }).resourceVersion;
    const outcome = await quarantinePod(client, { namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', incidentId: 'INC-7' });
    assert.equal(outcome.changed, true);
    assert.deepEqual(labelsOf(api), { ...LABELS, 'airlock.dev/quarantine': 'INC-7' });
    const patch = api.requests.find((r) => r.method === 'PATCH')!;
    assert.equal(patch.contentType, 'application/merge-patch+json');
    assert.deepEqual(patch.body, { metadata: { resourceVersion: rv, labels: { 'airlock.dev/quarantine': 'INC-7' } } });
    assert.notEqual(outcome.resourceVersion, rv);
    const again = await quarantinePod(client, { namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', incidentId: 'INC-7' });
    assert.equal(again.changed, false, 'idempotent');
    assert.equal(patches(api), 1);
  });

  test('--dry-run computes the same patch and sends nothing', async () => {
    const outcome = await quarantinePod(client, { namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', incidentId: 'INC-7', detach: true, dryRun: true });
    assert.equal(outcome.changed, false);
    assert.equal(outcome.dryRun, true);
    assert.equal(patches(api), 0);
    assert.deepEqual(labelsOf(api), LABELS);
    assert.deepEqual(outcome.removed, { app: 'checkout', 'pod-template-hash': '7d9f8c' });
  });

  test('detachment removes the labels the owner and Services select, keeping them for restore', async () => {
    const outcome = await quarantinePod(client, { namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', incidentId: 'INC-7', detach: true });
    assert.deepEqual(labelsOf(api), { team: 'payments', 'airlock.dev/quarantine': 'INC-7' });
    assert.deepEqual(JSON.parse(annotationsOf(api)![DETACHED_LABELS_ANNOTATION]), { app: 'checkout', 'pod-template-hash': '7d9f8c' });
    assert.equal(annotationsOf(api)![DETACHED_FROM_ANNOTATION], 'ReplicaSet/checkout-7d9f8c');
    assert.equal(outcome.owner, 'ReplicaSet/checkout-7d9f8c');
    assert.deepEqual(outcome.services, ['checkout'], 'the team Service also needs tier=web, so it never selected the pod');
    assert.deepEqual(
      api.requests.map((r) => `${r.method} ${r.path}`),
      [`GET ${POD}`, `GET ${RS}`, 'GET /api/v1/namespaces/payments/services', `PATCH ${POD}`],
    );
  });

  test('--restore puts the labels back, removes the quarantine label and annotations, and warns about re-adoption', async () => {
    await quarantinePod(client, { namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', incidentId: 'INC-7', detach: true });
    const outcome = await restorePod(client, { namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', incidentId: 'INC-7' });
    assert.equal(outcome.changed, true);
    assert.deepEqual(labelsOf(api), LABELS);
    assert.deepEqual(annotationsOf(api) ?? {}, {});
    assert.deepEqual(outcome.restored, { app: 'checkout', 'pod-template-hash': '7d9f8c' });
    assert.match(outcome.warnings.join('\n'), /ReplicaSet\/checkout-7d9f8c will adopt the pod again/);
  });

  test('a concurrent change makes the API server refuse the patch (409); the label is recomputed from a fresh read', async () => {
    api.concurrentWrites = 1;
    const outcome = await quarantinePod(client, { namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', incidentId: 'INC-7' });
    assert.equal(outcome.changed, true);
    assert.equal(patches(api), 2);
    seed(api);
    api.concurrentWrites = 10;
    await assert.rejects(quarantinePod(client, { namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', incidentId: 'INC-7' }), (err: unknown) => err instanceof KubernetesApiError && err.status === 409 && err.reason === 'Conflict');
  });

  test('refuses a pod another incident holds, and a StatefulSet pod for detachment, sending nothing', async () => {
    await quarantinePod(client, { namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', incidentId: 'INC-1' });
    const before = patches(api);
    await assert.rejects(quarantinePod(client, { namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', incidentId: 'INC-7' }), (err: unknown) => err instanceof LabelRefusedError && /quarantined by INC-1/.test(err.message));
    await assert.rejects(restorePod(client, { namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', incidentId: 'INC-7' }), LabelRefusedError);
    assert.equal(patches(api), before);
    seed(api, { kind: 'StatefulSet', name: 'db' });
    await assert.rejects(quarantinePod(client, { namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', incidentId: 'INC-7', detach: true }), (err: unknown) => err instanceof LabelRefusedError && /StatefulSet db/.test(err.message));
    assert.equal(patches(api), 0);
  });

  test('API errors carry the status and reason: unknown pod, wrong token', async () => {
    await assert.rejects(quarantinePod(client, { namespace: 'payments', pod: 'gone', incidentId: 'INC-7' }), (err: unknown) => err instanceof KubernetesApiError && err.status === 404 && err.reason === 'NotFound' && err.exitCode === 3);
    const wrong = new KubernetesClient({ ...client.connection, token: 'nope' });
    await assert.rejects(wrong.get(POD), (err: unknown) => err instanceof KubernetesApiError && err.status === 401);
    const untrusted = new KubernetesClient({ ...client.connection, ca: undefined });
    await assert.rejects(untrusted.get(POD), (err: unknown) => err instanceof KubernetesApiError && err.status === 0);
  });

  test('the fake applies RFC 7386 merge patches', () => {
    assert.deepEqual(mergePatch({ a: { b: 1, c: 2 }, d: [1] }, { a: { b: null, e: 3 }, d: [2] }), { a: { c: 2, e: 3 }, d: [2] });
  });

  test('a kubeconfig with CA data and a token file connects', async () => {
    const dir = tempDir('airlock-kubeconfig-');
    fs.writeFileSync(path.join(dir, 'token'), 'token-1\n');
    fs.writeFileSync(
      path.join(dir, 'config'),
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'other',
        clusters: [{ name: 'fake', cluster: { server: `${api.url}/`, 'certificate-authority-data': Buffer.from(cert).toString('base64') } }],
        users: [{ name: 'responder', user: { tokenFile: 'token' } }, { name: 'sso', user: { exec: { command: 'login' } } }],
        contexts: [
          { name: 'fake', context: { cluster: 'fake', user: 'responder', namespace: 'payments' } },
          { name: 'other', context: { cluster: 'fake', user: 'sso' } },
        ],
      }),
    );
    const connection = loadKubeconfig({ env: { KUBECONFIG: path.join(dir, 'config') }, context: 'fake' });
    assert.equal(connection.namespace, 'payments');
    assert.equal(connection.server, api.url);
    const pod = await new KubernetesClient(connection).get<LivePod>(POD);
    assert.equal(pod.metadata.name, 'checkout-7d9f8c-x2x4k');
    assert.throws(() => loadKubeconfig({ file: path.join(dir, 'config') }), (err: unknown) => err instanceof KubeconfigError && /exec plugin/.test(err.message));
    assert.throws(() => loadKubeconfig({ file: path.join(dir, 'config'), context: 'nope' }), /no context "nope"/);
    assert.throws(() => loadKubeconfig({ file: path.join(dir, 'missing') }), (err: unknown) => err instanceof KubeconfigError && err.message === `${path.join(dir, 'missing')}: cannot be read (ENOENT); accepted: --kubeconfig FILE, else the files listed in $KUBECONFIG, else ~/.kube/config`);
  });
});

describe('the patch, computed without a cluster', () => {
  const pod: LivePod = { metadata: { name: 'p', namespace: 'ns', resourceVersion: '7', labels: { app: 'a', version: 'v1' } } };

  test('an owner whose selector uses matchExpressions: In and Exists keys are removed, NotIn keys stay', () => {
    const plan = quarantinePlan(pod, 'INC-7', { owner: { kind: 'ReplicaSet', name: 'r', selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['a'] }, { key: 'version', operator: 'NotIn', values: ['v0'] }] } }, services: [] });
    assert.deepEqual(plan.removed, { app: 'a' });
    assert.deepEqual(plan.labelsAfter, { version: 'v1', 'airlock.dev/quarantine': 'INC-7' });
  });

  test('a pod without a controller: Services only, with a warning', () => {
    const plan = quarantinePlan(pod, 'INC-7', { services: [{ name: 's', selector: { version: 'v1' } }] });
    assert.deepEqual(plan.removed, { version: 'v1' });
    assert.equal(plan.owner, undefined);
    assert.match(plan.warnings[0], /no controller/);
  });
});
