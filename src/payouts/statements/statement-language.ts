import type { IncomingMessage } from 'node:http';
import accepts from 'accepts';
import type { StatementLanguage } from './statement';

/** `?lang=` when given, else the best of English and French for the Accept-Language header, else English. */
export function statementLanguage(lang: StatementLanguage | undefined, acceptLanguage: string | undefined): StatementLanguage {
  if (lang) return lang;
  if (!acceptLanguage) return 'en';
  const best = accepts({ headers: { 'accept-language': acceptLanguage } } as IncomingMessage).language(['en', 'fr']);
  return best === 'fr' ? 'fr' : 'en';
}
