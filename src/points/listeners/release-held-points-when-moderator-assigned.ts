import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../database/transaction';
import { EventBus, OnTransactionEvent } from '../../events/event-bus';
import { InteractionModeratorAssignedEvent } from '../../events/event-map';
import { InteractionsService } from '../../interactions/interactions.service';
import { UsersService } from '../../users/users.service';
import { TransferKind } from '../transfer-kind';
import { LedgerAccount } from '../ledger-accounts';
import { LedgerService } from '../ledger.service';
import { LotsService } from '../lots/lots.service';

/**
 * Gives the points held for a conversation to the moderator now handling it: one `release:<purchase>`
 * transfer per purchase still held (net of its reversals), so each is attributed in full and once,
 * and later refunds of that purchase are taken back from this moderator. The purchases' lots name
 * the moderator from now on. Runs with the conversation locked: the purchases are locked after it,
 * without waiting (`points.releasing`).
 */
@Injectable()
export class ReleaseHeldPointsWhenModeratorAssigned {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly interactions: InteractionsService,
    private readonly users: UsersService,
    private readonly lots: LotsService,
    private readonly events: EventBus,
  ) {}

  @OnTransactionEvent('interaction.moderator_assigned')
  async handle(assignment: InteractionModeratorAssignedEvent): Promise<void> {
    if (!assignment.moderatorId) return;
    const held = LedgerAccount.held(assignment.interactionId);
    const purchases = await this.transactions.manager.query<Array<{ transaction_id: string; points: string }>>(
      `SELECT transaction_id, sum(CASE WHEN credit_account = $1 THEN points ELSE -points END) AS points
         FROM ledger_transfers
        WHERE (credit_account = $1 OR debit_account = $1) AND transaction_id IS NOT NULL
        GROUP BY transaction_id
       HAVING sum(CASE WHEN credit_account = $1 THEN points ELSE -points END) > 0
        ORDER BY transaction_id`,
      [held],
    );

    if (purchases.length === 0) return;
    // Those purchases come before this (locked) conversation in the lock order: never wait for them.
    await this.events.emitInTransaction('points.releasing', { transactionIds: purchases.map((purchase) => purchase.transaction_id) });

    const moderator = LedgerAccount.moderator(assignment.moderatorId);
    const written = await this.ledger.transferAll(
      purchases.map((purchase) => ({
        key: `release:${purchase.transaction_id}`,
        kind: TransferKind.Release,
        debit: held,
        credit: moderator,
        points: Number(purchase.points),
        transactionId: purchase.transaction_id,
        interactionId: assignment.interactionId,
      })),
    );
    const credits = purchases
      .filter((purchase) => written.has(`release:${purchase.transaction_id}`))
      .map((purchase) => ({
        transactionId: purchase.transaction_id,
        interactionId: assignment.interactionId,
        moderatorId: assignment.moderatorId!,
        points: Number(purchase.points),
      }));
    if (credits.length === 0) return;
    const released = credits.reduce((sum, credit) => sum + credit.points, 0);
    await this.events.emitInTransaction('points.credited', { credits });
    await this.lots.attribute(
      credits.map((credit) => credit.transactionId),
      assignment.moderatorId,
    );
    await this.interactions.applyBalanceChanges(new Map([[assignment.interactionId, { held: -released }]]));
    await this.users.addPoints(new Map([[assignment.moderatorId, released]]));
  }
}
