import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { PointSpend } from './entities/point-spend.entity';

export type NewSpend = Pick<PointSpend, 'clientId' | 'profileId' | 'interactionId' | 'points' | 'reason' | 'idempotencyKey' | 'balanceAfter'>;

/** Every statement on `point_spends`, inside the caller's transaction when there is one. */
@Injectable()
export class SpendsRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  /** The client's spend made with this idempotency key, if any. */
  findByKey(clientId: string, idempotencyKey: string): Promise<PointSpend | null> {
    return this.transactions.repository(PointSpend).findOneBy({ clientId, idempotencyKey });
  }

  /**
   * Inserts the spend and returns its id; null, writing nothing, when the client already used its
   * idempotency key (the unique constraint on client and key decides, even between concurrent requests).
   */
  async insertUnlessKeyUsed(spend: NewSpend): Promise<string | null> {
    // A copy: TypeORM writes the returned id into the values it was given.
    const inserted = await this.transactions
      .repository(PointSpend)
      .createQueryBuilder()
      .insert()
      .values({ ...spend })
      .orIgnore()
      .returning(['id'])
      .execute();
    const [row] = inserted.raw as Array<{ id: string }>;
    return row?.id ?? null;
  }
}
