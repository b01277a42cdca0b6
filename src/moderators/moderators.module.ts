import { Module } from '@nestjs/common';
import { PayoutsModule } from '../payouts/payouts.module';
import { PointsModule } from '../points/points.module';
import { EarningsCheckpoints } from './earnings-checkpoints';
import { EarningsCheckpointsRepository } from './earnings-checkpoints.repository';
import { ModeratorPointsQueries } from './moderator-points.queries';
import { ModeratorsController } from './moderators.controller';
import { ModeratorsService } from './moderators.service';

/**
 * What moderators see of their own earnings. Owns `earnings_checkpoints`; reads the points module's
 * ledger and the users module's cached balance through their SQL fragments and query services.
 */
@Module({
  imports: [PointsModule, PayoutsModule],
  controllers: [ModeratorsController],
  providers: [ModeratorsService, ModeratorPointsQueries, EarningsCheckpoints, EarningsCheckpointsRepository],
})
export class ModeratorsModule {}
