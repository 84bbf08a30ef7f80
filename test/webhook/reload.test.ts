/**
 * "The blocklist is read from the mounted ConfigMaps and reloaded on change": a real server on loopback TLS,
 * fed by the directory watcher, while the files change the way git checkouts, kubelet and the sync sidecar
 * change them. No sleeps: every step waits for the watcher's event, then asks the server.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { blocklistConfigMap, type Manifest } from '../../src/admission';
import { serveWebhook, type RunningWebhook } from '../../src/webhook/serve';
import type { BlocklistReload, BlocklistReloadFailure } from '../../src/webhook/blocklist-watcher';
import { writeSnapshot } from '../../src/webhook/configmap-sync';
import { INCIDENTS } from '../admission/admission-cases';
import { admissionReview, request } from './client';
import { kubeletWrite } from './mounts';
import { testCertificate } from './tls';

const TIMEOUT = { timeout: 20_000 };
const [cm1, cm2] = INCIDENTS.map((incident) => blocklistConfigMap({ incident })!) as [Manifest, Manifest];
const data = (cm: Manifest): Record<string, string> => cm.data as Record<string, string>;
const pod = (image: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { containers: [{ name: 'c', image }] } });
let uid = 0;

/** The first `reloaded` event whose blocklists satisfy `accept` (a stray event from an earlier step is skipped). */
function reloadWhere(running: RunningWebhook, accept: (r: BlocklistReload) => boolean): Promise<BlocklistReload> {
  return new Promise((resolve) => {
    const on = (r: BlocklistReload): void => {
      if (!accept(r)) return;
      running.watcher.off('reloaded', on);
      resolve(r);
    };
    running.watcher.on('reloaded', on);
  });
}
const incidents = (...ids: string[]) => (r: BlocklistReload) => JSON.stringify(r.blocklists.map((b) => b.incident)) === JSON.stringify(ids);
const nextFailure = (running: RunningWebhook) => new Promise<BlocklistReloadFailure>((resolve) => running.watcher.once('reload-failed', resolve));

/** Writes a file the way careful tools do: a hidden temporary file renamed over the target. */
async function atomicWrite(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.tmp-${path.basename(file)}`);
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, file);
}

async function start(dir: string, extra: { requireSnapshot?: boolean } = {}): Promise<{ running: RunningWebhook; ca: string }> {
  const { key, cert } = await testCertificate();
  const running = await serveWebhook({ key, cert, host: '127.0.0.1', port: 0, blocklistDir: dir, debounceMs: 20, ...extra });
  return { running, ca: cert };
}

async function decide(running: RunningWebhook, ca: string, image: string): Promise<{ allowed: boolean; message?: string }> {
  const r = await request(`${running.server.url}/validate`, ca, { method: 'POST', body: admissionReview(`u${++uid}`, { operation: 'CREATE', object: pod(image) }) });
  assert.equal(r.status, 200, r.body);
  const response = JSON.parse(r.body).response;
  return { allowed: response.allowed, ...(response.status ? { message: response.status.message } : {}) };
}

describe('reload from dist/ manifests', () => {
  let dir: string;
  let running: RunningWebhook;
  let ca: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-reload-dist-'));
    await fs.mkdir(path.join(dir, 'inc-1'));
    await fs.writeFile(path.join(dir, 'inc-1', 'blocklist.yaml'), stringify(cm1));
    ({ running, ca } = await start(dir));
  });
  after(async () => {
    await running.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('a new incident folder is enforced by the next review', TIMEOUT, async () => {
    assert.equal((await decide(running, ca, 'busybox')).allowed, true);
    const staging = path.join(dir, '.staging-inc-2');
    await fs.mkdir(staging);
    await fs.writeFile(path.join(staging, 'blocklist.yaml'), stringify(cm2));
    const reloaded = reloadWhere(running, incidents('INC-1', 'INC-2'));
    await fs.rename(staging, path.join(dir, 'inc-2'));
    assert.equal((await reloaded).trigger, 'change');
    assert.deepEqual(await decide(running, ca, 'busybox'), { allowed: false, message: 'image busybox is blocked by incident INC-2: cryptominer; typosquat' });
  });
  test('a file changed inside an incident folder found by a reload is watched too', TIMEOUT, async () => {
    const edited = { ...cm1, data: { ...data(cm1), reason: 'rotated keys' } };
    const reloaded = reloadWhere(running, (r) => r.blocklists.some((b) => b.reason === 'rotated keys'));
    await atomicWrite(path.join(dir, 'inc-2', 'blocklist.yaml'), stringify(cm2) + '---\n' + stringify({ ...edited, metadata: { ...edited.metadata, name: 'other' } }));
    await reloaded;
    assert.match((await decide(running, ca, 'nginx:1.25')).message!, /rotated keys/);
  });
  test('a broken file keeps the previous blocklists, counts the failure, and its fix is picked up', TIMEOUT, async () => {
    const failed = nextFailure(running);
    await atomicWrite(path.join(dir, 'inc-2', 'blocklist.yaml'), 'a: [unclosed\n');
    assert.match((await failed).error.message, /inc-2\/blocklist\.yaml: is not valid YAML/);
    assert.equal((await decide(running, ca, 'busybox')).allowed, false, 'INC-2 is still enforced');
    assert.equal(running.server.metrics.reloads.get(['failure']), 1);
    const fixed = reloadWhere(running, incidents('INC-1', 'INC-2'));
    await atomicWrite(path.join(dir, 'inc-2', 'blocklist.yaml'), stringify(cm2));
    await fixed;
    assert.equal((await decide(running, ca, 'busybox')).allowed, false);
  });
  test('removing an incident folder lifts its block', TIMEOUT, async () => {
    const reloaded = reloadWhere(running, incidents('INC-1'));
    await fs.rm(path.join(dir, 'inc-2'), { recursive: true });
    await reloaded;
    assert.equal((await decide(running, ca, 'busybox')).allowed, true);
    assert.equal((await decide(running, ca, 'nginx:1.25')).allowed, false);
  });
  test('reload() on demand (SIGHUP) re-reads and reports an unchanged set as unchanged', TIMEOUT, async () => {
    const reloaded = reloadWhere(running, () => true);
    await running.watcher.reload('signal');
    assert.deepEqual({ ...(await reloaded), blocklists: undefined }, { blocklists: undefined, changed: false, trigger: 'signal' });
  });
});

describe('reload from a kubelet ConfigMap volume (..data symlink swap)', () => {
  let dir: string;
  let running: RunningWebhook;
  let ca: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-reload-mount-'));
    await kubeletWrite(path.join(dir, 'airlock-blocklist-inc-1'), data(cm1));
    ({ running, ca } = await start(dir));
  });
  after(async () => {
    await running.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('an updated ConfigMap is enforced by the next review', TIMEOUT, async () => {
    assert.equal((await decide(running, ca, 'ghcr.io/acme/web:1')).allowed, true);
    const reloaded = reloadWhere(running, (r) => r.blocklists[0]?.repositories.has('ghcr.io/acme/web') === true);
    await kubeletWrite(path.join(dir, 'airlock-blocklist-inc-1'), { ...data(cm1), repositories: 'ghcr.io/acme/web' });
    await reloaded;
    assert.equal((await decide(running, ca, 'ghcr.io/acme/web:1')).allowed, false);
  });
  test('the watch survives the deletion of the generation it replaced, update after update', TIMEOUT, async () => {
    for (const reason of ['second', 'third']) {
      const reloaded = reloadWhere(running, (r) => r.blocklists[0]?.reason === reason);
      await kubeletWrite(path.join(dir, 'airlock-blocklist-inc-1'), { ...data(cm1), reason });
      await reloaded;
      assert.match((await decide(running, ca, 'nginx:1.25')).message!, new RegExp(`: ${reason}$`));
    }
  });
  test('a second ConfigMap volume mounted next to the first is found', TIMEOUT, async () => {
    const reloaded = reloadWhere(running, (r) => r.blocklists.length === 2);
    await kubeletWrite(path.join(dir, 'airlock-blocklist-inc-2'), data(cm2));
    await reloaded;
    assert.equal((await decide(running, ca, 'busybox')).allowed, false);
  });
});

describe('waiting for the sync sidecar (--require-snapshot)', () => {
  let dir: string;
  let running: RunningWebhook;
  let ca: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-reload-snapshot-'));
    ({ running, ca } = await start(dir, { requireSnapshot: true }));
  });
  after(async () => {
    await running.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('before the first snapshot the server is alive but not ready, and reviews get 503 (the failurePolicy decides)', async () => {
    assert.equal(running.server.ready, false);
    assert.equal((await request(`${running.server.url}/healthz`, ca)).status, 200);
    assert.equal((await request(`${running.server.url}/readyz`, ca)).status, 503);
    const r = await request(`${running.server.url}/validate`, ca, { method: 'POST', body: admissionReview('early', { operation: 'CREATE', object: pod('busybox') }) });
    assert.equal(r.status, 503);
  });
  test('the first snapshot makes it ready and enforced; the next one replaces it', TIMEOUT, async () => {
    const cms = [cm1, cm2].map((cm) => ({ name: cm.metadata.name, resourceVersion: '1', data: data(cm) }));
    const first = reloadWhere(running, incidents('INC-1', 'INC-2'));
    await writeSnapshot(dir, cms);
    await first;
    assert.equal((await request(`${running.server.url}/readyz`, ca)).status, 200);
    assert.equal((await decide(running, ca, 'busybox')).allowed, false);
    const second = reloadWhere(running, incidents('INC-1'));
    await writeSnapshot(dir, cms.slice(0, 1));
    await second;
    assert.equal((await decide(running, ca, 'busybox')).allowed, true);
    assert.equal(running.server.metrics.incidents.get(), 1);
  });
});
