/**
 * proposeChanges: several changes in one fetch and one push, against real git (a bare remote whose
 * `pre-receive` hook counts the pushes it receives). Races are made deterministic with the `onEvent` hook.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ConcurrentEditError } from '../../src/git/errors';
import { proposeChanges, type Change } from '../../src/git/repository';
import { changedFiles, createWorld, git, instantRetry, landOnMain, remoteHead, write, type World } from './helpers';

let world: World;
beforeEach(() => {
  world = createWorld();
});
afterEach(() => world.dispose());

function declare(dir: string, id: string, version = 'v1', folder = `dist/${id.toLowerCase()}`): void {
  write(dir, `incidents/${id}.ts`, `export default { id: '${id}', version: '${version}' };\n`);
  write(dir, `${folder}/networkpolicy.yaml`, `kind: NetworkPolicy # ${id} ${version}\n`);
}

function change(id: string, mode: Change['mode'] = { kind: 'branch', branch: `airlock/${id.toLowerCase()}` }, folder = `dist/${id.toLowerCase()}`): Change {
  return { paths: [`incidents/${id}.ts`, folder], subject: `incident(${id}): isolate`, trailers: { incident: id, action: 'contain' }, mode };
}

/** Makes the remote log one line per push it receives. */
function countPushes(): () => number {
  const log = join(world.root, 'pushes.log');
  write(world.remote, 'hooks/pre-receive', `#!/bin/sh\necho push >> '${log}'\ncat > /dev/null\n`);
  chmodSync(join(world.remote, 'hooks/pre-receive'), 0o755);
  return () => {
    try {
      return readFileSync(log, 'utf8').trim().split('\n').length;
    } catch {
      return 0;
    }
  };
}

describe('proposeChanges', () => {
  it('delivers review branches and break-glass changes of one batch in a single push, one commit per change', async () => {
    const me = world.clone('me');
    for (const id of ['INC-1', 'INC-2', 'INC-3', 'INC-4']) declare(me, id);
    const pushes = countPushes();

    const results = await proposeChanges({
      cwd: me,
      changes: [change('INC-1'), change('INC-2', { kind: 'direct', reason: 'worm' }), change('INC-3'), change('INC-4', { kind: 'direct', reason: 'worm' })],
      retry: instantRetry(),
    });

    assert.equal(pushes(), 1);
    assert.ok(results.every((r) => r.ok && r.result.pushed && r.result.attempts === 1));
    assert.deepEqual(changedFiles(world.remote, remoteHead(world, 'airlock/inc-1')!), ['A\tdist/inc-1/networkpolicy.yaml', 'A\tincidents/INC-1.ts']);
    assert.deepEqual(changedFiles(world.remote, remoteHead(world, 'airlock/inc-3')!), ['A\tdist/inc-3/networkpolicy.yaml', 'A\tincidents/INC-3.ts']);
    assert.deepEqual(git(world.remote, 'log', '--format=%s', 'main').trim().split('\n'), ['incident(INC-4): isolate', 'incident(INC-2): isolate', 'seed']);
    assert.match(git(world.remote, 'log', '-1', '--format=%B', 'main'), /Airlock-Break-Glass: worm/);
  });

  it('retries only the ref that lost a race, on top of the new head, without redoing the ones that landed', async () => {
    const me = world.clone('me');
    const other = world.clone('other');
    declare(me, 'INC-1');
    declare(me, 'INC-2');
    const retry = instantRetry();
    const pushed: string[] = [];

    const results = await proposeChanges({
      cwd: me,
      changes: [change('INC-1'), change('INC-2', { kind: 'direct', reason: 'worm' })],
      retry,
      onEvent: (event) => {
        if (event.kind === 'pushing' && event.attempt === 1 && event.branch === 'main') landOnMain(other, { 'notes.txt': 'theirs\n' });
        if (event.kind === 'pushed') pushed.push(`${event.branch}@${event.attempt}`);
      },
    });

    assert.deepEqual(pushed.sort(), ['airlock/inc-1@1', 'main@2']);
    const [first, second] = results;
    assert.ok(first?.ok && first.result.attempts === 1);
    assert.ok(second?.ok && second.result.attempts === 2);
    assert.equal(git(world.remote, 'show', 'main:notes.txt'), 'theirs\n', 'their commit is kept');
    assert.equal(git(world.remote, 'show', 'main:incidents/INC-2.ts'), "export default { id: 'INC-2', version: 'v1' };\n");
    assert.equal(retry.slept.length, 1);
  });

  it('fails one change on a concurrent edit of its files while the others of the batch land', async () => {
    const me = world.clone('me');
    const other = world.clone('other');
    declare(me, 'INC-1');
    declare(me, 'INC-2');

    const results = await proposeChanges({
      cwd: me,
      changes: [change('INC-1', { kind: 'direct', reason: 'worm' }), change('INC-2')],
      retry: instantRetry(),
      onEvent: (event) => {
        if (event.kind === 'pushing' && event.attempt === 1 && event.branch === 'main') landOnMain(other, { 'incidents/INC-1.ts': 'export default { theirs: true };\n' });
      },
    });

    assert.ok(!results[0]!.ok && results[0]!.error instanceof ConcurrentEditError);
    assert.ok(results[1]!.ok && results[1]!.result.pushed);
    assert.equal(git(world.remote, 'show', 'main:incidents/INC-1.ts'), 'export default { theirs: true };\n');
  });

  it('replaces nested cluster folders and keeps every sibling file and folder of the base', async () => {
    const me = world.clone('me');
    landOnMain(me, { 'dist/prod/inc-0/networkpolicy.yaml': 'old\n', 'dist/prod/inc-9/keep.yaml': 'keep\n', 'dist/staging/x.yaml': 'x\n' });
    declare(me, 'INC-9', 'v2', 'dist/prod/inc-9');
    rmSync(join(me, 'dist/prod/inc-9/keep.yaml'));
    write(me, 'dist/prod/inc-9/deep/more.yaml', 'more\n');

    const [result] = await proposeChanges({ cwd: me, changes: [change('INC-9', { kind: 'branch', branch: 'airlock/inc-9' }, 'dist/prod/inc-9')], retry: instantRetry() });

    assert.ok(result?.ok);
    const files = git(me, 'ls-tree', '-r', '--name-only', result.result.commit).trim().split('\n').sort();
    assert.deepEqual(files, [
      'README.md',
      'dist/prod/inc-0/networkpolicy.yaml',
      'dist/prod/inc-9/deep/more.yaml',
      'dist/prod/inc-9/networkpolicy.yaml',
      'dist/staging/x.yaml',
      'incidents/INC-9.ts',
      'policies/settings.ts',
    ]);
    git(me, 'fsck', '--no-progress', '--strict');
  });

  it('leaves the commits to git when it must make them itself (here a configured commit encoding), with the same result', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');
    declare(me, 'INC-2');
    git(me, 'config', 'i18n.commitEncoding', 'ISO-8859-1');

    const results = await proposeChanges({ cwd: me, changes: [change('INC-1'), change('INC-2', { kind: 'direct', reason: 'worm' })], retry: instantRetry() });

    assert.ok(results.every((r) => r.ok && r.result.pushed));
    assert.match(git(me, 'cat-file', 'commit', remoteHead(world, 'airlock/inc-1')!), /^encoding ISO-8859-1$/m, 'made by git commit-tree');
    assert.equal(git(me, 'log', '-1', '--format=%s', 'origin/main').trim(), 'incident(INC-2): isolate');
    git(me, 'fsck', '--no-progress', '--strict');
  });
});

describe('proposeChanges with folders not written yet', () => {
  it('commits them from memory and writes them to the work tree while the push runs', async () => {
    const me = world.clone('me');
    write(me, 'incidents/INC-1.ts', "export default { id: 'INC-1' };\n");
    const writes: string[] = [];
    const unwritten = {
      folders: new Map([['dist/inc-1', new Map([['networkpolicy.yaml', 'kind: NetworkPolicy\n']])]]),
      write: () => {
        writes.push('dist/inc-1');
        write(me, 'dist/inc-1/networkpolicy.yaml', 'kind: NetworkPolicy\n');
      },
    };
    let writtenWhenPushing: boolean | undefined;

    const [result] = await proposeChanges({
      cwd: me,
      changes: [change('INC-1')],
      unwritten,
      retry: instantRetry(),
      onEvent: (e) => {
        if (e.kind === 'pushing') writtenWhenPushing = writes.length > 0;
      },
    });

    assert.ok(result!.ok && result!.result.pushed);
    assert.equal(writtenWhenPushing, false, 'staged from memory: nothing written before the push');
    assert.deepEqual(writes, ['dist/inc-1']);
    assert.equal(git(world.remote, 'show', 'airlock/inc-1:dist/inc-1/networkpolicy.yaml'), 'kind: NetworkPolicy\n');
  });

  it('writes them first when a path of the change holds one of them, and stages from the disk', async () => {
    const me = world.clone('me');
    write(me, 'incidents/INC-1.ts', "export default { id: 'INC-1' };\n");
    write(me, 'dist/_evidence/other/keep.yaml', 'kept\n');
    let written = false;
    const unwritten = {
      folders: new Map([['dist/_evidence/inc-1', new Map([['capture.yaml', 'kind: Job\n']])]]),
      write: () => {
        written = true;
        write(me, 'dist/_evidence/inc-1/capture.yaml', 'kind: Job\n');
      },
    };

    const [result] = await proposeChanges({ cwd: me, changes: [change('INC-1', undefined, 'dist/_evidence')], unwritten, retry: instantRetry() });

    assert.ok(result!.ok && result!.result.pushed);
    assert.ok(written);
    assert.deepEqual(changedFiles(world.remote, remoteHead(world, 'airlock/inc-1')!), ['A\tdist/_evidence/inc-1/capture.yaml', 'A\tdist/_evidence/other/keep.yaml', 'A\tincidents/INC-1.ts']);
  });
});
