import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { PointPack } from './entities/point-pack.entity';
import { PointsError } from './points.errors';

export interface NewPack {
  code: string;
  points: number;
  amountCents: number;
  currency: string;
}

export type PackChanges = Partial<Pick<PointPack, 'points' | 'amountCents' | 'active'>>;

@Injectable()
export class PacksService {
  constructor(private readonly transactions: TransactionRunner) {}

  listActive(): Promise<PointPack[]> {
    return this.transactions.repository(PointPack).find({ where: { active: true }, order: { sortOrder: 'ASC', points: 'ASC' } });
  }

  /** The pack a client may buy now; its price is copied onto the checkout so later changes never affect it. */
  async getActive(code: string): Promise<PointPack> {
    const pack = await this.transactions.repository(PointPack).findOneBy({ code, active: true });
    if (pack) return pack;
    const codes = (await this.listActive()).map((available) => available.code);
    throw PointsError.unknownPack(code, codes);
  }

  /** The whole catalogue, inactive packs included. */
  listAll(): Promise<PointPack[]> {
    return this.transactions.repository(PointPack).find({ order: { sortOrder: 'ASC', points: 'ASC', id: 'ASC' } });
  }

  /** Adds an active pack at the end of the catalogue; null, writing nothing, when its code is taken (uq_point_packs_code). */
  async create(pack: NewPack): Promise<PointPack | null> {
    const rows = await this.transactions.manager.query<Array<{ id: string }>>(
      `INSERT INTO point_packs (code, points, amount_cents, currency, sort_order)
       SELECT $1, $2, $3, $4, coalesce(max(sort_order), 0) + 1 FROM point_packs
       ON CONFLICT ON CONSTRAINT uq_point_packs_code DO NOTHING
       RETURNING id`,
      [pack.code, pack.points, pack.amountCents, pack.currency],
    );
    return rows.length === 0 ? null : this.transactions.repository(PointPack).findOneByOrFail({ id: rows[0].id });
  }

  /**
   * Changes a pack for future checkouts; null when no pack has this code. A pending checkout keeps
   * the points and price copied onto its transaction, so it is never affected.
   */
  update(code: string, changes: PackChanges): Promise<PointPack | null> {
    return this.transactions.run(async () => {
      const repository = this.transactions.repository(PointPack);
      const pack = await repository.findOne({ where: { code }, lock: { mode: 'pessimistic_write' } });
      if (!pack) return null;
      for (const [key, value] of Object.entries(changes) as Array<[keyof PackChanges, never]>) {
        if (value !== undefined) pack[key] = value;
      }
      return repository.save(pack);
    });
  }
}
