/**
 * Reading blocklists in every shape the same ConfigMaps take: dist/ manifests, a kubelet ConfigMap volume, one
 * volume per ConfigMap, a projected volume, and the sync sidecar's snapshot.
 */
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { blocklistConfigMap, type Manifest } from '../../src/admission';
import { loadBlocklists, readBlocklistDirectory } from '../../src/webhook/blocklist-source';
import { writeSnapshot } from '../../src/webhook/configmap-sync';
import { BlocklistLoadError } from '../../src/webhook/errors';
import { INCIDENTS } from '../admission/admission-cases';
import { kubeletWrite, kubeletWriteProjected } from './mounts';

const [cm1, cm2] = INCIDENTS.map((incident) => blocklistConfigMap({ incident })!) as [Manifest, Manifest];
const data = (cm: Manifest): Record<string, string> => cm.data as Record<string, string>;
const summary = (lists: Awaited<ReturnType<typeof loadBlocklists>>) =>
  lists.map((b) => ({ incident: b.incident, reason: b.reason, digests: [...b.digests], tags: [...b.tags], repositories: [...b.repositories] }));

describe('blocklist directory layouts', () => {
  let dir: string;
  let fromYaml: ReturnType<typeof summary>;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-blocklists-'));
    const dist = path.join(dir, 'dist');
    await fs.mkdir(path.join(dist, 'inc-1'), { recursive: true });
    await fs.mkdir(path.join(dist, 'inc-2'), { recursive: true });
    await fs.writeFile(path.join(dist, 'inc-1', 'blocklist.yaml'), stringify(cm1));
    await fs.writeFile(path.join(dist, 'inc-2', 'blocklist.yml'), stringify(cm2));
    fromYaml = summary(await loadBlocklists(dist));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('dist/ manifests give both incidents', () => {
    assert.deepEqual(fromYaml.map((b) => b.incident), ['INC-1', 'INC-2']);
  });
  test('a single kubelet ConfigMap volume (key files behind ..data) gives the same blocklist as its manifest', async () => {
    const mount = path.join(dir, 'mount');
    await kubeletWrite(mount, data(cm2));
    const read = await readBlocklistDirectory(mount);
    assert.deepEqual(summary(read.blocklists), [fromYaml[1]]);
    assert.equal(read.snapshot, true);
    assert.deepEqual(read.watchDirs, [mount], 'only the directory holding ..data needs watching');
  });
  test('one volume per ConfigMap, mounted side by side, gives both', async () => {
    const root = path.join(dir, 'mounts');
    await kubeletWrite(path.join(root, 'airlock-blocklist-inc-2'), data(cm2));
    await kubeletWrite(path.join(root, 'airlock-blocklist-inc-1'), data(cm1));
    const read = await readBlocklistDirectory(root);
    assert.deepEqual(summary(read.blocklists), fromYaml);
    assert.equal(read.snapshot, false);
    assert.deepEqual(read.watchDirs.sort(), [root, path.join(root, 'airlock-blocklist-inc-1'), path.join(root, 'airlock-blocklist-inc-2')].sort());
  });
  test('a projected volume with <name>/<key> items gives both', async () => {
    const root = path.join(dir, 'projected');
    await kubeletWriteProjected(root, { 'airlock-blocklist-inc-1': data(cm1), 'airlock-blocklist-inc-2': data(cm2) });
    const read = await readBlocklistDirectory(root);
    assert.deepEqual(summary(read.blocklists), fromYaml);
    assert.deepEqual(read.watchDirs, [root]);
  });
  test("the sync sidecar's snapshot gives both, and replacing it leaves one generation", async () => {
    const root = path.join(dir, 'synced');
    await fs.mkdir(root);
    const cms = [cm1, cm2].map((cm) => ({ name: cm.metadata.name, resourceVersion: '1', data: data(cm) }));
    await writeSnapshot(root, cms);
    assert.deepEqual(summary(await loadBlocklists(root)), fromYaml);
    const gen = await writeSnapshot(root, cms.slice(1));
    assert.deepEqual(summary(await loadBlocklists(root)), [fromYaml[1]]);
    assert.deepEqual((await fs.readdir(root)).sort(), [gen, '..data'].sort());
  });
  test('a mounted ConfigMap without an incident key is named after its directory', async () => {
    const mount = path.join(dir, 'airlock-blocklist-x');
    await kubeletWrite(mount, { digests: '', tags: 'docker.io/library/nginx:1', repositories: '' });
    assert.equal((await loadBlocklists(mount))[0]!.incident, 'airlock-blocklist-x');
  });
  test('keys other than the blocklist keys are ignored, as the CEL ignores them', async () => {
    const mount = path.join(dir, 'extra');
    await kubeletWrite(mount, { ...data(cm2), notes: 'anything' });
    assert.deepEqual(summary(await loadBlocklists(mount)), [fromYaml[1]]);
  });
  test('hidden files and non-YAML files are skipped', async () => {
    const root = path.join(dir, 'dist');
    await fs.writeFile(path.join(root, '.tmp-blocklist.yaml'), 'a: [unclosed\n');
    await fs.writeFile(path.join(root, 'README.md'), '# not a manifest\n');
    assert.deepEqual(summary(await loadBlocklists(root)), fromYaml);
  });
  test('a mounted key that is a directory, next to key files, is an error naming it', async () => {
    const mount = path.join(dir, 'broken');
    await fs.mkdir(path.join(mount, 'digests'), { recursive: true });
    await fs.writeFile(path.join(mount, 'incident'), 'INC-9');
    await assert.rejects(loadBlocklists(mount), (e: Error) => e instanceof BlocklistLoadError && /broken\/digests: is not a file/.test(e.message));
  });
  test('an incident folder named like a key ("tags") does not make dist/ look like a mounted ConfigMap', async () => {
    const root = path.join(dir, 'dist');
    await fs.mkdir(path.join(root, 'tags'));
    await fs.writeFile(path.join(root, 'tags', 'blocklist.yaml'), stringify({ ...cm1, data: { ...data(cm1), incident: 'INC-TAGS' } }));
    assert.deepEqual((await loadBlocklists(root)).map((b) => b.incident), ['INC-1', 'INC-2', 'INC-TAGS']);
  });
  test('a path that is a file, not a directory, is an error', async () => {
    await assert.rejects(loadBlocklists(path.join(dir, 'dist', 'inc-1', 'blocklist.yaml')), BlocklistLoadError);
  });
});
