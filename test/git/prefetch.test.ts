/**
 * prefetchHeads: the remote's answer asked ahead of a fetch (what the intake's writer does while it writes
 * and synthesizes a batch), used by the next fetch of the same branches, once.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fetchHeads, prefetchHeads } from '../../src/git/remote';
import { openWorkTree } from '../../src/git/runner';
import { createWorld, git, landOnMain, type World } from './helpers';

let world: World;
beforeEach(() => {
  world = createWorld();
});
afterEach(() => world.dispose());

describe('prefetchHeads', () => {
  it('answers the next fetch of the branches it asked about, once', async () => {
    const me = world.clone('me');
    const repo = await openWorkTree(me);
    const before = git(me, 'rev-parse', 'origin/main').trim();
    await prefetchHeads(repo, 'origin', ['main', 'airlock/inc-1']);
    const landed = landOnMain(world.clone('other'), { 'x.txt': 'x\n' });

    assert.equal((await fetchHeads(repo, 'origin', ['main'])).get('main'), before, 'the answer asked ahead');
    assert.equal((await fetchHeads(repo, 'origin', ['main'])).get('main'), landed, 'asked again');
  });

  it('is not used by a fetch that asks about a branch it did not cover', async () => {
    const me = world.clone('me');
    const repo = await openWorkTree(me);
    await prefetchHeads(repo, 'origin', ['main']);
    const landed = landOnMain(world.clone('other'), { 'x.txt': 'x\n' });

    assert.equal((await fetchHeads(repo, 'origin', ['main', 'airlock/inc-1'])).get('main'), landed);
  });
});
