import { Injectable } from '@nestjs/common';
import { AuthUser } from '../auth/auth-user';
import { Page, PageQuery } from '../common/pagination';
import { TransactionRunner } from '../database/transaction';
import { ProfilesService } from '../profiles/profiles.service';
import { LotsService, LotSummary } from '../points/lots/lots.service';
import { Role } from '../users/user-role';
import { UsersService } from '../users/users.service';
import { TransactionDto } from './dto/transaction.dto';
import { Purchase } from './entities/purchase.entity';
import { PurchaseStatus } from './purchase-status';
import { PaymentsError } from './payments.errors';
import { HistoryFilter, PurchasesRepository } from './purchases.repository';
import { ReconciliationService } from './reconciliation/reconciliation.service';

@Injectable()
export class PurchasesService {
  constructor(
    private readonly purchases: PurchasesRepository,
    private readonly profiles: ProfilesService,
    private readonly reconciliation: ReconciliationService,
    private readonly lots: LotsService,
    private readonly transactions: TransactionRunner,
    private readonly users: UsersService,
  ) {}

  /**
   * The caller's purchase for a session. Its query string is only a lookup key: while the purchase
   * is pending, Stripe itself is asked (the webhook may be late) and only what Stripe says is applied.
   */
  async bySessionForClient(client: AuthUser, sessionId: string): Promise<TransactionDto> {
    const purchase = await this.purchases.findBySessionForClient(sessionId, client.id);
    if (!purchase) throw PaymentsError.transactionNotFound();
    if (purchase.status === PurchaseStatus.Pending) {
      // Stripe unreachable: the stored status is still a true answer, and the job will retry.
      await this.reconciliation.reconcileOnce(purchase).catch(() => undefined);
    }
    // Read after reconciliation's transaction committed: its staged writes are in the row.
    const [dto] = await this.withLots([await this.purchases.get(purchase.id)]);
    return dto;
  }

  listForClient(client: AuthUser, page: PageQuery): Promise<Page<TransactionDto>> {
    return this.list({ clientId: client.id }, page);
  }

  /** The profile's moderator and admins see every row; a client sees only its own; anyone else is refused. */
  async listForProfile(caller: AuthUser, profileId: string, page: PageQuery): Promise<Page<TransactionDto>> {
    const profile = await this.profiles.get(profileId);
    if (caller.role === Role.Client) return this.list({ profileId: profile.id, clientId: caller.id }, page);
    if (caller.role === Role.Admin || profile.moderatorId === caller.id) return this.list({ profileId: profile.id }, page);
    throw PaymentsError.notProfileModerator(profile.id);
  }

  /** A history: read on the replica, which may not show a purchase credited a moment ago (the success page does). */
  private list(filter: HistoryFilter, page: PageQuery): Promise<Page<TransactionDto>> {
    return this.transactions.onReplica(async () => {
      const rows = await this.purchases.page(filter, page.cursor, page.limit + 1);
      return Page.of(await this.withLots(rows), page.limit);
    });
  }

  /**
   * Purchases as their history shows them, with what became of their points and the names a reader
   * knows them by (one query each for all their lots, profiles and clients).
   */
  async withLots(rows: readonly Purchase[]): Promise<TransactionDto[]> {
    const unique = (ids: string[]) => [...new Set(ids)];
    const [lots, profileNames, clientNames] = await Promise.all([
      this.lots.summaries(rows.map((row) => row.id)),
      this.profiles.namesOf(unique(rows.map((row) => row.profileId))),
      this.users.namesOf(unique(rows.map((row) => row.clientId))),
    ]);
    return rows.map((row) => toDto(row, lots.get(row.id), { profile: profileNames.get(row.profileId) ?? '', client: clientNames.get(row.clientId) ?? null }));
  }
}

function toDto(row: Purchase, lot: LotSummary | undefined, names: { profile: string; client: string | null }): TransactionDto {
  return {
    id: row.id,
    status: row.status,
    clientId: row.clientId,
    clientName: names.client,
    profileId: row.profileId,
    profileName: names.profile,
    moderatorId: row.moderatorId,
    pack: row.packCode,
    points: row.pointsAmount,
    amountCents: row.amountCents,
    currency: row.currency,
    refundedPoints: row.refundedPoints,
    failureReason: row.failureReason,
    lot: lot ? { remaining: lot.remaining, spent: lot.spent, taken: lot.taken } : null,
    creditedAt: row.creditedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
