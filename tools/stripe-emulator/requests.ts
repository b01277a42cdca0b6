import { StripeApiError } from './errors';
import { Metadata, RefundReason } from './objects';
import { ParamReader } from './params';

export interface LineItemInput {
  name: string;
  currency: string;
  unitAmount: number;
  quantity: number;
}

export interface CheckoutSessionInput {
  lineItems: LineItemInput[];
  paymentMethodTypes: string[];
  successUrl: string;
  cancelUrl: string | null;
  clientReferenceId: string | null;
  customerEmail: string | null;
  metadata: Metadata;
  paymentIntentMetadata: Metadata;
  expiresAt: number | null;
  /** The hosted page's language, as Stripe takes it ('fr', 'en', 'fr-CA', 'auto'…). */
  locale: string | null;
}

export interface RefundInput {
  paymentIntent?: string;
  charge?: string;
  amount?: number;
  reason?: RefundReason;
  metadata?: Metadata;
}

/**
 * Every parameter Stripe's API accepts on session creation (payment_method_types included: the API still
 * takes it though SDK 23's types no longer list it). The ones the emulator does not model are
 * accepted and ignored; anything else is a typo and gets Stripe's "unknown parameter" error.
 */
const CHECKOUT_SESSION_PARAMS = new Set([
  'adaptive_pricing', 'after_expiration', 'allow_promotion_codes', 'allowed_payment_method_types', 'automatic_tax',
  'billing_address_collection', 'branding_settings', 'cancel_url', 'client_reference_id', 'consent_collection',
  'currency', 'custom_fields', 'custom_text', 'customer', 'customer_account', 'customer_creation', 'customer_email',
  'customer_update', 'discounts', 'excluded_payment_method_types', 'expand', 'expires_at', 'integration_identifier',
  'invoice_creation', 'line_items', 'locale', 'managed_payments', 'metadata', 'mode', 'name_collection',
  'optional_items', 'origin_context', 'payment_intent_data', 'payment_method_collection',
  'payment_method_configuration', 'payment_method_data', 'payment_method_options', 'payment_method_types', 'permissions',
  'phone_number_collection', 'redirect_on_completion', 'return_url', 'saved_payment_method_options',
  'setup_intent_data', 'shipping_address_collection', 'shipping_options', 'submit_type', 'subscription_data',
  'success_url', 'tax_id_collection', 'ui_mode', 'wallet_options',
]);

const REFUND_PARAMS = new Set([
  'amount', 'charge', 'currency', 'customer', 'expand', 'instructions_email', 'metadata', 'origin',
  'payment_intent', 'reason', 'refund_application_fee', 'reverse_transfer',
]);

const REFUND_REASONS: ReadonlySet<string> = new Set<RefundReason>(['duplicate', 'fraudulent', 'requested_by_customer']);

export function readCheckoutSessionInput(params: ParamReader): CheckoutSessionInput {
  params.rejectUnknown(CHECKOUT_SESSION_PARAMS);
  const mode = params.requiredString('mode');
  if (mode !== 'payment') {
    throw StripeApiError.invalid(`The Stripe emulator only supports mode=payment, got mode=${mode}.`, 'mode');
  }
  const lineItems = params.objectArray('line_items');
  if (lineItems === undefined || lineItems.length === 0) throw StripeApiError.missingParam('line_items');
  const successUrl = readUrl(params, 'success_url');
  if (successUrl === undefined) throw StripeApiError.missingParam('success_url');
  return {
    lineItems: readLineItems(lineItems),
    paymentMethodTypes: params.stringArray('payment_method_types') ?? ['card'],
    successUrl,
    cancelUrl: readUrl(params, 'cancel_url') ?? null,
    clientReferenceId: params.string('client_reference_id', 200) ?? null,
    customerEmail: params.string('customer_email', 800) ?? null,
    metadata: params.metadata('metadata') ?? {},
    paymentIntentMetadata: params.object('payment_intent_data')?.metadata('metadata') ?? {},
    expiresAt: params.integer('expires_at') ?? null,
    locale: params.string('locale', 20) ?? null,
  };
}

export function readRefundInput(params: ParamReader): RefundInput {
  params.rejectUnknown(REFUND_PARAMS);
  const reason = params.string('reason');
  if (reason !== undefined && !REFUND_REASONS.has(reason)) {
    throw StripeApiError.invalid(`Invalid reason: must be one of ${[...REFUND_REASONS].join(', ')}`, 'reason');
  }
  return {
    paymentIntent: params.string('payment_intent'),
    charge: params.string('charge'),
    amount: params.positiveInteger('amount'),
    reason: reason as RefundReason | undefined,
    metadata: params.metadata('metadata'),
  };
}

export function readExpand(params: ParamReader): string[] {
  return params.stringArray('expand') ?? [];
}

function readLineItems(items: ParamReader[]): LineItemInput[] {
  const lineItems = items.map(readLineItem);
  const mismatch = lineItems.findIndex((item) => item.currency !== lineItems[0].currency);
  if (mismatch !== -1) {
    const param = `${items[mismatch].path('price_data')}[currency]`;
    throw StripeApiError.invalid('All line items of a Checkout Session must use the same currency.', param);
  }
  return lineItems;
}

function readLineItem(item: ParamReader): LineItemInput {
  if (item.string('price') !== undefined) {
    throw StripeApiError.invalid('The Stripe emulator has no Price objects: use line_items[][price_data].', item.path('price'));
  }
  const priceData = item.requiredObject('price_data');
  const currency = priceData.requiredString('currency').toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) throw StripeApiError.invalid(`Invalid currency: ${currency}`, priceData.path('currency'));
  return {
    name: priceData.requiredObject('product_data').requiredString('name', 250),
    currency,
    unitAmount: priceData.requiredPositiveInteger('unit_amount'),
    quantity: item.requiredPositiveInteger('quantity'),
  };
}

function readUrl(params: ParamReader, key: string): string | undefined {
  const value = params.string(key, 5000);
  if (value === undefined) return undefined;
  if (!URL.canParse(value) || !['http:', 'https:'].includes(new URL(value).protocol)) {
    throw StripeApiError.invalid(`Not a valid URL: ${key}`, key, 'url_invalid');
  }
  return value;
}
