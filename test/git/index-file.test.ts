/**
 * Reading a scratch index directly (index-file.ts): the same entries `git ls-files -s` lists, and no answer
 * (so the caller asks git) for formats it does not read.
 */
import assert from 'node:assert/strict';
import { chmodSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { readIndexEntries } from '../../src/git/index-file';
import { createWorld, lsFiles, write, type World } from './helpers';
import { tempDir } from '../support/temp-dir';

let world: World;
let scratch: string;
beforeEach(() => {
  world = createWorld();
  scratch = tempDir('airlock-index-');
});
afterEach(() => {
  world.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

/** `git add` of `paths` into a fresh index at `index`, with extra `-c` settings. */
function addTo(dir: string, index: string, paths: string[], config: string[] = []): void {
  execFileSync('git', [...config.flatMap((c) => ['-c', c]), 'add', '--all', '--', ...paths], { cwd: dir, env: { ...process.env, GIT_INDEX_FILE: index } });
}


describe('readIndexEntries', () => {
  it('reads the entries git ls-files lists: plain, executable, symlink, nested and non-ASCII names of any length', () => {
    const me = world.clone('me');
    write(me, 'dist/inc-1/networkpolicy.yaml', 'kind: NetworkPolicy\n');
    write(me, 'dist/inc-1/capture.sh', '#!/bin/sh\n');
    chmodSync(join(me, 'dist/inc-1/capture.sh'), 0o755);
    symlinkSync('networkpolicy.yaml', join(me, 'dist/inc-1/link.yaml'));
    write(me, 'dist/inc-1/é-notes.md', 'x\n');
    for (let n = 1; n <= 9; n++) write(me, `dist/inc-1/${'n'.repeat(n * 7)}.yaml`, `${n}\n`);
    const index = join(scratch, 'index');
    addTo(me, index, ['dist/inc-1']);

    const entries = readIndexEntries(index, 'sha1');

    assert.deepEqual(entries, lsFiles(me, index));
    assert.equal(entries!.get('dist/inc-1/capture.sh')!.mode, '100755');
    assert.equal(entries!.get('dist/inc-1/link.yaml')!.mode, '120000');
  });

  it('gives no answer for an index version it does not read (the caller asks git), or no index at all', () => {
    const me = world.clone('me');
    write(me, 'incidents/INC-1.ts', 'export default {};\n');
    const index = join(scratch, 'index');
    addTo(me, index, ['incidents/INC-1.ts'], ['index.version=4']);

    assert.equal(readIndexEntries(index, 'sha1'), undefined);
    assert.equal(readIndexEntries(join(scratch, 'missing'), 'sha1'), undefined);
  });
});
