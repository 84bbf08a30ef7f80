/**
 * The long-lived check-ignore and check-attr processes (rule-checkers.ts), against a real repository: their
 * answers, their reuse, and their replacement when a rule file changes (a running git keeps what it read).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { RuleCheckers } from '../../src/git/rule-checkers';
import { createWorld, write, type World } from './helpers';

let world: World;
let me: string;
let checkers: RuleCheckers;
beforeEach(() => {
  world = createWorld();
  me = world.clone('me');
  checkers = new RuleCheckers(me);
});
afterEach(() => {
  checkers.close();
  world.dispose();
});

describe('RuleCheckers', () => {
  it('tells ignored paths, a negated pattern re-including one', async () => {
    write(me, '.gitignore', '*.log\n!keep.log\ndist/tmp/\n');

    const { ignored } = await checkers.check(['dist/inc-1/', 'dist/tmp/'], ['dist/inc-1/a.yaml', 'dist/inc-1/x.log', 'dist/inc-1/keep.log']);

    assert.deepEqual([...ignored].sort(), ['dist/inc-1/x.log', 'dist/tmp/']);
  });

  it('tells a converting attribute on a file', async () => {
    write(me, 'dist/.gitattributes', 'secret.yaml filter=crypt\n');

    assert.equal((await checkers.check([], ['dist/inc-1/a.yaml'])).converting, false);
    assert.equal((await checkers.check([], ['dist/secret.yaml'])).converting, true);
  });

  it('keeps its processes while the rules stay the same', async () => {
    await checkers.check(['dist/inc-1/'], ['dist/inc-1/a.yaml']);
    await checkers.check(['dist/inc-2/'], ['dist/inc-2/a.yaml']);

    assert.equal(checkers.started, 1);
  });

  it('sees an edited .gitignore at the next question', async () => {
    write(me, '.gitignore', '*.log\n');
    assert.equal((await checkers.check([], ['dist/inc-1/a.yaml'])).ignored.size, 0);

    write(me, '.gitignore', '*.log\n*.yaml\n');

    assert.deepEqual([...(await checkers.check([], ['dist/inc-1/a.yaml'])).ignored], ['dist/inc-1/a.yaml']);
    assert.equal(checkers.started, 2);
  });

  it('sees a .gitattributes added on the way to a folder it asked about before', async () => {
    assert.equal((await checkers.check([], ['dist/inc-1/a.yaml'])).converting, false);

    write(me, 'dist/.gitattributes', '*.yaml filter=lfs\n');

    assert.equal((await checkers.check([], ['dist/inc-1/a.yaml'])).converting, true);
  });

  it('sees an edited info/exclude', async () => {
    assert.equal((await checkers.check([], ['dist/inc-1/a.yaml'])).ignored.size, 0);

    write(me, '.git/info/exclude', 'dist/\n');

    assert.equal((await checkers.check([], ['dist/inc-1/a.yaml'])).ignored.size, 1);
  });
});
