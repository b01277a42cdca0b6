import { Injectable } from '@nestjs/common';
import { GrantRequestDto, GrantResponseDto } from '../admin/dto/admin-grant.dto';
import { AuthUser } from '../auth/auth-user';
import { TransactionRunner } from '../database/transaction';
import { EventBus } from '../events/event-bus';
import { AssignmentService } from '../interactions/assignment.service';
import { BalancesService } from '../points/balances.service';
import { SpendResponseDto } from '../points/dto/spend.dto';
import { GrantsService } from '../points/grants.service';
import { SpendService } from '../points/spend.service';
import { PayoutDetailsService } from '../payouts/payout-details.service';
import { ProfilesService } from '../profiles/profiles.service';
import { UsersError } from '../users/users.errors';
import { UsersService } from '../users/users.service';
import { IntegrationProfileDto, PutIntegrationProfileDto } from './dto/integration-profile.dto';
import { BalanceQueryDto, IntegrationBalanceDto, IntegrationSpendRequestDto } from './dto/integration-points.dto';
import { IntegrationUserDto, PutIntegrationUserDto } from './dto/integration-user.dto';

/**
 * What the platform's backend does through /integration (SPEC §10), each write idempotent: the same
 * request twice leaves the same state and gives the same answer (bar `created`). This module owns no
 * table: users, profiles, assignments, balances and spends are their owners' services.
 */
@Injectable()
export class IntegrationService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly users: UsersService,
    private readonly profiles: ProfilesService,
    private readonly assignments: AssignmentService,
    private readonly balances: BalancesService,
    private readonly spending: SpendService,
    private readonly grants: GrantsService,
    private readonly payoutDetails: PayoutDetailsService,
    private readonly events: EventBus,
  ) {}

  /**
   * Creates or updates the user with the platform's id, and their payout details when given, in one
   * transaction (a refused IBAN leaves nothing written); an erased one stays erased (USER_ERASED).
   */
  async putUser(id: string, body: PutIntegrationUserDto): Promise<IntegrationUserDto> {
    const written = await this.transactions.run(async () => {
      const [user] = await this.users.upsertFromPlatform([{ id, role: body.role, name: body.name, email: body.email }]);
      if (user.outcome === 'erased') throw UsersError.erased(id);
      if (body.payout) await this.payoutDetails.set(id, body.payout, 'platform');
      return user;
    });
    return { ...written.user, created: written.outcome === 'created' };
  }

  /**
   * Promotional points on the platform's behalf: exactly POST /admin/grants, given by the platform
   * (no admin). A client id the service never had answers 404 USER_NOT_FOUND, as a spend does.
   */
  async grant(body: GrantRequestDto): Promise<GrantResponseDto> {
    if ((await this.users.stateOf(body.client_id)) === 'absent') throw UsersError.notFound(body.client_id);
    return this.grants.grant({
      clientId: body.client_id,
      profileId: body.profile_id,
      points: body.points,
      reason: body.reason,
      idempotencyKey: body.idempotency_key,
      grantedBy: null,
    });
  }

  /**
   * Erasure: name and e-mail removed, purchases, ledger and earned points kept; the user's tokens are
   * refused from now on. In the same transaction, `users.erased` lets other modules remove what else
   * identifies the user or would still pay them. Erasing again changes nothing.
   */
  async eraseUser(id: string): Promise<void> {
    await this.transactions.run(async () => {
      const { role } = await this.users.erase(id);
      await this.events.emitInTransaction('users.erased', { userId: id, role });
    });
  }

  /** Creates or updates the profile; a new moderator acts as PUT /profiles/:profile/moderator. */
  async putProfile(id: string, body: PutIntegrationProfileDto): Promise<IntegrationProfileDto> {
    const result = await this.assignments.provisionProfile({ id, name: body.name, moderatorId: body.moderator_id, active: body.active });
    const profile = await this.profiles.get(id);
    return {
      id: profile.id,
      name: profile.name,
      moderatorId: profile.moderatorId,
      active: profile.active,
      created: result.created,
      interactionIds: result.interactionIds,
      releasedPoints: result.releasedPoints,
    };
  }

  /** The client's balance for the profile, what a spend can use now, and its version. */
  async balance(query: BalanceQueryDto): Promise<IntegrationBalanceDto> {
    await this.profiles.get(query.profile_id);
    if ((await this.users.stateOf(query.client_id)) === 'absent') throw UsersError.notFound(query.client_id);
    return this.balances.snapshot(query.client_id, query.profile_id);
  }

  /** Exactly POST /profile-points/spend, for `client_id`: same rules, same idempotency key space, same answers. */
  async spend(body: IntegrationSpendRequestDto): Promise<SpendResponseDto> {
    const { client_id: clientId, ...request } = body;
    return this.spending.spend(await this.clientOf(clientId), request);
  }

  private async clientOf(clientId: string): Promise<AuthUser> {
    const identity = await this.users.findIdentity(clientId);
    if (identity) return { id: identity.id, role: identity.role, email: identity.email };
    throw (await this.users.stateOf(clientId)) === 'erased' ? UsersError.erased(clientId) : UsersError.notFound(clientId);
  }
}
