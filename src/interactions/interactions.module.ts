import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProfilesModule } from '../profiles/profiles.module';
import { UsersModule } from '../users/users.module';
import { AssignmentController } from './assignment.controller';
import { AssignmentService } from './assignment.service';
import { Interaction } from './entities/interaction.entity';
import { InteractionsRepository } from './interactions.repository';
import { InteractionsService } from './interactions.service';

@Module({
  imports: [TypeOrmModule.forFeature([Interaction]), ProfilesModule, UsersModule],
  controllers: [AssignmentController],
  providers: [InteractionsService, InteractionsRepository, AssignmentService],
  exports: [InteractionsService, AssignmentService],
})
export class InteractionsModule {}
