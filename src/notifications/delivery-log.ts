/**
 * Which notifications this instance delivered to each of its users lately. A notification can reach
 * an instance more than once around a Redis outage — live, sent again by the instance that held it,
 * and read back from the database by the catch-up — and each socket must still get it once.
 * Pure bookkeeping: the gateway records and asks, and forgets what is old enough.
 */
export class DeliveryLog {
  private readonly byUser = new Map<string, Map<string, number>>();

  /** Records the delivery of `notificationId` to `userId` at `now`; false when it was delivered already. */
  first(userId: string, notificationId: string, now = Date.now()): boolean {
    let delivered = this.byUser.get(userId);
    if (!delivered) {
      delivered = new Map();
      this.byUser.set(userId, delivered);
    }
    if (delivered.has(notificationId)) return false;
    delivered.set(notificationId, now);
    return true;
  }

  /** Forgets the deliveries made before `before` (epoch milliseconds). */
  forget(before: number): void {
    for (const [userId, delivered] of this.byUser) {
      // Entries are kept in insertion order, which is the order of their times: stop at the first kept.
      for (const [notificationId, at] of delivered) {
        if (at >= before) break;
        delivered.delete(notificationId);
      }
      if (delivered.size === 0) this.byUser.delete(userId);
    }
  }

  /** How many deliveries are remembered (for tests and metrics). */
  get size(): number {
    let size = 0;
    for (const delivered of this.byUser.values()) size += delivered.size;
    return size;
  }
}
