/** The retry schedule: bounded, growing, jittered, and never zero. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, retryPolicy } from '../../src/git/backoff';

describe('backoff', () => {
  it('doubles the cap each retry and jitters within its upper half', () => {
    const low = retryPolicy({ baseDelayMs: 100, random: () => 0 });
    const high = retryPolicy({ baseDelayMs: 100, random: () => 0.999999 });
    assert.deepEqual([1, 2, 3].map((n) => backoffDelay(low, n)), [50, 100, 200]);
    assert.deepEqual([1, 2, 3].map((n) => backoffDelay(high, n)), [100, 200, 400]);
  });

  it('never waits longer than maxDelayMs', () => {
    const policy = retryPolicy({ baseDelayMs: 1000, maxDelayMs: 3000, random: () => 0.999999 });
    assert.equal(backoffDelay(policy, 10), 3000);
  });

  it('defaults to five attempts and treats zero attempts as one try', () => {
    assert.equal(retryPolicy().attempts, 5);
    assert.equal(retryPolicy({ attempts: 0 }).attempts, 1);
  });
});
