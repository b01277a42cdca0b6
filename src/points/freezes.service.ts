import { Injectable } from '@nestjs/common';
import { EventBus } from '../events/event-bus';
import { InteractionsService } from '../interactions/interactions.service';
import { LotsService } from './lots/lots.service';

/** The purchase whose points an early fraud warning holds, and whose. */
export interface FrozenPurchase {
  transactionId: string;
  clientId: string;
  profileId: string;
}

/**
 * Early fraud warnings hold a purchase's unspent points (SPEC §11): while its lot is frozen no spend
 * may use them (409 POINTS_FROZEN), and the moderator's money for the purchase stays out of payouts.
 * Called by the payments module inside the transaction that holds the purchase's lock; the
 * interaction is locked next, then the lot written: the lock order purchase → interaction → lot.
 */
@Injectable()
export class FreezesService {
  constructor(
    private readonly interactions: InteractionsService,
    private readonly lots: LotsService,
    private readonly events: EventBus,
  ) {}

  /** Freezes the purchase's unspent points; returns how many (0 when it has none, or is frozen already). */
  async freeze(purchase: FrozenPurchase): Promise<number> {
    return this.change(purchase, 'points.frozen');
  }

  /** The hold ends: its unspent points can be spent again; returns how many. */
  async unfreeze(purchase: FrozenPurchase): Promise<number> {
    return this.change(purchase, 'points.unfrozen');
  }

  private async change(purchase: FrozenPurchase, event: 'points.frozen' | 'points.unfrozen'): Promise<number> {
    const interaction = await this.interactions.lockExisting(purchase.clientId, purchase.profileId);
    if (!interaction) return 0;
    const changed = event === 'points.frozen' ? await this.lots.freeze(purchase.transactionId) : await this.lots.unfreeze(purchase.transactionId);
    if (!changed) return 0;
    // What can be spent changed: the balance's version moves, as for any change the platform is told of.
    await this.interactions.applyBalanceChanges(new Map([[interaction.id, { balanceChanges: 1 }]]));
    await this.events.emitInTransaction('balances.changed', {
      changes: [
        {
          type: event,
          clientId: purchase.clientId,
          profileId: purchase.profileId,
          transactionId: purchase.transactionId,
          points: changed.remaining,
          occurredAt: new Date().toISOString(),
        },
      ],
    });
    return changed.remaining;
  }
}
