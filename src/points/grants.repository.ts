import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { PointGrant } from './entities/point-grant.entity';

export type NewGrant = Pick<PointGrant, 'clientId' | 'profileId' | 'interactionId' | 'points' | 'reason' | 'idempotencyKey' | 'grantedBy' | 'balanceAfter'>;

/** Every statement on `point_grants`, inside the caller's transaction when there is one. */
@Injectable()
export class GrantsRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  /** The client's grant made with this idempotency key, if any. */
  findByKey(clientId: string, idempotencyKey: string): Promise<PointGrant | null> {
    return this.transactions.repository(PointGrant).findOneBy({ clientId, idempotencyKey });
  }

  /**
   * Inserts the grant and returns it; null, writing nothing, when the client already has a grant with
   * this key (uq_point_grants_client_key decides, even between concurrent requests).
   */
  async insertUnlessKeyUsed(grant: NewGrant): Promise<PointGrant | null> {
    const inserted = await this.transactions
      .repository(PointGrant)
      .createQueryBuilder()
      .insert()
      .values({ ...grant })
      .orIgnore()
      .returning(['id', 'created_at'])
      .execute();
    const [row] = inserted.raw as Array<{ id: string; created_at: Date }>;
    return row ? Object.assign(new PointGrant(), grant, { id: row.id, createdAt: row.created_at }) : null;
  }
}
