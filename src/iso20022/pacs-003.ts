// pacs.003.001.08 FIToFICustomerDirectDebit: the direct debits that collect electronic checks from the customer's
// account, the message settleflow's gateway sends to the bank host for e-checks (answered by pacs.002, returned by
// pacs.004). Typed input → schema-valid XML and back. Pure: no clock, no I/O.

import { z } from 'zod';
import {
  accountNode,
  agentNode,
  checkGroupControls,
  batchTotal,
  controlSum,
  omitUndefined,
  partyNode,
  readAccount,
  readAgent,
  readParty,
} from './parts';
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
  settlementMethodSchema,
  textSchema,
} from './schemas';
import type { ElementReader, XmlNode } from './xml-document';
import { amountNode, buildDocument, checkInput, checkParsed, parseDocument } from './xml-document';

const MESSAGE = 'pacs.003.001.08';

/** The debtor's authorization to collect: for an electronic check, the check or authorization number and its date. */
export const mandateSchema = z.object({ id: identifierSchema, signedOn: dateSchema });
/** The debtor's authorization to collect. */
export type Mandate = z.infer<typeof mandateSchema>;

/** Where a collection sits in a series of collections under one mandate (`OOFF` for a one-off e-check). */
export const sequenceTypeSchema = z.enum(['OOFF', 'FRST', 'RCUR', 'FNAL', 'RPRE']);
/** Where a collection sits in a series of collections under one mandate. */
export type SequenceType = z.infer<typeof sequenceTypeSchema>;

/** One interbank direct debit: the creditor collects `amount` from the debtor's account. */
export const interbankDirectDebitSchema = z.object({
  endToEndId: identifierSchema,
  instructionId: identifierSchema.optional(),
  transactionId: identifierSchema.optional(),
  sequenceType: sequenceTypeSchema.optional(),
  amount: positiveMoneySchema,
  chargeBearer: chargeBearerSchema,
  requestedCollectionDate: dateSchema.optional(),
  mandate: mandateSchema.optional(),
  creditor: partySchema,
  creditorAccount: accountSchema,
  creditorAgent: agentSchema,
  debtor: partySchema,
  debtorAccount: accountSchema,
  debtorAgent: agentSchema,
  remittanceInformation: textSchema(140).optional(),
});
/** One interbank direct debit. */
export type InterbankDirectDebit = z.infer<typeof interbankDirectDebitSchema>;

/** A pacs.003 batch: group header and one or more direct debits, all in one currency. */
export const interbankDirectDebitBatchSchema = z
  .object({
    messageId: identifierSchema,
    createdAt: dateTimeSchema,
    settlementDate: dateSchema,
    settlementMethod: settlementMethodSchema,
    instructingAgent: agentSchema.optional(),
    instructedAgent: agentSchema.optional(),
    transactions: z.array(interbankDirectDebitSchema).min(1),
  })
  .refine((batch) => isSingleCurrency(batch.transactions.map((tx) => tx.amount)), {
    message: 'every transaction of a batch must have the same currency',
    path: ['transactions'],
  })
  .refine((batch) => hasExactSum(batch.transactions.map((tx) => tx.amount)), {
    message: 'the batch total must stay an exact integer of minor units',
    path: ['transactions'],
  });
/** A pacs.003 batch of direct debits. */
export type InterbankDirectDebitBatch = z.infer<typeof interbankDirectDebitBatchSchema>;

/** `DrctDbtTx` with the mandate, when there is one. */
export function mandateNode(mandate: Mandate | undefined): XmlNode | undefined {
  return mandate === undefined ? undefined : { MndtRltdInf: { MndtId: mandate.id, DtOfSgntr: mandate.signedOn } };
}

/** Reads the mandate of a `DrctDbtTx`, when there is one. */
export function readMandate(directDebit: ElementReader | undefined): Mandate | undefined {
  const mandate = directDebit?.optional('MndtRltdInf');
  return mandate === undefined
    ? undefined
    : { id: mandate.requiredText('MndtId'), signedOn: mandate.requiredText('DtOfSgntr') };
}

/**
 * Builds a pacs.003.001.08 document; number of transactions, control sum and total are computed.
 * @throws Iso20022Error `invalid_input` when the input breaks the schema
 */
export function buildInterbankDirectDebitBatch(input: InterbankDirectDebitBatch): string {
  const batch = checkInput(interbankDirectDebitBatchSchema, input, MESSAGE);
  const amounts = batch.transactions.map((tx) => tx.amount);
  return buildDocument(MESSAGE, {
    GrpHdr: {
      MsgId: batch.messageId,
      CreDtTm: batch.createdAt,
      NbOfTxs: String(batch.transactions.length),
      CtrlSum: controlSum(amounts),
      TtlIntrBkSttlmAmt: amountNode(batchTotal(amounts)),
      IntrBkSttlmDt: batch.settlementDate,
      SttlmInf: { SttlmMtd: batch.settlementMethod },
      InstgAgt: agentNode(batch.instructingAgent),
      InstdAgt: agentNode(batch.instructedAgent),
    },
    DrctDbtTxInf: batch.transactions.map((tx) => ({
      PmtId: { InstrId: tx.instructionId, EndToEndId: tx.endToEndId, TxId: tx.transactionId },
      PmtTpInf: tx.sequenceType === undefined ? undefined : { SeqTp: tx.sequenceType },
      IntrBkSttlmAmt: amountNode(tx.amount),
      ChrgBr: tx.chargeBearer,
      ReqdColltnDt: tx.requestedCollectionDate,
      DrctDbtTx: mandateNode(tx.mandate),
      Cdtr: partyNode(tx.creditor),
      CdtrAcct: accountNode(tx.creditorAccount),
      CdtrAgt: agentNode(tx.creditorAgent),
      Dbtr: partyNode(tx.debtor),
      DbtrAcct: accountNode(tx.debtorAccount),
      DbtrAgt: agentNode(tx.debtorAgent),
      RmtInf: tx.remittanceInformation === undefined ? undefined : { Ustrd: tx.remittanceInformation },
    })),
  });
}

/** Reads one `DrctDbtTxInf`. */
function readDirectDebit(tx: ElementReader): Record<string, unknown> {
  const paymentId = tx.required('PmtId');
  return omitUndefined({
    endToEndId: paymentId.requiredText('EndToEndId'),
    instructionId: paymentId.optionalText('InstrId'),
    transactionId: paymentId.optionalText('TxId'),
    sequenceType: tx.optional('PmtTpInf')?.optionalText('SeqTp'),
    amount: tx.requiredAmount('IntrBkSttlmAmt'),
    chargeBearer: tx.requiredText('ChrgBr'),
    requestedCollectionDate: tx.optionalText('ReqdColltnDt'),
    mandate: readMandate(tx.optional('DrctDbtTx')),
    creditor: readParty(tx.required('Cdtr')),
    creditorAccount: readAccount(tx.required('CdtrAcct')),
    creditorAgent: readAgent(tx.required('CdtrAgt')),
    debtor: readParty(tx.required('Dbtr')),
    debtorAccount: readAccount(tx.required('DbtrAcct')),
    debtorAgent: readAgent(tx.required('DbtrAgt')),
    remittanceInformation: tx.optional('RmtInf')?.optionalText('Ustrd'),
  });
}

/** Reads a pacs.003 body; shared by parseInterbankDirectDebitBatch and parseMessage. */
export function readInterbankDirectDebitBatch(body: ElementReader): InterbankDirectDebitBatch {
  const header = body.required('GrpHdr');
  const instructingAgent = header.optional('InstgAgt');
  const instructedAgent = header.optional('InstdAgt');
  const transactions = body.all('DrctDbtTxInf').map(readDirectDebit);
  const batch = checkParsed(
    interbankDirectDebitBatchSchema,
    omitUndefined({
      messageId: header.requiredText('MsgId'),
      createdAt: header.requiredText('CreDtTm'),
      settlementDate: header.requiredText('IntrBkSttlmDt'),
      settlementMethod: header.required('SttlmInf').requiredText('SttlmMtd'),
      instructingAgent: instructingAgent && readAgent(instructingAgent),
      instructedAgent: instructedAgent && readAgent(instructedAgent),
      transactions,
    }),
    MESSAGE,
  );
  checkGroupControls(
    header,
    batch.transactions.map((tx) => tx.amount),
    'TtlIntrBkSttlmAmt',
  );
  return batch;
}

/**
 * Parses a pacs.003.001.08 document into a typed batch, checking its control figures.
 * @throws Iso20022Error on a malformed, wrong-namespace, incomplete or inconsistent document
 */
export function parseInterbankDirectDebitBatch(xml: string): InterbankDirectDebitBatch {
  return readInterbankDirectDebitBatch(parseDocument(xml, MESSAGE).body);
}
