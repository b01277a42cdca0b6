import { sepaCreditTransferXml, SepaFile, sepaText } from '../../src/payouts/sepa';
import { xmllintSchema } from '../support/xmllint';

const FILE: SepaFile = {
  messageId: 'PP-RUN-12',
  createdAt: new Date('2026-02-01T09:30:12.345Z'),
  executionDate: '2026-02-02',
  debtor: { name: 'Profile Points SAS', iban: 'FR7630006000011234567890189', bic: 'BNPAFRPPXXX' },
  transfers: [
    { endToEndId: 'PP-PAYOUT-31', amountCents: 645, creditorName: 'Zoé Müller & fils', creditorIban: 'DE89370400440532013000', remittance: 'Profile Points, gains <2026-01>' },
    { endToEndId: 'PP-PAYOUT-32', amountCents: 2000, creditorName: 'Ana', creditorIban: 'NL91ABNA0417164300', remittance: 'Profile Points' },
  ],
};

describe(sepaCreditTransferXml.name, () => {
  it('writes a file that validates against the official pain.001.001.03 XSD', async () => {
    const sut = sepaCreditTransferXml(FILE);

    expect(await xmllintSchema(sut)).toEqual({ code: 0, output: 'payouts.xml validates\n' });
    expect(sut).toContain('<NbOfTxs>2</NbOfTxs>');
    expect(sut).toContain('<CtrlSum>26.45</CtrlSum>');
    expect(sut).toContain('<InstdAmt Ccy="EUR">6.45</InstdAmt>');
    expect(sut).toContain('<CreDtTm>2026-02-01T09:30:12Z</CreDtTm>');
    expect(sut).toContain('<Nm>Zoe Muller fils</Nm>');
    expect(sut).toContain('<Ustrd>Profile Points, gains 2026-01</Ustrd>');
  });

  it('is refused by the XSD when a required element is missing: the check can fail', async () => {
    const broken = sepaCreditTransferXml(FILE).replace(/<ReqdExctnDt>[^<]*<\/ReqdExctnDt>/, '');

    const result = await xmllintSchema(broken);

    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/fails to validate/);
  });

  it('refuses an empty file and amounts that are not positive cents', () => {
    expect(() => sepaCreditTransferXml({ ...FILE, transfers: [] })).toThrow(RangeError);
    expect(() => sepaCreditTransferXml({ ...FILE, transfers: [{ ...FILE.transfers[0], amountCents: 0 }] })).toThrow(RangeError);
    expect(() => sepaCreditTransferXml({ ...FILE, transfers: [{ ...FILE.transfers[0], amountCents: 6.5 }] })).toThrow(RangeError);
  });
});

describe(sepaText.name, () => {
  it.each([
    ['Zoé Müller', 70, 'Zoe Muller'],
    ['Straße 5', 70, 'Strasse 5'],
    ['Ωmega <b>', 70, 'mega b'],
    ['日本', 70, 'NOTPROVIDED'],
    ['a'.repeat(80), 70, 'a'.repeat(70)],
    ["O'Brien (Jr.), 2/3 + 1?", 70, "O'Brien (Jr.), 2/3 + 1?"],
  ])('writes %j as %j', (text, max, expected) => {
    expect(sepaText(text, max)).toBe(expected);
  });
});
