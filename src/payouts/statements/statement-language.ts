import { readerLanguage } from '../../common/reader-language';
import type { StatementLanguage } from './statement';

/** `?lang=` when given, else the best of English and French for the Accept-Language header, else English. */
export function statementLanguage(lang: StatementLanguage | undefined, acceptLanguage: string | undefined): StatementLanguage {
  return readerLanguage(lang, acceptLanguage, 'en');
}
