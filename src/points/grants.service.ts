import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction';
import { EventBus } from '../events/event-bus';
import { interactionKey, InteractionsService } from '../interactions/interactions.service';
import { ProfilesError } from '../profiles/profiles.errors';
import { ProfilesService } from '../profiles/profiles.service';
import { Role } from '../users/user-role';
import { UsersError } from '../users/users.errors';
import { UsersService } from '../users/users.service';
import { PointGrant } from './entities/point-grant.entity';
import { GrantsRepository } from './grants.repository';
import { LedgerAccount } from './ledger-accounts';
import { LedgerService } from './ledger.service';
import { LotsService } from './lots/lots.service';
import { PointsError } from './points.errors';
import { TransferKind } from './transfer-kind';

/** A grant of promotional points, as `POST /admin/grants` and the platform's `POST /integration/grants` ask for it. */
export interface GrantRequest {
  clientId: string;
  profileId: string;
  points: number;
  reason: string;
  idempotencyKey: string;
  /** The admin who gives them; null when the platform does. */
  grantedBy: string | null;
}

export interface GrantResult {
  grantId: string;
  clientId: string;
  profileId: string;
  points: number;
  reason: string;
  /** The client's balance for the profile just after this grant. */
  balance: number;
  /** True when this answers a repeated idempotency key: nothing was given again. */
  replayed: boolean;
  createdAt: string;
}

/**
 * Promotional points (SPEC §11): points that cost nothing and earn no moderator anything. Each grant
 * is a lot of its own, with no money and no share, that a spend uses before paid points and that a
 * refund never takes back as such (a refund takes its purchase's own points, then the client's other
 * purchases'; promotional points only cover, last, points of the refunded purchase that were already
 * spent). Idempotent per client and key, as a database fact.
 */
@Injectable()
export class GrantsService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly grants: GrantsRepository,
    private readonly users: UsersService,
    private readonly profiles: ProfilesService,
    private readonly interactions: InteractionsService,
    private readonly ledger: LedgerService,
    private readonly lots: LotsService,
    private readonly events: EventBus,
  ) {}

  /**
   * One transaction: the interaction (created if the client never bought for the profile; its
   * profile read FOR SHARE, then the interaction locked), a repeated key answered with its first
   * result, then the grant, its ledger transfer `grant:<id>` (platform:promotions → the client), the
   * new balance, its lot (paying off a debt first, as every credit does) and the `points.granted`
   * event with the balance after it. Lock order: profile → interaction → lots.
   */
  async grant(request: GrantRequest): Promise<GrantResult> {
    const profile = await this.profiles.get(request.profileId);
    const client = await this.users.findById(request.clientId);
    // An erased user keeps their role and ledger, but receives nothing more.
    if (client?.erasedAt) throw UsersError.erasedRecipient(client.id);
    if (client?.role !== Role.Client) throw PointsError.notAClient(request.clientId);
    return this.transactions.run(async () => {
      const pair = { clientId: client.id, profileId: profile.id };
      const interaction = (await this.interactions.lockOrCreateAll([pair])).get(interactionKey(pair.clientId, pair.profileId));
      // The profile was there a moment ago: only a profile deleted meanwhile leaves no interaction.
      if (!interaction) throw ProfilesError.notFound(profile.id);
      const previous = await this.grants.findByKey(client.id, request.idempotencyKey);
      if (previous) return replay(previous, request);

      const granted = await this.grants.insertUnlessKeyUsed({
        clientId: client.id,
        profileId: profile.id,
        interactionId: interaction.id,
        points: request.points,
        reason: request.reason,
        idempotencyKey: request.idempotencyKey,
        grantedBy: request.grantedBy,
        balanceAfter: interaction.pointsBalance + request.points,
      });
      if (!granted) {
        // The same key is being used for this client's grant on another profile at this very moment.
        return replay((await this.grants.findByKey(client.id, request.idempotencyKey))!, request);
      }
      await this.ledger.transferAll([
        {
          key: `grant:${granted.id}`,
          kind: TransferKind.Grant,
          debit: LedgerAccount.platformPromotions,
          credit: LedgerAccount.client(interaction.id),
          points: request.points,
          interactionId: interaction.id,
        },
      ]);
      await this.interactions.applyBalanceChanges(new Map([[interaction.id, { balance: request.points }]]));
      await this.lots.openPromotional({ grantId: granted.id, interactionId: interaction.id, points: request.points, balanceBefore: interaction.pointsBalance });
      await this.events.emitInTransaction('balances.changed', {
        changes: [
          {
            type: 'points.granted',
            clientId: client.id,
            profileId: profile.id,
            points: request.points,
            reason: request.reason,
            idempotencyKey: request.idempotencyKey,
            occurredAt: granted.createdAt.toISOString(),
          },
        ],
      });
      return resultOf(granted, false);
    });
  }
}

function replay(previous: PointGrant, request: GrantRequest): GrantResult {
  const same = previous.profileId === request.profileId && previous.points === request.points && previous.reason === request.reason;
  if (!same) throw PointsError.idempotencyKeyReused(request.idempotencyKey, 'grant');
  return resultOf(previous, true);
}

function resultOf(grant: PointGrant, replayed: boolean): GrantResult {
  return {
    grantId: grant.id,
    clientId: grant.clientId,
    profileId: grant.profileId,
    points: grant.points,
    reason: grant.reason,
    balance: grant.balanceAfter,
    replayed,
    createdAt: grant.createdAt.toISOString(),
  };
}
