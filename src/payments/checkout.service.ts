import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Stripe from 'stripe';
import { AuthUser } from '../auth/auth-user';
import { Env } from '../config/env.schema';
import { TransactionRunner } from '../database/transaction';
import { PacksService } from '../points/packs.service';
import { ProfilesService } from '../profiles/profiles.service';
import { CheckoutRequestDto, CheckoutResponseDto } from './dto/checkout.dto';
import { PointTransaction, TransactionStatus } from './entities/point-transaction.entity';
import { PaymentsError } from './payments.errors';
import { STRIPE } from './stripe.client';

@Injectable()
export class CheckoutService {
  private readonly logger = new Logger(CheckoutService.name);

  constructor(
    @Inject(STRIPE) private readonly stripe: Stripe,
    private readonly transactions: TransactionRunner,
    private readonly packs: PacksService,
    private readonly profiles: ProfilesService,
    private readonly config: ConfigService<Env, true>,
  ) {}

  /**
   * Three steps, none of them holding a database transaction open across the Stripe call:
   * store the pending purchase (its id is the session's client_reference_id, so a webhook can find
   * it even if the last step never happens), create the session idempotently, remember its id.
   */
  async createCheckout(client: AuthUser, request: CheckoutRequestDto): Promise<CheckoutResponseDto> {
    const profile = await this.profiles.get(request.profile_id);
    const pack = await this.packs.getActive(request.pack);

    const repository = this.transactions.repository(PointTransaction);
    const purchase = await repository.save(
      repository.create({
        clientId: client.id,
        profileId: profile.id,
        packCode: pack.code,
        pointsAmount: pack.points,
        amountCents: pack.amountCents,
        currency: pack.currency,
        status: TransactionStatus.Pending,
      }),
    );

    const metadata = {
      transaction_id: purchase.id,
      points_amount: String(pack.points),
      client_id: client.id,
      profile_id: profile.id,
    };
    let session: Stripe.Checkout.Session;
    try {
      session = await this.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          client_reference_id: purchase.id,
          customer_email: client.email,
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: pack.currency,
                unit_amount: pack.amountCents,
                product_data: { name: `${pack.points} Points pour ${profile.name}` },
              },
            },
          ],
          metadata,
          payment_intent_data: { metadata },
          success_url: `${this.appUrl()}/profile-points/success?session_id={CHECKOUT_SESSION_ID}`,
          cancel_url: `${this.appUrl()}/profile/${profile.id}/points?checkout=cancelled`,
        },
        { idempotencyKey: `checkout-${purchase.id}` },
      );
    } catch (error) {
      this.logger.error(`Stripe refused or failed checkout of transaction ${purchase.id}: ${(error as Error).message}`);
      await repository.update(
        { id: purchase.id, status: TransactionStatus.Pending },
        { status: TransactionStatus.Failed, failureReason: 'checkout_session_not_created' },
      );
      throw PaymentsError.stripeUnavailable();
    }

    await repository.update({ id: purchase.id }, { stripeSessionId: session.id });
    return { sessionId: session.id, url: session.url ?? '', transactionId: purchase.id };
  }

  private appUrl(): string {
    const configured = this.config.get('APP_URL', { infer: true });
    return (configured ?? `http://localhost:${this.config.get('PORT', { infer: true })}`).replace(/\/+$/, '');
  }
}
