import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InteractionsModule } from '../interactions/interactions.module';
import { ProfilesModule } from '../profiles/profiles.module';
import { UsersModule } from '../users/users.module';
import { LedgerTransfer } from './entities/ledger-transfer.entity';
import { PointPack } from './entities/point-pack.entity';
import { LedgerService } from './ledger.service';
import { CreditPointsWhenPaymentCaptured } from './listeners/credit-points-when-payment-captured';
import { PacksService } from './packs.service';
import { PointsController } from './points.controller';
import { PointsService } from './points.service';

@Module({
  imports: [TypeOrmModule.forFeature([PointPack, LedgerTransfer]), InteractionsModule, ProfilesModule, UsersModule],
  controllers: [PointsController],
  providers: [PointsService, PacksService, LedgerService, CreditPointsWhenPaymentCaptured],
  exports: [PacksService],
})
export class PointsModule {}
