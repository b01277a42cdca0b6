import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { PointPack } from './entities/point-pack.entity';

/** Every statement on `point_packs`, inside the caller's transaction when there is one. */
@Injectable()
export class PacksRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  /** The packs for sale, in catalogue order. */
  listActive(): Promise<PointPack[]> {
    return this.transactions.repository(PointPack).find({ where: { active: true }, order: { sortOrder: 'ASC', points: 'ASC' } });
  }

  findActive(code: string): Promise<PointPack | null> {
    return this.transactions.repository(PointPack).findOneBy({ code, active: true });
  }

  /** Every pack, inactive ones included, in catalogue order. */
  listAll(): Promise<PointPack[]> {
    return this.transactions.repository(PointPack).find({ order: { sortOrder: 'ASC', points: 'ASC', id: 'ASC' } });
  }

  /**
   * Inserts an active pack after the last one of the catalogue and reads it back; null, writing
   * nothing, when its code is taken (uq_point_packs_code).
   */
  async insertLast(pack: Pick<PointPack, 'code' | 'points' | 'amountCents' | 'currency'>): Promise<PointPack | null> {
    const rows = await this.transactions.manager.query<Array<{ id: string }>>(
      `INSERT INTO point_packs (code, points, amount_cents, currency, sort_order)
       SELECT $1, $2, $3, $4, coalesce(max(sort_order), 0) + 1 FROM point_packs
       ON CONFLICT ON CONSTRAINT uq_point_packs_code DO NOTHING
       RETURNING id`,
      [pack.code, pack.points, pack.amountCents, pack.currency],
    );
    return rows.length === 0 ? null : this.transactions.repository(PointPack).findOneByOrFail({ id: rows[0].id });
  }

  /** The pack with this code, locked (FOR UPDATE) until the caller's transaction ends. */
  lockByCode(code: string): Promise<PointPack | null> {
    return this.transactions.repository(PointPack).findOne({ where: { code }, lock: { mode: 'pessimistic_write' } });
  }

  save(pack: PointPack): Promise<PointPack> {
    return this.transactions.repository(PointPack).save(pack);
  }
}
