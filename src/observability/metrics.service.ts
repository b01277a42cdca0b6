import { Inject, Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ReadReplica, ReplicaState } from '../database/read-replica';
import { PlatformWebhookStats } from '../platform-webhooks/platform-webhook-stats.service';
import { RetentionStats } from '../retention/retention-stats.service';
import { METRICS_CACHE_MS, ScrapedFigures, SCRAPED_MISMATCH_FLAGS } from './scraped-figures';
import type { RedisLink } from '../redis/redis-link';
import { REDIS } from '../redis/redis.module';
import { OpenSockets } from './open-sockets';

/**
 * The Prometheus families of SPEC §9, on a registry of this app's own (two apps in one process, as
 * in tests, do not share counters). Counters move where the fact happens; gauges that need the
 * database or the socket server are read when Prometheus scrapes, never on a request.
 */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger(MetricsService.name);
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status, and how long they took',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly webhookEvents = new Counter({
    name: 'stripe_webhook_events_total',
    help: 'Stripe webhook deliveries by event type and outcome (the outcome answered and stored, or why the delivery was refused)',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly pointsCredited = new Counter({
    name: 'points_credited_total',
    help: "Points credited to clients' balances by paid purchases (counted when their transaction commits)",
    registers: [this.registry],
  });

  private readonly pointsSpent = new Counter({
    name: 'points_spent_total',
    help: 'Points spent by clients (a repeated idempotency key is not counted again)',
    registers: [this.registry],
  });

  constructor(
    private readonly queries: ScrapedFigures,
    private readonly sockets: OpenSockets,
    private readonly platformWebhooks: PlatformWebhookStats,
    private readonly retention: RetentionStats,
    @Inject(REDIS) redis: RedisLink | null,
    replica: ReadReplica,
  ) {
    collectDefaultMetrics({ register: this.registry });
    this.databaseGauges();
    if (replica.configured) this.replicaGauge(replica);
    this.platformWebhookMetrics();
    this.retentionMetrics();
    if (redis) {
      new Gauge({
        name: 'redis_connected',
        help: 'Whether this instance reaches Redis (1) or serves without it (0: rate limits per instance, alerts to its own sockets)',
        registers: [this.registry],
        collect: function (this: Gauge) {
          this.set(redis.connected ? 1 : 0);
        },
      });
    }
    new Gauge({
      name: 'socket_connections',
      help: 'Sockets connected to this instance',
      registers: [this.registry],
      collect: function (this: Gauge) {
        this.set(sockets.count());
      },
    });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }

  countWebhook(type: string, outcome: string): void {
    this.webhookEvents.inc({ type, outcome });
  }

  countCredited(points: number): void {
    if (points > 0) this.pointsCredited.inc(points);
  }

  countSpent(points: number): void {
    if (points > 0) this.pointsSpent.inc(points);
  }

  /**
   * The platform's webhooks: tries by outcome (this instance's, counted where they happen) and the
   * pending events (all instances; a count cached a few seconds by PlatformWebhookStats).
   */
  private platformWebhookMetrics(): void {
    const { platformWebhooks: stats, logger } = this;
    new Counter({
      name: 'platform_webhook_deliveries_total',
      help: 'Tries of events to the platform by outcome: delivered (a 2xx within 10 s), rejected (another status), timeout, error (no connection)',
      labelNames: ['outcome'] as const,
      registers: [this.registry],
      collect(this: Counter<'outcome'>) {
        this.reset();
        for (const [outcome, count] of stats.tries()) this.inc({ outcome }, count);
      },
    });
    new Gauge({
      name: 'platform_webhook_pending',
      help: 'Events to the platform not delivered yet and still to be tried (all instances: the same value on each)',
      registers: [this.registry],
      async collect(this: Gauge) {
        const pending = await stats.pending().catch((error: Error) => {
          logger.warn(`metrics: could not read the platform webhook queue: ${error.message}`);
          return undefined;
        });
        this.set(pending ?? Number.NaN);
      },
    });
  }

  /**
   * Retention (SPEC §13): rows removed by this instance, by table, and per table the age of the
   * oldest removable row still kept beside its window (all instances: read from the database, cached
   * a few seconds). An oldest row well past its window means removal has stopped.
   */
  private retentionMetrics(): void {
    const { retention: stats, logger } = this;
    new Counter({
      name: 'retention_rows_removed_total',
      help: 'Rows removed by retention on this instance, by table (platform_event_attempts: the tries of removed platform events)',
      labelNames: ['table'] as const,
      registers: [this.registry],
      collect(this: Counter<'table'>) {
        this.reset();
        for (const [table, count] of stats.removedRows()) this.inc({ table }, count);
      },
    });
    new Gauge({
      name: 'retention_oldest_kept_seconds',
      help:
        'Age of the oldest row retention may remove that is still kept, by table: published outbox events, processed Stripe event ids, ' +
        'read notifications (by creation), delivered platform events; 0 when there is none',
      labelNames: ['table'] as const,
      registers: [this.registry],
      async collect(this: Gauge<'table'>) {
        const states = await stats.tables().catch((error: Error) => {
          logger.warn(`metrics: could not read the oldest rows kept: ${error.message}`);
          return undefined;
        });
        for (const { table } of stats.windows()) this.set({ table }, states?.find((state) => state.table === table)?.oldestKeptSeconds ?? Number.NaN);
      },
    });
    new Gauge({
      name: 'retention_window_seconds',
      help: 'How long each table keeps its removable rows (OUTBOX_RETENTION_DAYS, STRIPE_EVENTS_RETENTION_DAYS, NOTIFICATIONS_RETENTION_DAYS), in seconds',
      labelNames: ['table'] as const,
      registers: [this.registry],
      collect(this: Gauge<'table'>) {
        for (const { table, windowSeconds } of stats.windows()) this.set({ table }, windowSeconds);
      },
    });
  }

  /**
   * How far the read replica's replay is behind (its last replayed commit's age), read at most once
   * per METRICS_CACHE_MS; NaN while it is unreachable or has replayed nothing yet.
   */
  private replicaGauge(replica: ReadReplica): void {
    let cached: { at: number; value: Promise<ReplicaState> } | undefined;
    new Gauge({
      name: 'database_replica_lag_seconds',
      help: 'Age of the last transaction the read replica (DATABASE_READ_URL) replayed; NaN while it is unreachable (its reads then go to the primary)',
      registers: [this.registry],
      async collect(this: Gauge) {
        if (!cached || Date.now() - cached.at >= METRICS_CACHE_MS) cached = { at: Date.now(), value: replica.state() };
        const state = await cached.value;
        this.set(state.status === 'up' && state.lagSeconds !== null ? state.lagSeconds : Number.NaN);
      },
    });
  }

  /** The Prometheus text exposition of every family. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * A failed query leaves its gauges at NaN for that scrape (unknown, rather than a stale or a zero
   * value that would read as healthy); the scrape itself still answers.
   */
  private databaseGauges(): void {
    const { queries, logger } = this;
    const failed = (what: string) => (error: Error) => {
      logger.warn(`metrics: could not read ${what}: ${error.message}`);
      return undefined;
    };
    new Gauge({
      name: 'outbox_pending_events',
      help: 'Events committed to the outbox and not yet published (all instances: the same value on each)',
      registers: [this.registry],
      async collect(this: Gauge) {
        const backlog = await queries.outboxBacklog().catch(failed('the outbox backlog'));
        this.set(backlog?.pending ?? Number.NaN);
      },
    });
    new Gauge({
      name: 'outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest unpublished outbox event, 0 when none is pending',
      registers: [this.registry],
      async collect(this: Gauge) {
        const backlog = await queries.outboxBacklog().catch(failed('the outbox backlog'));
        this.set(backlog?.oldestAgeSeconds ?? Number.NaN);
      },
    });
    new Gauge({
      name: 'reconciliation_mismatches',
      help:
        'Purchases the reconciliation report flags, by flag: stale_pending (pending for twice RECONCILE_AFTER_SECONDS), ' +
        'paid_but_not_credited (paid with a wrong amount or currency, in the last 24 h)',
      labelNames: ['flag'] as const,
      registers: [this.registry],
      async collect(this: Gauge<'flag'>) {
        const counts = await queries.reconciliationMismatches().catch(failed('the reconciliation mismatches'));
        for (const flag of SCRAPED_MISMATCH_FLAGS) this.set({ flag }, counts?.[flag] ?? Number.NaN);
      },
    });
  }
}
