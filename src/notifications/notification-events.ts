import { PointsPurchasedEvent, PurchaseCompletedEvent } from '../events/event-map';

/** What the /notifications namespace pushes, by event name. */
export interface ServerToClientEvents {
  'points.purchased': (payload: PointsPurchasedEvent) => void;
  'purchase.completed': (payload: PurchaseCompletedEvent) => void;
}
