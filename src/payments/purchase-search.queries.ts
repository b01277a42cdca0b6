import { Injectable } from '@nestjs/common';
import { SelectQueryBuilder } from 'typeorm';
import { TransactionRunner } from '../database/transaction';
import { Purchase } from './entities/purchase.entity';
import { PurchaseStatus } from './purchase-status';

/** A purchase as the searches return it: read only. */
export type PurchaseRecord = Readonly<Purchase>;

/** What operators filter purchases by; every filter is served by an index ending in `id DESC` (or by created_at). */
export interface PurchaseFilter {
  status?: PurchaseStatus;
  clientId?: string;
  profileId?: string;
  moderatorId?: string;
  /** created_at ≥ from */
  from?: Date | null;
  /** created_at < to */
  to?: Date | null;
}

/** Read-only keyset searches over purchases, newest first, for the operators' tools. */
@Injectable()
export class PurchaseSearchQueries {
  constructor(private readonly transactions: TransactionRunner) {}

  /** At most `limit` purchases matching `filter` with an id below `cursor`. */
  find(filter: PurchaseFilter, cursor: string | undefined, limit: number): Promise<PurchaseRecord[]> {
    return this.filtered(filter, cursor).limit(limit).getMany();
  }

  /** Purchases that need a look: pending for more than `ageSeconds`, or failed. */
  stuck(ageSeconds: number, cursor: string | undefined, limit: number): Promise<PurchaseRecord[]> {
    const query = this.transactions
      .repository(Purchase)
      .createQueryBuilder('t')
      .where(`((t.status = :pending AND t.createdAt < now() - make_interval(secs => :age)) OR t.status = :failed)`, {
        pending: PurchaseStatus.Pending,
        failed: PurchaseStatus.Failed,
        age: ageSeconds,
      });
    if (cursor) query.andWhere('t.id < :cursor', { cursor });
    return query.orderBy('t.id', 'DESC').limit(limit).getMany();
  }

  private filtered(filter: PurchaseFilter, cursor?: string): SelectQueryBuilder<Purchase> {
    const query = this.transactions.repository(Purchase).createQueryBuilder('t');
    if (filter.status) query.andWhere('t.status = :status', { status: filter.status });
    if (filter.clientId) query.andWhere('t.clientId = :clientId', { clientId: filter.clientId });
    if (filter.profileId) query.andWhere('t.profileId = :profileId', { profileId: filter.profileId });
    if (filter.moderatorId) query.andWhere('t.moderatorId = :moderatorId', { moderatorId: filter.moderatorId });
    if (filter.from) query.andWhere('t.createdAt >= :from', { from: filter.from });
    if (filter.to) query.andWhere('t.createdAt < :to', { to: filter.to });
    if (cursor) query.andWhere('t.id < :cursor', { cursor });
    return query.orderBy('t.id', 'DESC');
  }
}
