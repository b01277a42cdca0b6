import { createHash } from 'node:crypto';
import { formatAmount, formatAmountInEnglish } from './money';
import { ChargeObject, CheckoutLineItemObject, CheckoutSessionObject } from './objects';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

const STYLE = `
  *{box-sizing:border-box}
  body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f9fc;color:#1a1f36}
  .banner{background:#fff4d6;border-bottom:1px solid #f1d78b;padding:.6rem 1rem;text-align:center;font-size:.9rem}
  main{max-width:28rem;margin:2.5rem auto;background:#fff;border-radius:.75rem;box-shadow:0 2px 12px rgba(26,31,54,.1);padding:2rem}
  h1{font-size:1.25rem;margin:0 0 1rem}
  .total{font-size:2rem;font-weight:600;margin:0 0 1.5rem;white-space:nowrap}
  ul{list-style:none;padding:0;margin:0 0 1.5rem;border-top:1px solid #e3e8ee}
  li{display:flex;justify-content:space-between;gap:1rem;padding:.6rem 0;border-bottom:1px solid #e3e8ee}
  .amount{white-space:nowrap}
  .muted{color:#697386;font-size:.85rem;word-break:break-all}
  form{margin:.5rem 0}
  button{width:100%;padding:.75rem;border-radius:.4rem;border:1px solid #c1c9d2;background:#fff;font:inherit;cursor:pointer}
  button.primary{background:#635bff;border-color:#635bff;color:#fff;font-weight:600}
  button.link{border:none;background:none;color:#697386;text-decoration:underline}
`;

/** The one inline style of every page, allowed by its hash: the pages run no script at all. */
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/**
 * The Content-Security-Policy of a hosted page: its inline style and nothing else loads, nobody may frame
 * it (a buyer must not be tricked into clicking Pay), and its forms may only post to the emulator. The
 * browser checks form-action on the redirects that follow a post too, so the origins the buttons send
 * the buyer back to (success and cancel URLs) are listed; a page without forms gets 'none'.
 */
export function hostedPageCsp(formTargets: readonly string[]): string {
  const formAction = formTargets.length === 0 ? "'none'" : ["'self'", ...new Set(formTargets)].join(' ');
  return [`default-src 'none'`, `style-src ${STYLE_HASH}`, `form-action ${formAction}`, `frame-ancestors 'none'`, `base-uri 'none'`].join('; ');
}

/** The hosted pages' texts in the languages the service asks Checkout for (`locale`). */
const TEXTS = {
  en: {
    banner: '<strong>Local Stripe emulator</strong>: test mode only, no money moves and no card is charged.',
    checkout: 'Checkout',
    payingAs: 'Paying as',
    pay: 'Pay',
    payLater: 'Pay later (bank transfer)',
    cancel: 'Cancel',
    session: 'Session',
    bankPending: 'Bank transfer pending',
    bankText: "The buyer chose to pay by bank transfer: the purchase waits for the bank. Play the bank's part.",
    transferArrives: 'The transfer arrives',
    transferFails: 'The transfer fails',
    paid: 'Payment completed',
    warned: "The card's bank reported this charge as likely fraud: the early fraud warning was sent.",
    playBank: "Play the card's bank: it may report the charge as likely fraud, days before the cardholder disputes it.",
    reportFraud: 'The bank reports fraud (early fraud warning)',
    continue: 'Continue',
    charge: 'charge',
  },
  fr: {
    banner: '<strong>Émulateur Stripe local</strong> : mode test uniquement, aucun argent ne circule et aucune carte n’est débitée.',
    checkout: 'Paiement',
    payingAs: 'Paiement au nom de',
    pay: 'Payer',
    payLater: 'Payer plus tard (virement bancaire)',
    cancel: 'Annuler',
    session: 'Session',
    bankPending: 'Virement en attente',
    bankText: 'L’acheteur a choisi de payer par virement : l’achat attend la banque. Jouez le rôle de la banque.',
    transferArrives: 'Le virement arrive',
    transferFails: 'Le virement échoue',
    paid: 'Paiement effectué',
    warned: 'La banque de la carte a signalé ce paiement comme probablement frauduleux : l’alerte précoce de fraude a été envoyée.',
    playBank: 'Jouez la banque de la carte : elle peut signaler le paiement comme probablement frauduleux, des jours avant que le titulaire le conteste.',
    reportFraud: 'La banque signale une fraude (alerte précoce de fraude)',
    continue: 'Continuer',
    charge: 'paiement',
  },
} as const;

type PageLanguage = keyof typeof TEXTS;

/**
 * Stripe shows its page in the session's `locale` ("fr", "fr-CA"…); without one ("auto") it follows
 * the browser, which the emulator takes as English, its amounts written as they always were.
 */
export function pageLanguage(session: Pick<CheckoutSessionObject, 'locale'>): PageLanguage {
  return session.locale?.split('-')[0].toLowerCase() === 'fr' ? 'fr' : 'en';
}

function amountFor(session: Pick<CheckoutSessionObject, 'locale'>, amount: number, currency: string): string {
  return session.locale !== null && pageLanguage(session) === 'en' ? formatAmountInEnglish(amount, currency) : formatAmount(amount, currency);
}

function layout(title: string, body: string, language: PageLanguage = 'en'): string {
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Stripe emulator</title>
<style>${STYLE}</style>
</head>
<body>
<div class="banner" role="note">${TEXTS[language].banner}</div>
<main>
${body}
</main>
</body>
</html>
`;
}

export function renderCheckoutPage(session: CheckoutSessionObject, lineItems: readonly CheckoutLineItemObject[]): string {
  const language = pageLanguage(session);
  const text = TEXTS[language];
  const items = lineItems
    .map(
      (item) =>
        `<li><span>${escapeHtml(item.description)}${item.quantity > 1 ? ` × ${escapeHtml(item.quantity)}` : ''}</span>` +
        `<span class="amount">${escapeHtml(amountFor(session, item.amount_total, item.currency))}</span></li>`,
    )
    .join('\n');
  // Relative actions keep working whatever host name or path prefix the browser reached the page by.
  const action = (step: string) => escapeHtml(`${encodeURIComponent(session.id)}/${step}`);
  const email = session.customer_email === null ? '' : `<p class="muted">${text.payingAs} ${escapeHtml(session.customer_email)}</p>`;
  return layout(
    text.checkout,
    `<h1>${text.checkout}</h1>
<p class="total">${escapeHtml(amountFor(session, session.amount_total, session.currency))}</p>
<ul>
${items}
</ul>
${email}
<form method="post" action="${action('pay')}"><button class="primary" type="submit">${text.pay}</button></form>
<form method="post" action="${action('pay-later')}"><button type="submit">${text.payLater}</button></form>
<form method="post" action="${action('cancel')}"><button class="link" type="submit">${text.cancel}</button></form>
<p class="muted">${text.session} ${escapeHtml(session.id)}</p>`,
    language,
  );
}

/** After "Pay later": the buyer is back in the shop, and this page plays the bank. */
export function renderBankTransferPage(session: CheckoutSessionObject): string {
  const action = (step: string) => escapeHtml(`${encodeURIComponent(session.id)}/${step}`);
  const language = pageLanguage(session);
  const text = TEXTS[language];
  return layout(
    text.bankPending,
    `<h1>${text.bankPending}</h1>
<p class="total">${escapeHtml(amountFor(session, session.amount_total, session.currency))}</p>
<p>${escapeHtml(text.bankText)}</p>
<form method="post" action="${action('transfer-arrives')}"><button class="primary" type="submit">${text.transferArrives}</button></form>
<form method="post" action="${action('transfer-fails')}"><button type="submit">${text.transferFails}</button></form>
<p class="muted">${text.session} ${escapeHtml(session.id)}</p>`,
    language,
  );
}

/**
 * A session paid and done: this page plays the card's bank, which may report the charge as likely
 * fraud days later (Radar's early fraud warning), before any dispute.
 */
export function renderPaidPage(session: CheckoutSessionObject, charge: ChargeObject, warned: boolean, continueUrl: string): string {
  const action = (step: string) => escapeHtml(`${encodeURIComponent(session.id)}/${step}`);
  const language = pageLanguage(session);
  const text = TEXTS[language];
  const report = warned
    ? `<p>${escapeHtml(text.warned)}</p>`
    : `<p>${escapeHtml(text.playBank)}</p>
<form method="post" action="${action('fraud-warning')}"><button type="submit">${escapeHtml(text.reportFraud)}</button></form>`;
  return layout(
    text.paid,
    `<h1>${text.paid}</h1>
<p class="total">${escapeHtml(amountFor(session, charge.amount, charge.currency))}</p>
${report}
<p><a href="${escapeHtml(continueUrl)}">${text.continue}</a></p>
<p class="muted">${text.session} ${escapeHtml(session.id)} · ${text.charge} ${escapeHtml(charge.id)}</p>`,
    language,
  );
}

export function renderNoticePage(title: string, message: string, link?: { href: string; label: string }): string {
  const anchor = link === undefined ? '' : `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`;
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>\n${anchor}`);
}
