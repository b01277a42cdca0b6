import { Injectable } from '@nestjs/common';
import { shareOf } from '../common/money';
import { LedgerTransfersRepository } from './ledger-transfers.repository';
import { Money } from './ledger.service';
import { LotsService } from './lots/lots.service';

/**
 * The money of an earning (SPEC §11): a moderator's money for a purchase is its share of what the
 * client paid for it so far (paid, less refunds, less what a dispute took), rounded half up to the
 * minor unit. Each movement of the purchase's earnings carries the change of that rounded amount,
 * measured against what its earlier movements carried, so the movements of one purchase always add
 * up to its share and never take back more than it earned. The share is the one the purchase was
 * credited with (its lot). Runs inside the caller's transaction, which holds the purchase's lock:
 * nothing else moves the purchase's money meanwhile.
 */
@Injectable()
export class EarningsMoney {
  constructor(
    private readonly transfers: LedgerTransfersRepository,
    private readonly lots: LotsService,
  ) {}

  /**
   * The money to move with a movement of the purchase's earnings once the client has paid
   * `netPaidCents` for it: out (a reversal) takes the share down to that, in (a restore) brings it
   * up. Null for a purchase credited before shares existed: its transfers carry no money.
   */
  async change(transactionId: string, netPaidCents: number, direction: 'in' | 'out'): Promise<Money | null> {
    const terms = (await this.lots.moneyTermsOf([transactionId])).get(transactionId);
    if (!terms || terms.shareBps === null) return null;
    const earned = (await this.transfers.moneyEarned([transactionId])).get(transactionId)?.cents ?? 0;
    const target = shareOf(Math.max(0, netPaidCents), terms.shareBps);
    const cents = direction === 'out' ? Math.max(0, earned - target) : Math.max(0, target - earned);
    return { cents, currency: terms.currency };
  }
}
