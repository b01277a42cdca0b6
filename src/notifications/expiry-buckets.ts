/**
 * Things that end at a time (sockets whose token expires), grouped by the second they end in: one
 * sweep a second ends whatever is due, instead of one timer per socket. Pure bookkeeping.
 */
export class ExpiryBuckets<T> {
  private readonly buckets = new Map<number, Set<T>>();

  /** `atMs`: epoch milliseconds; the item is due in the sweep of that second or the next. */
  add(item: T, atMs: number): void {
    const second = Math.ceil(atMs / 1000);
    let bucket = this.buckets.get(second);
    if (!bucket) {
      bucket = new Set();
      this.buckets.set(second, bucket);
    }
    bucket.add(item);
  }

  /** Forgets an item added with `atMs` (it ended otherwise). */
  remove(item: T, atMs: number): void {
    const second = Math.ceil(atMs / 1000);
    const bucket = this.buckets.get(second);
    bucket?.delete(item);
    if (bucket?.size === 0) this.buckets.delete(second);
  }

  /** Removes and returns the items due at `nowMs` or before. */
  due(nowMs: number): T[] {
    const now = Math.floor(nowMs / 1000);
    const due: T[] = [];
    for (const [second, bucket] of this.buckets) {
      if (second > now) continue;
      due.push(...bucket);
      this.buckets.delete(second);
    }
    return due;
  }

  get size(): number {
    let size = 0;
    for (const bucket of this.buckets.values()) size += bucket.size;
    return size;
  }
}
