import { Injectable } from '@nestjs/common';
import { LedgerTransfersRepository, TransferRequest } from './ledger-transfers.repository';

export type { Money, TransferRequest } from './ledger-transfers.repository';

@Injectable()
export class LedgerService {
  constructor(private readonly transfers: LedgerTransfersRepository) {}

  /**
   * Appends transfers inside the caller's transaction, in one statement; returns the keys written.
   * A transfer whose key was used before writes nothing: the caller then knows that effect already
   * happened. One transfer is a batch of one. A transfer moves points, or (an earnings transfer of a
   * refund too small to take back a point) money alone.
   */
  async transferAll(requests: TransferRequest[]): Promise<Set<string>> {
    for (const request of requests) {
      if (request.money && (!Number.isSafeInteger(request.money.cents) || request.money.cents < 0)) {
        throw new RangeError(`a transfer's money moves with its points, a whole number of minor units ≥ 0, not ${request.money.cents}`);
      }
      const moneyOnly = request.points === 0 && (request.money?.cents ?? 0) > 0;
      if (!moneyOnly && (!Number.isSafeInteger(request.points) || request.points <= 0)) {
        throw new RangeError(`a transfer moves a positive whole number of points, or money alone, not ${request.points} points`);
      }
    }
    return this.transfers.insertNewKeys(requests);
  }
}
