import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../database/transaction';
import { OnTransactionEvent } from '../../events/event-bus';
import { BalancesChangedEvent } from '../../events/event-map';
import { interactionKey } from '../../interactions/interactions.service';
import { BalancesService } from '../../points/balances.service';
import { PlatformClock } from '../platform-clock';
import { platformEventBody } from '../platform-event-types';
import { PlatformDelivery } from '../platform-delivery';
import { PlatformEventsRepository } from '../platform-events.repository';
import { WebhookSender } from '../webhook-sender';

/**
 * Stores the platform's events in the transaction that changed the balances (the outbox's
 * guarantee: an event is never lost, and never sent for a change that rolled back), each with the
 * client's balance for the profile read right after the change, while the transaction still holds
 * the interaction's lock. Changes of one interaction told together carry the balance after all of
 * them. Nothing is stored when PLATFORM_WEBHOOK_URL is unset. The try comes after commit.
 */
@Injectable()
export class RecordPlatformEventsWhenBalancesChanged {
  constructor(
    private readonly sender: WebhookSender,
    private readonly balances: BalancesService,
    private readonly repository: PlatformEventsRepository,
    private readonly transactions: TransactionRunner,
    private readonly delivery: PlatformDelivery,
    private readonly clock: PlatformClock,
  ) {}

  @OnTransactionEvent('balances.changed')
  async handle({ changes }: BalancesChangedEvent): Promise<void> {
    if (!this.sender.enabled || changes.length === 0) return;
    const snapshots = await this.balances.snapshotAll(changes);
    await this.repository.store(
      changes.map((change) => ({
        webhookId: `msg_${randomUUID().replaceAll('-', '')}`,
        type: change.type,
        clientId: change.clientId,
        profileId: change.profileId,
        body: JSON.stringify(platformEventBody(change, snapshots.get(interactionKey(change.clientId, change.profileId))!)),
      })),
      this.clock.now(),
    );
    this.transactions.onCommit(() => this.delivery.wake());
  }
}
