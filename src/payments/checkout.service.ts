import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { AuthUser } from '../auth/auth-user';
import { Env } from '../config/env.schema';
import { TransactionRunner } from '../database/transaction';
import { PacksService } from '../points/packs.service';
import { ProfilesService } from '../profiles/profiles.service';
import { CheckoutRequestDto, CheckoutResponseDto } from './dto/checkout.dto';
import { PaymentsError } from './payments.errors';
import { PurchasesRepository } from './purchases.repository';
import { RateLimitError } from '../rate-limit/rate-limit.errors';
import { STRIPE } from './stripe.client';

/**
 * A Checkout Session stays payable this long (Stripe's minimum is 30 minutes, its default a day):
 * pending purchases, and the reconciliation job's lookups of them, end with it.
 */
export const CHECKOUT_LIFETIME_SECONDS = 30 * 60;
/** Open checkouts a client may have at once: every one is a Stripe call, and Stripe limits the whole account. */
export const MAX_PENDING_CHECKOUTS = 10;

/**
 * How long a checkout waits for Stripe in all, tries included: the answer (a session, or 503) must
 * reach the buyer within 25 s, before a browser's or a load balancer's patience ends.
 */
export const STRIPE_CHECKOUT_DEADLINE_MS = 20_000;
/** Each try's own timeout, and how many tries after the first: 9 + 9 s and the SDK's short backoff fit the deadline. */
const STRIPE_TRY_TIMEOUT_MS = 9_000;
const STRIPE_RETRIES = 1;

@Injectable()
export class CheckoutService {
  private readonly logger = new Logger(CheckoutService.name);

  constructor(
    @Inject(STRIPE) private readonly stripe: Stripe,
    private readonly transactions: TransactionRunner,
    private readonly purchases: PurchasesRepository,
    private readonly packs: PacksService,
    private readonly profiles: ProfilesService,
    private readonly env: Env,
  ) {}

  /**
   * Three steps, none of them holding a database transaction open across the Stripe call:
   * store the pending purchase (its id is the session's client_reference_id, so a webhook can find
   * it even if the last step never happens), create the session idempotently, remember its id.
   *
   * When Stripe does not answer in time (or fails on its side), it may still have made the session:
   * the purchase stays pending without a session id, the buyer is told to retry (503), and the
   * reconciliation job asks Stripe for the session later — attaching it if Stripe has it, marking
   * the purchase failed if not. When Stripe refused the request, no session exists: failed at once.
   * When the session was made but its id could not be stored (the database refused), the buyer still
   * gets it: a payment of it is credited by its webhook, found by client_reference_id.
   */
  async createCheckout(client: AuthUser, request: CheckoutRequestDto): Promise<CheckoutResponseDto> {
    const profile = await this.profiles.getForSale(request.profile_id);
    const pack = await this.packs.getActive(request.pack);

    const purchase = await this.transactions.run(async () => {
      await this.refuseTooManyPending(client.id);
      return this.purchases.createPending({
        clientId: client.id,
        profileId: profile.id,
        packCode: pack.code,
        pointsAmount: pack.points,
        amountCents: pack.amountCents,
        currency: pack.currency,
      });
    });

    const metadata = {
      transaction_id: purchase.id,
      points_amount: String(pack.points),
      client_id: client.id,
      profile_id: profile.id,
    };
    let session: Stripe.Checkout.Session;
    try {
      const params: Stripe.Checkout.SessionCreateParams = {
        mode: 'payment',
        client_reference_id: purchase.id,
        ...(client.email !== null && { customer_email: client.email }),
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: pack.currency,
              unit_amount: pack.amountCents,
              product_data: { name: lineItemName(pack.points, profile.name, request.locale) },
            },
          },
        ],
        metadata,
        payment_intent_data: { metadata },
        ...checkoutLocale(request.locale),
        expires_at: Math.floor(Date.now() / 1000) + CHECKOUT_LIFETIME_SECONDS,
        success_url: `${this.appUrl()}/profile-points/success?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${this.appUrl()}/profile/${profile.id}/points?checkout=cancelled`,
      };
      const options: Stripe.RequestOptions = { idempotencyKey: `checkout-${purchase.id}`, timeout: STRIPE_TRY_TIMEOUT_MS, maxNetworkRetries: STRIPE_RETRIES };
      session = await withinDeadline(this.stripe.checkout.sessions.create(params, options), STRIPE_CHECKOUT_DEADLINE_MS);
    } catch (error) {
      if (stripeMayHaveMadeIt(error)) {
        this.logger.warn(`Stripe did not answer the checkout of transaction ${purchase.id} (${(error as Error).message}); reconciliation will settle it`);
      } else {
        this.logger.error(`Stripe refused the checkout of transaction ${purchase.id}: ${(error as Error).message}`);
        await this.purchases.markCheckoutFailed(purchase.id);
      }
      throw PaymentsError.stripeUnavailable();
    }

    await this.purchases.attachSession(purchase.id, session.id).catch((error: Error) => {
      this.logger.warn(`session ${session.id} of transaction ${purchase.id} not stored (${error.message}); its webhook or the reconciliation will`);
    });
    return { sessionId: session.id, url: session.url ?? '', transactionId: purchase.id };
  }

  /**
   * Serialised per client (a transaction-scoped advisory lock), so that concurrent checkouts cannot
   * all see room under the cap. Only the client's newest purchases are read, through its index.
   */
  private async refuseTooManyPending(clientId: string): Promise<void> {
    await this.purchases.lockCheckoutsOf(clientId);
    const pending = await this.purchases.recentPending(clientId, CHECKOUT_LIFETIME_SECONDS);
    if (pending.count >= MAX_PENDING_CHECKOUTS) {
      // Room comes back when one is paid or, at the latest, when the oldest expires: that is the wait to announce.
      throw RateLimitError.tooMany(`checkouts waiting for payment (${MAX_PENDING_CHECKOUTS}); pay or let one expire`, pending.oldestLeavesInSeconds);
    }
  }

  private appUrl(): string {
    const configured = this.env.APP_URL;
    return (configured ?? `http://localhost:${this.env.PORT}`).replace(/\/+$/, '');
  }
}

const LINE_ITEM_NAMES = {
  en: (points: number, profile: string) => `${points} points for ${profile}`,
  fr: (points: number, profile: string) => `${points} points pour ${profile}`,
};

function languageOf(locale: string | undefined): keyof typeof LINE_ITEM_NAMES | undefined {
  const language = locale?.split('-')[0].toLowerCase();
  return language === 'en' || language === 'fr' ? language : undefined;
}

/** In the buyer's language; without one we know, the original system's label, unchanged for existing frontends. */
export function lineItemName(points: number, profile: string, locale: string | undefined): string {
  const language = languageOf(locale);
  return language === undefined ? `${points} Points pour ${profile}` : LINE_ITEM_NAMES[language](points, profile);
}

/** Stripe's own page in the same language; otherwise Stripe chooses from the browser. */
function checkoutLocale(locale: string | undefined): { locale?: 'en' | 'fr' } {
  const language = languageOf(locale);
  return language === undefined ? {} : { locale: language };
}

/** The Stripe call's own answer, or a StripeDeadlineError after `ms`; the call itself goes on, idempotent, unobserved. */
function withinDeadline<T>(call: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StripeDeadlineError(ms)), ms);
  });
  call.catch(() => undefined);
  return Promise.race([call, late]).finally(() => clearTimeout(timer));
}

class StripeDeadlineError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms / 1000} s`);
    this.name = 'StripeDeadlineError';
  }
}

/**
 * Whether Stripe may have made the session although the call failed: it did not answer (timeout,
 * connection lost) or failed on its side (5xx). A refusal (invalid request, authentication, rate
 * limit) made nothing.
 */
function stripeMayHaveMadeIt(error: unknown): boolean {
  if (error instanceof StripeDeadlineError) return true;
  const { type, statusCode } = error as { type?: string; statusCode?: number };
  return type === 'StripeConnectionError' || type === 'StripeAPIError' || (statusCode !== undefined && statusCode >= 500);
}
