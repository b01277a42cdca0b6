import { money, points, t } from './i18n';
import type { NotificationEvents, StoredNotification } from './types';

/** The notifications a moderator is alerted to. */
export const MODERATOR_ALERTS = ['points.purchased', 'points.reversed', 'points.restored'] as const;
export type ModeratorAlertType = (typeof MODERATOR_ALERTS)[number];

type Payload<K extends ModeratorAlertType> = Omit<NotificationEvents[K], 'id'>;
export type AlertPayload = { [K in ModeratorAlertType]: { type: K; payload: Payload<K> } }[ModeratorAlertType];

export interface Alert {
  id: string;
  text: string;
  /** ISO date of the change the alert reports. */
  at: string;
}

/** What a reader knows a purchase by: the alert itself carries ids only. */
export interface PurchaseNames {
  /** Null when the platform shared no name for the client. */
  client: string | null;
  profile: string;
}

/** One line for a person, in the page's language, with the purchase's names when known. */
export function describeAlert(id: string, alert: AlertPayload, names?: PurchaseNames): Alert {
  switch (alert.type) {
    case 'points.purchased': {
      const { payload } = alert;
      return {
        id,
        at: payload.creditedAt,
        text: t('moderator.purchased', {
          points: points(payload.points),
          client: names?.client ?? t('moderator.someClient'),
          profile: names?.profile ?? t('moderator.yourProfile'),
          price: money(payload.amountCents, payload.currency),
        }),
      };
    }
    case 'points.reversed': {
      const { payload } = alert;
      return {
        id,
        at: payload.reversedAt,
        text: t('moderator.reversed', {
          points: points(payload.points),
          reason: t(payload.reason === 'refund' ? 'moderator.reason.refund' : 'moderator.reason.dispute'),
          transaction: payload.transactionId,
          balance: points(payload.moderatorBalance),
        }),
      };
    }
    case 'points.restored': {
      const { payload } = alert;
      return { id, at: payload.restoredAt, text: t('moderator.restored', { points: points(payload.points), transaction: payload.transactionId }) };
    }
  }
}

export function isModeratorAlert(notification: StoredNotification): notification is StoredNotification<ModeratorAlertType> {
  return (MODERATOR_ALERTS as readonly string[]).includes(notification.type);
}
