import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { PointPack } from './entities/point-pack.entity';
import { PointsError } from './points.errors';

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
}
