/**
 * Reading and writing objects (object-store.ts, git-process.ts) against real repositories: what the reader
 * answers matches git's own commands, packs written are what git reads back, refs moved by other processes are seen at
 * once, a process that died is replaced, and an idle process never keeps Node running.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { GitDeliveryError } from '../../src/git/errors';
import { GitProcess } from '../../src/git/git-process';
import { ObjectStore, PACKS_BEFORE_REPACK } from '../../src/git/object-store';
import { objectId, type PackObject } from '../../src/git/pack-file';
import { GitCommandError } from '../../src/git/runner';
import { commitObject } from '../../src/git/tree-edit';
import { createWorld, git, landOnMain, write, type World } from './helpers';

let world: World;
let store: ObjectStore;
beforeEach(() => {
  world = createWorld();
});
afterEach(() => {
  store?.close();
  world.dispose();
});

function treeObject(entries: ReadonlyArray<readonly [mode: string, name: string, oid: string]>, algorithm: 'sha1' | 'sha256' = 'sha1'): { oid: string; content: Buffer } {
  const content = Buffer.concat(entries.map(([mode, name, oid]) => Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, 'hex')])));
  return { oid: objectId(algorithm, 'tree', content), content };
}

/** Blobs and the tree holding them, as a proposal computes them (the tree last). */
function blobsAndTree(algorithm: 'sha1' | 'sha256', files: number): PackObject[] {
  const blobs = Array.from({ length: files }, (_, i) => {
    const content = Buffer.from(`file ${i}\n`.repeat(i + 1));
    return { type: 'blob' as const, oid: objectId(algorithm, 'blob', content), content };
  });
  const tree = treeObject(blobs.map((b, i) => ['100644', `f${String(i).padStart(3, '0')}.yaml`, b.oid] as const), algorithm);
  return [...blobs, { type: 'tree', ...tree }];
}

describe('ObjectStore', () => {
  it('reads a commit tree with the same entries git ls-tree lists', async () => {
    const me = world.clone('me');
    write(me, 'incidents/INC-1.ts', 'export default {};\n');
    write(me, 'run.sh', '#!/bin/sh\n');
    git(me, 'add', '-A');
    git(me, 'update-index', '--chmod=+x', 'run.sh');
    git(me, 'commit', '--quiet', '-m', 'files');
    store = new ObjectStore(me);

    const tree = await store.tree(await store.commitTree(git(me, 'rev-parse', 'HEAD').trim()));

    const listed = git(me, 'ls-tree', 'HEAD').trim().split('\n').map((line) => {
      const [meta, name] = line.split('\t') as [string, string];
      const [mode, , oid] = meta.split(' ') as [string, string, string];
      return [name, { mode: mode.replace(/^0+/, ''), oid }] as const;
    });
    assert.deepEqual([...tree].sort(), listed.sort());
  });

  it('sees a ref another git process moved, at the next lookup', async () => {
    const me = world.clone('me');
    store = new ObjectStore(me);
    const before = await store.resolveCommit('refs/remotes/origin/main');
    assert.equal(before, git(me, 'rev-parse', 'origin/main').trim());

    const landed = landOnMain(world.clone('other'), { 'x.txt': 'x\n' });
    git(me, 'fetch', '--quiet', 'origin');

    assert.equal(await store.resolveCommit('refs/remotes/origin/main'), landed);
    assert.equal(await store.resolveCommit('refs/heads/airlock/none'), undefined);
  });

  it('stores a pack of blobs, trees and commits that git reads under the ids computed for them', async () => {
    const me = world.clone('me');
    store = new ObjectStore(me);
    const content = Buffer.from('hello\n');
    const blob = { type: 'blob' as const, oid: objectId('sha1', 'blob', content), content };
    const tree = treeObject([['100644', 'hello.txt', blob.oid]]);
    const commit = commitObject('sha1', { tree: tree.oid, parent: git(me, 'rev-parse', 'HEAD').trim(), author: 'A <a@example.test> 1 +0000', committer: 'A <a@example.test> 1 +0000', message: 'm\n' });

    await store.writePack([blob, { type: 'tree', ...tree }, commit], 'sha1');

    assert.equal(git(me, 'cat-file', '-p', blob.oid), 'hello\n');
    assert.equal(git(me, 'ls-tree', '--name-only', commit.oid).trim(), 'hello.txt');
    assert.equal(git(me, 'fsck', '--no-dangling', '--strict').trim(), '');
  });

  it('writes a pack and index that git verifies, object by object', async () => {
    const me = world.clone('me');
    store = new ObjectStore(me);
    const packDir = join(me, '.git/objects/pack');
    const before = new Set(readdirSync(packDir));
    const objects = blobsAndTree('sha1', 300);
    const commit = commitObject('sha1', { tree: objects.at(-1)!.oid, parent: git(me, 'rev-parse', 'HEAD').trim(), author: 'A <a@example.test> 1 +0000', committer: 'A <a@example.test> 1 +0000', message: 'm\n' });

    await store.writePack([...objects, commit], 'sha1');

    const written = readdirSync(packDir).filter((f) => !before.has(f));
    assert.equal(written.length, 2, `${written.join(', ')}: a pack and its index, no temp file left`);
    const verified = git(me, 'verify-pack', '-v', join(packDir, written.find((f) => f.endsWith('.idx'))!));
    for (const o of [...objects, commit]) assert.match(verified, new RegExp(`^${o.oid} ${o.type} `, 'm'));
    assert.equal(git(me, 'fsck', '--no-dangling', '--strict').trim(), '');
  });

  it('writes packs into a SHA-256 repository too', async () => {
    const repo = join(world.root, 'sha256');
    execFileSync('git', ['init', '--quiet', '--object-format=sha256', repo]);
    store = new ObjectStore(repo);
    const objects = blobsAndTree('sha256', 3);

    await store.writePack(objects, 'sha256');

    assert.equal(git(repo, 'ls-tree', '--name-only', objects.at(-1)!.oid).trim(), 'f000.yaml\nf001.yaml\nf002.yaml');
    assert.equal(git(repo, 'fsck', '--no-dangling', '--strict').trim(), '');
  });

  it('fails loudly when an object is not what its computed id says', async () => {
    const me = world.clone('me');
    store = new ObjectStore(me);
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: me, input: 'hello\n', encoding: 'utf8' }).trim();
    const good = treeObject([['100644', 'hello.txt', blob]]);
    const other = treeObject([['100644', 'other.txt', blob]]);

    await assert.rejects(store.writePack([{ type: 'tree', oid: good.oid, content: other.content }], 'sha1'), GitDeliveryError);
  });

  it('rolls its packs up once they pile up, keeping every object', async () => {
    const me = world.clone('me');
    store = new ObjectStore(me);
    const written: string[] = [];
    for (let i = 0; i <= PACKS_BEFORE_REPACK; i++) {
      const content = Buffer.from(`file ${i}\n`);
      const oid = objectId('sha1', 'blob', content);
      written.push(oid);
      await store.writePack([{ type: 'blob', oid, content }], 'sha1');
    }
    await store.rollUpPacks();

    const packs = readdirSync(join(me, '.git/objects/pack')).filter((f) => f.endsWith('.pack'));
    assert.ok(packs.length < PACKS_BEFORE_REPACK, `${packs.length} packs left`);
    for (const oid of written) assert.equal(git(me, 'cat-file', '-t', oid).trim(), 'blob');
  });

  it('replaces a reader process that died, and fails the request it was answering instead of hanging', { timeout: 60_000 }, async () => {
    const me = world.clone('me');
    const reader = new GitProcess(me, ['cat-file', '--batch']);
    try {
      // An answer this side never finds complete: the request waits until the process dies.
      const waiting = reader.request('HEAD\n', () => undefined);
      const pid = reader.pid!;
      process.kill(pid, 'SIGKILL');
      await assert.rejects(waiting, GitCommandError);

      const line = await reader.request('HEAD\n', (buffer) => {
        const end = buffer.indexOf(0x0a);
        return end < 0 ? undefined : { value: buffer.toString('utf8', 0, end), length: buffer.length };
      });
      assert.match(line, /^[0-9a-f]{40} commit \d+$/);
      assert.equal(reader.starts, 2);
      assert.notEqual(reader.pid, pid);
    } finally {
      reader.close();
    }
  });

  it('never keeps Node running once its answers are in', () => {
    const me = world.clone('me');
    const script = `require(${JSON.stringify(resolve(__dirname, '../../src/git/object-store.ts'))}).objectStore(${JSON.stringify(me)}).resolveCommit('HEAD').then((oid) => console.log(oid));`;
    // Exits by itself (nothing closes the store); a held process would make this wait for ever.
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: resolve(__dirname, '../..'), encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), git(me, 'rev-parse', 'HEAD').trim());
  });
});
