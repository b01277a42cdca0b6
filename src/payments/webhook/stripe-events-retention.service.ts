import { Injectable } from '@nestjs/common';
import { StripeEventsRepository } from './stripe-events.repository';

/**
 * Retention of processed Stripe event ids (SPEC §13), for whoever schedules it. An id is what makes a
 * resent event act once, so it must outlive Stripe's resends (STRIPE_EVENTS_RETENTION_DAYS ≥ 35);
 * an event resent after its id is gone still changes nothing, since `decide` finds its purchase final
 * and the ledger keys are unique, but it is no longer answered from the record.
 */
@Injectable()
export class StripeEventsRetention {
  readonly table = 'stripe_events';

  constructor(private readonly repository: StripeEventsRepository) {}

  /** Removes up to `limit` of the oldest ids processed before `cutoff`; how many, by table. */
  async removeBefore(cutoff: Date, limit: number): Promise<Record<string, number>> {
    return { [this.table]: await this.repository.removeProcessedBefore(cutoff, limit) };
  }

  /** When the oldest id still kept was processed; null when none is. */
  oldestKept(): Promise<Date | null> {
    return this.repository.oldestProcessed();
  }
}
