/**
 * SEPA credit transfer initiation files (ISO 20022 pain.001.001.03): the format banks take for a
 * batch of transfers from one account. Pure: the run's payouts in, the XML text out, valid against
 * the standard's XSD (docs/schemas/pain.001.001.03.xsd; a test runs `xmllint --schema` on it).
 */

export const SEPA_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.03';

export interface SepaTransfer {
  /** Unique per transfer, at most 35 characters: returned to the debtor with the bank's statement. */
  endToEndId: string;
  /** Euro cents. */
  amountCents: number;
  creditorName: string;
  creditorIban: string;
  /** What the creditor reads on their statement (unstructured remittance), at most 140 characters. */
  remittance: string;
}

export interface SepaFile {
  /** Unique per file, at most 35 characters. */
  messageId: string;
  createdAt: Date;
  /** The day the bank should execute the transfers, YYYY-MM-DD. */
  executionDate: string;
  debtor: { name: string; iban: string; bic: string };
  transfers: readonly SepaTransfer[];
}

/**
 * The characters every SEPA bank accepts (the EPC's Latin set): letters without accents, digits,
 * space and / - ? : ( ) . , ' +. Names are written with them: accents dropped ("Zoé" → "Zoe"),
 * other characters turned into spaces, then cut to `max` characters.
 */
export function sepaText(text: string, max: number): string {
  const latin = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/[^A-Za-z0-9/\-?:().,'+ ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const cut = latin.slice(0, max).trim();
  return cut === '' ? 'NOTPROVIDED' : cut;
}

/** Euro cents as the file writes an amount: "6.45". */
function amount(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents <= 0) throw new RangeError(`a transfer moves a positive whole number of cents, not ${cents}`);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const xml = (text: string) => text.replace(/[&<>"']/g, (char) => XML_ESCAPES[char]);

export function sepaCreditTransferXml(file: SepaFile): string {
  if (file.transfers.length === 0) throw new RangeError('a SEPA file holds at least one transfer');
  const count = String(file.transfers.length);
  const total = amount(file.transfers.reduce((sum, transfer) => sum + transfer.amountCents, 0));
  const createdAt = file.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const transfers = file.transfers
    .map(
      (transfer) => `      <CdtTrfTxInf>
        <PmtId><EndToEndId>${xml(sepaText(transfer.endToEndId, 35))}</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="EUR">${amount(transfer.amountCents)}</InstdAmt></Amt>
        <Cdtr><Nm>${xml(sepaText(transfer.creditorName, 70))}</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>${xml(transfer.creditorIban)}</IBAN></Id></CdtrAcct>
        <RmtInf><Ustrd>${xml(sepaText(transfer.remittance, 140))}</Ustrd></RmtInf>
      </CdtTrfTxInf>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="${SEPA_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>${xml(sepaText(file.messageId, 35))}</MsgId>
      <CreDtTm>${createdAt}</CreDtTm>
      <NbOfTxs>${count}</NbOfTxs>
      <CtrlSum>${total}</CtrlSum>
      <InitgPty><Nm>${xml(sepaText(file.debtor.name, 70))}</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>${xml(sepaText(file.messageId, 35))}</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <BtchBookg>true</BtchBookg>
      <NbOfTxs>${count}</NbOfTxs>
      <CtrlSum>${total}</CtrlSum>
      <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>
      <ReqdExctnDt>${xml(file.executionDate)}</ReqdExctnDt>
      <Dbtr><Nm>${xml(sepaText(file.debtor.name, 70))}</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>${xml(file.debtor.iban)}</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId><BIC>${xml(file.debtor.bic)}</BIC></FinInstnId></DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
${transfers}
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
`;
}
