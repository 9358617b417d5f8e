// pain.008.001.09 CustomerDirectDebitInitiation: the customer-to-bank form of a direct debit, for a creditor that
// asks its own bank to collect electronic checks (settleflow's interbank form is pacs.003). Typed input →
// schema-valid XML and back. Pure: no clock, no I/O.

import { z } from 'zod';
import type { Money } from '../domain/money';
import { Iso20022Error } from './errors';
import {
  accountNode,
  agentNode,
  controlSum,
  omitUndefined,
  partyNode,
  readAccount,
  readAgent,
  readParty,
} from './parts';
import { mandateNode, mandateSchema, readMandate, sequenceTypeSchema } from './pacs-003';
import {
  accountSchema,
  agentSchema,
  chargeBearerSchema,
  dateSchema,
  dateTimeSchema,
  hasExactSum,
  identifierSchema,
  isSingleCurrency,
  partySchema,
  positiveMoneySchema,
  textSchema,
} from './schemas';
import type { ElementReader } from './xml-document';
import {
  amountNode,
  buildDocument,
  checkCount,
  checkInput,
  checkParsed,
  checkSum,
  parseDocument,
} from './xml-document';

const MESSAGE = 'pain.008.001.09';

/** One collection of a pain.008 payment information block: how much, from which debtor. */
export const customerDirectDebitSchema = z.object({
  endToEndId: identifierSchema,
  instructionId: identifierSchema.optional(),
  amount: positiveMoneySchema,
  mandate: mandateSchema.optional(),
  debtor: partySchema,
  debtorAccount: accountSchema,
  debtorAgent: agentSchema,
  remittanceInformation: textSchema(140).optional(),
});
/** One collection of a pain.008 payment information block. */
export type CustomerDirectDebit = z.infer<typeof customerDirectDebitSchema>;

/** A pain.008 payment information block: one creditor, one collection date, one or more collections. */
export const directDebitPaymentInformationSchema = z.object({
  paymentInformationId: identifierSchema,
  requestedCollectionDate: dateSchema,
  sequenceType: sequenceTypeSchema.optional(),
  chargeBearer: chargeBearerSchema.optional(),
  creditor: partySchema,
  creditorAccount: accountSchema,
  creditorAgent: agentSchema,
  transactions: z.array(customerDirectDebitSchema).min(1),
});
/** A pain.008 payment information block. */
export type DirectDebitPaymentInformation = z.infer<typeof directDebitPaymentInformationSchema>;

/** A pain.008 initiation: group header and payment information blocks, every amount in one currency. */
export const directDebitInitiationSchema = z
  .object({
    messageId: identifierSchema,
    createdAt: dateTimeSchema,
    initiatingParty: partySchema,
    paymentInformation: z.array(directDebitPaymentInformationSchema).min(1),
  })
  .refine((message) => isSingleCurrency(allAmounts(message)), {
    message: 'every transaction of an initiation must have the same currency',
    path: ['paymentInformation'],
  })
  .refine((message) => hasExactSum(allAmounts(message)), {
    message: 'the initiation total must stay an exact integer of minor units',
    path: ['paymentInformation'],
  });
/** A pain.008 direct debit initiation. */
export type DirectDebitInitiation = z.infer<typeof directDebitInitiationSchema>;

/** Every transaction amount of an initiation. */
function allAmounts(message: { paymentInformation: readonly DirectDebitPaymentInformation[] }): Money[] {
  return message.paymentInformation.flatMap((block) => block.transactions.map((tx) => tx.amount));
}

/** The sum of amounts of one currency, in minor units. */
function sumOf(amounts: readonly Money[]): number {
  return amounts.reduce((sum, amount) => sum + amount.amount, 0);
}

/**
 * Builds a pain.008.001.09 document; counts and control sums (message and block level) are computed.
 * @throws Iso20022Error `invalid_input` when the input breaks the schema
 */
export function buildDirectDebitInitiation(input: DirectDebitInitiation): string {
  const message = checkInput(directDebitInitiationSchema, input, MESSAGE);
  const amounts = allAmounts(message);
  return buildDocument(MESSAGE, {
    GrpHdr: {
      MsgId: message.messageId,
      CreDtTm: message.createdAt,
      NbOfTxs: String(amounts.length),
      CtrlSum: controlSum(amounts),
      InitgPty: partyNode(message.initiatingParty),
    },
    PmtInf: message.paymentInformation.map((block) => ({
      PmtInfId: block.paymentInformationId,
      PmtMtd: 'DD',
      NbOfTxs: String(block.transactions.length),
      CtrlSum: controlSum(block.transactions.map((tx) => tx.amount)),
      PmtTpInf: block.sequenceType === undefined ? undefined : { SeqTp: block.sequenceType },
      ReqdColltnDt: block.requestedCollectionDate,
      Cdtr: partyNode(block.creditor),
      CdtrAcct: accountNode(block.creditorAccount),
      CdtrAgt: agentNode(block.creditorAgent),
      ChrgBr: block.chargeBearer,
      DrctDbtTxInf: block.transactions.map((tx) => ({
        PmtId: { InstrId: tx.instructionId, EndToEndId: tx.endToEndId },
        InstdAmt: amountNode(tx.amount),
        DrctDbtTx: mandateNode(tx.mandate),
        DbtrAgt: agentNode(tx.debtorAgent),
        Dbtr: partyNode(tx.debtor),
        DbtrAcct: accountNode(tx.debtorAccount),
        RmtInf: tx.remittanceInformation === undefined ? undefined : { Ustrd: tx.remittanceInformation },
      })),
    })),
  });
}

/** Reads one `PmtInf` block (its control figures are checked once the message is typed). */
function readPaymentInformation(block: ElementReader): Record<string, unknown> {
  const transactions = block.all('DrctDbtTxInf').map((tx) => {
    const paymentId = tx.required('PmtId');
    return omitUndefined({
      endToEndId: paymentId.requiredText('EndToEndId'),
      instructionId: paymentId.optionalText('InstrId'),
      amount: tx.requiredAmount('InstdAmt'),
      mandate: readMandate(tx.optional('DrctDbtTx')),
      debtor: readParty(tx.required('Dbtr')),
      debtorAccount: readAccount(tx.required('DbtrAcct')),
      debtorAgent: readAgent(tx.required('DbtrAgt')),
      remittanceInformation: tx.optional('RmtInf')?.optionalText('Ustrd'),
    });
  });
  if (block.requiredText('PmtMtd') !== 'DD') {
    throw new Iso20022Error('invalid_value', `${block.path}/PmtMtd must be DD`, `${block.path}/PmtMtd`);
  }
  return omitUndefined({
    paymentInformationId: block.requiredText('PmtInfId'),
    requestedCollectionDate: block.requiredText('ReqdColltnDt'),
    sequenceType: block.optional('PmtTpInf')?.optionalText('SeqTp'),
    chargeBearer: block.optionalText('ChrgBr'),
    creditor: readParty(block.required('Cdtr')),
    creditorAccount: readAccount(block.required('CdtrAcct')),
    creditorAgent: readAgent(block.required('CdtrAgt')),
    transactions,
  });
}

/** Reads a pain.008 body; shared by parseDirectDebitInitiation and parseMessage. */
export function readDirectDebitInitiation(body: ElementReader): DirectDebitInitiation {
  const header = body.required('GrpHdr');
  const blocks = body.all('PmtInf');
  const message = checkParsed(
    directDebitInitiationSchema,
    {
      messageId: header.requiredText('MsgId'),
      createdAt: header.requiredText('CreDtTm'),
      initiatingParty: readParty(header.required('InitgPty')),
      paymentInformation: blocks.map(readPaymentInformation),
    },
    MESSAGE,
  );
  const amounts = allAmounts(message);
  const currency = amounts[0]?.currency ?? 'EUR';
  checkCount(header.requiredText('NbOfTxs'), amounts.length, `${header.path}/NbOfTxs`);
  checkSum(header.optionalText('CtrlSum'), sumOf(amounts), currency, `${header.path}/CtrlSum`);
  blocks.forEach((block, index) => {
    const transactions = message.paymentInformation[index]?.transactions ?? [];
    checkCount(block.optionalText('NbOfTxs'), transactions.length, `${block.path}/NbOfTxs`);
    checkSum(
      block.optionalText('CtrlSum'),
      sumOf(transactions.map((tx) => tx.amount)),
      currency,
      `${block.path}/CtrlSum`,
    );
  });
  return message;
}

/**
 * Parses a pain.008.001.09 document into a typed initiation, checking its control figures.
 * @throws Iso20022Error on a malformed, wrong-namespace, incomplete or inconsistent document
 */
export function parseDirectDebitInitiation(xml: string): DirectDebitInitiation {
  return readDirectDebitInitiation(parseDocument(xml, MESSAGE).body);
}
