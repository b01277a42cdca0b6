import PDFDocument from 'pdfkit';
import type { Statement, StatementLine, StatementMoney } from './statement';
import { kindLabel, labelsFor, moneyLabel, monthLabel, timeLabel } from './statement-labels';

const MARGIN = 50;
/** Column x positions of the table (A4 is 595 points wide). */
const COLUMNS = { date: MARGIN, type: 160, profile: 250, purchase: 330, points: 380, amount: 435, balance: 500 };
const ROW = 14;

/**
 * The statement as a PDF (pdfkit, its standard Helvetica: the text stays extractable, e.g. by
 * `pdftotext`): title, moderator and period, opening balance, one row per line of the month with
 * its debt when it made one, the month's totals, closing balance.
 */
export function statementPdf(statement: Statement): Promise<Buffer> {
  const { language } = statement;
  const words = labelsFor(language);
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: `${words.title} ${statement.month}`, Author: 'Profile Points', CreationDate: new Date(statement.generatedAt) },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const bottom = doc.page.height - MARGIN;
  let y = MARGIN;
  const line = (text: string, options: { size?: number; bold?: boolean; x?: number } = {}) => {
    if (y + ROW > bottom) {
      doc.addPage();
      y = MARGIN;
    }
    doc.font(options.bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(options.size ?? 10).text(text, options.x ?? MARGIN, y, { lineBreak: false });
    y += (options.size ?? 10) + 6;
  };
  const money = (side: readonly StatementMoney[]) =>
    side.map((item) => `${moneyLabel(item.balanceCents, item.currency, language)}${item.debtCents > 0 ? ` (${words.debt} ${moneyLabel(item.debtCents, item.currency, language)})` : ''}`).join(', ') || '—';

  line(words.title, { size: 18, bold: true });
  y += 4;
  line(`${words.moderator}${words.colon}${statement.moderatorName || '—'} (${statement.moderatorId})`);
  line(`${words.period}${words.colon}${monthLabel(statement.month, language)} (UTC)`);
  line(`${words.generated}${words.colon}${timeLabel(statement.generatedAt, language)}`);
  y += 6;
  line(`${words.opening}${words.colon}${statement.opening.points} ${words.points.toLowerCase()} · ${money(statement.opening.money)}`, { bold: true });
  y += 6;

  const header = () => {
    doc.font('Helvetica-Bold').fontSize(9);
    for (const [column, label] of [
      ['date', words.date],
      ['type', words.type],
      ['profile', words.profile],
      ['purchase', words.purchase],
      ['points', words.points],
      ['amount', words.amount],
      ['balance', words.balance],
    ] as const) {
      doc.text(label, COLUMNS[column], y, { lineBreak: false });
    }
    y += ROW;
  };
  const row = (item: StatementLine) => {
    if (y + ROW > bottom) {
      doc.addPage();
      y = MARGIN;
      header();
    }
    doc.font('Helvetica').fontSize(9);
    const cells: Array<[keyof typeof COLUMNS, string]> = [
      ['date', timeLabel(item.at, language)],
      ['type', kindLabel(item, language)],
      ['profile', truncate(item.profileName ?? item.profileId ?? '', 14)],
      ['purchase', item.transactionId ?? (item.payoutId ? `#${item.payoutId}` : '')],
      ['points', item.points === 0 ? '' : `${item.points > 0 ? '+' : ''}${item.points}`],
      ['amount', item.currency ? moneyLabel(item.amountCents, item.currency, language) : ''],
      ['balance', item.currency && item.balanceCents !== null ? moneyLabel(item.balanceCents, item.currency, language) : ''],
    ];
    for (const [column, text] of cells) doc.text(text, COLUMNS[column], y, { lineBreak: false });
    y += ROW;
    if (item.currency && item.debtCents > 0) line(`${words.debt}${words.colon}${moneyLabel(item.debtCents, item.currency, language)}`, { x: COLUMNS.type });
    if (item.currency && item.debtRepaidCents > 0) line(`${words.debtRepaid}${words.colon}${moneyLabel(item.debtRepaidCents, item.currency, language)}`, { x: COLUMNS.type });
  };

  if (statement.lines.length === 0) line(words.none);
  else {
    header();
    for (const item of statement.lines) row(item);
  }
  y += 8;
  line(words.totals, { bold: true });
  line(`${words.points}${words.colon}${words.earned} +${statement.totals.earnedPoints}, ${words.reversed} -${statement.totals.reversedPoints}`);
  for (const total of statement.totals.money) {
    const cents = (value: number) => moneyLabel(value, total.currency, language);
    line(`${total.currency.toUpperCase()}${words.colon}${words.earned} ${cents(total.earnedCents)}, ${words.reversed} ${cents(total.reversedCents)}, ${words.paidOut} ${cents(total.paidOutCents)}`);
  }
  y += 6;
  line(`${words.closing}${words.colon}${statement.closing.points} ${words.points.toLowerCase()} · ${money(statement.closing.money)}`, { bold: true });
  if (statement.lines.some((item) => item.debtCents > 0) || statement.closing.money.some((item) => item.debtCents > 0)) {
    y += 6;
    line(words.debtNote, { size: 8 });
  }
  doc.end();
  return done;
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
