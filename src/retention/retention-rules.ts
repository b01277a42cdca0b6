import { Provider } from '@nestjs/common';
import { Env } from '../config/env.schema';
import { OutboxRetention } from '../events/outbox-retention.service';
import { NotificationsRetention } from '../notifications/notifications-retention.service';
import { StripeEventsRetention } from '../payments/webhook/stripe-events-retention.service';
import { PlatformEventsRetention } from '../platform-webhooks/platform-events-retention.service';
import { RetentionRule } from './retention-plan';

/** The tables retention trims, each with its window (SPEC §13). Purchases and the ledger are not among them, ever. */
export const RETENTION_RULES = Symbol('RETENTION_RULES');

export const retentionRulesProvider: Provider = {
  provide: RETENTION_RULES,
  inject: [Env, OutboxRetention, StripeEventsRetention, NotificationsRetention, PlatformEventsRetention],
  useFactory: (
    env: Env,
    outbox: OutboxRetention,
    stripeEvents: StripeEventsRetention,
    notifications: NotificationsRetention,
    platformEvents: PlatformEventsRetention,
  ): RetentionRule[] => [
    { target: outbox, days: env.OUTBOX_RETENTION_DAYS },
    { target: stripeEvents, days: env.STRIPE_EVENTS_RETENTION_DAYS },
    { target: notifications, days: env.NOTIFICATIONS_RETENTION_DAYS },
    // Delivered events to the platform are the outbox's kind of row: the same window.
    { target: platformEvents, days: env.OUTBOX_RETENTION_DAYS },
  ],
};
