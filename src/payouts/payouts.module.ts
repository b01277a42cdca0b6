import { Module } from '@nestjs/common';
import { PointsModule } from '../points/points.module';
import { ProfilesModule } from '../profiles/profiles.module';
import { UsersModule } from '../users/users.module';
import { ErasePayoutDetailsWhenUserErased } from './listeners/erase-payout-details-when-user-erased';
import { ModeratorMoney } from './moderator-money.service';
import { ModeratorPayoutsController } from './moderator-payouts.controller';
import { PayoutDetailsRepository } from './payout-details.repository';
import { PayoutDetailsService } from './payout-details.service';
import { PayoutRunsController } from './payout-runs.controller';
import { PayoutRunsRepository } from './payout-runs.repository';
import { PayoutRunsService } from './payout-runs.service';
import { StatementsService } from './statements/statements.service';

/**
 * Moderators are paid (SPEC §11): their money (read from the points module's ledger), payout
 * details, payout runs and their files, monthly statements. Owns `payout_details`, `payout_runs`
 * and `payouts`. PayoutDetailsService is what the platform's integration routes call to set and
 * erase a moderator's details; ModeratorMoney what the moderators' page shows.
 */
@Module({
  imports: [PointsModule, ProfilesModule, UsersModule],
  controllers: [PayoutRunsController, ModeratorPayoutsController],
  providers: [
    PayoutDetailsRepository,
    PayoutRunsRepository,
    PayoutDetailsService,
    PayoutRunsService,
    ModeratorMoney,
    StatementsService,
    ErasePayoutDetailsWhenUserErased,
  ],
  exports: [PayoutDetailsService, ModeratorMoney],
})
export class PayoutsModule {}
