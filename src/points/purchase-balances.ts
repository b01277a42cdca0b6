import { Injectable } from '@nestjs/common';
import { InteractionsService } from '../interactions/interactions.service';
import { UsersService } from '../users/users.service';
import { TransferKind } from './entities/ledger-transfer.entity';
import { LedgerAccount } from './ledger-accounts';
import { LedgerService } from './ledger.service';

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
  ) {}

  async move(movement: PurchaseMovement): Promise<MovementResult | null> {
    const interaction = await this.interactions.lockOrCreate(movement.clientId, movement.profileId);
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
    await this.interactions.applyBalanceChange(interaction.id, { balance: delta, received: delta, held: moderatorId ? 0 : delta });
    const moved = { interactionId: interaction.id, moderatorId, moderatorBalance: null, clientBalanceBefore: interaction.pointsBalance };
    if (!moderatorId) return moved;
    if (!movement.needsModeratorBalance) {
      this.users.addPointsAtCommit(moderatorId, delta);
      return moved;
    }
    return { ...moved, moderatorBalance: await this.users.addPoints(moderatorId, delta) };
  }
}
