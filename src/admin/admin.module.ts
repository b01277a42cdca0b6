import { Module } from '@nestjs/common';
import { PaymentsModule } from '../payments/payments.module';
import { PointsModule } from '../points/points.module';
import { AdminGrantsController } from './admin-grants.controller';
import { AdminPacksController } from './admin-packs.controller';
import { AdminPacksService } from './admin-packs.service';
import { AdminSummaryController } from './admin-summary.controller';
import { AdminPurchasesController } from './admin-purchases.controller';
import { SummaryService } from './summary.service';
import { AdminPurchasesService } from './admin-purchases.service';

/**
 * Operator tools. Admin owns no table: pack writes go through the points module, and the searches
 * and the summary read purchases and the ledger through the payments and points query services.
 */
@Module({
  imports: [PaymentsModule, PointsModule],
  controllers: [AdminPacksController, AdminPurchasesController, AdminSummaryController, AdminGrantsController],
  providers: [AdminPacksService, AdminPurchasesService, SummaryService],
})
export class AdminModule {}
