import { Injectable, Logger } from '@nestjs/common';
import { EventBus } from '../events/event-bus';
import { CapturedPayment, PurchaseRef, ReversalReason } from '../events/event-map';
import { EarningsMoney } from './earnings-money';
import { LotsService } from './lots/lots.service';
import { PurchaseBalances } from './purchase-balances';
import { TransferKind } from './transfer-kind';

/** A purchase credited now: to whom (null: held for the interaction's next moderator), in which interaction. */
export interface Credit {
  transactionId: string;
  interactionId: string;
  moderatorId: string | null;
}

/** Money given back (refund) or taken back by the bank (dispute): take the points back. */
export interface PurchaseReversal extends PurchaseRef {
  /** Who earned the purchase; null while its points are held for the next moderator. */
  moderatorId: string | null;
  /** The points to take back; 0 when a refund only lowers the money (see `decide`). */
  points: number;
  reason: ReversalReason;
  /** Unique per reversal: the ledger refuses a second one with the same key. */
  reversalKey: string;
  /**
   * What the client has paid for the purchase once this reversal applies: paid, less every refund,
   * and 0 while a dispute holds it. The earner's money follows it (SPEC §11).
   */
  netPaidCents: number;
  occurredAt: string;
}

/** A dispute was won: give back what it reversed. */
export interface PurchaseRestore extends PurchaseRef {
  moderatorId: string | null;
  /** The points to give back; 0 when the dispute took only money. */
  points: number;
  restoreKey: string;
  /** The key of the reversal this restore undoes. */
  reversalKey: string;
  /** What the client has paid for the purchase once the dispute is won: paid less refunds. */
  netPaidCents: number;
  occurredAt: string;
}

/**
 * What the points module does for a purchase, called by payments inside its own transaction, which
 * holds the purchases locked (first in the lock order: purchases, interactions, lots, moderators).
 * Each call answers who earns the purchase, so that payments records it on the purchase itself.
 * The ledger keys (`purchase:<id>`, `attribution:<id>`, a reversal's or restore's own key) make each
 * movement happen once, whichever path asks twice.
 */
@Injectable()
export class PurchasePoints {
  private readonly logger = new Logger(PurchasePoints.name);

  constructor(
    private readonly balances: PurchaseBalances,
    private readonly lots: LotsService,
    private readonly money: EarningsMoney,
    private readonly events: EventBus,
  ) {}

  /**
   * Credits captured payments, all of them in a fixed number of statements: the client's balance for
   * the profile, the moderator who handles the interaction (or a hold for the next one), and each
   * purchase's lot. Returns the purchases credited now (those credited before are skipped).
   */
  async credit(payments: readonly CapturedPayment[]): Promise<Credit[]> {
    const credits = await this.balances.creditAll(payments);
    if (credits.length === 0) return [];

    const byId = new Map(payments.map((payment) => [payment.transactionId, payment]));
    await this.events.emitInTransaction('balances.changed', {
      changes: credits.map(({ transactionId, moderatorId }) => {
        const payment = byId.get(transactionId)!;
        return {
          type: 'purchase.completed' as const,
          clientId: payment.clientId,
          profileId: payment.profileId,
          occurredAt: payment.capturedAt,
          transactionId,
          moderatorId,
          points: payment.points,
          amountCents: payment.amountCents,
          currency: payment.currency,
        };
      }),
    });
    for (const credit of credits) {
      if (!credit.moderatorId) continue;
      const payment = byId.get(credit.transactionId)!;
      await this.events.publishAfterCommit('points.purchased', {
        transactionId: payment.transactionId,
        clientId: payment.clientId,
        profileId: payment.profileId,
        moderatorId: credit.moderatorId,
        points: payment.points,
        amountCents: payment.amountCents,
        currency: payment.currency,
        creditedAt: payment.capturedAt,
      });
    }
    return credits.map(({ transactionId, interactionId, moderatorId }) => ({ transactionId, interactionId, moderatorId }));
  }

  /**
   * Takes back the points of a refunded or disputed purchase from the client's balance for the
   * profile and from whoever earned them, with the earner's money. The points come out of the
   * purchase's own lot first, then the client's other unspent points for the profile; what was
   * already spent leaves the balance negative, visible, and is said in the alert.
   */
  async reverse(reversal: PurchaseReversal): Promise<void> {
    const [moved] = await this.balances.moveAll(
      [
        {
          ...reversal,
          direction: 'out',
          client: { key: `${reversal.reversalKey}:client`, kind: TransferKind.Reversal },
          earnings: { key: `${reversal.reversalKey}:earnings`, kind: TransferKind.Reversal },
          money: await this.money.change(reversal.transactionId, reversal.netPaidCents, 'out'),
        },
      ],
      { moderators: 'by_caller' },
    );
    // No point taken back (a refund of a few cents): the earner's money moved, nothing else did.
    if (!moved || reversal.points === 0) return;
    const lots = await this.lots.takeBack({
      transactionId: reversal.transactionId,
      interactionId: moved.interactionId,
      points: reversal.points,
      key: reversal.reversalKey,
    });
    if (lots.unrecovered > 0) {
      this.logger.warn(
        `${reversal.reason} of transaction ${reversal.transactionId}: ${lots.unrecovered} of ${reversal.points} points were already spent; ` +
          `the client's balance for profile ${reversal.profileId} is now negative`,
      );
    }
    await this.events.emitInTransaction('balances.changed', {
      changes: [
        {
          type: 'purchase.reversed',
          clientId: reversal.clientId,
          profileId: reversal.profileId,
          occurredAt: reversal.occurredAt,
          transactionId: reversal.transactionId,
          points: reversal.points,
          reason: reversal.reason,
        },
      ],
    });
    if (!moved.moderatorId) return;
    // After the lots, last in the lock order; the alert tells the moderator their new balance.
    const moderatorBalance = await this.balances.settleModerator(moved.moderatorId, -reversal.points);
    await this.events.publishAfterCommit('points.reversed', {
      transactionId: reversal.transactionId,
      clientId: reversal.clientId,
      profileId: reversal.profileId,
      moderatorId: moved.moderatorId,
      points: reversal.points,
      reason: reversal.reason,
      moderatorBalance,
      alreadySpent: lots.alreadySpent,
      unrecovered: lots.unrecovered,
      reversedAt: reversal.occurredAt,
    });
  }

  /**
   * Gives back what a dispute reversed once the dispute is won, to the lots it was taken from, and
   * to whoever earned the purchase. A purchase whose points were held goes to the interaction's
   * moderator if one was assigned meanwhile (the assignment found nothing to release while the
   * dispute held the points), and is attributed to that moderator from now on. Returns the
   * moderator who earns the purchase now when that is a new one (payments records it), else null.
   */
  async restore(restore: PurchaseRestore): Promise<{ newModeratorId: string | null }> {
    const [moved] = await this.balances.moveAll([
      {
        ...restore,
        // Undefined: the interaction's moderator now, or its hold if it still has none. Money
        // without points goes back where it came from: the purchase's moderator, or the hold.
        moderatorId: restore.points === 0 ? restore.moderatorId : (restore.moderatorId ?? undefined),
        direction: 'in',
        client: { key: `${restore.restoreKey}:client`, kind: TransferKind.Restore },
        earnings: { key: `${restore.restoreKey}:earnings`, kind: TransferKind.Restore },
        money: await this.money.change(restore.transactionId, restore.netPaidCents, 'in'),
      },
    ]);
    if (!moved || restore.points === 0) return { newModeratorId: null };
    await this.lots.giveBack(
      { transactionId: restore.transactionId, interactionId: moved.interactionId, points: restore.points, key: restore.restoreKey, reversalKey: restore.reversalKey },
      moved.clientBalanceBefore,
    );
    await this.events.emitInTransaction('balances.changed', {
      changes: [
        {
          type: 'purchase.restored',
          clientId: restore.clientId,
          profileId: restore.profileId,
          occurredAt: restore.occurredAt,
          transactionId: restore.transactionId,
          points: restore.points,
        },
      ],
    });
    if (!moved.moderatorId) return { newModeratorId: null };
    const newlyAttributed = restore.moderatorId === null;
    if (newlyAttributed) await this.lots.attribute([restore.transactionId], moved.moderatorId);
    await this.events.publishAfterCommit('points.restored', {
      transactionId: restore.transactionId,
      clientId: restore.clientId,
      profileId: restore.profileId,
      moderatorId: moved.moderatorId,
      points: restore.points,
      restoredAt: restore.occurredAt,
    });
    return { newModeratorId: newlyAttributed ? moved.moderatorId : null };
  }
}
