import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { PaymentsModule } from '../payments/payments.module';
import { PlatformWebhooksModule } from '../platform-webhooks/platform-webhooks.module';
import { RetentionModule } from '../retention/retention.module';
import { HttpObserver } from './http-observer';
import { CountPointsWhenPaymentsCaptured } from './listeners/count-points-when-payments-captured';
import { CountPointsWhenSpent } from './listeners/count-points-when-spent';
import { LoggingModule } from './logging.module';
import { MetricsTokenGuard } from './metrics-token.guard';
import { MetricsController } from './metrics.controller';
import { ScrapedFigures } from './scraped-figures';
import { MetricsService } from './metrics.service';
import { OpenSockets } from './open-sockets';
import { WebhookOutcomeInterceptor } from './webhook-outcome.interceptor';

/**
 * What an operator sees (SPEC §9): JSON logs with one line per request, and Prometheus metrics at
 * GET /metrics. It observes the other modules from outside (the HTTP server, their answers, their
 * domain events, the owners' query services at scrape time) and changes none of them.
 */
@Module({
  imports: [LoggingModule, DiscoveryModule, PaymentsModule, PlatformWebhooksModule, RetentionModule],
  controllers: [MetricsController],
  providers: [
    MetricsService,
    ScrapedFigures,
    OpenSockets,
    HttpObserver,
    MetricsTokenGuard,
    CountPointsWhenPaymentsCaptured,
    CountPointsWhenSpent,
    { provide: APP_INTERCEPTOR, useClass: WebhookOutcomeInterceptor },
  ],
  exports: [MetricsService],
})
export class ObservabilityModule {}
