import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PlatformClock } from './platform-clock';
import { ClaimedPlatformEvent, PlatformEventsRepository, TryResult } from './platform-events.repository';
import { PlatformWebhookStats } from './platform-webhook-stats.service';
import { nextTryAt } from './retry-schedule';
import { WebhookSender } from './webhook-sender';

/** How often each instance looks for due events besides being woken by its own commits. */
export const POLL_INTERVAL_MS = 1000;

/** Events claimed (and sent side by side) at once by one instance. */
export const CLAIM_BATCH_SIZE = 20;

/**
 * The platform's own delivery queue, apart from the outbox relay: a platform that is slow or down
 * holds up no moderator alert, and its backlog shows in its own metrics. Every instance delivers;
 * claims (FOR UPDATE SKIP LOCKED, with a lease) keep them from sending one event twice while they
 * live, and give a crashed instance's events to the others once the lease has passed. Woken after a
 * local commit that stored events, and by polling every POLL_INTERVAL_MS (events committed on
 * another instance, and retries that came due). No transaction is open during a try.
 */
@Injectable()
export class PlatformDelivery implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PlatformDelivery.name);
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private again = false;
  private stopped = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly repository: PlatformEventsRepository,
    private readonly sender: WebhookSender,
    private readonly clock: PlatformClock,
    private readonly stats: PlatformWebhookStats,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.sender.enabled) return;
    this.timer = setInterval(() => this.wake(), POLL_INTERVAL_MS);
    this.timer.unref();
    this.wake();
  }

  /** Claims nothing more and waits for the tries in flight, whose outcomes are then kept. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.draining;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Asks for a pass soon; calls while one runs coalesce into one more pass. */
  wake(): void {
    if (this.stopped || !this.sender.enabled) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.passes()
      .catch((error: Error) => this.logger.error(`platform webhook delivery failed: ${error.message}`, error.stack))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /**
   * Tries every event that is due now, batch after batch, and resolves once none is left and no try
   * of this instance is in flight (a pass of its own poller included): used by tests and operators'
   * scripts that need the outcome.
   */
  async drain(): Promise<void> {
    await this.passes();
    await this.draining;
    await Promise.allSettled([...this.inFlight]);
  }

  private async passes(): Promise<void> {
    if (!this.sender.enabled) return;
    while (!this.stopped) {
      const claim = randomUUID();
      const batch = await this.repository.claimDue(claim, this.clock.now(), CLAIM_BATCH_SIZE);
      await Promise.all(batch.map((event) => this.tryOnce(event, claim, false)));
      if (batch.length < CLAIM_BATCH_SIZE) return;
    }
  }

  /** One manual try of an event claimed for it (see PlatformEventsService.retry). */
  tryClaimed(event: ClaimedPlatformEvent, claim: string): Promise<TryResult> {
    return this.tryOnce(event, claim, true);
  }

  private tryOnce(event: ClaimedPlatformEvent, claim: string, manual: boolean): Promise<TryResult> {
    const work = this.send(event, claim, manual);
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  private async send(event: ClaimedPlatformEvent, claim: string, manual: boolean): Promise<TryResult> {
    const result: TryResult = { ...(await this.sender.send(event.webhookId, event.body, this.clock.now())), manual };
    // The schedule counts from the end of the try: a try that timed out is not followed at once.
    const finishedAt = this.clock.now();
    const next = result.outcome === 'delivered' ? null : nextTryAt(event.scheduleStep + 1, finishedAt);
    await this.repository.settle(event, claim, result, next, finishedAt);
    this.stats.countTry(result.outcome);
    if (result.outcome !== 'delivered') {
      const then = next ? `next try at ${next.toISOString()}` : 'no try left: failed';
      this.logger.warn(`platform event ${event.id} (${event.webhookId}) not delivered: ${result.error}; ${then}`);
    }
    return result;
  }
}
