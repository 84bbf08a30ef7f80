/** GitCommandError.reason: what a responder is shown of git's own explanation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GitCommandError } from '../../src/git/runner';

test("reason keeps git's first three lines of explanation, without hints or blank lines", () => {
  const stderr = [
    "fatal: 'nope' does not appear to be a git repository",
    'fatal: Could not read from remote repository.',
    '',
    'Please make sure you have the correct access rights',
    'and the repository exists.',
  ].join('\n');
  assert.equal(
    new GitCommandError(['ls-remote', 'nope'], 128, '', `${stderr}\n`).reason,
    "fatal: 'nope' does not appear to be a git repository / fatal: Could not read from remote repository. / Please make sure you have the correct access rights",
  );
  const rejected = ' ! [rejected]        main -> main (fetch first)\nerror: failed to push some refs\nhint: Updates were rejected because the remote contains work\nhint: that you do not have locally.\n';
  assert.equal(new GitCommandError(['push'], 1, '', rejected).reason, '! [rejected]        main -> main (fetch first) / error: failed to push some refs');
});

test('reason falls back to stdout, then to the exit code', () => {
  assert.equal(new GitCommandError(['fsck'], 1, 'missing blob 1234\n', '').reason, 'missing blob 1234');
  assert.equal(new GitCommandError(['fsck'], 3, '', '\n').reason, 'exit code 3');
});
