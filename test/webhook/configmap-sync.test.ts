/**
 * The blocklist sync sidecar against a fake Kubernetes API over real HTTPS, and the whole in-cluster path:
 * API → sync → snapshot directory → watching server → review. Every step waits on an event.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { blocklistConfigMap, type Manifest } from '../../src/admission';
import { loadBlocklists } from '../../src/webhook/blocklist-source';
import { ConfigMapSync, inClusterApiConfig, writeSnapshot } from '../../src/webhook/configmap-sync';
import { serveWebhook } from '../../src/webhook/serve';
import type { BlocklistReload } from '../../src/webhook/blocklist-watcher';
import { INCIDENTS } from '../admission/admission-cases';
import { admissionReview, request } from './client';
import { FakeKubeApi } from './fake-kube-api';
import { testCertificate } from './tls';

const TIMEOUT = { timeout: 20_000 };
const [cm1, cm2] = INCIDENTS.map((incident) => blocklistConfigMap({ incident })!) as [Manifest, Manifest];
const data = (cm: Manifest): Record<string, string> => ({ ...(cm.data as Record<string, string>) });
const nextSync = (sync: ConfigMapSync) => once(sync, 'synced').then(([s]) => s as { names: string[]; generation: string });

describe('ConfigMap sync sidecar', () => {
  let api: FakeKubeApi;
  let dir: string;
  let tokenFile: string;
  let sync: ConfigMapSync;
  let running: Promise<void>;
  const failures: Error[] = [];

  before(async () => {
    const { key, cert } = await testCertificate();
    api = new FakeKubeApi();
    await api.start(key, cert);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-sync-'));
    tokenFile = path.join(dir, 'token');
    await fs.writeFile(tokenFile, 'token-1\n');
    await fs.mkdir(path.join(dir, 'blocklists'));
    api.items = [api.configMap('airlock-blocklist-inc-1', data(cm1))];
    sync = new ConfigMapSync({ api: { server: api.url, ca: cert, tokenFile }, namespace: 'airlock-system', labelSelector: 'airlock.dev/blocklist=images', dir: path.join(dir, 'blocklists'), retryMs: 10 });
    sync.on('sync-failed', (f) => failures.push(f.error));
  });
  after(async () => {
    sync.stop();
    await running;
    await api.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('lists with the label selector and the token, writes the first snapshot, then watches from the list version', TIMEOUT, async () => {
    const synced = nextSync(sync);
    const watching = once(api, 'watch');
    running = sync.run();
    assert.deepEqual((await synced).names, ['airlock-blocklist-inc-1']);
    assert.deepEqual((await loadBlocklists(path.join(dir, 'blocklists'))).map((b) => b.incident), ['INC-1']);
    const [watch] = (await watching) as [{ query: URLSearchParams; authorization: string }];
    assert.equal(api.requests[0]!.query.get('labelSelector'), 'airlock.dev/blocklist=images');
    assert.equal(api.requests[0]!.authorization, 'Bearer token-1');
    assert.equal(watch.query.get('resourceVersion'), '101');
    assert.equal(watch.query.get('allowWatchBookmarks'), 'true');
  });
  test('an added ConfigMap lands in a new snapshot', TIMEOUT, async () => {
    const synced = nextSync(sync);
    api.push('ADDED', api.configMap('airlock-blocklist-inc-2', data(cm2)));
    assert.deepEqual((await synced).names, ['airlock-blocklist-inc-1', 'airlock-blocklist-inc-2']);
    assert.deepEqual((await loadBlocklists(path.join(dir, 'blocklists'))).map((b) => b.incident), ['INC-1', 'INC-2']);
  });
  test('a bookmark or an unchanged update writes nothing; a modification does', TIMEOUT, async () => {
    const synced = nextSync(sync);
    api.push('BOOKMARK', { metadata: { name: '', namespace: 'airlock-system', resourceVersion: String(++api.resourceVersion) } });
    api.push('MODIFIED', api.configMap('airlock-blocklist-inc-2', data(cm2)));
    api.push('MODIFIED', api.configMap('airlock-blocklist-inc-1', { ...data(cm1), reason: 'rebuilt' }));
    await synced;
    const lists = await loadBlocklists(path.join(dir, 'blocklists'));
    assert.equal(lists.find((b) => b.incident === 'INC-1')!.reason, 'rebuilt');
  });
  test('a deleted ConfigMap leaves the snapshot, and only one generation stays on disk', TIMEOUT, async () => {
    const synced = nextSync(sync);
    api.push('DELETED', api.configMap('airlock-blocklist-inc-2', data(cm2)));
    const { names, generation } = await synced;
    assert.deepEqual(names, ['airlock-blocklist-inc-1']);
    assert.deepEqual((await fs.readdir(path.join(dir, 'blocklists'))).sort(), [generation, '..data'].sort());
  });
  test('410 Gone re-lists at once, with the token read afresh (rotation)', TIMEOUT, async () => {
    await fs.writeFile(tokenFile, 'token-2\n');
    api.token = 'token-2';
    api.items = [api.configMap('airlock-blocklist-inc-2', data(cm2))];
    const listed = once(api, 'list');
    const synced = nextSync(sync);
    const watching = once(api, 'watch');
    const failed = failures.length;
    api.gone();
    const [list] = (await listed) as [{ authorization: string }];
    assert.equal(list.authorization, 'Bearer token-2');
    assert.deepEqual((await synced).names, ['airlock-blocklist-inc-2']);
    await watching;
    assert.equal(failures.length, failed, '410 is routine, not a failure');
  });
  test('a refused list is reported and retried; the last snapshot stays meanwhile', TIMEOUT, async () => {
    api.failLists = [403, 403];
    api.items = [api.configMap('airlock-blocklist-inc-1', data(cm1)), api.configMap('airlock-blocklist-inc-2', data(cm2))];
    const failed = once(sync, 'sync-failed');
    const synced = nextSync(sync);
    api.gone();
    const [failure] = (await failed) as [{ error: Error }];
    assert.match(failure.error.message, /HTTP 403: configmaps is forbidden/);
    assert.deepEqual((await loadBlocklists(path.join(dir, 'blocklists'))).map((b) => b.incident), ['INC-2']);
    assert.deepEqual((await synced).names, ['airlock-blocklist-inc-1', 'airlock-blocklist-inc-2']);
  });
  test('stop() ends run()', TIMEOUT, async () => {
    sync.stop();
    await running;
  });
});

describe('writeSnapshot', () => {
  test('never writes a key or name that could escape its directory or hide as a kubelet entry', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-snapshot-'));
    try {
      await writeSnapshot(dir, [
        { name: 'ok', resourceVersion: '1', data: { incident: 'INC-1', '..data': 'x', '../escape': 'x', '.hidden': 'x', 'a/b': 'x' } },
        { name: '../evil', resourceVersion: '1', data: { incident: 'X' } },
      ]);
      assert.deepEqual(await fs.readdir(path.join(dir, '..data')), ['ok']);
      assert.deepEqual(await fs.readdir(path.join(dir, '..data', 'ok')), ['incident']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

test('inClusterApiConfig reads the service-account mount and brackets IPv6 hosts', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-sa-'));
  try {
    await fs.writeFile(path.join(dir, 'ca.crt'), 'PEM');
    const config = inClusterApiConfig({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, dir);
    assert.equal(config.server, 'https://[fd00::1]:6443');
    assert.equal(String(config.ca), 'PEM');
    assert.equal(config.tokenFile, path.join(dir, 'token'));
    assert.throws(() => inClusterApiConfig({}, dir), /KUBERNETES_SERVICE_HOST is not set/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

describe('in-cluster path: API → sync sidecar → snapshot → webhook', () => {
  test('the webhook is not ready until the first sync, then enforces every ConfigMap change at the next review', TIMEOUT, async () => {
    const { key, cert } = await testCertificate();
    const api = new FakeKubeApi();
    await api.start(key, cert);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-incluster-'));
    await fs.writeFile(path.join(dir, 'token'), 'token-1');
    const sync = new ConfigMapSync({ api: { server: api.url, ca: cert, tokenFile: path.join(dir, 'token') }, namespace: 'airlock-system', labelSelector: 'airlock.dev/blocklist=images', dir, retryMs: 10 });
    const webhook = await serveWebhook({ key, cert, host: '127.0.0.1', port: 0, blocklistDir: dir, requireSnapshot: true, debounceMs: 20 });
    const reloadWhere = (accept: (r: BlocklistReload) => boolean) =>
      new Promise<void>((resolve) => {
        const on = (r: BlocklistReload): void => {
          if (accept(r)) (webhook.watcher.off('reloaded', on), resolve());
        };
        webhook.watcher.on('reloaded', on);
      });
    const review = async (image: string) =>
      JSON.parse((await request(`${webhook.server.url}/validate`, cert, { method: 'POST', body: admissionReview('i', { operation: 'CREATE', object: { kind: 'Pod', spec: { containers: [{ name: 'c', image }] } } }) })).body).response.allowed as boolean;
    let running: Promise<void> | undefined;
    try {
      assert.equal((await request(`${webhook.server.url}/readyz`, cert)).status, 503);
      api.items = [api.configMap('airlock-blocklist-inc-1', data(cm1))];
      const first = reloadWhere((r) => r.blocklists.length === 1);
      const watching = once(api, 'watch');
      running = sync.run();
      await first;
      await watching;
      assert.equal((await request(`${webhook.server.url}/readyz`, cert)).status, 200);
      assert.equal(await review('nginx:1.25'), false);
      assert.equal(await review('busybox'), true);
      const added = reloadWhere((r) => r.blocklists.length === 2);
      api.push('ADDED', api.configMap('airlock-blocklist-inc-2', data(cm2)));
      await added;
      assert.equal(await review('busybox'), false);
      const lifted = reloadWhere((r) => r.blocklists.length === 1 && r.blocklists[0]!.incident === 'INC-2');
      api.push('DELETED', api.configMap('airlock-blocklist-inc-1', data(cm1)));
      await lifted;
      assert.equal(await review('nginx:1.25'), true);
    } finally {
      sync.stop();
      await running;
      await webhook.close();
      await api.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
