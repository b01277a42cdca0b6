import { Injectable } from '@nestjs/common';
import { OnTransactionEvent } from '../../events/event-bus';
import { UserErasedEvent } from '../../events/event-map';
import { PayoutDetailsService } from '../payout-details.service';

/**
 * An erased user's bank details go with the rest of what identifies them, in the erasure's own
 * transaction: their pending payouts are cancelled (the money stays earned, held: no run pays a user
 * without details) and no later run can pay them.
 */
@Injectable()
export class ErasePayoutDetailsWhenUserErased {
  constructor(private readonly details: PayoutDetailsService) {}

  @OnTransactionEvent('users.erased')
  async handle({ userId }: UserErasedEvent): Promise<void> {
    await this.details.erase(userId);
  }
}
