import * as server from '../src/common/currencies';
import { decimalAmount } from '../src/common/money';
import * as web from '../web/src/format';

/** The reference client formats money for the reader's locale from the server's table of Stripe's minor units. */
describe('web/src/format.ts money', () => {
  it.each([
    [299, 'eur', 'fr-FR', '2,99\u00a0€'],
    [500, 'jpy', 'en-US', '¥500'],
    [500, 'jpy', 'fr-FR', '500\u00a0JPY'],
    [50_000, 'huf', 'en-US', 'HUF\u00a0500.00'],
    [50_000, 'huf', 'fr-FR', '500,00\u00a0HUF'],
    [50_000, 'isk', 'en-US', 'ISK\u00a0500.00'],
    [1_000_000, 'idr', 'en-US', 'IDR\u00a010,000.00'],
    [1234, 'kwd', 'en-US', 'KWD\u00a01.234'],
    [5, 'bhd', 'en-US', 'BHD\u00a00.005'],
  ])('formats %i %s for %s as %s', (minor, currency, locale, expected) => {
    expect(web.formatMoney(minor, currency, locale)).toBe(expected);
  });

  it('shows the number the admin CSV writes, for every currency', () => {
    for (const currency of server.STRIPE_CURRENCIES) {
      const shown = web.formatMoney(123_456_780, currency, 'en-US').replace(/[^\d.]/g, '');
      expect([currency, shown]).toEqual([currency, decimalAmount(123_456_780, currency)]);
    }
  });
});
