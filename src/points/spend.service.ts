import { Injectable } from '@nestjs/common';
import { AuthUser } from '../auth/auth-user';
import { TransactionRunner } from '../database/transaction';
import { EventBus } from '../events/event-bus';
import { InteractionsService } from '../interactions/interactions.service';
import { ProfilesService } from '../profiles/profiles.service';
import { SpendRequestDto, SpendResponseDto } from './dto/spend.dto';
import { TransferKind } from './transfer-kind';
import { PointSpend } from './entities/point-spend.entity';
import { LedgerAccount } from './ledger-accounts';
import { LedgerService } from './ledger.service';
import { LotsService } from './lots/lots.service';
import { PointsError } from './points.errors';
import { SpendsRepository } from './spends.repository';

@Injectable()
export class SpendService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly spends: SpendsRepository,
    private readonly profiles: ProfilesService,
    private readonly interactions: InteractionsService,
    private readonly ledger: LedgerService,
    private readonly lots: LotsService,
    private readonly events: EventBus,
  ) {}

  /**
   * One transaction: lock the client×profile balance, answer a repeated key with its first result,
   * refuse an overdraft, then write the spend, its ledger transfer, the new balance and the lots it
   * consumed (oldest first). The row lock serialises concurrent spends of one balance, so none can
   * overdraw it.
   */
  async spend(client: AuthUser, request: SpendRequestDto): Promise<SpendResponseDto> {
    const profile = await this.profiles.get(request.profile_id);
    return this.transactions.run(async () => {
      const interaction = await this.interactions.lockExisting(client.id, profile.id);
      const previous = await this.spends.findByKey(client.id, request.idempotency_key);
      if (previous) return this.replay(previous, profile.id, request);

      const balance = interaction?.pointsBalance ?? 0;
      if (!interaction || balance < request.points) throw PointsError.insufficientPoints(request.points, balance);
      // Points an early fraud warning froze are on the balance but cannot be spent (SPEC §11).
      const frozen = (await this.lots.unspentKinds([interaction.id])).get(interaction.id)?.frozen ?? 0;
      if (balance - frozen < request.points) throw PointsError.pointsFrozen(request.points, balance, Math.max(0, balance - frozen));

      const spendId = await this.spends.insertUnlessKeyUsed({
        clientId: client.id,
        profileId: profile.id,
        interactionId: interaction.id,
        points: request.points,
        reason: request.reason,
        idempotencyKey: request.idempotency_key,
        balanceAfter: balance - request.points,
      });
      if (!spendId) {
        // The same key is being used for another profile's balance at this very moment.
        const concurrent = await this.spends.findByKey(client.id, request.idempotency_key);
        return this.replay(concurrent!, profile.id, request);
      }

      await this.ledger.transferAll([
        {
          key: `spend:${spendId}`,
          kind: TransferKind.Spend,
          debit: LedgerAccount.client(interaction.id),
          credit: LedgerAccount.platformSpent,
          points: request.points,
          interactionId: interaction.id,
        },
      ]);
      await this.interactions.applyBalanceChanges(new Map([[interaction.id, { balance: -request.points }]]), new Date());
      const allocations = await this.lots.consume(interaction.id, spendId, request.points);
      await this.events.emitInTransaction('points.spent', { spendId, interactionId: interaction.id, points: request.points });
      await this.events.emitInTransaction('balances.changed', {
        changes: [
          {
            type: 'points.spent',
            clientId: client.id,
            profileId: profile.id,
            occurredAt: new Date().toISOString(),
            points: request.points,
            reason: request.reason,
            idempotencyKey: request.idempotency_key,
          },
        ],
      });
      return { spendId, points: request.points, balance: balance - request.points, replayed: false, allocations };
    });
  }

  private async replay(previous: PointSpend, profileId: string, request: SpendRequestDto): Promise<SpendResponseDto> {
    const same = previous.profileId === profileId && previous.points === request.points && previous.reason === request.reason;
    if (!same) throw PointsError.idempotencyKeyReused(request.idempotency_key);
    const allocations = await this.lots.allocationsOf(previous.id);
    return { spendId: previous.id, points: previous.points, balance: previous.balanceAfter, replayed: true, allocations };
  }
}
