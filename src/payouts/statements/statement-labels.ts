import { localAmount } from '../../common/money';
import type { StatementLanguage, StatementLine } from './statement';

/** The words of a statement, in English and in French: the CSV and the PDF use the same ones. */
const LABELS = {
  en: {
    /** Between a label and its value. */
    colon: ': ',
    title: 'Earnings statement',
    moderator: 'Moderator',
    period: 'Period',
    generated: 'Generated',
    opening: 'Opening balance',
    closing: 'Closing balance',
    points: 'Points',
    money: 'Money',
    date: 'Date',
    type: 'Type',
    profile: 'Profile',
    purchase: 'Purchase',
    amount: 'Amount',
    currency: 'Currency',
    balance: 'Balance',
    debt: 'Debt',
    debtRepaid: 'Debt repaid',
    totals: 'Totals of the month',
    earned: 'Earned',
    reversed: 'Taken back',
    paidOut: 'Paid out',
    none: 'No movement this month.',
    debtNote: 'A debt is money taken back after it was paid out: later earnings pay it first.',
    kinds: { earning: 'Earning', restore: 'Dispute won', payout: 'Payout', refund: 'Refund', dispute: 'Dispute', reversal: 'Reversal' },
    months: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  },
  fr: {
    colon: ' : ',
    title: 'Relevé de gains',
    moderator: 'Modérateur',
    period: 'Période',
    generated: 'Établi le',
    opening: "Solde d'ouverture",
    closing: 'Solde de clôture',
    points: 'Points',
    money: 'Montant',
    date: 'Date',
    type: 'Type',
    profile: 'Profil',
    purchase: 'Achat',
    amount: 'Montant',
    currency: 'Devise',
    balance: 'Solde',
    debt: 'Dette',
    debtRepaid: 'Dette remboursée',
    totals: 'Totaux du mois',
    earned: 'Gagné',
    reversed: 'Repris',
    paidOut: 'Versé',
    none: 'Aucun mouvement ce mois-ci.',
    debtNote: 'Une dette est un montant repris après avoir été versé : les gains suivants la remboursent en premier.',
    kinds: { earning: 'Gain', restore: 'Litige gagné', payout: 'Virement', refund: 'Remboursement', dispute: 'Litige', reversal: 'Reprise' },
    months: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
  },
} as const;

export type StatementLabels = (typeof LABELS)[StatementLanguage];

export function labelsFor(language: StatementLanguage): StatementLabels {
  return LABELS[language];
}

/** What kind of line it is, in words: "Refund", "Litige gagné". */
export function kindLabel(line: Pick<StatementLine, 'kind' | 'reason'>, language: StatementLanguage): string {
  const { kinds } = LABELS[language];
  if (line.kind === 'reversal') return line.reason ? kinds[line.reason] : kinds.reversal;
  return kinds[line.kind];
}

/** "January 2026" / "janvier 2026". */
export function monthLabel(month: string, language: StatementLanguage): string {
  const [year, number] = month.split('-').map(Number);
  return `${LABELS[language].months[number - 1]} ${year}`;
}

/** Minor units for a reader: "€6.45" / "6,45 €"; other currencies by their code: "6.45 USD" / "6,45 USD". */
export function moneyLabel(cents: number, currency: string, language: StatementLanguage): string {
  const text = localAmount(cents, currency, language === 'fr' ? ',' : '.');
  const euro = currency.toLowerCase() === 'eur';
  if (language === 'en') return euro ? (cents < 0 ? `-€${text.slice(1)}` : `€${text}`) : `${text} ${currency.toUpperCase()}`;
  return `${text} ${euro ? '€' : currency.toUpperCase()}`;
}

/** "2026-01-15 10:30 UTC" / "15/01/2026 10:30 UTC". */
export function timeLabel(iso: string, language: StatementLanguage): string {
  const [date, time] = iso.split('T');
  const [year, month, day] = date.split('-');
  const clock = time.slice(0, 5);
  return language === 'fr' ? `${day}/${month}/${year} ${clock} UTC` : `${date} ${clock} UTC`;
}

/** Minor units for a spreadsheet: "6.45" (English, comma-separated) / "6,45" (French, semicolon-separated). */
export function csvAmount(cents: number, currency: string, language: StatementLanguage): string {
  return localAmount(cents, currency, language === 'fr' ? ',' : '.');
}
