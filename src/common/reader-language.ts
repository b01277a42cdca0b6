import type { IncomingMessage } from 'node:http';
import accepts from 'accepts';

/** The languages the API writes text for people in. */
export type ReaderLanguage = 'en' | 'fr';

/** `?lang=` when given, else the best of English and French for the Accept-Language header, else `fallback`. */
export function readerLanguage(lang: ReaderLanguage | undefined, acceptLanguage: string | undefined, fallback: ReaderLanguage): ReaderLanguage {
  if (lang) return lang;
  if (!acceptLanguage) return fallback;
  const best = accepts({ headers: { 'accept-language': acceptLanguage } } as IncomingMessage).language(['en', 'fr']);
  return best === 'fr' || best === 'en' ? best : fallback;
}
