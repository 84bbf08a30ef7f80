/**
 * auditLog reads the trail back from real git history: what proposeChange wrote, plus hand-made commits that test
 * the edges (a body that merely mentions a trailer, a malformed action, unrelated commits).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { auditLog } from '../../src/git/audit';
import { GitDeliveryError } from '../../src/git/errors';
import { proposeChange } from '../../src/git/repository';
import { createWorld, git, instantRetry, write, type World } from './helpers';

let world: World;
let me: string;
beforeEach(() => {
  world = createWorld();
  me = world.clone('me');
});
afterEach(() => world.dispose());

/** Commits `message` (all files in the work tree) in `me`. */
function commit(message: string, file = `f-${Math.random()}`): string {
  write(me, file, 'x\n');
  git(me, 'add', '-A');
  git(me, 'commit', '--quiet', '-m', message);
  return git(me, 'rev-parse', 'HEAD').trim();
}

describe('auditLog', () => {
  it('reads back the trailers proposeChange wrote: contain, then a break-glass lift, newest first', async () => {
    write(me, 'incidents/INC-1.ts', 'v1\n');
    const contain = await proposeChange({
      cwd: me,
      paths: ['incidents/INC-1.ts'],
      subject: 'incident(INC-1): isolate pod',
      trailers: { incident: 'INC-1', action: 'contain', severity: 'high', alerts: ['falco-9', 'am-3'] },
      mode: { kind: 'direct', reason: 'exfiltration in progress' },
      retry: instantRetry(),
    });
    write(me, 'incidents/INC-1.ts', 'lifted\n');
    const lift = await proposeChange({
      cwd: me,
      paths: ['incidents/INC-1.ts'],
      subject: 'incident(INC-1): lift',
      trailers: { incident: 'INC-1', action: 'lift' },
      mode: { kind: 'direct', reason: 'all clear, ticket SEC-12' },
      retry: instantRetry(),
    });

    const entries = await auditLog({ cwd: me, ref: 'origin/main' });

    assert.deepEqual(
      entries.map((e) => [e.commit, e.action]),
      [
        [lift.commit, 'lift'],
        [contain.commit, 'contain'],
      ],
    );
    const first = entries[1]!;
    assert.equal(first.incident, 'INC-1');
    assert.equal(first.severity, 'high');
    assert.deepEqual(first.alerts, ['falco-9', 'am-3']);
    assert.equal(first.breakGlass, 'exfiltration in progress');
    assert.equal(first.subject, 'incident(INC-1): isolate pod');
    assert.deepEqual(first.author, { name: 'me responder', email: 'me@example.test' });
    assert.match(first.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    assert.deepEqual(first.problems, []);
  });

  it('skips commits that are not Airlock commits, including a body that only mentions the trailer', async () => {
    commit('unrelated change');
    commit('docs\n\nWe write Airlock-Incident: lines in trailers.\nMore prose here.');
    const real = commit('incident(INC-2): contain\n\nAirlock-Incident: INC-2\nAirlock-Action: contain');

    const entries = await auditLog({ cwd: me });

    assert.deepEqual(
      entries.map((e) => e.commit),
      [real],
    );
  });

  it('filters by incident id', async () => {
    commit('a\n\nAirlock-Incident: INC-1\nAirlock-Action: contain');
    const two = commit('b\n\nAirlock-Incident: INC-2\nAirlock-Action: contain');
    commit('c\n\nAirlock-Incident: INC-10\nAirlock-Action: contain');

    const entries = await auditLog({ cwd: me, incident: 'INC-2' });

    assert.deepEqual(
      entries.map((e) => e.commit),
      [two],
    );
  });

  it('lists a commit with a malformed action, with the problem named, rather than hiding it', async () => {
    commit('x\n\nAirlock-Incident: INC-3\nAirlock-Action: nuke');

    const [entry] = await auditLog({ cwd: me });

    assert.equal(entry?.action, 'unknown');
    assert.match(entry?.problems[0] ?? '', /nuke/);
  });

  it('reports signature status when asked (unsigned here)', async () => {
    commit('x\n\nAirlock-Incident: INC-4\nAirlock-Action: contain');

    const [entry] = await auditLog({ cwd: me, verifySignatures: true });

    assert.equal(entry?.signature, 'unsigned');
  });

  it('returns an empty trail for a repository without commits', async () => {
    const empty = `${world.root}/empty`;
    git(world.root, '-c', 'init.defaultBranch=main', 'init', '--quiet', empty);
    assert.deepEqual(await auditLog({ cwd: empty }), []);
  });

  it('names an unknown ref', async () => {
    await assert.rejects(auditLog({ cwd: me, ref: 'origin/nope' }), (error: unknown) => error instanceof GitDeliveryError && /origin\/nope/.test(error.message));
  });
});
