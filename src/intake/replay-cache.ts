/**
 * Remembers the signatures already accepted until their timestamp goes stale, so a captured request cannot be
 * sent again. Bounded: when it is full of signatures that are all still fresh, it refuses new ones (the caller
 * answers 429) rather than forget one, because forgetting is what would let a replay through.
 */

/** Outcome of {@link ReplayCache.remember}. */
export type RememberResult = 'new' | 'replayed' | 'full';

/** A set of recent signatures with expiry times. */
export class ReplayCache {
  /** Insertion order is close to expiry order (timestamps are within the tolerance of now), so pruning starts at the front. */
  private readonly entries = new Map<string, number>();

  constructor(
    /** Most signatures held at once. */
    readonly capacity: number,
  ) {}

  /** Number of signatures held. */
  get size(): number {
    return this.entries.size;
  }

  /** Records `key` until `expiresAtMs` unless already present (a replay) or the cache is full of live entries. */
  remember(key: string, expiresAtMs: number, nowMs: number): RememberResult {
    const known = this.entries.get(key);
    if (known !== undefined && known > nowMs) return 'replayed';
    for (const [k, exp] of this.entries) {
      if (exp > nowMs) break;
      this.entries.delete(k);
    }
    if (this.entries.size >= this.capacity) {
      for (const [k, exp] of this.entries) if (exp <= nowMs) this.entries.delete(k);
      if (this.entries.size >= this.capacity) return 'full';
    }
    this.entries.set(key, expiresAtMs);
    return 'new';
  }
}
