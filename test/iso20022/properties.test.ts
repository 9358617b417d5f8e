// Property tests of the ISO 20022 layer (fast-check): random valid inputs always build schema-valid documents that
// parse back to the input, and random mutations of documents never make a parser throw anything but Iso20022Error.
// XSD validation is slow (one xmllint run per property run, documents batched), so the run counts are modest.

import fc from 'fast-check';
import type {
  BankStatement,
  CreditTransferBatch,
  DebitCreditNotification,
  DirectDebitInitiation,
  InterbankDirectDebitBatch,
  MessageName,
  PaymentReturn,
  PaymentStatusReport,
} from '../../src/iso20022';
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
  ibanOf,
  sampleBankStatement,
  sampleCreditTransferBatch,
  sampleDebitCreditNotification,
  sampleDirectDebitBatch,
  sampleDirectDebitInitiation,
  samplePaymentReturn,
  sampleStatusReport,
} from './samples';

const XSD_RUNS = 8;
const MUTATION_RUNS = 300;

// Characters a name or reference may hold, XML's special ones and non-ASCII letters included.
const TEXT_CHARS = [...'abcXYZ019 -/.,&<>"\'éüß日本€'];

const text = (maxLength: number) =>
  fc
    .array(fc.constantFrom(...TEXT_CHARS), { minLength: 1, maxLength: Math.min(maxLength, 40) })
    .map((chars) => chars.join(''))
    .filter((value) => value.trim() === value);
const identifier = text(35);
const iban = fc
  .tuple(fc.constantFrom('DE', 'FR', 'NL', 'GB', 'IT', 'NO'), fc.stringMatching(/^[0-9A-Z]{11,30}$/))
  .map(([country, bban]) => ibanOf(country, bban));
const bic = fc.stringMatching(/^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/);
const currency = fc.constantFrom('EUR', 'JPY', 'KWD', 'USD', 'BHD', 'CLP');
const minor = fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 2 ** 50 }));
const instant = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2099-12-31T23:59:59Z'),
  noInvalidDate: true,
});
const dateTime = fc
  .tuple(instant, fc.constantFrom('Z', '+01:00', '-05:30', '+14:00'), fc.boolean())
  .map(([at, offset, millis]) => `${at.toISOString().slice(0, millis ? 23 : 19)}${offset}`);
const date = instant.map((at) => at.toISOString().slice(0, 10));
const party = fc.record({ name: text(140) });
const agent = fc.record({ bic });
const account = fc.record({ iban });
const reason = fc.oneof(
  fc.record(
    {
      code: fc.constantFrom('AC01', 'AC04', 'AM04', 'MD06', 'MS03'),
      additionalInformation: fc.array(text(105), { minLength: 1, maxLength: 2 }),
    },
    { requiredKeys: ['code'] },
  ),
  fc.record({ proprietary: identifier }),
);
const reasons = fc.array(reason, { minLength: 1, maxLength: 2 });
const messageName = fc.constantFrom('pacs.003.001.08', 'pacs.008.001.09', 'pain.008.001.09');
const originalGroup = fc.record(
  { messageId: identifier, messageName, createdAt: dateTime },
  { requiredKeys: ['messageId', 'messageName'] },
);
const chargeBearer = fc.constantFrom('SLEV' as const, 'DEBT' as const, 'CRED' as const, 'SHAR' as const);
const settlementMethod = fc.constantFrom('CLRG' as const, 'INDA' as const, 'INGA' as const);
const mandate = fc.record({ id: identifier, signedOn: date });
const sequenceType = fc.constantFrom('OOFF' as const, 'FRST' as const, 'RCUR' as const, 'FNAL' as const);

/** n amounts of one currency. */
const amountsIn = (cur: string) => minor.map((amount) => ({ amount, currency: cur }));

const creditTransferBatch: fc.Arbitrary<CreditTransferBatch> = currency.chain((cur) =>
  fc.record(
    {
      messageId: identifier,
      createdAt: dateTime,
      settlementDate: date,
      settlementMethod,
      instructingAgent: agent,
      instructedAgent: agent,
      transactions: fc.array(
        fc.record(
          {
            endToEndId: identifier,
            instructionId: identifier,
            transactionId: identifier,
            uetr: fc.uuid({ version: 4 }),
            amount: amountsIn(cur),
            chargeBearer,
            debtor: party,
            debtorAccount: account,
            debtorAgent: agent,
            creditor: party,
            creditorAccount: account,
            creditorAgent: agent,
            remittanceInformation: text(140),
          },
          {
            requiredKeys: [
              'endToEndId',
              'amount',
              'chargeBearer',
              'debtor',
              'debtorAccount',
              'debtorAgent',
              'creditor',
              'creditorAccount',
              'creditorAgent',
            ],
          },
        ),
        { minLength: 1, maxLength: 4 },
      ),
    },
    { requiredKeys: ['messageId', 'createdAt', 'settlementDate', 'settlementMethod', 'transactions'] },
  ),
);

const directDebitBatch: fc.Arbitrary<InterbankDirectDebitBatch> = currency.chain((cur) =>
  fc.record(
    {
      messageId: identifier,
      createdAt: dateTime,
      settlementDate: date,
      settlementMethod,
      instructingAgent: agent,
      instructedAgent: agent,
      transactions: fc.array(
        fc.record(
          {
            endToEndId: identifier,
            instructionId: identifier,
            transactionId: identifier,
            sequenceType,
            amount: amountsIn(cur),
            chargeBearer,
            requestedCollectionDate: date,
            mandate,
            creditor: party,
            creditorAccount: account,
            creditorAgent: agent,
            debtor: party,
            debtorAccount: account,
            debtorAgent: agent,
            remittanceInformation: text(140),
          },
          {
            requiredKeys: [
              'endToEndId',
              'amount',
              'chargeBearer',
              'creditor',
              'creditorAccount',
              'creditorAgent',
              'debtor',
              'debtorAccount',
              'debtorAgent',
            ],
          },
        ),
        { minLength: 1, maxLength: 4 },
      ),
    },
    { requiredKeys: ['messageId', 'createdAt', 'settlementDate', 'settlementMethod', 'transactions'] },
  ),
);

const directDebitInitiation: fc.Arbitrary<DirectDebitInitiation> = currency.chain((cur) =>
  fc.record({
    messageId: identifier,
    createdAt: dateTime,
    initiatingParty: party,
    paymentInformation: fc.array(
      fc.record(
        {
          paymentInformationId: identifier,
          requestedCollectionDate: date,
          sequenceType,
          chargeBearer,
          creditor: party,
          creditorAccount: account,
          creditorAgent: agent,
          transactions: fc.array(
            fc.record(
              {
                endToEndId: identifier,
                instructionId: identifier,
                amount: amountsIn(cur),
                mandate,
                debtor: party,
                debtorAccount: account,
                debtorAgent: agent,
                remittanceInformation: text(140),
              },
              { requiredKeys: ['endToEndId', 'amount', 'debtor', 'debtorAccount', 'debtorAgent'] },
            ),
            { minLength: 1, maxLength: 3 },
          ),
        },
        {
          requiredKeys: [
            'paymentInformationId',
            'requestedCollectionDate',
            'creditor',
            'creditorAccount',
            'creditorAgent',
            'transactions',
          ],
        },
      ),
      { minLength: 1, maxLength: 2 },
    ),
  }),
);

const transactionStatus = fc.constantFrom(
  'ACSP' as const,
  'ACSC' as const,
  'RJCT' as const,
  'PDNG' as const,
  'ACCP' as const,
);
const statusReport: fc.Arbitrary<PaymentStatusReport> = fc
  .record(
    {
      messageId: identifier,
      createdAt: dateTime,
      instructingAgent: agent,
      instructedAgent: agent,
      groups: fc.array(
        fc.record(
          {
            originalMessageId: identifier,
            originalMessageName: messageName,
            originalCreatedAt: dateTime,
            originalNumberOfTransactions: fc.integer({ min: 0, max: 100_000 }),
            status: fc.constantFrom('ACSP' as const, 'RJCT' as const, 'PART' as const, 'PDNG' as const),
            reasons,
          },
          { requiredKeys: ['originalMessageId', 'originalMessageName'] },
        ),
        { maxLength: 2 },
      ),
      transactions: fc.array(
        fc.record(
          {
            statusId: identifier,
            originalGroup,
            originalInstructionId: identifier,
            originalEndToEndId: identifier,
            originalTransactionId: identifier,
            status: transactionStatus,
            reasons,
            acceptedAt: dateTime,
            originalAmount: currency.chain(amountsIn),
          },
          { requiredKeys: ['originalEndToEndId', 'status'] },
        ),
        { maxLength: 4 },
      ),
    },
    { requiredKeys: ['messageId', 'createdAt', 'groups', 'transactions'] },
  )
  .filter((report) => report.groups.length + report.transactions.length > 0);

const paymentReturn: fc.Arbitrary<PaymentReturn> = currency.chain((cur) =>
  fc.record(
    {
      messageId: identifier,
      createdAt: dateTime,
      settlementDate: date,
      settlementMethod,
      instructingAgent: agent,
      instructedAgent: agent,
      transactions: fc.array(
        fc.record(
          {
            returnId: identifier,
            originalGroup,
            originalInstructionId: identifier,
            originalEndToEndId: identifier,
            originalTransactionId: identifier,
            originalAmount: amountsIn(cur),
            returnedAmount: amountsIn(cur),
            chargeBearer,
            reasons,
          },
          { requiredKeys: ['returnId', 'originalEndToEndId', 'returnedAmount', 'reasons'] },
        ),
        { minLength: 1, maxLength: 4 },
      ),
    },
    { requiredKeys: ['messageId', 'createdAt', 'settlementMethod', 'transactions'] },
  ),
);

const bankTransactionCode = fc.record({
  domain: fc.constantFrom('PMNT', 'ACMT'),
  family: fc.constantFrom('ICDT', 'IDDT', 'RDDT', 'RCDT'),
  subFamily: fc.constantFrom('ESCT', 'ESDD', 'UPDD', 'OTHR'),
});
const entriesIn = (cur: string, minLength: number) =>
  fc.array(
    fc.record(
      {
        entryReference: identifier,
        amount: amountsIn(cur),
        creditDebit: fc.constantFrom('CRDT' as const, 'DBIT' as const),
        reversal: fc.boolean(),
        status: fc.constantFrom('BOOK' as const, 'PDNG' as const, 'INFO' as const),
        bookingDate: date,
        valueDate: date,
        accountServicerReference: identifier,
        bankTransactionCode,
        transactions: fc.array(
          fc.record(
            {
              messageId: identifier,
              endToEndId: identifier,
              mandateId: identifier,
              amount: amountsIn(cur),
              creditDebit: fc.constantFrom('CRDT' as const, 'DBIT' as const),
              remittanceInformation: text(140),
              returnReason: reason,
            },
            { requiredKeys: [] },
          ),
          { minLength: 1, maxLength: 2 },
        ),
        additionalInformation: text(500),
      },
      { requiredKeys: ['amount', 'creditDebit', 'status', 'bankTransactionCode'] },
    ),
    { minLength, maxLength: 4 },
  );
const reportedAccount = (cur: string) =>
  fc.record({ iban, currency: fc.constant(cur), ownerName: text(140), servicerBic: bic }, { requiredKeys: ['iban'] });

const bankStatement: fc.Arbitrary<BankStatement> = fc.record({
  messageId: identifier,
  createdAt: dateTime,
  statements: fc.array(
    currency.chain((cur) =>
      fc.record(
        {
          id: identifier,
          electronicSequenceNumber: fc.integer({ min: 0, max: 1_000_000 }),
          createdAt: dateTime,
          account: reportedAccount(cur),
          balances: fc.array(
            fc.record({
              type: fc.constantFrom('OPBD' as const, 'CLBD' as const, 'CLAV' as const),
              amount: amountsIn(cur),
              creditDebit: fc.constantFrom('CRDT' as const, 'DBIT' as const),
              date,
            }),
            { minLength: 1, maxLength: 3 },
          ),
          entries: entriesIn(cur, 0),
        },
        { requiredKeys: ['id', 'account', 'balances', 'entries'] },
      ),
    ),
    { minLength: 1, maxLength: 2 },
  ),
});

const debitCreditNotification: fc.Arbitrary<DebitCreditNotification> = fc.record({
  messageId: identifier,
  createdAt: dateTime,
  notifications: fc.array(
    currency.chain((cur) =>
      fc.record(
        { id: identifier, createdAt: dateTime, account: reportedAccount(cur), entries: entriesIn(cur, 1) },
        { requiredKeys: ['id', 'account', 'entries'] },
      ),
    ),
    { minLength: 1, maxLength: 2 },
  ),
});

interface PropertyCase {
  readonly message: MessageName;
  readonly arbitrary: fc.Arbitrary<object>;
  readonly sample: () => object;
  readonly build: (input: never) => string;
  readonly parse: (xml: string) => object;
}

const CASES: readonly PropertyCase[] = [
  {
    message: 'pacs.003.001.08',
    arbitrary: directDebitBatch,
    sample: sampleDirectDebitBatch,
    build: buildInterbankDirectDebitBatch,
    parse: parseInterbankDirectDebitBatch,
  },
  {
    message: 'pain.008.001.09',
    arbitrary: directDebitInitiation,
    sample: sampleDirectDebitInitiation,
    build: buildDirectDebitInitiation,
    parse: parseDirectDebitInitiation,
  },
  {
    message: 'pacs.008.001.09',
    arbitrary: creditTransferBatch,
    sample: sampleCreditTransferBatch,
    build: buildCreditTransferBatch,
    parse: parseCreditTransferBatch,
  },
  {
    message: 'pacs.002.001.11',
    arbitrary: statusReport,
    sample: sampleStatusReport,
    build: buildPaymentStatusReport,
    parse: parsePaymentStatusReport,
  },
  {
    message: 'pacs.004.001.10',
    arbitrary: paymentReturn,
    sample: samplePaymentReturn,
    build: buildPaymentReturn,
    parse: parsePaymentReturn,
  },
  {
    message: 'camt.053.001.08',
    arbitrary: bankStatement,
    sample: sampleBankStatement,
    build: buildBankStatement,
    parse: parseBankStatement,
  },
  {
    message: 'camt.054.001.08',
    arbitrary: debitCreditNotification,
    sample: sampleDebitCreditNotification,
    build: buildDebitCreditNotification,
    parse: parseDebitCreditNotification,
  },
];

/** A random edit of a document: delete, insert, replace or duplicate a slice. */
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'insert', 'replace', 'duplicate'),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 40 }),
  insert: fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom(
      '<',
      '>',
      '&',
      '</',
      '/>',
      '"',
      '<x>',
      '&amp;',
      '&#0;',
      ':',
      'xmlns="urn:x"',
      '<!--',
      ']]>',
      '__proto__',
    ),
  ),
});

/** A random edit of a document. */
interface Mutation {
  readonly kind: string;
  readonly at: number;
  readonly length: number;
  readonly insert: string;
}

/** Applies a mutation to a document. */
function mutate(xml: string, edit: Mutation): string {
  const at = edit.at % (xml.length + 1);
  const end = Math.min(xml.length, at + edit.length);
  switch (edit.kind) {
    case 'delete':
      return xml.slice(0, at) + xml.slice(end);
    case 'insert':
      return xml.slice(0, at) + edit.insert + xml.slice(at);
    case 'replace':
      return xml.slice(0, at) + edit.insert + xml.slice(end);
    default:
      return xml.slice(0, end) + xml.slice(at, end) + xml.slice(end);
  }
}

/** Parses and reports what was thrown, if anything: only Iso20022Error is allowed out of a parser. */
function onlyIso20022Errors(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch (err) {
    if (err instanceof Iso20022Error) return true;
    throw err;
  }
}

describe.each(CASES)('ISO 20022 properties › $message', ({ message, arbitrary, sample, build, parse }) => {
  const buildIt = build as (input: object) => string;

  test('random valid inputs › always build schema-valid documents that parse back to the input', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbitrary, { minLength: 1, maxLength: 4 }), async (inputs) => {
        const documents = inputs.map(buildIt);
        const validation = await validateAgainstXsd(message, documents);
        expect(validation.errors).toEqual([]);
        documents.forEach((xml, index) => expect(parse(xml)).toEqual(inputs[index]));
      }),
      { numRuns: XSD_RUNS },
    );
  });

  test('random mutations of a document › the parser returns or throws Iso20022Error, nothing else', () => {
    const documents = [buildIt(sample()), ...fc.sample(arbitrary, { numRuns: 3, seed: 20022 }).map(buildIt)];
    fc.assert(
      fc.property(fc.constantFrom(...documents), fc.array(mutation, { minLength: 1, maxLength: 3 }), (xml, edits) => {
        const mutated = edits.reduce(mutate, xml);
        expect(onlyIso20022Errors(() => parse(mutated))).toBe(true);
        expect(onlyIso20022Errors(() => parseMessage(mutated))).toBe(true);
      }),
      { numRuns: MUTATION_RUNS },
    );
  });
});

test('ISO 20022 properties › parseMessage on arbitrary text › returns or throws Iso20022Error, nothing else', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constant('<Document/>')), (input) => {
      expect(onlyIso20022Errors(() => parseMessage(input))).toBe(true);
    }),
    { numRuns: 500 },
  );
});
