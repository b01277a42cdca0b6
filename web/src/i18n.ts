import { computed, ref, watchEffect } from 'vue';
import { formatDateTime, formatMoney, formatPoints, formattingLocale, primaryLanguage } from './format';
import { Language, LANGUAGES, MessageKey, translate } from './messages';

const STORAGE_KEY = 'profile-points.language';

/** The reader's choice if they made one, else the first of the browser's languages we have, else English. */
function initialLanguage(): Language {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'fr' || saved === 'en') return saved;
  const known = navigator.languages.map(primaryLanguage).find((tag): tag is Language => (LANGUAGES as string[]).includes(tag));
  return known ?? 'en';
}

export const language = ref<Language>(initialLanguage());

/** The locale numbers, prices and dates are formatted in (the browser's tag, region included). */
export const locale = computed(() => formattingLocale(language.value, navigator.languages));

watchEffect(() => {
  document.documentElement.lang = language.value;
});

export function setLanguage(next: Language): void {
  language.value = next;
  localStorage.setItem(STORAGE_KEY, next);
}

export function t(key: MessageKey, values?: Record<string, string | number>): string {
  return translate(language.value, key, values);
}

export const money = (amountMinor: number, currency: string): string => formatMoney(amountMinor, currency, locale.value);
export const points = (value: number): string => formatPoints(value, locale.value);
export const dateTime = (iso: string): string => formatDateTime(iso, locale.value);
