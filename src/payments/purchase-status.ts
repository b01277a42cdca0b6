/** Where a purchase stands, and its dispute: the `status` and `dispute_status` columns of a purchase. */
export enum TransactionStatus {
  Pending = 'pending',
  Completed = 'completed',
  Failed = 'failed',
  Expired = 'expired',
  Refunded = 'refunded',
}

export enum DisputeStatus {
  Open = 'open',
  Won = 'won',
  Lost = 'lost',
}
