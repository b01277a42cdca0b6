import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { PaymentsModule } from '../payments/payments.module';
import { PlatformWebhooksModule } from '../platform-webhooks/platform-webhooks.module';
import { RetentionLockRepository } from './retention-lock.repository';
import { retentionRulesProvider } from './retention-rules';
import { RetentionStats } from './retention-stats.service';
import { RetentionService } from './retention.service';

/**
 * Retention (SPEC §13): delivered outbox events and platform events, processed Stripe event ids and
 * read notifications are removed once old enough. It owns no table: each owner removes its own rows
 * (`OutboxRetention`, `StripeEventsRetention`, `NotificationsRetention`, `PlatformEventsRetention`),
 * this module schedules them, one instance at a time, and counts for the metrics (`RetentionStats`).
 */
@Module({
  imports: [PaymentsModule, NotificationsModule, PlatformWebhooksModule],
  providers: [retentionRulesProvider, RetentionLockRepository, RetentionStats, RetentionService],
  exports: [RetentionStats, RetentionService],
})
export class RetentionModule {}
