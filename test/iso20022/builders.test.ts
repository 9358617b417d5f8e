// Every ISO 20022 builder: its output validates against the official XSD, parses back to the input, and writes
// amounts exactly with the currency's exponent (JPY 0, EUR 2, KWD 3).

import type { MessageName } from '../../src/iso20022';
import {
  buildBankStatement,
  buildCreditTransferBatch,
  buildDebitCreditNotification,
  buildDirectDebitInitiation,
  buildInterbankDirectDebitBatch,
  buildPaymentReturn,
  buildPaymentStatusReport,
  Iso20022Error,
  parseBankStatement,
  parseCreditTransferBatch,
  parseDebitCreditNotification,
  parseDirectDebitInitiation,
  parseInterbankDirectDebitBatch,
  parseMessage,
  parsePaymentReturn,
  parsePaymentStatusReport,
} from '../../src/iso20022';
import { validateAgainstXsd } from '../support/iso20022-xsd';
import {
  IBANS,
  sampleBankStatement,
  sampleCreditTransferBatch,
  sampleDebitCreditNotification,
  sampleDirectDebitBatch,
  sampleDirectDebitInitiation,
  samplePaymentReturn,
  sampleStatusReport,
} from './samples';

interface Case {
  readonly message: MessageName;
  readonly sample: () => object;
  readonly build: (input: never) => string;
  readonly parse: (xml: string) => object;
}

const CASES: readonly Case[] = [
  {
    message: 'pacs.003.001.08',
    sample: sampleDirectDebitBatch,
    build: buildInterbankDirectDebitBatch,
    parse: parseInterbankDirectDebitBatch,
  },
  {
    message: 'pain.008.001.09',
    sample: sampleDirectDebitInitiation,
    build: buildDirectDebitInitiation,
    parse: parseDirectDebitInitiation,
  },
  {
    message: 'pacs.008.001.09',
    sample: sampleCreditTransferBatch,
    build: buildCreditTransferBatch,
    parse: parseCreditTransferBatch,
  },
  {
    message: 'pacs.002.001.11',
    sample: sampleStatusReport,
    build: buildPaymentStatusReport,
    parse: parsePaymentStatusReport,
  },
  { message: 'pacs.004.001.10', sample: samplePaymentReturn, build: buildPaymentReturn, parse: parsePaymentReturn },
  { message: 'camt.053.001.08', sample: sampleBankStatement, build: buildBankStatement, parse: parseBankStatement },
  {
    message: 'camt.054.001.08',
    sample: sampleDebitCreditNotification,
    build: buildDebitCreditNotification,
    parse: parseDebitCreditNotification,
  },
];

describe.each(CASES)('ISO 20022 builder › $message', ({ message, sample, build, parse }) => {
  const buildIt = build as (input: object) => string;

  test('builder › sample input › validates against the official XSD', async () => {
    const xml = buildIt(sample());

    const validation = await validateAgainstXsd(message, [xml]);

    expect(validation.errors).toEqual([]);
    expect(validation.valid).toBe(true);
  });

  test('builder › build then parse › gives the input back', () => {
    const input = sample();

    const parsed = parse(buildIt(input));

    expect(parsed).toEqual(input);
  });

  test('parseMessage › any built document › is recognized by its namespace', () => {
    const input = sample();

    const parsed = parseMessage(buildIt(input));

    expect(parsed.message).toBe(message);
    expect(parsed.document).toEqual(input);
  });
});

describe('ISO 20022 amounts', () => {
  const batchIn = (amount: number, currency: string) => {
    const batch = sampleCreditTransferBatch();
    const transfer = batch.transactions[0]!;
    return { ...batch, transactions: [{ ...transfer, amount: { amount, currency } }] };
  };

  test.each([
    ['JPY', 1_200, '1200'],
    ['EUR', 1_050, '10.50'],
    ['EUR', 7, '0.07'],
    ['KWD', 1_250, '1.250'],
    ['KWD', 5, '0.005'],
    ['EUR', Number.MAX_SAFE_INTEGER, '90071992547409.91'],
    // Where floating-point division rounds the wrong way: the conversion must be exact.
    ['EUR', 9_007_199_254_740_985, '90071992547409.85'],
    ['EUR', 9_007_199_254_740_990, '90071992547409.90'],
  ])('pacs.008 › %s %d minor units › written as %s, validated and read back exactly', async (currency, minor, text) => {
    const xml = buildCreditTransferBatch(batchIn(minor, currency));

    expect(xml).toContain(`<IntrBkSttlmAmt Ccy="${currency}">${text}</IntrBkSttlmAmt>`);
    expect(xml).toContain(`<TtlIntrBkSttlmAmt Ccy="${currency}">${text}</TtlIntrBkSttlmAmt>`);
    expect(xml).toContain(`<CtrlSum>${text}</CtrlSum>`);
    expect(parseCreditTransferBatch(xml).transactions[0]!.amount).toEqual({ amount: minor, currency });
    expect((await validateAgainstXsd('pacs.008.001.09', [xml])).errors).toEqual([]);
  });

  test('pacs.008 › three EUR transfers › control sum and total are their exact sum', () => {
    const batch = sampleCreditTransferBatch();
    const transfer = batch.transactions[0]!;
    const amounts = [10, 20, 70];
    const input = {
      ...batch,
      transactions: amounts.map((amount, index) => ({
        ...transfer,
        endToEndId: `e2e-${index}`,
        amount: { amount, currency: 'EUR' },
      })),
    };

    const xml = buildCreditTransferBatch(input);

    expect(xml).toContain('<NbOfTxs>3</NbOfTxs>');
    expect(xml).toContain('<CtrlSum>1.00</CtrlSum>');
    expect(xml).toContain('<TtlIntrBkSttlmAmt Ccy="EUR">1.00</TtlIntrBkSttlmAmt>');
  });
});

describe('ISO 20022 builder input', () => {
  const expectInvalidInput = (build: () => string, param: string) => {
    let caught: unknown;
    try {
      build();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(Iso20022Error);
    expect((caught as Iso20022Error).code).toBe('invalid_input');
    expect((caught as Iso20022Error).param).toBe(param);
    return caught as Iso20022Error;
  };

  test('pacs.003 › debtor IBAN with a wrong check digit › invalid_input naming the field, not the IBAN', () => {
    const batch = sampleDirectDebitBatch();
    const badIban = 'DE88370400440532013000';
    batch.transactions[0]!.debtorAccount = { iban: badIban };

    const error = expectInvalidInput(() => buildInterbankDirectDebitBatch(batch), 'transactions.0.debtorAccount.iban');

    expect(error.message).not.toContain(badIban);
    expect(error.message).not.toContain('0532013000');
  });

  test('pacs.008 › fractional minor units › invalid_input', () => {
    const batch = sampleCreditTransferBatch();
    batch.transactions[0]!.amount = { amount: 10.5, currency: 'EUR' };

    expectInvalidInput(() => buildCreditTransferBatch(batch), 'transactions.0.amount.amount');
  });

  test('pacs.008 › two currencies in one batch › invalid_input on transactions', () => {
    const batch = sampleCreditTransferBatch();
    const transfer = batch.transactions[0]!;
    batch.transactions.push({ ...transfer, endToEndId: 'jpy', amount: { amount: 100, currency: 'JPY' } });

    expectInvalidInput(() => buildCreditTransferBatch(batch), 'transactions');
  });

  test('pacs.008 › a BIC of 9 characters › invalid_input', () => {
    const batch = sampleCreditTransferBatch();
    batch.transactions[0]!.creditorAgent = { bic: 'BNPAFRPPX' };

    expectInvalidInput(() => buildCreditTransferBatch(batch), 'transactions.0.creditorAgent.bic');
  });

  test('pacs.002 › creation time without an offset › invalid_input (no local times)', () => {
    const report = sampleStatusReport();
    report.createdAt = '2025-03-03T08:00:00';

    expectInvalidInput(() => buildPaymentStatusReport(report), 'createdAt');
  });

  test('pacs.004 › a return without a reason › invalid_input', () => {
    const batch = samplePaymentReturn();
    batch.transactions[0]!.reasons = [];

    expectInvalidInput(() => buildPaymentReturn(batch), 'transactions.0.reasons');
  });

  test('pacs.003 › end-to-end id of 36 characters › invalid_input', () => {
    const batch = sampleDirectDebitBatch();
    batch.transactions[0]!.endToEndId = 'x'.repeat(36);

    expectInvalidInput(() => buildInterbankDirectDebitBatch(batch), 'transactions.0.endToEndId');
  });

  test('camt.053 › an entry in another currency than the account › invalid_input', () => {
    const statement = sampleBankStatement();
    statement.statements[0]!.entries[0]!.amount = { amount: 100, currency: 'USD' };

    expectInvalidInput(() => buildBankStatement(statement), 'statements.0.entries');
  });

  test('pacs.008 › a valid IBAN made by the test helper › accepted', () => {
    const batch = sampleCreditTransferBatch();
    batch.transactions[0]!.creditorAccount = { iban: IBANS.other };

    expect(() => buildCreditTransferBatch(batch)).not.toThrow();
  });
});
