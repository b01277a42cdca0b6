import { Injectable } from '@nestjs/common';
import { shareOf } from '../common/money';
import { Env } from '../config/env.schema';
import { CapturedPayment } from '../events/event-map';
import { BalanceChange, interactionKey, InteractionsService } from '../interactions/interactions.service';
import { ProfilesError } from '../profiles/profiles.errors';
import { UsersService } from '../users/users.service';
import { TransferKind } from './transfer-kind';
import { LedgerAccount } from './ledger-accounts';
import { LedgerService, Money, TransferRequest } from './ledger.service';
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
  /**
   * The money that moves with the earnings transfer, in its direction: the change of the earner's
   * rounded share of the purchase (SPEC §11). Null for purchases credited before shares existed.
   */
  money: Money | null;
}

export interface MovementResult {
  transactionId: string;
  interactionId: string;
  /** Null when the points went to (or came from) the interaction's hold. */
  moderatorId: string | null;
  /** The client's balance for the profile before this movement (after the earlier ones of the batch). */
  clientBalanceBefore: number;
}

export interface MoveOptions {
  /**
   * `at_commit` (the default): each moderator's balance is written once, summed, as the
   * transaction's last step. `by_caller`: not written; the caller writes it with `settleModerator`
   * once it has written the lots, and learns the new balance.
   */
  moderators?: 'at_commit' | 'by_caller';
}

/**
 * Moves purchases' points on both sides at once: the client's balance for the profile and the
 * earnings of whoever handles the interaction (or its hold). Crediting, reversing and restoring are
 * the same movement in a batch (of one, for a refund or a dispute). Must run inside the caller's
 * transaction; follows the lock order (interactions, lots, then moderators).
 */
@Injectable()
export class PurchaseBalances {
  private readonly shareBps: number;

  constructor(
    private readonly interactions: InteractionsService,
    private readonly ledger: LedgerService,
    private readonly users: UsersService,
    private readonly lots: LotsService,
    env: Env,
  ) {
    this.shareBps = env.MODERATOR_SHARE_BPS;
  }

  /**
   * Credits captured payments: for each, a movement in with the ledger keys `purchase:<id>` and
   * `attribution:<id>` (to the interaction's moderator, or its hold), then its lot. The earnings
   * transfer carries the earner's share of the price (MODERATOR_SHARE_BPS now, kept on the lot for
   * the purchase's later movements). Purchases whose keys were used before are skipped: they were
   * credited already. Returns the purchases credited now.
   */
  async creditAll(payments: readonly CapturedPayment[]): Promise<MovementResult[]> {
    const moderatorShareBps = this.shareBps;
    const moved = await this.moveAll(
      payments.map((payment) => ({
        ...payment,
        direction: 'in' as const,
        client: { key: `purchase:${payment.transactionId}`, kind: TransferKind.Purchase },
        earnings: { key: `attribution:${payment.transactionId}`, kind: TransferKind.Attribution, heldKind: TransferKind.Hold },
        money: { cents: shareOf(payment.amountCents, moderatorShareBps), currency: payment.currency },
      })),
    );
    const byId = new Map(payments.map((payment) => [payment.transactionId, payment]));
    await this.lots.openAll(moved.map((credit) => ({ ...byId.get(credit.transactionId)!, ...credit, moderatorShareBps, balanceBefore: credit.clientBalanceBefore })));
    return moved;
  }

  /**
   * The movements, set-based: a fixed number of statements whatever their number. Locks the
   * interactions in id order (creating missing ones), writes two ledger transfers per movement,
   * then the interactions' balances in one statement. A movement whose client key was used before is
   * skipped, changing nothing: both sides are always written together, so that key alone tells.
   * A movement of no point (a refund too small to take back one) moves only the earner's money: its
   * earnings transfer alone, told by its own key, and nothing when there is no money to move.
   * Returns the movements made now, in the given order.
   */
  async moveAll(movements: readonly PurchaseMovement[], options: MoveOptions = {}): Promise<MovementResult[]> {
    if (movements.length === 0) return [];
    const interactions = await this.interactions.lockOrCreateAll(movements);
    const located = movements.map((movement) => {
      const interaction = interactions.get(interactionKey(movement.clientId, movement.profileId));
      if (!interaction) throw ProfilesError.notFound(movement.profileId);
      return { movement, interaction };
    });
    const earners = await this.currentModerators(located);
    const planned = located.map(({ movement, interaction }) => {
      const moderatorId = movement.moderatorId !== undefined ? movement.moderatorId : earners.has(interaction.moderatorId ?? '') ? interaction.moderatorId : null;
      return { movement, interaction, moderatorId };
    });
    const written = await this.ledger.transferAll(planned.flatMap((plan) => transfersOf(plan.movement, plan.interaction.id, plan.moderatorId)));

    const changes = new Map<string, Required<BalanceChange>>();
    const moved: MovementResult[] = [];
    for (const { movement, interaction, moderatorId } of planned) {
      if (!written.has(movement.points > 0 ? movement.client.key : movement.earnings.key)) continue;
      moved.push({ transactionId: movement.transactionId, interactionId: interaction.id, moderatorId, clientBalanceBefore: interaction.pointsBalance + (changes.get(interaction.id)?.balance ?? 0) });
      if (movement.points === 0) continue;
      const delta = movement.direction === 'in' ? movement.points : -movement.points;
      const change = changes.get(interaction.id) ?? { balance: 0, received: 0, held: 0, balanceChanges: 0 };
      changes.set(interaction.id, {
        balance: change.balance + delta,
        received: change.received + delta,
        held: change.held + (moderatorId ? 0 : delta),
        balanceChanges: change.balanceChanges + 1,
      });
      if (moderatorId && options.moderators !== 'by_caller') this.users.addPointsAtCommit(moderatorId, delta);
    }
    await this.interactions.applyBalanceChanges(changes);
    return moved;
  }

  /**
   * Of the interactions' moderators, those who are moderators now (read, not locked: a role that
   * changes while this transaction runs applies from the next one). Points moved in for a
   * interaction whose moderator no longer is one are held, as for an interaction handled by nobody.
   */
  private currentModerators(located: ReadonlyArray<{ movement: PurchaseMovement; interaction: { moderatorId: string | null } }>): Promise<Set<string>> {
    const handlers = located
      .filter(({ movement, interaction }) => movement.moderatorId === undefined && interaction.moderatorId !== null)
      .map(({ interaction }) => interaction.moderatorId!);
    return this.users.currentModerators([...new Set(handlers)]);
  }

  /** Writes a moderator's balance now (after the lots, last in the lock order) and returns the new one. */
  async settleModerator(moderatorId: string, delta: number): Promise<number> {
    const balance = (await this.users.addPoints(new Map([[moderatorId, delta]]))).get(moderatorId);
    if (balance === undefined) throw new Error(`moderator ${moderatorId} does not exist`);
    return balance;
  }
}

/** The movement's two transfers: the client's side, then the earner's (the moderator, or the hold); the earner's alone for money without points. */
function transfersOf(movement: PurchaseMovement, interactionId: string, moderatorId: string | null): TransferRequest[] {
  if (movement.points === 0 && !movement.money?.cents) return [];
  const inward = movement.direction === 'in';
  const clientAccount = LedgerAccount.client(interactionId);
  const earner = moderatorId ? LedgerAccount.moderator(moderatorId) : LedgerAccount.held(interactionId);
  const refs = { transactionId: movement.transactionId, interactionId, points: movement.points };
  const transfers: TransferRequest[] = [
    {
      key: movement.client.key,
      kind: movement.client.kind,
      debit: inward ? LedgerAccount.stripeSales : clientAccount,
      credit: inward ? clientAccount : LedgerAccount.stripeSales,
      ...refs,
    },
    {
      key: movement.earnings.key,
      kind: moderatorId ? movement.earnings.kind : (movement.earnings.heldKind ?? movement.earnings.kind),
      debit: inward ? LedgerAccount.platformEarnings : earner,
      credit: inward ? earner : LedgerAccount.platformEarnings,
      ...refs,
      money: movement.money,
    },
  ];
  return movement.points > 0 ? transfers : transfers.slice(1);
}
