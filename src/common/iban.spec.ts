import { BIC_PATTERN, ibanProblem, maskIban, normalizeIban } from './iban';

describe(ibanProblem.name, () => {
  it.each([
    'FR7630006000011234567890189',
    'DE89370400440532013000',
    'GB82WEST12345698765432',
    'BE71096123456769',
    'NL91ABNA0417164300',
    'MT84MALT011000012345MTLCAST001S',
  ])('accepts %s', (iban) => {
    expect(ibanProblem(iban)).toBeNull();
  });

  it('reads an IBAN as people write it', () => {
    expect(normalizeIban(' fr76 3000 6000 0112-3456 7890 189 ')).toBe('FR7630006000011234567890189');
  });

  it.each([
    ['FR7630006000011234567890188', /mod 97/],
    ['DE89370400440532013001', /mod 97/],
    ['FR76300060000112345678901', /27 characters, not 25/],
    ['FR763000600001123456789018X', /mod 97/],
    ['7630006000011234567890189', /country code/],
    ['FR', /country code/],
    ['FR76 3000', /country code/],
    ['', /country code/],
  ])('refuses %s', (iban, problem) => {
    expect(ibanProblem(iban)).toMatch(problem);
  });

  it('catches every single wrong digit of a valid IBAN, and every swap of two neighbours', () => {
    const valid = 'FR7630006000011234567890189';
    for (let i = 4; i < valid.length; i++) {
      for (const digit of '0123456789') {
        if (digit === valid[i]) continue;
        expect(ibanProblem(valid.slice(0, i) + digit + valid.slice(i + 1))).not.toBeNull();
      }
      if (i + 1 < valid.length && valid[i] !== valid[i + 1]) {
        expect(ibanProblem(valid.slice(0, i) + valid[i + 1] + valid[i] + valid.slice(i + 2))).not.toBeNull();
      }
    }
  });
});

describe('BIC_PATTERN', () => {
  it.each(['BNPAFRPP', 'BNPAFRPPXXX', 'DEUTDEFF500'])('accepts %s', (bic) => expect(BIC_PATTERN.test(bic)).toBe(true));
  it.each(['BNPAFRP', 'bnpafrpp', 'BNPAFR1P', 'BNPAFRPPXX', 'BNPAFRPO'])('refuses %s', (bic) => expect(BIC_PATTERN.test(bic)).toBe(false));
});

describe(maskIban.name, () => {
  it('shows the last four characters only', () => {
    expect(maskIban('FR7630006000011234567890189')).toBe('…0189');
  });
});
