import { PointsPurchasedEvent, PurchaseCompletedEvent } from '../../src/events/event-map';

/** A credited purchase as a test knows it: its parties from the factories, its price from the emulator's catalogue. */
export interface KnownPurchase {
  transactionId: string;
  client: { id: string };
  profile: { id: string };
  moderator: { id: string };
  points: number;
  amountCents: number;
  currency: string;
  creditedAt: Date;
}

/** What purchase.completed must tell the client: built from what the test knows, not read back from the service. */
export function purchaseCompletedPayload(purchase: KnownPurchase): PurchaseCompletedEvent {
  return {
    transactionId: purchase.transactionId,
    clientId: purchase.client.id,
    profileId: purchase.profile.id,
    points: purchase.points,
    amountCents: purchase.amountCents,
    currency: purchase.currency,
    creditedAt: purchase.creditedAt.toISOString(),
  };
}

/** What points.purchased must tell the moderator credited. */
export function pointsPurchasedPayload(purchase: KnownPurchase): PointsPurchasedEvent {
  return { ...purchaseCompletedPayload(purchase), moderatorId: purchase.moderator.id };
}
