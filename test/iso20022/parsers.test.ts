// The ISO 20022 parsers on documents written by hand (as a bank would send them): the reasons of a pacs.002 RJCT and
// a pacs.004 return, and the refusals (wrong namespace, missing mandatory element, bad totals, malformed XML).

import type { Iso20022ErrorCode } from '../../src/iso20022';
import {
  buildCreditTransferBatch,
  decimalToMinor,
  describeReasonCode,
  Iso20022Error,
  isValidIban,
  maskAccountNumbers,
  maskIban,
  minorToDecimal,
  parseCreditTransferBatch,
  parseMessage,
  parsePaymentReturn,
  parsePaymentStatusReport,
  transactionStatusIn,
} from '../../src/iso20022';
import { validateAgainstXsd } from '../support/iso20022-xsd';
import { IBANS, ibanOf, sampleCreditTransferBatch } from './samples';

/** A pacs.002 as a bank writes it: a namespace prefix, a group rejection and two rejected transactions. */
const HAND_WRITTEN_PACS_002 = `<?xml version="1.0" encoding="UTF-8"?>
<!-- status report of the customer's bank -->
<p:Document xmlns:p="urn:iso:std:iso:20022:tech:xsd:pacs.002.001.11" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <p:FIToFIPmtStsRpt>
    <p:GrpHdr>
      <p:MsgId>BANK-STS-77</p:MsgId>
      <p:CreDtTm>2025-03-03T08:15:00+01:00</p:CreDtTm>
    </p:GrpHdr>
    <p:OrgnlGrpInfAndSts>
      <p:OrgnlMsgId>ECHK-20250301-0001</p:OrgnlMsgId>
      <p:OrgnlMsgNmId>pacs.003.001.08</p:OrgnlMsgNmId>
      <p:GrpSts>RJCT</p:GrpSts>
      <p:StsRsnInf>
        <p:Rsn><p:Cd>FF01</p:Cd></p:Rsn>
      </p:StsRsnInf>
    </p:OrgnlGrpInfAndSts>
    <p:TxInfAndSts>
      <p:OrgnlEndToEndId>ord-1001-echeck-1</p:OrgnlEndToEndId>
      <p:TxSts>RJCT</p:TxSts>
      <p:StsRsnInf>
        <p:Rsn><p:Cd>AC04</p:Cd></p:Rsn>
        <p:AddtlInf>Account closed on 2025-02-28</p:AddtlInf>
      </p:StsRsnInf>
      <p:OrgnlTxRef>
        <p:IntrBkSttlmAmt Ccy="KWD">12.345</p:IntrBkSttlmAmt>
      </p:OrgnlTxRef>
    </p:TxInfAndSts>
    <p:TxInfAndSts>
      <p:OrgnlEndToEndId>ord-1002-echeck-1</p:OrgnlEndToEndId>
      <p:TxSts>RJCT</p:TxSts>
      <p:StsRsnInf><p:Rsn><p:Prtry>LIMIT-EXCEEDED</p:Prtry></p:Rsn></p:StsRsnInf>
      <p:StsRsnInf><p:Rsn><p:Cd>AM04</p:Cd></p:Rsn></p:StsRsnInf>
    </p:TxInfAndSts>
  </p:FIToFIPmtStsRpt>
</p:Document>
`;

/** A pacs.004 returning a JPY direct debit for MD06 (refund requested), written by hand. */
const HAND_WRITTEN_PACS_004 = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.004.001.10">
  <PmtRtr>
    <GrpHdr>
      <MsgId>RTR-9</MsgId>
      <CreDtTm>2025-03-10T09:00:00Z</CreDtTm>
      <NbOfTxs>1</NbOfTxs>
      <CtrlSum>1200</CtrlSum>
      <TtlRtrdIntrBkSttlmAmt Ccy="JPY">1200</TtlRtrdIntrBkSttlmAmt>
      <IntrBkSttlmDt>2025-03-10</IntrBkSttlmDt>
      <SttlmInf><SttlmMtd>CLRG</SttlmMtd></SttlmInf>
    </GrpHdr>
    <TxInf>
      <RtrId>RTR-9-1</RtrId>
      <OrgnlGrpInf>
        <OrgnlMsgId>ECHK-20250301-0001</OrgnlMsgId>
        <OrgnlMsgNmId>pacs.003.001.08</OrgnlMsgNmId>
      </OrgnlGrpInf>
      <OrgnlEndToEndId>ord-2001-echeck-1</OrgnlEndToEndId>
      <OrgnlIntrBkSttlmAmt Ccy="JPY">1200</OrgnlIntrBkSttlmAmt>
      <RtrdIntrBkSttlmAmt Ccy="JPY">1200</RtrdIntrBkSttlmAmt>
      <RtrRsnInf>
        <Rsn><Cd>MD06</Cd></Rsn>
        <AddtlInf>Refund requested by the customer</AddtlInf>
      </RtrRsnInf>
    </TxInf>
  </PmtRtr>
</Document>
`;

/** Runs a parse and returns the Iso20022Error it throws (fails the test if it throws something else or nothing). */
function refusal(parse: () => unknown): Iso20022Error {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(Iso20022Error);
    return err as Iso20022Error;
  }
  throw new Error('the document was accepted');
}

/** Asserts a parse is refused with a code (and returns the error for further checks). */
function expectRefused(parse: () => unknown, code: Iso20022ErrorCode): Iso20022Error {
  const error = refusal(parse);
  expect(error.code).toBe(code);
  return error;
}

describe('ISO 20022 parser › hand-written bank documents', () => {
  test('hand-written pacs.002 and pacs.004 › are themselves schema-valid (the fixtures are real)', async () => {
    expect((await validateAgainstXsd('pacs.002.001.11', [HAND_WRITTEN_PACS_002])).errors).toEqual([]);
    expect((await validateAgainstXsd('pacs.004.001.10', [HAND_WRITTEN_PACS_004])).errors).toEqual([]);
  });

  test('pacs.002 RJCT › with a namespace prefix › group and transaction reasons in order', () => {
    const report = parsePaymentStatusReport(HAND_WRITTEN_PACS_002);

    expect(report.messageId).toBe('BANK-STS-77');
    expect(report.createdAt).toBe('2025-03-03T08:15:00+01:00');
    expect(report.groups).toEqual([
      {
        originalMessageId: 'ECHK-20250301-0001',
        originalMessageName: 'pacs.003.001.08',
        status: 'RJCT',
        reasons: [{ code: 'FF01' }],
      },
    ]);
    expect(report.transactions).toEqual([
      {
        originalEndToEndId: 'ord-1001-echeck-1',
        status: 'RJCT',
        reasons: [{ code: 'AC04', additionalInformation: ['Account closed on 2025-02-28'] }],
        originalAmount: { amount: 12_345, currency: 'KWD' },
      },
      {
        originalEndToEndId: 'ord-1002-echeck-1',
        status: 'RJCT',
        reasons: [{ proprietary: 'LIMIT-EXCEEDED' }, { code: 'AM04' }],
      },
    ]);
    expect(describeReasonCode('AC04')).toBe('account closed');
  });

  test('pacs.004 › JPY return for MD06 › amount in yen and the reason with its text', () => {
    const returned = parsePaymentReturn(HAND_WRITTEN_PACS_004);

    expect(returned.settlementMethod).toBe('CLRG');
    expect(returned.transactions).toEqual([
      {
        returnId: 'RTR-9-1',
        originalGroup: { messageId: 'ECHK-20250301-0001', messageName: 'pacs.003.001.08' },
        originalEndToEndId: 'ord-2001-echeck-1',
        originalAmount: { amount: 1200, currency: 'JPY' },
        returnedAmount: { amount: 1200, currency: 'JPY' },
        reasons: [{ code: 'MD06', additionalInformation: ['Refund requested by the customer'] }],
      },
    ]);
    expect(describeReasonCode('MD06')).toBe('refund requested by the end customer');
  });

  test('parseMessage › hand-written pacs.004 › recognized as a return', () => {
    const parsed = parseMessage(HAND_WRITTEN_PACS_004);

    expect(parsed.message).toBe('pacs.004.001.10');
  });
});

/** A pacs.002 answering a whole message with one group status and no transaction detail, as many banks send it. */
function groupOnlyReport(status: string, reason?: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.002.001.11">
  <FIToFIPmtStsRpt>
    <GrpHdr><MsgId>BANK-STS-78</MsgId><CreDtTm>2025-03-03T08:15:00Z</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts>
      <OrgnlMsgId>ST-PAYOUTS-1</OrgnlMsgId>
      <OrgnlMsgNmId>pacs.008.001.09</OrgnlMsgNmId>
      <GrpSts>${status}</GrpSts>${reason ? `\n      <StsRsnInf><Rsn><Cd>${reason}</Cd></Rsn></StsRsnInf>` : ''}
    </OrgnlGrpInfAndSts>
  </FIToFIPmtStsRpt>
</Document>
`;
}

describe('ISO 20022 › the status a report gives one transaction', () => {
  test('group status alone (ACSP, and RJCT with a reason) › holds for every transaction of its message; schema-valid', async () => {
    const accepted = parsePaymentStatusReport(groupOnlyReport('ACSP'));
    const rejected = parsePaymentStatusReport(groupOnlyReport('RJCT', 'AM04'));

    expect((await validateAgainstXsd('pacs.002.001.11', [groupOnlyReport('ACSP')])).errors).toEqual([]);
    expect(accepted.transactions).toEqual([]);
    expect(transactionStatusIn(accepted, { messageId: 'ST-PAYOUTS-1', endToEndId: 'ST-PAYOUTS-1-7' })).toEqual({
      status: 'ACSP',
      reason: undefined,
      from: 'group',
    });
    expect(transactionStatusIn(rejected, { messageId: 'ST-PAYOUTS-1', endToEndId: 'ST-PAYOUTS-1-7' })).toEqual({
      status: 'RJCT',
      reason: 'AM04',
      from: 'group',
    });
  });

  test('a transaction named › its own status and first reason, not the group’s', () => {
    const report = parsePaymentStatusReport(HAND_WRITTEN_PACS_002);

    expect(transactionStatusIn(report, { messageId: 'ECHK-20250301-0001', endToEndId: 'ord-1001-echeck-1' })).toEqual({
      status: 'RJCT',
      reason: 'AC04',
      from: 'transaction',
    });
  });

  test('PART, another message’s group, or nothing said › undefined (unknown, never accepted by default)', () => {
    const part = parsePaymentStatusReport(groupOnlyReport('PART'));
    const accepted = parsePaymentStatusReport(groupOnlyReport('ACSP'));

    expect(transactionStatusIn(part, { messageId: 'ST-PAYOUTS-1', endToEndId: 'ST-PAYOUTS-1-7' })).toBeUndefined();
    expect(transactionStatusIn(accepted, { messageId: 'ST-OTHER-2', endToEndId: 'ST-OTHER-2-1' })).toBeUndefined();
    expect(
      transactionStatusIn(parsePaymentStatusReport(HAND_WRITTEN_PACS_002), {
        messageId: 'ECHK-20250301-0001',
        endToEndId: 'ord-9999-echeck-1',
      }),
    ).toEqual({ status: 'RJCT', reason: 'FF01', from: 'group' });
  });
});

describe('ISO 20022 parser › refusals', () => {
  test('pacs.002 parser › a pacs.004 document › wrong_namespace', () => {
    expectRefused(() => parsePaymentStatusReport(HAND_WRITTEN_PACS_004), 'wrong_namespace');
  });

  test('pacs.002 parser › pacs.002 body under an older version namespace › wrong_namespace', () => {
    const older = HAND_WRITTEN_PACS_002.replace('pacs.002.001.11"', 'pacs.002.001.10"');

    expectRefused(() => parsePaymentStatusReport(older), 'wrong_namespace');
  });

  test('parseMessage › a namespace no settleflow message has › unsupported_message', () => {
    const other = HAND_WRITTEN_PACS_004.replace('pacs.004.001.10', 'pacs.009.001.08');

    expectRefused(() => parseMessage(other), 'unsupported_message');
  });

  test('pacs.002 parser › no namespace at all › wrong_namespace', () => {
    const bare = HAND_WRITTEN_PACS_002.replace(/p:/g, '')
      .replace(/ xmlns="[^"]*"/, '')
      .replace(/ xmlns:[a-z]+="[^"]*"/g, '');

    expectRefused(() => parsePaymentStatusReport(bare), 'wrong_namespace');
  });

  test('pacs.002 parser › one element in a foreign namespace › wrong_namespace', () => {
    const mixed = HAND_WRITTEN_PACS_002.replace(
      '<p:MsgId>BANK-STS-77</p:MsgId>',
      '<q:MsgId xmlns:q="urn:example:other">BANK-STS-77</q:MsgId>',
    );

    expectRefused(() => parsePaymentStatusReport(mixed), 'wrong_namespace');
  });

  test('pacs.004 parser › the mandatory returned amount removed › missing_element naming its path', () => {
    const incomplete = HAND_WRITTEN_PACS_004.replace(/<RtrdIntrBkSttlmAmt[^>]*>[^<]*<\/RtrdIntrBkSttlmAmt>/, '');

    const error = expectRefused(() => parsePaymentReturn(incomplete), 'missing_element');

    expect(error.param).toBe('Document/PmtRtr/TxInf[0]/RtrdIntrBkSttlmAmt');
  });

  test('pacs.002 parser › the message id removed › missing_element', () => {
    const incomplete = HAND_WRITTEN_PACS_002.replace('<p:MsgId>BANK-STS-77</p:MsgId>', '');

    const error = expectRefused(() => parsePaymentStatusReport(incomplete), 'missing_element');

    expect(error.param).toBe('Document/FIToFIPmtStsRpt/GrpHdr/MsgId');
  });

  test('pacs.002 parser › an unknown transaction status › invalid_value', () => {
    const unknown = HAND_WRITTEN_PACS_002.replace('<p:TxSts>RJCT</p:TxSts>', '<p:TxSts>NOPE</p:TxSts>');

    expectRefused(() => parsePaymentStatusReport(unknown), 'invalid_value');
  });

  test('pacs.004 parser › more yen decimals than JPY has › invalid_value', () => {
    const precise = HAND_WRITTEN_PACS_004.replace(
      '<RtrdIntrBkSttlmAmt Ccy="JPY">1200</RtrdIntrBkSttlmAmt>',
      '<RtrdIntrBkSttlmAmt Ccy="JPY">1200.5</RtrdIntrBkSttlmAmt>',
    );

    expectRefused(() => parsePaymentReturn(precise), 'invalid_value');
  });

  test('pacs.004 parser › control sum off by one yen › inconsistent_totals', () => {
    const wrong = HAND_WRITTEN_PACS_004.replace('<CtrlSum>1200</CtrlSum>', '<CtrlSum>1201</CtrlSum>');

    expectRefused(() => parsePaymentReturn(wrong), 'inconsistent_totals');
  });

  test('pacs.008 parser › NbOfTxs says 2 for one transfer › inconsistent_totals', () => {
    const xml = buildCreditTransferBatch(sampleCreditTransferBatch()).replace(
      '<NbOfTxs>1</NbOfTxs>',
      '<NbOfTxs>2</NbOfTxs>',
    );

    expectRefused(() => parseCreditTransferBatch(xml), 'inconsistent_totals');
  });

  test('pacs.008 parser › a creditor IBAN with a broken checksum › invalid_value without the IBAN in the message', () => {
    const xml = buildCreditTransferBatch(sampleCreditTransferBatch()).replace(
      IBANS.seller,
      'FR1520041010050500013M02606',
    );

    const error = expectRefused(() => parseCreditTransferBatch(xml), 'invalid_value');

    expect(error.message).not.toContain('20041010050500013M02606');
  });

  test.each([
    ['unclosed element', '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.004.001.10"><PmtRtr></Document>'],
    ['not XML', 'PAYMENT RETURN 1200 JPY'],
    ['empty text', ''],
    ['two roots', '<Document/><Document/>'],
  ])('pacs.004 parser › %s › malformed_xml', (_name, xml) => {
    expectRefused(() => parsePaymentReturn(xml), 'malformed_xml');
  });

  test('pacs.004 parser › a DOCTYPE with an entity (billion laughs shape) › malformed_xml', () => {
    const withDoctype = HAND_WRITTEN_PACS_004.replace(
      '<Document',
      '<!DOCTYPE Document [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n<Document',
    );

    expectRefused(() => parsePaymentReturn(withDoctype), 'malformed_xml');
  });

  test('pacs.004 parser › root is not Document › unexpected_root', () => {
    const wrapped = HAND_WRITTEN_PACS_004.replace(/Document/g, 'Envelope');

    expectRefused(() => parsePaymentReturn(wrapped), 'unexpected_root');
  });

  test('pacs.004 parser › Document holding a pacs.002 body in the pacs.004 namespace › unexpected_root', () => {
    const swapped = HAND_WRITTEN_PACS_004.replace(/PmtRtr/g, 'FIToFIPmtStsRpt');

    expectRefused(() => parsePaymentReturn(swapped), 'unexpected_root');
  });
});

describe('ISO 20022 identifiers and amounts', () => {
  test.each([
    [IBANS.customer, true],
    [IBANS.seller, true],
    [IBANS.gateway, true],
    [IBANS.other, true],
    [ibanOf('DE', '370400440532013001'), true],
    ['DE89370400440532013001', false],
    ['de89370400440532013000', false],
    ['DE89 3704 0044 0532 0130 00', false],
    ['DE8937040044', false],
  ])('isValidIban › %s › %s', (iban, valid) => {
    expect(isValidIban(iban)).toBe(valid);
  });

  test('maskIban and maskAccountNumbers › a built document › no IBAN left in clear, the rest unchanged', () => {
    const xml = buildCreditTransferBatch(sampleCreditTransferBatch());

    const masked = maskAccountNumbers(xml);

    expect(maskIban(IBANS.gateway)).toBe('NL91…4300');
    expect(masked).not.toContain(IBANS.gateway);
    expect(masked).not.toContain(IBANS.seller);
    expect(masked).toContain('<IBAN>NL91…4300</IBAN>');
    expect(masked).toContain('<EndToEndId>ord-1001-payout</EndToEndId>');
  });

  test.each([
    ['JPY', 0, '0'],
    ['JPY', 1_234_567, '1234567'],
    ['EUR', 0, '0.00'],
    ['EUR', 1, '0.01'],
    ['EUR', 123_456, '1234.56'],
    ['KWD', 1, '0.001'],
    ['KWD', 1_000, '1.000'],
    ['KWD', 9_999_999, '9999.999'],
    ['EUR', 115, '1.15'],
    ['EUR', 9_007_199_254_740_985, '90071992547409.85'],
  ])('minorToDecimal › %s %d › %s and back', (currency, minor, text) => {
    expect(minorToDecimal(minor, currency)).toBe(text);
    expect(decimalToMinor(text, currency)).toBe(minor);
  });

  test.each([
    ['EUR', '10.5', 1050],
    ['EUR', '10.500', 1050],
    ['EUR', '.5', 50],
    ['EUR', '+3', 300],
    ['KWD', '0.1', 100],
    ['JPY', '1200.000', 1200],
  ])('decimalToMinor › %s "%s" › %d', (currency, text, minor) => {
    expect(decimalToMinor(text, currency)).toBe(minor);
  });

  test.each([
    ['EUR', '10.505'],
    ['EUR', '-1.00'],
    ['EUR', '1e3'],
    ['EUR', '.'],
    ['JPY', '0.5'],
    ['EUR', '90071992547409.92'],
  ])('decimalToMinor › %s "%s" › refused as invalid_value', (currency, text) => {
    expectRefused(() => decimalToMinor(text, currency), 'invalid_value');
  });
});
