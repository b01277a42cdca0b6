import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PointsModule } from '../points/points.module';
import { PURCHASES_PORT } from '../points/purchases.port';
import { ProfilesModule } from '../profiles/profiles.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { UsersModule } from '../users/users.module';
import { CheckoutService } from './checkout.service';
import { Purchase } from './entities/purchase.entity';
import { StripeEventRecord } from './entities/stripe-event.entity';
import { FraudWarningsController } from './fraud-warnings/fraud-warnings.controller';
import { FraudWarningsService } from './fraud-warnings/fraud-warnings.service';
import { RefundAtStripeWhenFraudRefundRequested } from './listeners/refund-at-stripe-when-fraud-refund-requested';
import { PaymentOutcomes } from './outcomes/payment-outcomes.service';
import { PaymentsController } from './payments.controller';
import { PurchasesRepository } from './purchases.repository';
import { PurchaseReportsQueries } from './purchase-reports.queries';
import { PurchaseSearchQueries } from './purchase-search.queries';
import { ReconciliationReportQueries } from './reconciliation/reconciliation-report.queries';
import { ReconciliationController } from './reconciliation/reconciliation.controller';
import { ReconciliationService } from './reconciliation/reconciliation.service';
import { stripeProvider } from './stripe.client';
import { PurchasesService } from './purchases.service';
import { StripeEventsRepository } from './webhook/stripe-events.repository';
import { StripeEventsRetention } from './webhook/stripe-events-retention.service';
import { StripeSignatureGuard } from './webhook/stripe-signature.guard';
import { StripeWebhookController } from './webhook/stripe-webhook.controller';
import { StripeWebhookService } from './webhook/stripe-webhook.service';

/**
 * The purchases' side of a release of held points, given to the points module as its PurchasesPort:
 * global, so that points receives it without importing payments.
 */
@Global()
@Module({
  providers: [PurchasesRepository, { provide: PURCHASES_PORT, useExisting: PurchasesRepository }],
  exports: [PurchasesRepository, PURCHASES_PORT],
})
export class PurchasesPortModule {}

@Module({
  imports: [TypeOrmModule.forFeature([Purchase, StripeEventRecord]), PurchasesPortModule, PointsModule, ProfilesModule, RateLimitModule, UsersModule],
  controllers: [PaymentsController, StripeWebhookController, ReconciliationController, FraudWarningsController],
  providers: [
    stripeProvider,
    CheckoutService,
    PurchasesService,
    StripeWebhookService,
    PaymentOutcomes,
    ReconciliationService,
    ReconciliationReportQueries,
    StripeSignatureGuard,
    RefundAtStripeWhenFraudRefundRequested,
    FraudWarningsService,
    StripeEventsRepository,
    StripeEventsRetention,
    PurchaseReportsQueries,
    PurchaseSearchQueries,
  ],
  exports: [PurchaseReportsQueries, PurchaseSearchQueries, PurchasesService, StripeEventsRetention],
})
export class PaymentsModule {}
