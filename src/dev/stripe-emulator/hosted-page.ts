import { createHash } from 'node:crypto';
import { formatAmount } from './money';
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

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Stripe emulator</title>
<style>${STYLE}</style>
</head>
<body>
<div class="banner" role="note"><strong>Local Stripe emulator</strong>: test mode only, no money moves and no card is charged.</div>
<main>
${body}
</main>
</body>
</html>
`;
}

export function renderCheckoutPage(session: CheckoutSessionObject, lineItems: readonly CheckoutLineItemObject[]): string {
  const items = lineItems
    .map(
      (item) =>
        `<li><span>${escapeHtml(item.description)}${item.quantity > 1 ? ` × ${escapeHtml(item.quantity)}` : ''}</span>` +
        `<span class="amount">${escapeHtml(formatAmount(item.amount_total, item.currency))}</span></li>`,
    )
    .join('\n');
  // Relative actions keep working whatever host name or path prefix the browser reached the page by.
  const action = (step: string) => escapeHtml(`${encodeURIComponent(session.id)}/${step}`);
  const email = session.customer_email === null ? '' : `<p class="muted">Paying as ${escapeHtml(session.customer_email)}</p>`;
  return layout(
    'Checkout',
    `<h1>Checkout</h1>
<p class="total">${escapeHtml(formatAmount(session.amount_total, session.currency))}</p>
<ul>
${items}
</ul>
${email}
<form method="post" action="${action('pay')}"><button class="primary" type="submit">Pay</button></form>
<form method="post" action="${action('pay-later')}"><button type="submit">Pay later (bank transfer)</button></form>
<form method="post" action="${action('cancel')}"><button class="link" type="submit">Cancel</button></form>
<p class="muted">Session ${escapeHtml(session.id)}</p>`,
  );
}

/** After "Pay later": the buyer is back in the shop, and this page plays the bank. */
export function renderBankTransferPage(session: CheckoutSessionObject): string {
  const action = (step: string) => escapeHtml(`${encodeURIComponent(session.id)}/${step}`);
  return layout(
    'Bank transfer pending',
    `<h1>Bank transfer pending</h1>
<p class="total">${escapeHtml(formatAmount(session.amount_total, session.currency))}</p>
<p>The buyer chose to pay by bank transfer: the purchase waits for the bank. Play the bank's part.</p>
<form method="post" action="${action('transfer-arrives')}"><button class="primary" type="submit">The transfer arrives</button></form>
<form method="post" action="${action('transfer-fails')}"><button type="submit">The transfer fails</button></form>
<p class="muted">Session ${escapeHtml(session.id)}</p>`,
  );
}

/**
 * A session paid and done: this page plays the card's bank, which may report the charge as likely
 * fraud days later (Radar's early fraud warning), before any dispute.
 */
export function renderPaidPage(session: CheckoutSessionObject, charge: ChargeObject, warned: boolean, continueUrl: string): string {
  const action = (step: string) => escapeHtml(`${encodeURIComponent(session.id)}/${step}`);
  const report = warned
    ? `<p>The card's bank reported this charge as likely fraud: the early fraud warning was sent.</p>`
    : `<p>Play the card's bank: it may report the charge as likely fraud, days before the cardholder disputes it.</p>
<form method="post" action="${action('fraud-warning')}"><button type="submit">The bank reports fraud (early fraud warning)</button></form>`;
  return layout(
    'Payment completed',
    `<h1>Payment completed</h1>
<p class="total">${escapeHtml(formatAmount(charge.amount, charge.currency))}</p>
${report}
<p><a href="${escapeHtml(continueUrl)}">Continue</a></p>
<p class="muted">Session ${escapeHtml(session.id)} · charge ${escapeHtml(charge.id)}</p>`,
  );
}

export function renderNoticePage(title: string, message: string, link?: { href: string; label: string }): string {
  const anchor = link === undefined ? '' : `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`;
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>\n${anchor}`);
}
