/**
 * The commit identity a long-lived process keeps per repository (commit-identity.ts): asked of git once, asked
 * again when a configuration file changes, and always stamped with the current time.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { cachedCommitIdentity } from '../../src/git/commit-identity';
import { proposeChange } from '../../src/git/repository';
import { gitAt } from '../../src/git/runner';
import { createWorld, git, instantRetry, remoteHead, write, type World } from './helpers';

let world: World;
beforeEach(() => {
  world = createWorld();
});
afterEach(() => world.dispose());

describe('cachedCommitIdentity', () => {
  it('renews the time of the lines it keeps, in the form git writes', async () => {
    const me = world.clone('me');
    const first = await cachedCommitIdentity(gitAt(me), () => 1_700_000_000_000);
    assert.match(first!.author, /^me responder <me@example\.test> \d+ [+-]\d{4}$/);

    const later = await cachedCommitIdentity(gitAt(me), () => 1_800_000_123_456);

    const zone = first!.author.slice(-5);
    assert.equal(later!.author, `me responder <me@example.test> 1800000123 ${zone}`);
    assert.equal(later!.committer, `me responder <me@example.test> 1800000123 ${zone}`);
  });

  it('asks git again once the repository configuration changed, so the next commit has the new name', async () => {
    const me = world.clone('me');
    write(me, 'incidents/INC-1.ts', 'export default 1;\n');
    await proposeChange({ cwd: me, paths: ['incidents/INC-1.ts'], subject: 'incident(INC-1): one', trailers: { incident: 'INC-1', action: 'contain' }, mode: { kind: 'branch', branch: 'airlock/inc-1' }, retry: instantRetry() });

    git(me, 'config', 'user.name', 'renamed responder');
    write(me, 'incidents/INC-2.ts', 'export default 2;\n');
    await proposeChange({ cwd: me, paths: ['incidents/INC-2.ts'], subject: 'incident(INC-2): two', trailers: { incident: 'INC-2', action: 'contain' }, mode: { kind: 'branch', branch: 'airlock/inc-2' }, retry: instantRetry() });

    assert.equal(git(world.remote, 'log', '-1', '--format=%an', remoteHead(world, 'airlock/inc-1')!).trim(), 'me responder');
    assert.equal(git(world.remote, 'log', '-1', '--format=%an|%cn', remoteHead(world, 'airlock/inc-2')!).trim(), 'renamed responder|renamed responder');
  });
});
