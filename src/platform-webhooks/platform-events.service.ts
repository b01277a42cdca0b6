import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { isId } from '../common/ids';
import { Page } from '../common/pagination';
import { TransactionRunner } from '../database/transaction';
import { PlatformEventDto, PlatformEventQuery } from './dto/platform-event.dto';
import { PlatformClock } from './platform-clock';
import { PlatformDelivery } from './platform-delivery';
import { AttemptRow, PlatformEventRow, PlatformEventsRepository } from './platform-events.repository';
import { PlatformWebhooksError } from './platform-webhooks.errors';
import { WebhookSender } from './webhook-sender';

/** The operators' view of the events to the platform: the list with every try, and a manual try. */
@Injectable()
export class PlatformEventsService {
  constructor(
    private readonly repository: PlatformEventsRepository,
    private readonly delivery: PlatformDelivery,
    private readonly sender: WebhookSender,
    private readonly clock: PlatformClock,
    private readonly transactions: TransactionRunner,
  ) {}

  /** An admin list: read on the replica (a manual try answers with the event as it left it). */
  list(query: PlatformEventQuery): Promise<Page<PlatformEventDto>> {
    return this.transactions.onReplica(async () => {
      const rows = await this.repository.list(query.status, query.cursor, query.limit);
      const page = Page.of(rows, query.limit);
      const tries = await this.repository.attemptsOf(page.items.map((row) => row.id));
      return { items: page.items.map((row) => toDto(row, tries.get(row.id) ?? [])), nextCursor: page.nextCursor };
    });
  }

  /**
   * Sends the event once more now, whatever its state (a delivered one too: receivers tell repeats
   * by webhook-id), and answers it with this try. A failed try starts the retry schedule over.
   */
  async retry(id: string): Promise<PlatformEventDto> {
    if (!isId(id)) throw PlatformWebhooksError.notFound(id);
    if (!this.sender.enabled) throw PlatformWebhooksError.notConfigured();
    const claim = randomUUID();
    const claimed = await this.repository.claimOne(id, claim, this.clock.now());
    if (claimed === 'missing') throw PlatformWebhooksError.notFound(id);
    if (claimed === 'busy') throw PlatformWebhooksError.inFlight(id);
    await this.delivery.tryClaimed(claimed, claim);
    const row = await this.repository.find(id);
    if (!row) throw PlatformWebhooksError.notFound(id);
    const tries = await this.repository.attemptsOf([id]);
    return toDto(row, tries.get(id) ?? []);
  }
}

function toDto(row: PlatformEventRow, tries: readonly AttemptRow[]): PlatformEventDto {
  return {
    id: row.id,
    webhookId: row.webhookId,
    type: row.type,
    status: row.status,
    clientId: row.clientId,
    profileId: row.profileId,
    body: JSON.parse(row.body) as Record<string, unknown>,
    tryCount: row.tries,
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    tries: tries.map((attempt) => ({
      attemptedAt: attempt.attemptedAt.toISOString(),
      outcome: attempt.outcome,
      statusCode: attempt.statusCode,
      durationMs: attempt.durationMs,
      error: attempt.error,
      manual: attempt.manual,
    })),
  };
}
