import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InteractionsModule } from '../interactions/interactions.module';
import { ProfilesModule } from '../profiles/profiles.module';
import { UsersModule } from '../users/users.module';
import { BalancesService } from './balances.service';
import { LedgerTransfer } from './entities/ledger-transfer.entity';
import { PointLot, PointLotEntry } from './entities/point-lot.entity';
import { PointGrant } from './entities/point-grant.entity';
import { PointPack } from './entities/point-pack.entity';
import { EarningsMoney } from './earnings-money';
import { FreezesService } from './freezes.service';
import { GrantsRepository } from './grants.repository';
import { GrantsService } from './grants.service';
import { LedgerReportsQueries } from './ledger-reports.queries';
import { LedgerTransfersRepository } from './ledger-transfers.repository';
import { LedgerService } from './ledger.service';
import { LotsRepository } from './lots/lots.repository';
import { LotsService } from './lots/lots.service';
import { PointSpend } from './entities/point-spend.entity';
import { ReleaseHeldPointsWhenModeratorAssigned } from './listeners/release-held-points-when-moderator-assigned';
import { PacksRepository } from './packs.repository';
import { PacksService } from './packs.service';
import { PointsController } from './points.controller';
import { PointsService } from './points.service';
import { PurchaseBalances } from './purchase-balances';
import { PurchasePoints } from './purchase-points.port';
import { SpendService } from './spend.service';
import { SpendsRepository } from './spends.repository';

@Module({
  imports: [TypeOrmModule.forFeature([PointPack, LedgerTransfer, PointSpend, PointLot, PointLotEntry, PointGrant]), InteractionsModule, ProfilesModule, UsersModule],
  controllers: [PointsController],
  providers: [
    LedgerTransfersRepository,
    LotsRepository,
    PacksRepository,
    SpendsRepository,
    GrantsRepository,
    PointsService,
    BalancesService,
    FreezesService,
    GrantsService,
    EarningsMoney,
    PacksService,
    LedgerService,
    LotsService,
    PurchaseBalances,
    SpendService,
    PurchasePoints,
    ReleaseHeldPointsWhenModeratorAssigned,
    LedgerReportsQueries,
  ],
  exports: [PacksService, LotsService, LedgerReportsQueries, SpendService, BalancesService, FreezesService, GrantsService, PurchasePoints],
})
export class PointsModule {}
