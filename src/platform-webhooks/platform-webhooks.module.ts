import { Module } from '@nestjs/common';
import { PointsModule } from '../points/points.module';
import { RecordPlatformEventsWhenBalancesChanged } from './listeners/record-platform-events-when-balances-changed';
import { PlatformClock } from './platform-clock';
import { PlatformDelivery } from './platform-delivery';
import { PlatformEventsController } from './platform-events.controller';
import { PlatformEventsRepository } from './platform-events.repository';
import { PlatformEventsService } from './platform-events.service';
import { PlatformEventsRetention } from './platform-events-retention.service';
import { PlatformWebhookStats } from './platform-webhook-stats.service';
import { WebhookSender } from './webhook-sender';

/**
 * Events to the platform (SPEC §10): stored with the balance changes that cause them
 * (`balances.changed`), delivered by a queue of their own as Standard Webhooks, listed and retried
 * by admins. Owns `platform_events` and `platform_event_attempts`.
 */
@Module({
  imports: [PointsModule],
  controllers: [PlatformEventsController],
  providers: [
    PlatformEventsRepository,
    PlatformEventsService,
    PlatformEventsRetention,
    PlatformDelivery,
    PlatformClock,
    PlatformWebhookStats,
    WebhookSender,
    RecordPlatformEventsWhenBalancesChanged,
  ],
  exports: [PlatformWebhookStats, PlatformEventsRetention],
})
export class PlatformWebhooksModule {}
