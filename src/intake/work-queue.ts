/**
 * One writer at a time per repository, with coalescing: work for a key that is already waiting is merged into
 * the waiting item instead of queued again. A flood of alerts on one pod therefore costs at most two commits
 * (the one running and the one waiting), however many alerts arrive, while alerts on other pods queue behind
 * in arrival order. Bounded: past `limit` items (waiting plus running), new keys are refused so the caller can
 * answer 429 instead of growing memory and latency without end.
 */

interface Waiting<T, R> {
  item: T;
  readonly promise: Promise<R>;
  readonly resolve: (r: R) => void;
  readonly reject: (e: unknown) => void;
}

/** A serial queue of keyed work items. */
export class CoalescingQueue<T, R> {
  private readonly waiting = new Map<string, Waiting<T, R>>();
  private readonly order: string[] = [];
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly work: (key: string, item: T) => Promise<R>,
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
   * the run that includes it. Throws RangeError when full (check {@link accepts} first).
   */
  push(key: string, item: T): Promise<R> {
    const existing = this.waiting.get(key);
    if (existing) {
      existing.item = this.merge(existing.item, item);
      return existing.promise;
    }
    if (this.depth >= this.limit) throw new RangeError(`queue full (${this.limit})`);
    let resolve!: (r: R) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<R>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.waiting.set(key, { item, promise, resolve, reject });
    this.order.push(key);
    this.onDepth(this.depth);
    if (this.running === 0) void this.drain();
    return promise;
  }

  /** Resolves once nothing is waiting or running. */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    this.running = 1;
    while (this.order.length > 0) {
      // Let whoever queued the item finish first (answer its HTTP request): work may block the event loop.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const key = this.order.shift()!;
      const entry = this.waiting.get(key)!;
      this.waiting.delete(key);
      this.onDepth(this.depth);
      try {
        entry.resolve(await this.work(key, entry.item));
      } catch (e) {
        entry.reject(e);
      }
    }
    this.running = 0;
    this.onDepth(0);
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
