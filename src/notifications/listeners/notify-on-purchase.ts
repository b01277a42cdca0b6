import { Injectable } from '@nestjs/common';
import { OnIntegrationEvent } from '../../events/event-bus';
import { Published } from '../../events/event-map';
import { NotificationsGateway } from '../notifications.gateway';

@Injectable()
export class NotifyModeratorWhenPointsPurchased {
  constructor(private readonly gateway: NotificationsGateway) {}

  @OnIntegrationEvent('points.purchased')
  handle({ eventId: _eventId, ...purchase }: Published<'points.purchased'>): void {
    this.gateway.push(purchase.moderatorId, 'points.purchased', purchase);
  }
}

@Injectable()
export class NotifyClientWhenPurchaseCompleted {
  constructor(private readonly gateway: NotificationsGateway) {}

  @OnIntegrationEvent('purchase.completed')
  handle({ eventId: _eventId, ...purchase }: Published<'purchase.completed'>): void {
    this.gateway.push(purchase.clientId, 'purchase.completed', purchase);
  }
}
