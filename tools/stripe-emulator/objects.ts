export const STRIPE_API_VERSION = '2026-10-28.endive';

export type Metadata = Record<string, string>;

export interface StripeListObject<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

export type CheckoutSessionStatus = 'open' | 'complete' | 'expired';
export type CheckoutPaymentStatus = 'unpaid' | 'paid';

export interface CheckoutSessionObject {
  id: string;
  object: 'checkout.session';
  mode: 'payment';
  status: CheckoutSessionStatus;
  payment_status: CheckoutPaymentStatus;
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  customer_email: string | null;
  metadata: Metadata;
  success_url: string;
  cancel_url: string | null;
  /** Stripe nulls the hosted URL once the session is no longer open. */
  url: string | null;
  payment_intent: string | null;
  payment_method_types: string[];
  created: number;
  expires_at: number;
  /** The hosted page's language as asked; null: Stripe's `auto`. */
  locale: string | null;
  livemode: false;
}

export interface PriceObject {
  id: string;
  object: 'price';
  currency: string;
  unit_amount: number;
  product: string;
  type: 'one_time';
}

export interface CheckoutLineItemObject {
  id: string;
  object: 'item';
  description: string;
  quantity: number;
  amount_subtotal: number;
  amount_total: number;
  amount_discount: number;
  amount_tax: number;
  currency: string;
  price: PriceObject;
}

export type PaymentIntentStatus = 'processing' | 'succeeded' | 'requires_payment_method';

export interface PaymentIntentObject {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  status: PaymentIntentStatus;
  latest_charge: string | null;
  metadata: Metadata;
  payment_method_types: string[];
  created: number;
  livemode: false;
}

export type RefundReason = 'duplicate' | 'fraudulent' | 'requested_by_customer';

export interface RefundObject {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  charge: string;
  payment_intent: string;
  reason: RefundReason | null;
  status: 'succeeded';
  metadata: Metadata;
  created: number;
}

export type ChargeStatus = 'pending' | 'succeeded' | 'failed';

export interface ChargeObject {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  currency: string;
  status: ChargeStatus;
  paid: boolean;
  captured: boolean;
  refunded: boolean;
  disputed: boolean;
  failure_code: string | null;
  failure_message: string | null;
  payment_intent: string;
  metadata: Metadata;
  refunds: StripeListObject<RefundObject>;
  created: number;
  livemode: false;
}

export type DisputeStatus = 'needs_response' | 'won' | 'lost';

export interface DisputeObject {
  id: string;
  object: 'dispute';
  amount: number;
  currency: string;
  charge: string;
  payment_intent: string;
  status: DisputeStatus;
  reason: 'fraudulent';
  metadata: Metadata;
  created: number;
  livemode: false;
}

/** Radar's early fraud warning: the card's issuer reports the charge as likely fraud. */
export interface EarlyFraudWarningObject {
  id: string;
  object: 'radar.early_fraud_warning';
  actionable: boolean;
  charge: string;
  payment_intent: string;
  fraud_type: 'made_with_stolen_card';
  created: number;
  livemode: false;
}

export type StripeEventDataObject =
  | CheckoutSessionObject
  | ChargeObject
  | DisputeObject
  | EarlyFraudWarningObject
  | { readonly [key: string]: unknown };

export interface StripeEventObject<T = StripeEventDataObject> {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  type: string;
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  data: { object: T };
}

export interface WebhookDelivery {
  eventId: string;
  type: string;
  attempt: number;
  /** HTTP status of the receiver's answer; absent when the request itself failed. */
  status?: number;
  error?: string;
  /** Unix time in milliseconds at which the attempt started. */
  at: number;
}
