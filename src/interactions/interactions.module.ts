import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProfilesModule } from '../profiles/profiles.module';
import { Interaction } from './entities/interaction.entity';
import { InteractionsService } from './interactions.service';

@Module({
  imports: [TypeOrmModule.forFeature([Interaction]), ProfilesModule],
  providers: [InteractionsService],
  exports: [InteractionsService],
})
export class InteractionsModule {}
