/**
 * proposeChange against real git: a bare remote in a temporary folder, clones of it, and no mocks. Concurrency is
 * made deterministic with the `onEvent` hook (another clone pushes exactly while we are about to push) and an
 * injected `sleep`; nothing here waits on a clock.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ConcurrentEditError, GitDeliveryError, PushRejectedError, TrailerError } from '../../src/git/errors';
import { proposeChange, type ProposeOptions } from '../../src/git/repository';
import { changedFiles, createWorld, git, gitTrailers, instantRetry, landOnMain, remoteHead, write, type World } from './helpers';

let world: World;
beforeEach(() => {
  world = createWorld();
});
afterEach(() => world.dispose());

/** Writes the incident's declaration and manifests in a clone, as `airlock new` + synth would. */
function declare(dir: string, id: string, version = 'v1'): void {
  write(dir, `incidents/${id}.ts`, `export default { id: '${id}', version: '${version}' };\n`);
  write(dir, `dist/${id.toLowerCase()}/networkpolicy.yaml`, `kind: NetworkPolicy # ${id} ${version}\n`);
  write(dir, `dist/${id.toLowerCase()}/runbook.md`, `# ${id} ${version}\n`);
}

function options(dir: string, id: string, extra: Partial<ProposeOptions> = {}): ProposeOptions {
  return {
    cwd: dir,
    paths: [`incidents/${id}.ts`, `dist/${id.toLowerCase()}/`],
    subject: `incident(${id}): isolate pod payments/api`,
    trailers: { incident: id, action: 'contain', severity: 'high', alerts: ['falco-123', 'am-456'] },
    mode: { kind: 'branch', branch: `airlock/${id.toLowerCase()}` },
    retry: instantRetry(),
    ...extra,
  };
}

describe('proposeChange, branch mode', () => {
  it('creates airlock/<id> from the up-to-date remote base, with the trailers, even when the local base is stale', async () => {
    const me = world.clone('me');
    const newBase = landOnMain(world.clone('other'), { 'incidents/INC-0.ts': 'export default {};\n' });
    declare(me, 'INC-1');

    const result = await proposeChange(options(me, 'INC-1'));

    assert.equal(result.branch, 'airlock/inc-1');
    assert.equal(result.pushed, true);
    assert.equal(result.unchanged, false);
    assert.equal(result.attempts, 1);
    assert.equal(remoteHead(world, 'airlock/inc-1'), result.commit);
    assert.equal(git(me, 'rev-parse', `${result.commit}^`).trim(), newBase);
    assert.deepEqual(gitTrailers(me, result.commit), [
      'Airlock-Incident: INC-1',
      'Airlock-Action: contain',
      'Airlock-Severity: high',
      'Airlock-Alert: falco-123',
      'Airlock-Alert: am-456',
    ]);
    assert.equal(git(me, 'log', '-1', '--format=%s', result.commit).trim(), 'incident(INC-1): isolate pod payments/api');
    assert.equal(remoteHead(world, 'main'), newBase, 'the base is not touched in branch mode');
  });

  it('leaves the responder on the branch they were on, with no local airlock branch created', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');

    await proposeChange(options(me, 'INC-1'));

    assert.equal(git(me, 'symbolic-ref', 'HEAD').trim(), 'refs/heads/main');
    assert.equal(git(me, 'branch', '--list', 'airlock/*').trim(), '');
    assert.ok(git(me, 'rev-parse', '--verify', 'refs/remotes/origin/airlock/inc-1').trim(), 'the remote-tracking branch is there to switch to');
  });

  it('adds a new commit to the same branch when the incident is proposed again', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');
    const first = await proposeChange(options(me, 'INC-1'));
    declare(me, 'INC-1', 'v2');

    const second = await proposeChange(options(me, 'INC-1', { trailers: { incident: 'INC-1', action: 'update' } }));

    assert.equal(second.branch, first.branch);
    assert.equal(git(me, 'rev-parse', `${second.commit}^`).trim(), first.commit);
    assert.equal(remoteHead(world, 'airlock/inc-1'), second.commit);
    assert.deepEqual(changedFiles(me, second.commit), ['M\tdist/inc-1/networkpolicy.yaml', 'M\tdist/inc-1/runbook.md', 'M\tincidents/INC-1.ts']);
  });

  it('continues the branch from another clone that proposed it before', async () => {
    const first = world.clone('first');
    declare(first, 'INC-1');
    const earlier = await proposeChange(options(first, 'INC-1'));
    const second = world.clone('second');
    declare(second, 'INC-1', 'v2');

    const later = await proposeChange(options(second, 'INC-1', { trailers: { incident: 'INC-1', action: 'update' } }));

    assert.equal(git(second, 'rev-parse', `${later.commit}^`).trim(), earlier.commit);
  });

  it('creates no empty commit when nothing changed, and reports unchanged', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');
    const first = await proposeChange(options(me, 'INC-1'));

    const again = await proposeChange(options(me, 'INC-1'));

    assert.equal(again.unchanged, true);
    assert.equal(again.pushed, false);
    assert.equal(again.attempts, 0);
    assert.equal(again.commit, first.commit);
    assert.equal(remoteHead(world, 'airlock/inc-1'), first.commit);
  });

  it('does not create a branch at all when the base already holds the change', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');
    git(me, 'add', '-A');
    git(me, 'commit', '--quiet', '-m', 'already merged');
    git(me, 'push', '--quiet', 'origin', 'main');

    const result = await proposeChange(options(me, 'INC-1'));

    assert.equal(result.unchanged, true);
    assert.equal(remoteHead(world, 'airlock/inc-1'), undefined);
  });

  it('commits only the given paths; modified, staged and untracked files elsewhere stay as they were', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');
    write(me, 'README.md', '# gitops\nlocal edit, not for the containment commit\n');
    write(me, 'policies/settings.ts', 'export default { staged: true };\n');
    git(me, 'add', 'policies/settings.ts');
    write(me, 'notes.txt', 'untracked scratch\n');
    write(me, 'incidents/INC-2.ts', 'export default {};\n'); // another incident, not part of this change
    const statusBefore = git(me, 'status', '--porcelain=v1', '--untracked-files=all');
    const stagedBefore = git(me, 'diff', '--cached');

    const result = await proposeChange(options(me, 'INC-1'));

    assert.deepEqual(changedFiles(me, result.commit), ['A\tdist/inc-1/networkpolicy.yaml', 'A\tdist/inc-1/runbook.md', 'A\tincidents/INC-1.ts']);
    assert.equal(git(me, 'status', '--porcelain=v1', '--untracked-files=all'), statusBefore);
    assert.equal(git(me, 'diff', '--cached'), stagedBefore);
    assert.equal(readFileSync(join(me, 'README.md'), 'utf8'), '# gitops\nlocal edit, not for the containment commit\n');
    assert.equal(readFileSync(join(me, 'notes.txt'), 'utf8'), 'untracked scratch\n');
  });

  it('commits the deletion of the incident manifests (a lift)', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');
    await proposeChange(options(me, 'INC-1', { mode: { kind: 'direct', reason: 'active exfiltration' } }));
    rmSync(join(me, 'dist/inc-1'), { recursive: true });
    write(me, 'incidents/INC-1.ts', "export default { id: 'INC-1', status: 'lifted' };\n");

    const lift = await proposeChange(
      options(me, 'INC-1', { subject: 'incident(INC-1): lift', trailers: { incident: 'INC-1', action: 'lift' }, mode: { kind: 'branch', branch: 'airlock/inc-1-lift' } }),
    );

    assert.deepEqual(changedFiles(me, lift.commit), ['D\tdist/inc-1/networkpolicy.yaml', 'D\tdist/inc-1/runbook.md', 'M\tincidents/INC-1.ts']);
    assert.ok(gitTrailers(me, lift.commit).includes('Airlock-Action: lift'));
  });

  it('never lets a reviewed commit claim to be break-glass', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');

    const result = await proposeChange(options(me, 'INC-1', { trailers: { incident: 'INC-1', action: 'contain', breakGlass: 'sneaky' } }));

    assert.ok(!gitTrailers(me, result.commit).some((t) => t.startsWith('Airlock-Break-Glass')));
  });

  it('records the given author', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');

    const result = await proposeChange(options(me, 'INC-1', { author: { name: 'Alert Intake', email: 'intake@airlock.test' } }));

    assert.equal(git(me, 'log', '-1', '--format=%an <%ae>', result.commit).trim(), 'Alert Intake <intake@airlock.test>');
  });

  it('passes the responder’s own git environment through (EDITOR, PAGER, GIT_SSH_COMMAND, GIT_CONFIG_*) instead of refusing it', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');
    const inherited = { EDITOR: 'vi', PAGER: 'less', GIT_SSH_COMMAND: 'ssh -o BatchMode=yes', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'core.pager', GIT_CONFIG_VALUE_0: 'cat' };
    const saved = Object.fromEntries(Object.keys(inherited).map((k) => [k, process.env[k]]));
    Object.assign(process.env, inherited);
    try {
      const result = await proposeChange(options(me, 'INC-1', { mode: { kind: 'direct', reason: 'worm' } }));
      assert.equal(result.pushed, true);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('treats glob characters in paths literally', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');
    write(me, 'dist/inc-1x/other.yaml', 'kind: ConfigMap\n');

    const result = await proposeChange(options(me, 'INC-1', { paths: ['incidents/INC-1.ts', 'dist/inc-1*'] }));

    assert.deepEqual(changedFiles(me, result.commit), ['A\tincidents/INC-1.ts']);
  });
});

describe('proposeChange, direct mode (break-glass)', () => {
  it('commits onto main with the Airlock-Break-Glass reason and fast-forwards the checked-out main', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');
    write(me, 'notes.txt', 'untracked scratch\n');

    const result = await proposeChange(options(me, 'INC-1', { mode: { kind: 'direct', reason: 'active exfiltration to 203.0.113.9' } }));

    assert.equal(result.branch, 'main');
    assert.equal(remoteHead(world, 'main'), result.commit);
    assert.ok(gitTrailers(me, result.commit).includes('Airlock-Break-Glass: active exfiltration to 203.0.113.9'));
    assert.equal(result.local, 'fast-forwarded');
    assert.equal(git(me, 'rev-parse', 'HEAD').trim(), result.commit);
    assert.equal(git(me, 'status', '--porcelain=v1', '--untracked-files=all'), '?? notes.txt\n');
  });

  it('brings in what others landed meanwhile when fast-forwarding the checkout, keeping local edits', async () => {
    const me = world.clone('me');
    landOnMain(world.clone('other'), { 'incidents/INC-0.ts': 'export default { other: true };\n' });
    declare(me, 'INC-1');
    write(me, 'README.md', 'local edit\n');

    const result = await proposeChange(options(me, 'INC-1', { mode: { kind: 'direct', reason: 'worm spreading' } }));

    assert.equal(result.local, 'fast-forwarded');
    assert.equal(readFileSync(join(me, 'incidents/INC-0.ts'), 'utf8'), 'export default { other: true };\n');
    assert.equal(git(me, 'status', '--porcelain=v1'), ' M README.md\n');
  });

  it('leaves the local main alone when it has unpushed commits', async () => {
    const me = world.clone('me');
    write(me, 'local.txt', 'unpushed\n');
    git(me, 'add', 'local.txt');
    git(me, 'commit', '--quiet', '-m', 'unpushed work');
    const localHead = git(me, 'rev-parse', 'HEAD').trim();
    declare(me, 'INC-1');

    const result = await proposeChange(options(me, 'INC-1', { mode: { kind: 'direct', reason: 'ransomware' } }));

    assert.equal(result.local, 'untouched');
    assert.equal(git(me, 'rev-parse', 'HEAD').trim(), localHead);
    assert.deepEqual(changedFiles(me, result.commit).sort(), ['A\tdist/inc-1/networkpolicy.yaml', 'A\tdist/inc-1/runbook.md', 'A\tincidents/INC-1.ts']);
  });

  it('refuses an empty break-glass reason before touching anything', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');
    const before = remoteHead(world, 'main');

    await assert.rejects(proposeChange(options(me, 'INC-1', { mode: { kind: 'direct', reason: '  ' } })), TrailerError);
    assert.equal(remoteHead(world, 'main'), before);
  });
});

describe('proposeChange, concurrency', () => {
  it('retries after a concurrent push to main: fetch, rebase, resynthesize, push on top of the other commit', async () => {
    const me = world.clone('me');
    const other = world.clone('other');
    declare(me, 'INC-1');
    const retry = instantRetry();
    let theirs = '';
    let resynthesized = 0;

    const result = await proposeChange(
      options(me, 'INC-1', {
        mode: { kind: 'direct', reason: 'active exfiltration' },
        retry,
        resynthesize: async () => void resynthesized++,
        onEvent: (event) => {
          if (event.kind === 'pushing' && event.attempt === 1) theirs = landOnMain(other, { 'incidents/INC-2.ts': 'export default {};\n' });
        },
      }),
    );

    assert.equal(result.attempts, 2);
    assert.equal(resynthesized, 1);
    assert.deepEqual(retry.slept, [75], 'one jittered delay: half of 100 ms fixed, half times random 0.5');
    assert.equal(remoteHead(world, 'main'), result.commit);
    assert.equal(git(me, 'rev-parse', `${result.commit}^`).trim(), theirs, 'rebased onto the other commit');
    assert.ok(git(me, 'ls-tree', '-r', '--name-only', result.commit).includes('incidents/INC-2.ts'), 'their file survives');
  });

  it('gives up with PushRejectedError after the configured attempts, never force-pushing over the others', async () => {
    const me = world.clone('me');
    const other = world.clone('other');
    declare(me, 'INC-1');
    const retry = instantRetry(3);
    const theirs: string[] = [];

    const attempt = proposeChange(
      options(me, 'INC-1', {
        mode: { kind: 'direct', reason: 'active exfiltration' },
        retry,
        onEvent: (event) => {
          if (event.kind === 'pushing') theirs.push(landOnMain(other, { [`incidents/OTHER-${event.attempt}.ts`]: 'x\n' }));
        },
      }),
    );

    await assert.rejects(attempt, (error: unknown) => {
      assert.ok(error instanceof PushRejectedError);
      assert.equal(error.attempts, 3);
      assert.equal(error.exitCode, 5);
      assert.match(error.message, /rejected 3 times/);
      assert.match(error.message, /hint:/);
      return true;
    });
    assert.equal(retry.slept.length, 2);
    assert.ok(retry.slept[1]! > retry.slept[0]!, 'the backoff grows');
    assert.equal(remoteHead(world, 'main'), theirs[2], 'every commit of theirs is still on main');
    assert.equal(git(world.remote, 'rev-list', '--count', 'main').trim(), '4');
  });

  it('stops with ConcurrentEditError when someone else changed the same incident file meanwhile', async () => {
    const me = world.clone('me');
    const other = world.clone('other');
    declare(me, 'INC-1');

    const attempt = proposeChange(
      options(me, 'INC-1', {
        mode: { kind: 'direct', reason: 'active exfiltration' },
        onEvent: (event) => {
          if (event.kind === 'pushing' && event.attempt === 1) landOnMain(other, { 'incidents/INC-1.ts': 'export default { theirs: true };\n' });
        },
      }),
    );

    await assert.rejects(attempt, (error: unknown) => error instanceof ConcurrentEditError && error.files.includes('incidents/INC-1.ts'));
    assert.equal(git(world.remote, 'show', 'main:incidents/INC-1.ts'), 'export default { theirs: true };\n');
  });

  it('keeps a file that only the other side changed, instead of reverting it from a stale work tree', async () => {
    const me = world.clone('me');
    const other = world.clone('other');
    landOnMain(other, { 'dist/inc-1/shared.yaml': 'v1\n' });
    git(me, 'pull', '--quiet', 'origin', 'main');
    declare(me, 'INC-1');

    const result = await proposeChange(
      options(me, 'INC-1', {
        mode: { kind: 'direct', reason: 'active exfiltration' },
        onEvent: (event) => {
          if (event.kind === 'pushing' && event.attempt === 1) landOnMain(other, { 'dist/inc-1/shared.yaml': 'v2 from the other responder\n' });
        },
      }),
    );

    assert.equal(git(me, 'show', `${result.commit}:dist/inc-1/shared.yaml`), 'v2 from the other responder\n');
    assert.equal(git(me, 'show', `${result.commit}:incidents/INC-1.ts`), "export default { id: 'INC-1', version: 'v1' };\n");
  });

  it('lands simultaneous break-glass proposals from five clones, none lost, without human conflict resolution', async () => {
    const clones = Array.from({ length: 5 }, (_, i) => world.clone(`responder-${i}`));
    clones.forEach((dir, i) => declare(dir, `INC-${i}`));

    const results = await Promise.all(
      clones.map((dir, i) => proposeChange(options(dir, `INC-${i}`, { mode: { kind: 'direct', reason: `worm ${i}` }, retry: instantRetry(10) }))),
    );

    assert.ok(results.every((r) => r.pushed));
    const landed = git(world.remote, 'ls-tree', '-r', '--name-only', 'main', 'incidents/').trim().split('\n');
    assert.deepEqual(landed.sort(), Array.from({ length: 5 }, (_, i) => `incidents/INC-${i}.ts`).sort());
    assert.equal(git(world.remote, 'rev-list', '--count', 'main').trim(), '6', 'one commit each on top of the seed');
  });

  it('reports a push refused by the remote (a hook) as a GitDeliveryError at once, without retrying', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');
    write(world.remote, 'hooks/pre-receive', '#!/bin/sh\necho "protected branch" >&2\nexit 1\n');
    chmodSync(join(world.remote, 'hooks/pre-receive'), 0o755);
    const retry = instantRetry();

    await assert.rejects(proposeChange(options(me, 'INC-1', { retry })), (error: unknown) => {
      assert.ok(error instanceof GitDeliveryError && !(error instanceof PushRejectedError));
      assert.match(error.message, /push airlock\/inc-1 to origin failed/);
      assert.match(error.message, /hint: the remote refused/);
      return true;
    });
    assert.deepEqual(retry.slept, []);
  });
});

describe('proposeChange, refusals', () => {
  it('refuses a trailer value with a newline (trailer injection) and pushes nothing', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');

    await assert.rejects(
      proposeChange(options(me, 'INC-1', { trailers: { incident: 'INC-1', action: 'contain', alerts: ['a1\nAirlock-Action: lift'] } })),
      (error: unknown) => error instanceof TrailerError && error.field === 'Airlock-Alert',
    );
    assert.equal(remoteHead(world, 'airlock/inc-1'), undefined);
  });

  it('explains an ignored path of the change instead of silently leaving it out', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');
    write(me, '.gitignore', 'incidents/INC-1.ts\n');

    await assert.rejects(proposeChange(options(me, 'INC-1', { paths: ['incidents/INC-1.ts'] })), (error: unknown) => {
      assert.ok(error instanceof GitDeliveryError);
      assert.match(error.message, /hint: a path of the change is listed in \.gitignore/);
      assert.doesNotMatch(error.message, /trace:/);
      return true;
    });
  });

  it('refuses a path outside the repository', async () => {
    const me = world.clone('me');
    await assert.rejects(proposeChange(options(me, 'INC-1', { paths: ['../escape'] })), GitDeliveryError);
  });

  it('names the missing base branch', async () => {
    const me = world.clone('me');
    declare(me, 'INC-1');
    await assert.rejects(proposeChange(options(me, 'INC-1', { base: 'production' })), /branch 'production' does not exist on remote 'origin'/);
  });

  it('names a directory that is not a git repository', async () => {
    await assert.rejects(proposeChange(options(world.root, 'INC-1')), (error: unknown) => error instanceof GitDeliveryError && /open repository/.test(error.message));
    assert.ok(!existsSync(join(world.root, '.git')));
  });

  it('refuses an invalid branch name before running git', async () => {
    const me = world.clone('me');
    await assert.rejects(proposeChange(options(me, 'INC-1', { mode: { kind: 'branch', branch: '--force' } })), /not a valid git branch name/);
  });
});
