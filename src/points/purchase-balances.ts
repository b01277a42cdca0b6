import { Injectable } from '@nestjs/common';
import { PaymentCapturedEvent } from '../events/event-map';
import { BalanceChange, conversationKey, InteractionsService } from '../interactions/interactions.service';
import { ProfilesError } from '../profiles/profiles.errors';
import { UsersService } from '../users/users.service';
import { TransferKind } from './transfer-kind';
import { LedgerAccount } from './ledger-accounts';
import { LedgerService, TransferRequest } from './ledger.service';
import { LotsService } from './lots/lots.service';

export interface PurchaseMovement {
  transactionId: string;
  clientId: string;
  profileId: string;
  points: number;
  /** `in` gives points to the client and the earner, `out` takes them back. */
  direction: 'in' | 'out';
  /** Who earns: a moderator id, null for the interaction's hold, undefined for the interaction's moderator. */
  moderatorId?: string | null;
  client: { key: string; kind: TransferKind };
  earnings: { key: string; kind: TransferKind; heldKind?: TransferKind };
  /** The moderator's new balance is needed now; otherwise it is written just before commit. */
  needsModeratorBalance?: boolean;
}

export interface CreditResult {
  transactionId: string;
  interactionId: string;
  /** Null when the points are held for the conversation's next moderator. */
  moderatorId: string | null;
}

export interface MovementResult {
  interactionId: string;
  moderatorId: string | null;
  /** The moderator's balance after the movement, when asked for with needsModeratorBalance. */
  moderatorBalance: number | null;
  /** The client's balance for the profile before the movement. */
  clientBalanceBefore: number;
}

/**
 * Moves a purchase's points on both sides at once: the client's balance for the profile and the
 * earnings of whoever handles the conversation. Two ledger transfers with unique keys, and the
 * cached balances updated with them; returns null, changing nothing, when the keys were used before.
 * Must run inside the caller's transaction. Locks the interaction, then the moderator.
 */
@Injectable()
export class PurchaseBalances {
  constructor(
    private readonly interactions: InteractionsService,
    private readonly ledger: LedgerService,
    private readonly users: UsersService,
    private readonly lots: LotsService,
  ) {}

  /**
   * Credits captured payments, set-based: a fixed number of statements whatever their number. For
   * each purchase, the client's balance for the profile and the earnings of whoever handles the
   * conversation (or its hold), with the ledger keys `purchase:<id>` and `attribution:<id>`; then
   * its lot. Purchases whose keys were used before are skipped: they were credited already. Returns
   * the purchases credited now. Locks the conversations in id order; the moderators' balances are
   * written just before commit, in id order, once per moderator.
   */
  async creditAll(payments: readonly PaymentCapturedEvent[]): Promise<CreditResult[]> {
    if (payments.length === 0) return [];
    const conversations = await this.interactions.lockOrCreateAll(payments);
    const conversationOf = (payment: PaymentCapturedEvent) => conversations.get(conversationKey(payment.clientId, payment.profileId))!;

    const transfers = payments.flatMap((payment): TransferRequest[] => {
      const conversation = conversationOf(payment);
      const refs = { transactionId: payment.transactionId, interactionId: conversation.id, points: payment.points };
      return [
        { key: `purchase:${payment.transactionId}`, kind: TransferKind.Purchase, debit: LedgerAccount.stripeSales, credit: LedgerAccount.client(conversation.id), ...refs },
        {
          key: `attribution:${payment.transactionId}`,
          kind: conversation.moderatorId ? TransferKind.Attribution : TransferKind.Hold,
          debit: LedgerAccount.platformEarnings,
          credit: conversation.moderatorId ? LedgerAccount.moderator(conversation.moderatorId) : LedgerAccount.held(conversation.id),
          ...refs,
        },
      ];
    });
    const written = await this.ledger.transferAll(transfers);
    const credited = payments.filter((payment) => written.has(`purchase:${payment.transactionId}`));

    const changes = new Map<string, Required<BalanceChange>>();
    const lots = credited.map((payment) => {
      const conversation = conversationOf(payment);
      const change = changes.get(conversation.id) ?? { balance: 0, received: 0, held: 0 };
      const balanceBefore = conversation.pointsBalance + change.balance;
      changes.set(conversation.id, {
        balance: change.balance + payment.points,
        received: change.received + payment.points,
        held: change.held + (conversation.moderatorId ? 0 : payment.points),
      });
      if (conversation.moderatorId) this.users.addPointsAtCommit(conversation.moderatorId, payment.points);
      return { ...payment, interactionId: conversation.id, moderatorId: conversation.moderatorId, balanceBefore };
    });
    await this.interactions.applyBalanceChanges(changes);
    await this.lots.openAll(lots);
    return lots.map((lot) => ({ transactionId: lot.transactionId, interactionId: lot.interactionId, moderatorId: lot.moderatorId }));
  }

  async move(movement: PurchaseMovement): Promise<MovementResult | null> {
    const conversations = await this.interactions.lockOrCreateAll([movement]);
    const interaction = conversations.get(conversationKey(movement.clientId, movement.profileId));
    if (!interaction) throw ProfilesError.notFound(movement.profileId);
    const moderatorId = movement.moderatorId === undefined ? interaction.moderatorId : movement.moderatorId;
    const refs = { transactionId: movement.transactionId, interactionId: interaction.id };
    const inward = movement.direction === 'in';
    const clientAccount = LedgerAccount.client(interaction.id);
    const earner = moderatorId ? LedgerAccount.moderator(moderatorId) : LedgerAccount.held(interaction.id);

    // Both sides in one statement. They are always written together, so the client side's key
    // alone tells whether this movement happened before.
    const written = await this.ledger.transferAll([
      {
        key: movement.client.key,
        kind: movement.client.kind,
        debit: inward ? LedgerAccount.stripeSales : clientAccount,
        credit: inward ? clientAccount : LedgerAccount.stripeSales,
        points: movement.points,
        ...refs,
      },
      {
        key: movement.earnings.key,
        kind: moderatorId ? movement.earnings.kind : (movement.earnings.heldKind ?? movement.earnings.kind),
        debit: inward ? LedgerAccount.platformEarnings : earner,
        credit: inward ? earner : LedgerAccount.platformEarnings,
        points: movement.points,
        ...refs,
      },
    ]);
    if (!written.has(movement.client.key)) return null;

    const delta = inward ? movement.points : -movement.points;
    await this.interactions.applyBalanceChanges(new Map([[interaction.id, { balance: delta, received: delta, held: moderatorId ? 0 : delta }]]));
    const moved = { interactionId: interaction.id, moderatorId, moderatorBalance: null, clientBalanceBefore: interaction.pointsBalance };
    if (!moderatorId) return moved;
    if (!movement.needsModeratorBalance) {
      this.users.addPointsAtCommit(moderatorId, delta);
      return moved;
    }
    const balances = await this.users.addPoints(new Map([[moderatorId, delta]]));
    const moderatorBalance = balances.get(moderatorId);
    if (moderatorBalance === undefined) throw new Error(`moderator ${moderatorId} of interaction ${interaction.id} does not exist`);
    return { ...moved, moderatorBalance };
  }
}
