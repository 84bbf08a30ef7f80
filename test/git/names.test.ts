/** Names handed to git: paths stay inside the repository, branch names are refs, nothing reads as an option. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GitDeliveryError } from '../../src/git/errors';
import { isValidBranchName, normalizeChangePaths } from '../../src/git/names';

describe('normalizeChangePaths', () => {
  it('normalises, deduplicates and sorts repository-relative paths', () => {
    assert.deepEqual(normalizeChangePaths(['dist/inc-1/', './incidents/INC-1.ts', 'dist\\inc-1']), ['dist/inc-1', 'incidents/INC-1.ts']);
  });

  it('refuses paths that leave the repository or reach into .git', () => {
    for (const bad of ['../x', '/etc/passwd', 'a/../../x', '.', '', '.git/config', 'C:/x']) {
      assert.throws(() => normalizeChangePaths([bad]), GitDeliveryError, bad);
    }
  });

  it('refuses an empty change', () => {
    assert.throws(() => normalizeChangePaths([]), /no paths/);
  });
});

describe('isValidBranchName', () => {
  it('accepts the names Airlock uses', () => {
    for (const ok of ['main', 'airlock/inc-1', 'airlock/INC-2024_07.a', 'release/1.2']) assert.ok(isValidBranchName(ok), ok);
  });

  it('refuses what git check-ref-format refuses, and anything that reads as an option', () => {
    for (const bad of ['-f', '--force', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', 'a@{1}', '/a', 'a/', 'a//b', 'a.', '.a', 'a/.b', 'a.lock', 'HEAD', '@', '']) {
      assert.ok(!isValidBranchName(bad), bad);
    }
  });
});
