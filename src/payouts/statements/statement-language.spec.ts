import { statementLanguage } from './statement-language';

describe(statementLanguage.name, () => {
  it.each([
    [undefined, undefined, 'en'],
    [undefined, 'fr-FR,fr;q=0.9,en;q=0.8', 'fr'],
    [undefined, 'en-GB,fr;q=0.5', 'en'],
    [undefined, 'de-DE', 'en'],
    [undefined, 'de,fr;q=0.3', 'fr'],
    ['en', 'fr-FR', 'en'],
    ['fr', 'en', 'fr'],
  ] as const)('lang %j with Accept-Language %j → %s', (lang, header, expected) => {
    expect(statementLanguage(lang, header)).toBe(expected);
  });
});
