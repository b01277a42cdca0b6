import { Injectable, StreamableFile } from '@nestjs/common';
import { TransactionRunner } from '../../database/transaction';
import { LedgerReportsQueries } from '../../points/ledger-reports.queries';
import { ProfilesService } from '../../profiles/profiles.service';
import { UsersService } from '../../users/users.service';
import { PayoutRunsRepository } from '../payout-runs.repository';
import { PayoutsError } from '../payouts.errors';
import { buildStatement, monthBounds, Statement, StatementLanguage } from './statement';
import { statementCsv } from './statement-csv';
import { statementPdf } from './statement-pdf';

export type StatementFormat = 'json' | 'csv' | 'pdf';

/**
 * Moderators' monthly statements (SPEC §11): one model (buildStatement) from the ledger's movements
 * of the moderator's account and the payouts paid, rendered as JSON, CSV or PDF, in English or
 * French.
 */
@Injectable()
export class StatementsService {
  constructor(
    private readonly ledger: LedgerReportsQueries,
    private readonly payouts: PayoutRunsRepository,
    private readonly users: UsersService,
    private readonly profiles: ProfilesService,
    private readonly transactions: TransactionRunner,
  ) {}

  async statement(moderatorId: string, month: string, language: StatementLanguage): Promise<Statement> {
    const { from, to } = monthBounds(month);
    const generatedAt = new Date();
    if (from.getTime() > generatedAt.getTime()) throw PayoutsError.monthInFuture(month);
    // A statement is a report: read on the replica (payout runs read the money on the primary).
    return this.transactions.onReplica(() => this.read(moderatorId, month, language, { from, to, generatedAt }));
  }

  private async read(
    moderatorId: string,
    month: string,
    language: StatementLanguage,
    { from, to, generatedAt }: { from: Date; to: Date; generatedAt: Date },
  ): Promise<Statement> {
    const moderator = await this.users.findById(moderatorId);
    if (!moderator) throw PayoutsError.moderatorNotFound(moderatorId);
    const [openingLedger, paidBefore, movements, payouts] = await Promise.all([
      this.ledger.accountTotalsBefore(moderatorId, from),
      this.payouts.paidBefore(moderatorId, from),
      this.ledger.accountMovements(moderatorId, from, to),
      this.payouts.paidBetween(moderatorId, from, to),
    ]);
    const profileNames = await this.profiles.namesOf([...new Set(movements.flatMap((movement) => (movement.profileId ? [movement.profileId] : [])))]);
    return buildStatement({
      moderator: { id: moderator.id, name: moderator.name ?? `#${moderator.id}` },
      month,
      from,
      to,
      generatedAt,
      language,
      openingLedger,
      paidBefore,
      movements,
      payouts,
      profileNames,
    });
  }

  /** The statement in the asked format: the model itself for JSON, a file for CSV and PDF. */
  async render(moderatorId: string, month: string, language: StatementLanguage, format: StatementFormat): Promise<Statement | StreamableFile> {
    const statement = await this.statement(moderatorId, month, language);
    const filename = `statement-${moderatorId}-${month}-${language}`;
    if (format === 'csv') {
      return new StreamableFile(Buffer.from(statementCsv(statement), 'utf8'), { type: 'text/csv; charset=utf-8', disposition: `attachment; filename="${filename}.csv"` });
    }
    if (format === 'pdf') {
      return new StreamableFile(await statementPdf(statement), { type: 'application/pdf', disposition: `attachment; filename="${filename}.pdf"` });
    }
    return statement;
  }
}
