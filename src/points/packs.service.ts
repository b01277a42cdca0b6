import { Injectable } from '@nestjs/common';
import { chargeableStep } from '../common/currencies';
import { TransactionRunner } from '../database/transaction';
import { PointPack } from './entities/point-pack.entity';
import { PacksRepository } from './packs.repository';
import { PointsError } from './points.errors';

/** A pack of the catalogue, as other modules see it: the row, read only, without its internal id. */
export type Pack = Readonly<Omit<PointPack, 'id'>>;

export type NewPack = Pick<PointPack, 'code' | 'points' | 'amountCents' | 'currency'>;

export type PackChanges = Partial<Pick<Pack, 'points' | 'amountCents' | 'active'>>;

@Injectable()
export class PacksService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly packs: PacksRepository,
  ) {}

  listActive(): Promise<Pack[]> {
    return this.packs.listActive();
  }

  /** The pack a client may buy now; its price is copied onto the checkout so later changes never affect it. */
  async getActive(code: string): Promise<Pack> {
    const pack = await this.packs.findActive(code);
    if (pack) return pack;
    const codes = (await this.listActive()).map((available) => available.code);
    throw PointsError.unknownPack(code, codes);
  }

  /** The whole catalogue, inactive packs included. */
  listAll(): Promise<Pack[]> {
    return this.packs.listAll();
  }

  /**
   * Adds an active pack at the end of the catalogue; null, writing nothing, when its code is taken.
   * A price Stripe cannot charge in the pack's currency is refused (AMOUNT_NOT_CHARGEABLE).
   */
  create(pack: NewPack): Promise<Pack | null> {
    assertChargeable(pack.amountCents, pack.currency);
    return this.packs.insertLast(pack);
  }

  /**
   * Changes a pack for future checkouts; null when no pack has this code. A pending checkout keeps
   * the points and price copied onto its transaction, so it is never affected.
   */
  update(code: string, changes: PackChanges): Promise<Pack | null> {
    return this.transactions.run(async () => {
      const pack = await this.packs.lockByCode(code);
      if (!pack) return null;
      if (changes.amountCents !== undefined) assertChargeable(changes.amountCents, pack.currency);
      for (const [key, value] of Object.entries(changes) as Array<[keyof PackChanges, never]>) {
        if (value !== undefined) pack[key] = value;
      }
      return this.packs.save(pack);
    });
  }
}

/** Stripe charges three-decimal currencies only in steps of 10 thousandths (src/common/currencies.ts). */
function assertChargeable(amountMinor: number, currency: string): void {
  const step = chargeableStep(currency);
  if (amountMinor % step !== 0) throw PointsError.amountNotChargeable(amountMinor, currency, step);
}
