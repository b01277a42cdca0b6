import { Injectable } from '@nestjs/common';
import { FindOptionsWhere, LessThan } from 'typeorm';
import { AuthUser } from '../auth/auth-user';
import { Page, PageQuery } from '../common/pagination';
import { TransactionRunner } from '../database/transaction';
import { ProfilesService } from '../profiles/profiles.service';
import { LotsService, LotSummary } from '../points/lots/lots.service';
import { Role } from '../users/user-role';
import { TransactionDto } from './dto/transaction.dto';
import { PointTransaction } from './entities/point-transaction.entity';
import { TransactionStatus } from './purchase-status';
import { PaymentsError } from './payments.errors';
import { ReconciliationService } from './reconciliation/reconciliation.service';

@Injectable()
export class TransactionsService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly profiles: ProfilesService,
    private readonly reconciliation: ReconciliationService,
    private readonly lots: LotsService,
  ) {}

  /**
   * The caller's purchase for a session. Its query string is only a lookup key: while the purchase
   * is pending, Stripe itself is asked (the webhook may be late) and only what Stripe says is applied.
   */
  async bySessionForClient(client: AuthUser, sessionId: string): Promise<TransactionDto> {
    const repository = this.transactions.repository(PointTransaction);
    const purchase = await repository.findOneBy({ stripeSessionId: sessionId, clientId: client.id });
    if (!purchase) throw PaymentsError.transactionNotFound();
    if (purchase.status === TransactionStatus.Pending) {
      // Stripe unreachable: the stored status is still a true answer, and the job will retry.
      await this.reconciliation.reconcileOnce(purchase).catch(() => undefined);
    }
    const [dto] = await this.withLots([await repository.findOneByOrFail({ id: purchase.id })]);
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

  private async list(filter: FindOptionsWhere<PointTransaction>, page: PageQuery): Promise<Page<TransactionDto>> {
    const rows = await this.transactions.repository(PointTransaction).find({
      where: page.cursor ? { ...filter, id: LessThan(page.cursor) } : filter,
      order: { id: 'DESC' },
      take: page.limit + 1,
    });
    return Page.of(await this.withLots(rows), page.limit);
  }

  private async withLots(rows: PointTransaction[]): Promise<TransactionDto[]> {
    const lots = await this.lots.summaries(rows.map((row) => row.id));
    return rows.map((row) => toDto(row, lots.get(row.id)));
  }
}

export function toDto(row: PointTransaction, lot: LotSummary | undefined): TransactionDto {
  return {
    id: row.id,
    status: row.status,
    clientId: row.clientId,
    profileId: row.profileId,
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
