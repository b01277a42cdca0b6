import { Module } from '@nestjs/common';
import { EarningsCheckpoints } from './earnings-checkpoints';
import { ModeratorsController } from './moderators.controller';
import { ModeratorsService } from './moderators.service';

/** What moderators see of their own earnings; reads the points module's ledger, writes only its own checkpoints. */
@Module({
  controllers: [ModeratorsController],
  providers: [ModeratorsService, EarningsCheckpoints],
})
export class ModeratorsModule {}
