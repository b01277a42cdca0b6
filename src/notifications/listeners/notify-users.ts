import { Injectable } from '@nestjs/common';
import { OnIntegrationEvent } from '../../events/event-bus';
import { Published } from '../../events/event-map';
import { Notifier } from '../notifier';

// One listener per event, named after its reaction. Failures propagate: the relay retries the event,
// and the unique (event_id, user_id) makes the retry store and push nothing twice.

@Injectable()
export class NotifyModeratorWhenPointsPurchased {
  constructor(private readonly notifier: Notifier) {}

  @OnIntegrationEvent('points.purchased')
  handle(event: Published<'points.purchased'>): Promise<void> {
    return this.notifier.notify('points.purchased', event);
  }
}

@Injectable()
export class NotifyClientWhenPurchaseCompleted {
  constructor(private readonly notifier: Notifier) {}

  @OnIntegrationEvent('purchase.completed')
  handle(event: Published<'purchase.completed'>): Promise<void> {
    return this.notifier.notify('purchase.completed', event);
  }
}

@Injectable()
export class NotifyModeratorWhenPointsReversed {
  constructor(private readonly notifier: Notifier) {}

  @OnIntegrationEvent('points.reversed')
  handle(event: Published<'points.reversed'>): Promise<void> {
    return this.notifier.notify('points.reversed', event);
  }
}

@Injectable()
export class NotifyModeratorWhenPointsRestored {
  constructor(private readonly notifier: Notifier) {}

  @OnIntegrationEvent('points.restored')
  handle(event: Published<'points.restored'>): Promise<void> {
    return this.notifier.notify('points.restored', event);
  }
}

@Injectable()
export class NotifyClientWhenPaymentFailed {
  constructor(private readonly notifier: Notifier) {}

  @OnIntegrationEvent('payment.failed')
  handle(event: Published<'payment.failed'>): Promise<void> {
    return this.notifier.notify('payment.failed', event);
  }
}

@Injectable()
export class NotifyAdminsWhenFraudWarningCreated {
  constructor(private readonly notifier: Notifier) {}

  @OnIntegrationEvent('fraud_warning.created')
  handle(event: Published<'fraud_warning.created'>): Promise<void> {
    return this.notifier.notify('fraud_warning.created', event);
  }
}

@Injectable()
export class NotifyAdminsWhenPayoutDetailsChanged {
  constructor(private readonly notifier: Notifier) {}

  @OnIntegrationEvent('payout_details.changed')
  handle(event: Published<'payout_details.changed'>): Promise<void> {
    return this.notifier.notify('payout_details.changed', event);
  }
}

export const NOTIFICATION_LISTENERS = [
  NotifyAdminsWhenFraudWarningCreated,
  NotifyAdminsWhenPayoutDetailsChanged,
  NotifyModeratorWhenPointsPurchased,
  NotifyClientWhenPurchaseCompleted,
  NotifyModeratorWhenPointsReversed,
  NotifyModeratorWhenPointsRestored,
  NotifyClientWhenPaymentFailed,
];
