import { Module } from '@nestjs/common';
import { ModeratorsController } from './moderators.controller';
import { ModeratorsService } from './moderators.service';

/** What moderators see of their own earnings; reads the points module's ledger, writes nothing. */
@Module({
  controllers: [ModeratorsController],
  providers: [ModeratorsService],
})
export class ModeratorsModule {}
