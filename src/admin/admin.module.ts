import { Module } from '@nestjs/common';
import { PointsModule } from '../points/points.module';
import { AdminPacksController } from './admin-packs.controller';
import { AdminPacksService } from './admin-packs.service';
import { AdminSummaryController } from './admin-summary.controller';
import { AdminTransactionsController } from './admin-transactions.controller';
import { SummaryService } from './summary.service';
import { TransactionSearchService } from './transaction-search.service';

/**
 * Operator tools. Pack writes go through the points module; the searches and the summary are
 * read-only reports over purchases and the ledger, like the reconciliation report.
 */
@Module({
  imports: [PointsModule],
  controllers: [AdminPacksController, AdminTransactionsController, AdminSummaryController],
  providers: [AdminPacksService, TransactionSearchService, SummaryService],
})
export class AdminModule {}
