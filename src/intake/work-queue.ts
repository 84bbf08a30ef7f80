/**
 * One writer at a time per repository, in batches, with coalescing. Work for a key that is already waiting is
 * merged into the waiting item instead of queued again, and when the writer is free it takes every waiting
 * item at once: while one batch is being proposed, the next one gathers. A flood of alerts on one pod
 * therefore costs at most two commits (the one running and the one waiting), and 10 alerts a second on
 * different pods cost one proposal round per batch instead of ten queued one behind the other. Bounded: past
 * `limit` items (waiting plus running), new keys are refused so the caller can answer 429 instead of growing
 * memory and latency without end.
 */

interface Waiting<T, R> {
  item: T;
  readonly promise: Promise<R>;
  readonly resolve: (r: R) => void;
  readonly reject: (e: unknown) => void;
}

/** A serial queue of keyed work items, run in batches. */
export class CoalescingQueue<T, R> {
  private readonly waiting = new Map<string, Waiting<T, R>>();
  private running = 0;
  private draining = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    /** Runs one batch (keys in arrival order) and returns each key's result. */
    private readonly work: (batch: ReadonlyArray<readonly [string, T]>) => Promise<ReadonlyMap<string, R>>,
    private readonly merge: (waiting: T, next: T) => T,
    /** Most items waiting or running at once. */
    readonly limit: number,
    /** Told whenever the depth changes (for a gauge). */
    private readonly onDepth: (depth: number) => void = () => {},
  ) {}

  /** Items waiting or running. */
  get depth(): number {
    return this.waiting.size + this.running;
  }

  /** Whether {@link push} for `key` would be accepted now (it merges, or there is room). */
  accepts(key: string): boolean {
    return this.waiting.has(key) || this.depth < this.limit;
  }

  /** Whether an item for `key` is waiting (not yet started). */
  isWaiting(key: string): boolean {
    return this.waiting.has(key);
  }

  /**
   * Queues `item` under `key`, or merges it into the item waiting under that key; resolves with the result of
   * the batch that includes it. Throws RangeError when full (check {@link accepts} first), unless `force`
   * (work that was accepted before, coming back for a retry).
   */
  push(key: string, item: T, options: { readonly force?: boolean } = {}): Promise<R> {
    const existing = this.waiting.get(key);
    if (existing) {
      existing.item = this.merge(existing.item, item);
      return existing.promise;
    }
    if (this.depth >= this.limit && !options.force) throw new RangeError(`queue full (${this.limit})`);
    let resolve!: (r: R) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<R>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.waiting.set(key, { item, promise, resolve, reject });
    this.onDepth(this.depth);
    if (!this.draining) void this.drain();
    return promise;
  }

  /** Resolves once nothing is waiting or running. */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.waiting.size > 0) {
      // Let whoever queued the item finish first (answer its HTTP request), and let a burst gather.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const batch = [...this.waiting];
      this.waiting.clear();
      this.running = batch.length;
      this.onDepth(this.depth);
      try {
        const results = await this.work(batch.map(([key, entry]) => [key, entry.item] as const));
        for (const [key, entry] of batch) {
          if (results.has(key)) entry.resolve(results.get(key)!);
          else entry.reject(new Error(`no result for ${key}`));
        }
      } catch (e) {
        for (const [, entry] of batch) entry.reject(e);
      }
      this.running = 0;
    }
    this.draining = false;
    this.onDepth(0);
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
