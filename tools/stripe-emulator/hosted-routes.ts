import { StripeEngine } from './engine';
import { renderBankTransferPage, renderCheckoutPage, renderNoticePage, renderPaidPage } from './hosted-page';
import { CheckoutSessionObject } from './objects';
import { html, HtmlReply, redirect, Reply, Router } from './router';
import { WebhookDispatcher } from './webhooks';

/** The page a browser lands on from `session.url`, standing in for checkout.stripe.com. */
export function hostedRoutes(engine: StripeEngine, webhooks: WebhookDispatcher): Router {
  const whenOpen = async (id: string, action: (session: CheckoutSessionObject) => Promise<Reply>): Promise<Reply> => {
    const session = engine.findSession(id);
    return session?.status === 'open' ? action(session) : unavailable(id, session);
  };
  const pay = (id: string, async: boolean) =>
    whenOpen(id, async (session) => {
      await webhooks.publish(engine.paySession(id, { async }));
      return redirect(successUrl(session));
    });
  // After "Pay later", the same address plays the bank: the transfer arrives or fails.
  const settle = (id: string, arrives: boolean): Promise<Reply> => {
    const session = engine.findSession(id);
    if (session === undefined || !engine.awaitsAsyncPayment(id)) return Promise.resolve(unavailable(id, session));
    const events = arrives ? engine.succeedAsyncPayment(id) : engine.failAsyncPayment(id);
    return webhooks.publish(events).then(() => redirect(successUrl(session)));
  };
  return new Router()
    .on('GET', '/c/pay/:id', (_, { id }) => {
      const awaiting = engine.findSession(id);
      if (awaiting !== undefined && engine.awaitsAsyncPayment(id)) {
        return html(renderBankTransferPage(awaiting), 200, originsOf([successUrl(awaiting)]));
      }
      const charge = engine.paidCharge(id);
      if (awaiting !== undefined && charge !== undefined) {
        const warned = engine.fraudWarningOf(charge.id) !== undefined;
        return Promise.resolve(html(renderPaidPage(awaiting, charge, warned, successUrl(awaiting)), 200, originsOf([successUrl(awaiting)])));
      }
      return whenOpen(id, (session) => {
        const exits = [successUrl(session), session.cancel_url ?? engine.checkoutUrl(id)];
        return Promise.resolve(html(renderCheckoutPage(session, engine.lineItems(id)), 200, originsOf(exits)));
      });
    })
    .on('POST', '/c/pay/:id/pay', (_, { id }) => pay(id, false))
    .on('POST', '/c/pay/:id/pay-later', (_, { id }) => pay(id, true))
    .on('POST', '/c/pay/:id/transfer-arrives', (_, { id }) => settle(id, true))
    .on('POST', '/c/pay/:id/transfer-fails', (_, { id }) => settle(id, false))
    // The paid session's page plays the card's bank: it reports the charge as likely fraud.
    .on('POST', '/c/pay/:id/fraud-warning', (_, { id }) => {
      const session = engine.findSession(id);
      const charge = engine.paidCharge(id);
      if (session === undefined || charge === undefined || engine.fraudWarningOf(charge.id) !== undefined) return Promise.resolve(unavailable(id, session));
      return webhooks.publish(engine.createEarlyFraudWarning(charge.id).events).then(() => redirect(engine.checkoutUrl(id)));
    })
    .on('POST', '/c/pay/:id/cancel', (_, { id }) =>
      whenOpen(id, async (session) => {
        await webhooks.publish(engine.expireSession(id));
        return redirect(session.cancel_url ?? engine.checkoutUrl(id));
      }),
    );
}

function successUrl(session: CheckoutSessionObject): string {
  return session.success_url.replaceAll('{CHECKOUT_SESSION_ID}', session.id);
}

/** As CSP sources: `http://shop.test:8080`. A URL without an origin of its own (data:, file:) is left out. */
function originsOf(urls: readonly string[]): string[] {
  return urls.flatMap((url) => {
    const origin = URL.canParse(url) ? new URL(url).origin : 'null';
    return origin === 'null' ? [] : [origin];
  });
}

function unavailable(id: string, session: CheckoutSessionObject | undefined): HtmlReply {
  if (session === undefined) {
    return html(
      renderNoticePage('Checkout session not found', `There is no checkout session ${id}. The emulator keeps sessions in memory, so a restart forgets them.`),
      404,
    );
  }
  if (session.status === 'expired') {
    const back = session.cancel_url === null ? undefined : { href: session.cancel_url, label: 'Back to the shop' };
    return html(renderNoticePage('Checkout session expired', 'This checkout session has expired or was cancelled.', back), 410);
  }
  return html(
    renderNoticePage('Payment already completed', 'This checkout session is already complete.', { href: successUrl(session), label: 'Continue' }),
    410,
  );
}
