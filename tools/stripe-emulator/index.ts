export { StripeEmulator } from './stripe-emulator';
export type { StripeEmulatorOptions } from './stripe-emulator';
export { STRIPE_API_VERSION } from './objects';
export type {
  ChargeObject,
  ChargeStatus,
  CheckoutLineItemObject,
  CheckoutPaymentStatus,
  CheckoutSessionObject,
  CheckoutSessionStatus,
  DisputeObject,
  DisputeStatus,
  EarlyFraudWarningObject,
  Metadata,
  PaymentIntentObject,
  PaymentIntentStatus,
  PriceObject,
  RefundObject,
  RefundReason,
  StripeEventDataObject,
  StripeEventObject,
  StripeListObject,
  WebhookDelivery,
} from './objects';
export { formatAmount } from './money';
export { parseForm } from './form';
export type { FormObject, FormValue } from './form';
export { signPayload } from './webhooks';
