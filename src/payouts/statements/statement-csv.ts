import { stringify } from 'csv-stringify/sync';
import type { Statement } from './statement';
import { csvAmount, kindLabel, labelsFor } from './statement-labels';

/**
 * The statement as CSV (RFC 4180, CRLF): a header row, the opening balance, one row per line of the
 * month, the closing balance. English: comma-separated with a decimal point; French:
 * semicolon-separated with a decimal comma, as spreadsheets of each language expect.
 */
export function statementCsv(statement: Statement): string {
  const { language } = statement;
  const words = labelsFor(language);
  const amount = (cents: number, currency: string) => csvAmount(cents, currency, language);
  const boundary = (at: string, label: string, side: Statement['opening']) =>
    side.money.length === 0
      ? [[at, label, '', '', side.points, '', '', '', '']]
      : side.money.map((money) => [
          at,
          label,
          '',
          '',
          side.points,
          '',
          money.currency,
          amount(money.balanceCents, money.currency),
          amount(money.debtCents, money.currency),
        ]);
  const rows = [
    [words.date, words.type, words.profile, words.purchase, words.points, words.amount, words.currency, words.balance, words.debt],
    ...boundary(statement.from, words.opening, statement.opening),
    ...statement.lines.map((line) => [
      line.at,
      kindLabel(line, language),
      line.profileName ?? line.profileId ?? '',
      line.transactionId ?? line.payoutId ?? '',
      line.points,
      line.currency ? amount(line.amountCents, line.currency) : '',
      line.currency ?? '',
      line.currency && line.balanceCents !== null ? amount(line.balanceCents, line.currency) : '',
      line.currency ? amount(line.debtCents, line.currency) : '',
    ]),
    ...boundary(statement.to, words.closing, statement.closing),
  ];
  return stringify(rows, { delimiter: language === 'fr' ? ';' : ',', record_delimiter: 'windows' });
}
