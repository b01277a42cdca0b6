import { Injectable } from '@nestjs/common';
import { ibanProblem, maskIban, normalizeIban } from '../common/iban';
import { TransactionRunner } from '../database/transaction';
import { EventBus } from '../events/event-bus';
import { PayoutDetailsDto } from './dto/payouts.dto';
import { PayoutDetailsRepository } from './payout-details.repository';
import { PayoutRunsRepository } from './payout-runs.repository';
import { PayoutsError } from './payouts.errors';

/** Who changed a moderator's payout details: the moderator (PUT /moderators/me/payout-details) or the platform (PUT /integration/users/:id). */
export type PayoutDetailsSource = 'moderator' | 'platform';

/**
 * Moderators' bank details for payouts (SPEC §11): set by the moderator or by the platform, checked
 * (IBAN mod 97) when entered, applied from the next payout run (a run copies them onto its payouts),
 * announced to every admin when they change; removed for good by an erasure, which also cancels the
 * moderator's pending payouts (their money stays earned, held until it can be paid to someone).
 */
@Injectable()
export class PayoutDetailsService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly details: PayoutDetailsRepository,
    private readonly runs: PayoutRunsRepository,
    private readonly events: EventBus,
  ) {}

  async get(userId: string): Promise<PayoutDetailsDto | null> {
    const details = await this.details.find(userId);
    return details?.iban ? toDto(details.iban, details.holderName!, details.updatedAt) : null;
  }

  /**
   * Checks the IBAN (400 INVALID_IBAN), then stores the details in one transaction with the admins'
   * alert (only when they changed); an erased user's details cannot be set again (410 USER_ERASED).
   */
  async set(userId: string, request: { iban: string; name: string }, changedBy: PayoutDetailsSource): Promise<PayoutDetailsDto> {
    const iban = normalizeIban(request.iban);
    const problem = ibanProblem(iban);
    if (problem) throw PayoutsError.invalidIban(problem);
    const name = request.name.trim();
    return this.transactions.run(async () => {
      const changed = await this.details.set(userId, iban, name);
      if (changed) {
        await this.events.publishAfterCommit('payout_details.changed', {
          moderatorId: userId,
          change: 'set',
          ibanEnding: iban.slice(-4),
          changedBy,
          changedAt: changed.updatedAt.toISOString(),
        });
        return toDto(iban, name, changed.updatedAt);
      }
      const current = await this.details.find(userId);
      if (current?.erasedAt) throw PayoutsError.userErased(userId);
      return toDto(current!.iban!, current!.holderName!, current!.updatedAt);
    });
  }

  /**
   * Erasure: the details removed for good, the user's pending payouts cancelled (their money is
   * available again, and held: without details no run pays it). Takes the payout runs' lock first,
   * so that no run in progress creates a payout with the details being removed. Inside the caller's
   * transaction when there is one (the platform's erasure of the whole user). Returns how many
   * pending payouts were cancelled.
   */
  erase(userId: string): Promise<{ cancelledPayouts: number }> {
    return this.transactions.run(async () => {
      await this.runs.lockRuns();
      const had = await this.details.erase(userId);
      const cancelledPayouts = await this.runs.cancelPendingOf(userId);
      if (had) {
        await this.events.publishAfterCommit('payout_details.changed', {
          moderatorId: userId,
          change: 'removed',
          ibanEnding: '',
          changedBy: 'platform',
          changedAt: new Date().toISOString(),
        });
      }
      return { cancelledPayouts };
    });
  }
}

function toDto(iban: string, name: string, updatedAt: Date): PayoutDetailsDto {
  return { ibanEnding: maskIban(iban).slice(1), name, updatedAt: updatedAt.toISOString() };
}
