import { IntegrationEvents } from '../events/event-map';
import { objectSchema, ObjectSchema } from './json-schema';

/**
 * The realtime contract, in one place: which integration events become notifications, who receives
 * them, and the JSON Schema of their payload. The socket event map, the REST DTOs and the AsyncAPI
 * document are derived from it; the schemas are checked by the compiler against the event map.
 */
export const NOTIFICATION_TYPES = [
  'points.purchased',
  'purchase.completed',
  'points.reversed',
  'points.restored',
  'payment.failed',
  'fraud_warning.created',
  'payout_details.changed',
] as const satisfies ReadonlyArray<keyof IntegrationEvents>;

export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** What is stored in `notifications.payload` and returned by GET /notifications. */
export type NotificationPayload<K extends NotificationType = NotificationType> = IntegrationEvents[K];

/** What the socket pushes: the payload plus the notification id. */
export type PushedNotification<K extends NotificationType = NotificationType> = { id: string } & IntegrationEvents[K];

/** Server → client events of the socket.io namespace /notifications: the event name is the notification type. */
export type ServerToClientEvents = { [K in NotificationType]: (notification: PushedNotification<K>) => void };

export type Audience = 'moderator' | 'client' | 'admin';

export interface NotificationSpec<K extends NotificationType> {
  audience: Audience;
  summary: string;
  /** The user the notification is for; absent for admin alerts, which every admin receives. */
  recipient?: (payload: IntegrationEvents[K]) => string;
  schema: ObjectSchema<IntegrationEvents[K]>;
}

const id = (example: string, description: string) => ({ type: 'string' as const, example, description });
const points = { type: 'integer' as const, minimum: 1, example: 500 };
const amountCents = { type: 'integer' as const, minimum: 1, example: 999, description: 'Minor units (cents)' };
const currency = { type: 'string' as const, example: 'eur', description: 'ISO 4217, lower case' };
const at = (description: string) => ({ type: 'string' as const, format: 'date-time' as const, description });

/** The purchase a payload is about (PurchaseRef), its client and profile described for the reader. */
const purchase = (client: string, profile: string) => ({
  transactionId: id('42', 'The purchase'),
  clientId: id('7', client),
  profileId: id('12', profile),
});
/** What was ordered and paid (PurchaseOrder). */
const order = { points, amountCents, currency };

// The audience and the recipient go together: a notification for the moderator goes to event.moderatorId.
const toModerator = { audience: 'moderator', recipient: (event: { moderatorId: string }) => event.moderatorId } as const;
const toClient = { audience: 'client', recipient: (event: { clientId: string }) => event.clientId } as const;
const toAdmins = { audience: 'admin' } as const;

export const NOTIFICATIONS: { [K in NotificationType]: NotificationSpec<K> } = {
  'points.purchased': {
    ...toModerator,
    summary: 'A client bought points for a profile you moderate; they are credited to you.',
    schema: objectSchema('PointsPurchased', 'Points bought for a profile and credited to its moderator.', {
      ...purchase('The paying client', 'The profile the points were bought for'),
      moderatorId: id('3', 'The moderator credited (you)'),
      ...order,
      creditedAt: at('When the points were credited'),
    }),
  },
  'purchase.completed': {
    ...toClient,
    summary: 'Your purchase is paid and its points are on your balance for the profile.',
    schema: objectSchema('PurchaseCompleted', "A client's purchase was paid and credited.", {
      ...purchase('The paying client (you)', 'The profile the points were bought for'),
      ...order,
      creditedAt: at('When the points were credited'),
    }),
  },
  'points.reversed': {
    ...toModerator,
    summary: 'Points of a purchase were taken back from you because it was refunded or disputed.',
    schema: objectSchema('PointsReversed', 'Points taken back from a moderator after a refund or a dispute.', {
      ...purchase('The client who bought it', 'The profile'),
      moderatorId: id('3', 'The moderator debited (you)'),
      points: { ...points, description: 'Points taken back by this reversal only' },
      reason: { type: 'string', enum: ['refund', 'dispute'], example: 'refund' },
      moderatorBalance: {
        type: 'integer',
        example: 1500,
        description: "The moderator's balance after the reversal; negative when the points were already paid out",
      },
      alreadySpent: {
        type: 'integer',
        minimum: 0,
        example: 200,
        description: 'Points of the purchase the client had already spent when it was reversed',
      },
      unrecovered: {
        type: 'integer',
        minimum: 0,
        example: 0,
        description: "Points of this reversal the client no longer had: their balance for the profile went negative by this much",
      },
      reversedAt: at('When the points were taken back'),
    }),
  },
  'points.restored': {
    ...toModerator,
    summary: 'A dispute was won: the points it had taken back are yours again.',
    schema: objectSchema('PointsRestored', 'Points given back to a moderator when a dispute is won.', {
      ...purchase('The client who bought it', 'The profile'),
      moderatorId: id('3', 'The moderator credited again (you)'),
      points,
      restoredAt: at('When the points were given back'),
    }),
  },
  'payment.failed': {
    ...toClient,
    summary: 'A purchase will not be credited: the payment failed, expired or did not match the order.',
    schema: objectSchema('PaymentFailed', 'A purchase that will not be credited.', {
      ...purchase('The client (you)', 'The profile'),
      ...order,
      reason: {
        type: 'string',
        enum: ['async_payment_failed', 'amount_mismatch', 'currency_mismatch', 'expired'],
        example: 'async_payment_failed',
      },
      failedAt: at('When the purchase failed'),
    }),
  },
  'fraud_warning.created': {
    ...toAdmins,
    summary: "Stripe warned that a charge is likely fraud: the purchase's unspent points are frozen and its moderator's money is held out of payouts.",
    schema: objectSchema('FraudWarningCreated', 'An early fraud warning holds a purchase until it is refunded, disputed or released.', {
      ...purchase('The client who bought it', 'The profile'),
      ...order,
      warningId: id('issfr_1NnrwHBw2dPENLoi9lnhV3RQ', "Stripe's id of the warning: POST /admin/fraud-warnings/{id}/release releases the purchase"),
      fraudType: { type: 'string', example: 'made_with_stolen_card', description: "Stripe's fraud_type, `unknown` when it gave none" },
      frozenPoints: { type: 'integer', minimum: 0, example: 400, description: 'Unspent points of the purchase, now frozen' },
      refundCents: { type: 'integer', minimum: 0, example: 799, description: 'What EFW_AUTO_REFUND asked Stripe to refund, minor units; 0 when nothing' },
      warnedAt: at('When the warning arrived'),
    }),
  },
  'payout_details.changed': {
    ...toAdmins,
    summary: "A moderator's bank details for payouts changed; they apply from the next payout run.",
    schema: objectSchema('PayoutDetailsChanged', "A moderator's payout details were set, replaced or removed.", {
      moderatorId: id('3', 'The moderator'),
      change: { type: 'string', enum: ['set', 'removed'], example: 'set', description: 'removed: erased with the moderator' },
      ibanEnding: { type: 'string', example: '0189', description: 'The last four characters of the new IBAN; empty when removed' },
      changedBy: { type: 'string', enum: ['moderator', 'platform'], example: 'moderator' },
      changedAt: at('When they changed'),
    }),
  },
};
