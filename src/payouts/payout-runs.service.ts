import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import { decimalAmount } from '../common/money';
import { Page, PageQuery } from '../common/pagination';
import { Env } from '../config/env.schema';
import { TransactionRunner } from '../database/transaction';
import { PayoutDto, PayoutRunDto } from './dto/payouts.dto';
import { ModeratorMoney } from './moderator-money.service';
import { PayoutDetailsRepository } from './payout-details.repository';
import { NewPayout, Payout, PayoutRun, PayoutRunsRepository, SkippedPayout } from './payout-runs.repository';
import { PayoutsError } from './payouts.errors';
import { sepaCreditTransferXml } from './sepa';

const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/** A run's file, ready to send. */
export interface PayoutFile {
  contentType: string;
  filename: string;
  body: string;
}

/**
 * Payout runs (SPEC §11): each pays every moderator, per currency, the money that matured by its
 * `until`, less what fraud warnings hold and what earlier payouts paid or still hold, when it
 * reaches PAYOUT_MINIMUM_CENTS; a moderator without payout details is skipped, not paid.
 */
@Injectable()
export class PayoutRunsService {
  private readonly minimumCents: number;
  private readonly debtor: { name: string; iban: string; bic: string } | null;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly runs: PayoutRunsRepository,
    private readonly details: PayoutDetailsRepository,
    private readonly money: ModeratorMoney,
    env: Env,
  ) {
    this.minimumCents = env.PAYOUT_MINIMUM_CENTS;
    const name = env.PAYOUT_DEBTOR_NAME;
    const iban = env.PAYOUT_DEBTOR_IBAN;
    const bic = env.PAYOUT_DEBTOR_BIC;
    this.debtor = name && iban && bic ? { name, iban, bic } : null;
  }

  /**
   * One transaction under the payout runs' lock (first in this path's lock order; nothing else is
   * locked: the ledger and the lots are only read): the run of this `until` if there is one (two
   * admins pressing at once: the second waits for the lock, then finds the first one's run), else a
   * new one, computed from what is committed once the lock is held. Answers whether it was created.
   */
  async create(untilText: string, adminId: string): Promise<{ run: PayoutRunDto; created: boolean }> {
    const until = new Date(untilText.includes('T') && !HAS_OFFSET.test(untilText) ? `${untilText}Z` : untilText);
    const now = new Date();
    if (until.getTime() > now.getTime()) throw PayoutsError.untilInFuture(until, now);
    return this.transactions.run(async () => {
      await this.runs.lockRuns();
      const existing = await this.runs.runByUntil(until);
      if (existing) return { run: await this.withPayouts(existing), created: false };

      const payable = await this.money.payable(until, new Date());
      const reaching = payable.filter((candidate) => candidate.amountCents >= this.minimumCents);
      const details = await this.details.ofUsers([...new Set(reaching.map((candidate) => candidate.moderatorId))]);
      const payouts: NewPayout[] = [];
      const skipped: SkippedPayout[] = [];
      for (const candidate of reaching) {
        const known = details.get(candidate.moderatorId);
        if (known?.iban && known.holderName) payouts.push({ ...candidate, iban: known.iban, holderName: known.holderName });
        else skipped.push({ ...candidate, reason: known?.erasedAt ? 'erased' : 'no_payout_details' });
      }
      const run = await this.runs.insertRun({ until, minimumCents: this.minimumCents, skipped, createdBy: adminId });
      await this.runs.insertPayouts(run.id, payouts);
      return { run: await this.withPayouts(run), created: true };
    });
  }

  async get(id: string): Promise<PayoutRunDto> {
    const run = await this.runs.run(id);
    if (!run) throw PayoutsError.runNotFound(id);
    return this.withPayouts(run);
  }

  async list(page: PageQuery): Promise<Page<PayoutRunDto>> {
    const runs = await this.runs.runs(page.cursor, page.limit + 1);
    const shown = runs.slice(0, page.limit);
    const payouts = await this.runs.payoutsOf(shown.map((run) => run.id));
    const items = shown.map((run) => toRunDto(run, payouts.filter((payout) => payout.runId === run.id)));
    return { items, nextCursor: runs.length > page.limit ? items[items.length - 1].id : null };
  }

  /** pending → paid: the money leaves available for paid. */
  markPaid(id: string, adminId: string): Promise<PayoutDto> {
    return this.transition(id, 'paid', adminId);
  }

  /** pending → cancelled: the money is available again (for the next run). */
  cancel(id: string, adminId: string): Promise<PayoutDto> {
    return this.transition(id, 'cancelled', adminId);
  }

  /** The run's payouts as CSV (all of them, every status), or as a SEPA credit transfer file of its EUR payouts not cancelled. */
  async file(id: string, format: 'csv' | 'sepa'): Promise<PayoutFile> {
    const run = await this.runs.run(id);
    if (!run) throw PayoutsError.runNotFound(id);
    const payouts = await this.runs.payoutsOf([run.id]);
    if (format === 'csv') {
      const rows = payouts.map((payout) => [
        payout.id,
        run.id,
        payout.moderatorId,
        payout.holderName ?? '',
        payout.iban ?? '',
        decimalAmount(payout.amountCents, payout.currency),
        payout.currency,
        payout.status,
      ]);
      const body = stringify([['payout_id', 'run_id', 'moderator_id', 'name', 'iban', 'amount', 'currency', 'status'], ...rows], { record_delimiter: 'windows' });
      return { contentType: 'text/csv; charset=utf-8', filename: `payout-run-${run.id}.csv`, body };
    }
    if (!this.debtor) throw PayoutsError.sepaNotConfigured();
    const euro = payouts.filter((payout) => payout.currency === 'eur' && payout.status !== 'cancelled' && payout.iban);
    if (euro.length === 0) throw PayoutsError.noEurPayouts(run.id);
    const body = sepaCreditTransferXml({
      messageId: `PP-RUN-${run.id}`,
      createdAt: new Date(),
      executionDate: new Date().toISOString().slice(0, 10),
      debtor: this.debtor,
      transfers: euro.map((payout) => ({
        endToEndId: `PP-PAYOUT-${payout.id}`,
        amountCents: payout.amountCents,
        creditorName: payout.holderName!,
        creditorIban: payout.iban!,
        remittance: `Profile Points payout ${payout.id}, until ${run.until.toISOString().slice(0, 10)}`,
      })),
    });
    return { contentType: 'application/xml; charset=utf-8', filename: `payout-run-${run.id}.xml`, body };
  }

  private async transition(id: string, to: 'paid' | 'cancelled', adminId: string): Promise<PayoutDto> {
    const changed = await this.runs.transition(id, to, adminId);
    if (changed) return toPayoutDto(changed);
    const payout = await this.runs.payout(id);
    if (!payout) throw PayoutsError.payoutNotFound(id);
    throw PayoutsError.notPending(id, payout.status);
  }

  private async withPayouts(run: PayoutRun): Promise<PayoutRunDto> {
    return toRunDto(run, await this.runs.payoutsOf([run.id]));
  }
}

function toPayoutDto(payout: Payout): PayoutDto {
  return { id: payout.id, moderatorId: payout.moderatorId, currency: payout.currency, amountCents: payout.amountCents, status: payout.status };
}

function toRunDto(run: PayoutRun, payouts: readonly Payout[]): PayoutRunDto {
  return {
    id: run.id,
    until: run.until.toISOString(),
    minimumCents: run.minimumCents,
    createdAt: run.createdAt.toISOString(),
    payouts: payouts.map(toPayoutDto),
    skipped: run.skipped,
  };
}
