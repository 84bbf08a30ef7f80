/**
 * Bounded, jittered exponential backoff between push attempts. Jitter matters here: ten responders' tools that
 * were all rejected by the same push would otherwise retry in lockstep and collide again.
 */

/** How hard to retry a rejected push. Every field has a default; tests inject `random` and `sleep`. */
export interface RetryOptions {
  /** Total push attempts, the first included. Default 5. */
  readonly attempts?: number;
  /** Delay cap before the first retry; doubles each retry. Default 250 ms. */
  readonly baseDelayMs?: number;
  /** Upper bound of any one delay. Default 5000 ms. */
  readonly maxDelayMs?: number;
  /** Uniform random number in [0, 1). Default Math.random. */
  readonly random?: () => number;
  /** Waits. Default a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** {@link RetryOptions} with every default filled in. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Fills in defaults and clamps nonsense (zero attempts still means one try). */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  return {
    attempts: Math.max(1, Math.floor(options.attempts ?? 5)),
    baseDelayMs: Math.max(0, options.baseDelayMs ?? 250),
    maxDelayMs: Math.max(0, options.maxDelayMs ?? 5000),
    random: options.random ?? Math.random,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
  };
}

/**
 * Delay before retry number `retry` (1 for the first retry): "equal jitter", half the capped exponential step
 * fixed and half random, so a retry always waits a little and never longer than `maxDelayMs`.
 */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const r = Math.min(Math.max(policy.random(), 0), 1);
  return Math.round(cap / 2 + (r * cap) / 2);
}
