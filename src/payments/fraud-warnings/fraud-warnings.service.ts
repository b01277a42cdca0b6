import { Injectable } from '@nestjs/common';
import { Page } from '../../common/pagination';
import { TransactionRunner } from '../../database/transaction';
import { FreezesService } from '../../points/freezes.service';
import { Purchase } from '../entities/purchase.entity';
import { PaymentsError } from '../payments.errors';
import { FraudWarningStatus } from '../purchase-status';
import { PurchaseChanges } from '../purchase-changes';
import { PurchasesRepository } from '../purchases.repository';
import { FraudWarningDto, FraudWarningsQuery, ReleasedFraudWarningDto } from './fraud-warning.dto';

/**
 * What admins do with early fraud warnings (SPEC §11): list them, and release one whose payment
 * they found genuine. A warning otherwise ends when its purchase is refunded or disputed (decide).
 */
@Injectable()
export class FraudWarningsService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly purchases: PurchasesRepository,
    private readonly freezes: FreezesService,
  ) {}

  /** An admin list: read on the replica (a release answers with the warning as it left it). */
  async list(query: FraudWarningsQuery): Promise<Page<FraudWarningDto>> {
    const rows = await this.transactions.onReplica(() => this.purchases.fraudWarnings(query.status, query.cursor, query.limit + 1));
    const items = rows.slice(0, query.limit).map(toDto);
    return { items, nextCursor: rows.length > query.limit ? items[items.length - 1].transactionId : null };
  }

  /**
   * One transaction, in the lock order purchase → interaction → lot: the purchase locked by its
   * warning, the warning marked released, the lot unfrozen (its unspent points spendable again and
   * the moderator's money back in the next run). A warning that no longer holds its purchase
   * (released, or ended by a refund or dispute) answers 409 and changes nothing.
   */
  release(warningId: string): Promise<ReleasedFraudWarningDto> {
    return this.transactions.run(async () => {
      const purchase = await this.purchases.lockByFraudWarning(warningId);
      if (!purchase) throw PaymentsError.fraudWarningNotFound(warningId);
      if (purchase.fraudWarningStatus !== FraudWarningStatus.Active) throw PaymentsError.fraudWarningNotActive(warningId, purchase.fraudWarningStatus ?? 'none');
      const changes = new PurchaseChanges();
      changes.set(purchase, { fraudWarningStatus: FraudWarningStatus.Released });
      await this.purchases.write(changes);
      const unfrozenPoints = await this.freezes.unfreeze({ transactionId: purchase.id, clientId: purchase.clientId, profileId: purchase.profileId });
      return { ...toDto(purchase), unfrozenPoints };
    });
  }
}

function toDto(purchase: Purchase): FraudWarningDto {
  return {
    warningId: purchase.fraudWarningId!,
    status: purchase.fraudWarningStatus!,
    transactionId: purchase.id,
    clientId: purchase.clientId,
    profileId: purchase.profileId,
    moderatorId: purchase.moderatorId,
    amountCents: purchase.amountCents,
    currency: purchase.currency,
    refundCents: purchase.fraudRefundCents,
    warnedAt: purchase.fraudWarnedAt!.toISOString(),
  };
}
