import { Inject, Injectable } from '@nestjs/common';
import { EventBus, OnTransactionEvent } from '../../events/event-bus';
import { InteractionsModeratorAssignedEvent } from '../../events/event-map';
import { BalanceChange, InteractionsService } from '../../interactions/interactions.service';
import { UsersService } from '../../users/users.service';
import { TransferKind } from '../transfer-kind';
import { LedgerAccount } from '../ledger-accounts';
import { LedgerTransfersRepository } from '../ledger-transfers.repository';
import { LedgerService } from '../ledger.service';
import { LotsService } from '../lots/lots.service';
import { PURCHASES_PORT, PurchasesPort } from '../purchases.port';

/**
 * Gives the points held for the interactions now handled by a moderator to that moderator: one
 * `release:<purchase>` transfer per purchase still held (net of its reversals), so each is
 * attributed in full and once, and later refunds of that purchase are taken back from this
 * moderator. The purchases' lots name the moderator from now on, and the moderator gets a
 * `points.purchased` alert per purchase (its points: what is released). All the interactions of one
 * assignment (a profile's unhandled ones, or one) are released together, set-based. Runs with the
 * interactions locked: the purchases are locked after them, without waiting, and told their
 * moderator, through the purchases' owner (`PurchasesPort`).
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
    @Inject(PURCHASES_PORT) private readonly purchasesOwner: PurchasesPort,
  ) {}

  @OnTransactionEvent('interactions.moderator_assigned')
  async handle({ moderatorId, interactions }: InteractionsModeratorAssignedEvent): Promise<void> {
    if (!moderatorId || interactions.length === 0) return;
    const interactionOf = new Map(interactions.map(({ interactionId }) => [LedgerAccount.held(interactionId), interactionId]));
    const purchases = await this.transfers.heldPurchases([...interactionOf.keys()]);
    if (purchases.length === 0) return;
    // Those purchases come before these (locked) interactions in the lock order: never wait for them.
    await this.purchasesOwner.lockForRelease(purchases.map((purchase) => purchase.transactionId));

    const moderator = LedgerAccount.moderator(moderatorId);
    const released = purchases.map((purchase) => ({ ...purchase, interactionId: interactionOf.get(purchase.account)! }));
    const written = await this.ledger.transferAll(
      released.map((purchase) => ({
        key: `release:${purchase.transactionId}`,
        kind: TransferKind.Release,
        debit: purchase.account,
        credit: moderator,
        points: purchase.points,
        transactionId: purchase.transactionId,
        interactionId: purchase.interactionId,
        // The share held with the points goes with them.
        money: purchase.money,
      })),
    );
    const credits = released
      .filter((purchase) => written.has(`release:${purchase.transactionId}`))
      .map(({ transactionId, interactionId, points }) => ({ transactionId, interactionId, moderatorId, points }));
    if (credits.length === 0) return;
    await this.purchasesOwner.recordModerator(
      credits.map((credit) => credit.transactionId),
      moderatorId,
    );
    await this.lots.attribute(
      credits.map((credit) => credit.transactionId),
      moderatorId,
    );
    const held = new Map<string, BalanceChange>();
    for (const credit of credits) held.set(credit.interactionId, { held: (held.get(credit.interactionId)?.held ?? 0) - credit.points });
    await this.interactions.applyBalanceChanges(held);
    await this.users.addPoints(new Map([[moderatorId, credits.reduce((sum, credit) => sum + credit.points, 0)]]));

    // The moderator learns of each purchase they now earn, as of a purchase credited to them directly.
    const assigned = new Map(interactions.map((interaction) => [interaction.interactionId, interaction]));
    const prices = await this.lots.pricesOf(credits.map((credit) => credit.transactionId));
    for (const credit of credits) {
      const { clientId, profileId } = assigned.get(credit.interactionId)!;
      const price = prices.get(credit.transactionId)!;
      await this.events.publishAfterCommit('points.purchased', {
        transactionId: credit.transactionId,
        clientId,
        profileId,
        moderatorId,
        points: credit.points,
        amountCents: price.amountCents,
        currency: price.currency,
        creditedAt: price.creditedAt.toISOString(),
      });
    }
  }
}
