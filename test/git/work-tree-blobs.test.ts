/**
 * The blobs of a change's files computed without `git add` (work-tree-blobs.ts), against real repositories:
 * the same files and ids as `git add` into an empty index, git's ignore rules, and git itself whenever its
 * add could store something other than the bytes on disk.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { GitDeliveryError } from '../../src/git/errors';
import { workTreeBlobs } from '../../src/git/work-tree-blobs';
import { tempDir } from '../support/temp-dir';
import { createWorld, git, gitInput, lsFiles, write, type World } from './helpers';

let world: World;
let me: string;
beforeEach(() => {
  world = createWorld();
  me = world.clone('me');
});
afterEach(() => world.dispose());

/** What `git add --all -- <paths>` into an empty index records: path → `mode oid`. */
function gitAdd(paths: readonly string[]): Map<string, string> {
  const index = join(tempDir('airlock-blobs-index-'), 'index');
  execFileSync('git', ['add', '--all', '--', ...paths], { cwd: me, env: { ...process.env, GIT_INDEX_FILE: index } });
  return asListed(lsFiles(me, index));
}

function asListed(files: ReadonlyMap<string, { mode: string; oid: string }>): Map<string, string> {
  return new Map([...files].map(([path, f]) => [path, `${f.mode} ${f.oid}`]));
}

describe('workTreeBlobs', () => {
  it('gives the files and ids git add records, and the blobs to store', async () => {
    write(me, 'incidents/INC-1.ts', 'export default {};\n');
    write(me, 'dist/inc-1/networkpolicy.yaml', 'kind: NetworkPolicy\n');
    write(me, 'dist/inc-1/deep/é-notes.md', 'x\n');
    const paths = ['incidents/INC-1.ts', 'dist/inc-1'];

    const hashed = await workTreeBlobs(me, paths, 'sha1');

    assert.deepEqual(asListed(hashed!.files), gitAdd(paths));
    assert.deepEqual(hashed!.blobs.map((b) => b.content.toString('utf8')).sort(), ['export default {};\n', 'kind: NetworkPolicy\n', 'x\n']);
  });

  it('leaves out a path missing from the work tree', async () => {
    write(me, 'dist/inc-1/a.yaml', 'a\n');

    const hashed = await workTreeBlobs(me, ['dist/inc-1', 'dist/gone'], 'sha1');

    assert.deepEqual([...hashed!.files.keys()], ['dist/inc-1/a.yaml']);
  });

  it('leaves out ignored files inside a named folder, as git add does', async () => {
    write(me, '.gitignore', '*.log\ndist/inc-1/tmp/\n');
    write(me, 'dist/inc-1/a.yaml', 'a\n');
    write(me, 'dist/inc-1/debug.log', 'noise\n');
    write(me, 'dist/inc-1/tmp/x.yaml', 'x\n');

    const hashed = await workTreeBlobs(me, ['dist/inc-1'], 'sha1');

    assert.deepEqual(asListed(hashed!.files), gitAdd(['dist/inc-1']));
    assert.deepEqual([...hashed!.files.keys()], ['dist/inc-1/a.yaml']);
  });

  it('refuses a named path that is ignored, with the hint git add gets', async () => {
    write(me, '.gitignore', 'dist/\n');
    write(me, 'dist/inc-1/a.yaml', 'a\n');

    await assert.rejects(workTreeBlobs(me, ['dist/inc-1'], 'sha1'), (error: unknown) => {
      assert.ok(error instanceof GitDeliveryError);
      assert.match(error.message, /ignored by one of your \.gitignore files: dist\/inc-1/);
      assert.match(error.message, /un-ignore it/);
      return true;
    });
  });

  const needsGit: Record<string, () => void> = {
    'a symlink': () => symlinkSync('a.yaml', join(me, 'dist/inc-1/link.yaml')),
    'an executable file': () => {
      write(me, 'dist/inc-1/run.sh', '#!/bin/sh\n');
      chmodSync(join(me, 'dist/inc-1/run.sh'), 0o755);
    },
    'a carriage return (end-of-line conversion)': () => write(me, 'dist/inc-1/crlf.yaml', 'a: 1\r\n'),
    'a filter attribute': () => write(me, '.gitattributes', 'dist/** filter=lfs\n'),
    'an ident attribute': () => write(me, 'dist/inc-1/.gitattributes', '*.yaml ident\n'),
    'a working-tree-encoding attribute': () => write(me, '.gitattributes', '*.yaml working-tree-encoding=UTF-16\n'),
    'a nested repository': () => git(join(me, 'dist'), 'init', '--quiet', 'inc-1'),
  };
  for (const [what, arrange] of Object.entries(needsGit)) {
    it(`leaves the files to git add when the change holds ${what}`, async () => {
      write(me, 'dist/inc-1/a.yaml', 'a\n');
      arrange();

      assert.equal(await workTreeBlobs(me, ['dist/inc-1'], 'sha1'), undefined);
    });
  }

  it('takes a folder not written yet from memory, as it will be', async () => {
    write(me, 'dist/inc-1/stale.yaml', 'old\n');
    const unwritten = new Map([['dist/inc-1', new Map([['a.yaml', 'a\n']])]]);

    const hashed = await workTreeBlobs(me, ['dist/inc-1'], 'sha1', unwritten);

    assert.deepEqual([...hashed!.files.keys()], ['dist/inc-1/a.yaml']);
    assert.equal(hashed!.files.get('dist/inc-1/a.yaml')!.oid, gitInput(me, 'a\n', 'hash-object', '--stdin').trim());
  });

  it('refuses a folder not written yet that a folder pattern ignores', async () => {
    write(me, '.gitignore', 'dist/inc-1/\n');

    await assert.rejects(workTreeBlobs(me, ['dist/inc-1'], 'sha1', new Map([['dist/inc-1', new Map([['a.yaml', 'a\n']])]])), GitDeliveryError);
  });

  it('leaves the files to git add when a named path holds a folder not written yet', async () => {
    write(me, 'dist/_evidence/other/keep.yaml', 'kept\n');

    assert.equal(await workTreeBlobs(me, ['dist/_evidence'], 'sha1', new Map([['dist/_evidence/inc-1', new Map([['a.yaml', 'a\n']])]])), undefined);
  });

  it('computes sha256 ids in a sha256 repository', async () => {
    const repo = tempDir('airlock-blobs-sha256-');
    git(repo, 'init', '--quiet', '--object-format=sha256');
    write(repo, 'dist/inc-1/a.yaml', 'a\n');

    const hashed = await workTreeBlobs(repo, ['dist/inc-1'], 'sha256');

    assert.equal(hashed!.files.get('dist/inc-1/a.yaml')!.oid, git(repo, 'hash-object', 'dist/inc-1/a.yaml').trim());
  });
});
