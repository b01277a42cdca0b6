import { Injectable } from '@nestjs/common';
import { EventBus, OnTransactionEvent } from '../../events/event-bus';
import { InteractionModeratorAssignedEvent } from '../../events/event-map';
import { InteractionsService } from '../../interactions/interactions.service';
import { UsersService } from '../../users/users.service';
import { TransferKind } from '../transfer-kind';
import { LedgerAccount } from '../ledger-accounts';
import { LedgerTransfersRepository } from '../ledger-transfers.repository';
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
    private readonly transfers: LedgerTransfersRepository,
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
    const purchases = await this.transfers.heldPurchases(held);
    if (purchases.length === 0) return;
    // Those purchases come before this (locked) conversation in the lock order: never wait for them.
    await this.events.emitInTransaction('points.releasing', { transactionIds: purchases.map((purchase) => purchase.transactionId) });

    const moderator = LedgerAccount.moderator(assignment.moderatorId);
    const written = await this.ledger.transferAll(
      purchases.map((purchase) => ({
        key: `release:${purchase.transactionId}`,
        kind: TransferKind.Release,
        debit: held,
        credit: moderator,
        points: purchase.points,
        transactionId: purchase.transactionId,
        interactionId: assignment.interactionId,
      })),
    );
    const credits = purchases
      .filter((purchase) => written.has(`release:${purchase.transactionId}`))
      .map((purchase) => ({
        transactionId: purchase.transactionId,
        interactionId: assignment.interactionId,
        moderatorId: assignment.moderatorId!,
        points: purchase.points,
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
