/**
 * How long an authenticated request may reuse the user (id, role, e-mail) looked up for an earlier one.
 * A deleted user, or a changed role, is still honoured by this instance for at most this many seconds
 * after the change; after that every request reads the database again.
 */
export const USER_LOOKUP_CACHE_SECONDS = 5;

/** Bounds the memory of a flood of distinct valid tokens; the oldest entries go first. */
export const USER_LOOKUP_CACHE_MAX_ENTRIES = 10_000;

/**
 * A short-lived, per-process cache of lookups by id. Concurrent lookups of one id share one query. A
 * miss (no such user) and a failure are never cached: a new user is accepted at once, and a database
 * error is not replayed.
 */
export class ExpiringLookupCache<T> {
  private readonly entries = new Map<string, { value: Promise<T | null>; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(id: string, load: (id: string) => Promise<T | null>): Promise<T | null> {
    const now = this.now();
    const cached = this.entries.get(id);
    if (cached && cached.expiresAt > now) return cached.value;
    if (cached) this.entries.delete(id);

    const value = load(id).then(
      (found) => {
        if (found === null) this.forget(id, value);
        return found;
      },
      (error: unknown) => {
        this.forget(id, value);
        throw error;
      },
    );
    if (this.entries.size >= this.maxEntries) this.evictOldest(now);
    this.entries.set(id, { value, expiresAt: now + this.ttlMs });
    return value;
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  private forget(id: string, value: Promise<T | null>): void {
    if (this.entries.get(id)?.value === value) this.entries.delete(id);
  }

  /** Expired entries first; if none, the oldest insert (a Map iterates in insertion order). */
  private evictOldest(now: number): void {
    for (const [id, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(id);
    if (this.entries.size < this.maxEntries) return;
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.entries.delete(oldest.value);
  }
}
