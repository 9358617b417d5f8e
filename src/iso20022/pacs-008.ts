// pacs.008.001.09 FIToFICustomerCreditTransfer: the batch of credit transfers settleflow's gateway sends to pay
// sellers out. Typed input → schema-valid XML and back. Pure: no clock (the caller passes createdAt), no I/O.

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
import type { ElementReader } from './xml-document';
import { amountNode, buildDocument, checkInput, checkParsed, parseDocument } from './xml-document';

const MESSAGE = 'pacs.008.001.09';

/** A UETR (`UUIDv4Identifier`): lower-case UUID version 4. */
export const uetrSchema = z
  .string()
  .regex(/^[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$/, { message: 'must be a UUIDv4' });

/** One credit transfer of a pacs.008 batch: who pays whom, how much, under which references. */
export const creditTransferSchema = z.object({
  /** The end-to-end id travels unchanged to the creditor; settleflow's idempotency reference. */
  endToEndId: identifierSchema,
  instructionId: identifierSchema.optional(),
  transactionId: identifierSchema.optional(),
  uetr: uetrSchema.optional(),
  amount: positiveMoneySchema,
  chargeBearer: chargeBearerSchema,
  debtor: partySchema,
  debtorAccount: accountSchema,
  debtorAgent: agentSchema,
  creditor: partySchema,
  creditorAccount: accountSchema,
  creditorAgent: agentSchema,
  remittanceInformation: textSchema(140).optional(),
});
/** One credit transfer of a pacs.008 batch. */
export type CreditTransfer = z.infer<typeof creditTransferSchema>;

/** A pacs.008 batch: group header and one or more credit transfers, all in one currency. */
export const creditTransferBatchSchema = z
  .object({
    messageId: identifierSchema,
    createdAt: dateTimeSchema,
    settlementDate: dateSchema,
    settlementMethod: settlementMethodSchema,
    instructingAgent: agentSchema.optional(),
    instructedAgent: agentSchema.optional(),
    transactions: z.array(creditTransferSchema).min(1),
  })
  .refine((batch) => isSingleCurrency(batch.transactions.map((tx) => tx.amount)), {
    message: 'every transaction of a batch must have the same currency',
    path: ['transactions'],
  })
  .refine((batch) => hasExactSum(batch.transactions.map((tx) => tx.amount)), {
    message: 'the batch total must stay an exact integer of minor units',
    path: ['transactions'],
  });
/** A pacs.008 batch of credit transfers. */
export type CreditTransferBatch = z.infer<typeof creditTransferBatchSchema>;

/**
 * Builds a pacs.008.001.09 document; the number of transactions, control sum and total settlement amount are
 * computed from the transactions.
 * @throws Iso20022Error `invalid_input` when the input breaks the schema
 */
export function buildCreditTransferBatch(input: CreditTransferBatch): string {
  const batch = checkInput(creditTransferBatchSchema, input, MESSAGE);
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
    CdtTrfTxInf: batch.transactions.map((tx) => ({
      PmtId: { InstrId: tx.instructionId, EndToEndId: tx.endToEndId, TxId: tx.transactionId, UETR: tx.uetr },
      IntrBkSttlmAmt: amountNode(tx.amount),
      ChrgBr: tx.chargeBearer,
      Dbtr: partyNode(tx.debtor),
      DbtrAcct: accountNode(tx.debtorAccount),
      DbtrAgt: agentNode(tx.debtorAgent),
      CdtrAgt: agentNode(tx.creditorAgent),
      Cdtr: partyNode(tx.creditor),
      CdtrAcct: accountNode(tx.creditorAccount),
      RmtInf: tx.remittanceInformation === undefined ? undefined : { Ustrd: tx.remittanceInformation },
    })),
  });
}

/** Reads one `CdtTrfTxInf`. */
function readCreditTransfer(tx: ElementReader): Record<string, unknown> {
  const paymentId = tx.required('PmtId');
  return omitUndefined({
    endToEndId: paymentId.requiredText('EndToEndId'),
    instructionId: paymentId.optionalText('InstrId'),
    transactionId: paymentId.optionalText('TxId'),
    uetr: paymentId.optionalText('UETR'),
    amount: tx.requiredAmount('IntrBkSttlmAmt'),
    chargeBearer: tx.requiredText('ChrgBr'),
    debtor: readParty(tx.required('Dbtr')),
    debtorAccount: readAccount(tx.required('DbtrAcct')),
    debtorAgent: readAgent(tx.required('DbtrAgt')),
    creditor: readParty(tx.required('Cdtr')),
    creditorAccount: readAccount(tx.required('CdtrAcct')),
    creditorAgent: readAgent(tx.required('CdtrAgt')),
    remittanceInformation: tx.optional('RmtInf')?.optionalText('Ustrd'),
  });
}

/** Reads a pacs.008 body; shared by parseCreditTransferBatch and parseMessage. */
export function readCreditTransferBatch(body: ElementReader): CreditTransferBatch {
  const header = body.required('GrpHdr');
  const transactions = body.all('CdtTrfTxInf').map(readCreditTransfer);
  const instructingAgent = header.optional('InstgAgt');
  const instructedAgent = header.optional('InstdAgt');
  const batch = checkParsed(
    creditTransferBatchSchema,
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
  const amounts = batch.transactions.map((tx) => tx.amount);
  checkGroupControls(header, amounts, 'TtlIntrBkSttlmAmt');
  return batch;
}

/**
 * Parses a pacs.008.001.09 document into a typed batch, checking its control figures.
 * @throws Iso20022Error on a malformed, wrong-namespace, incomplete or inconsistent document
 */
export function parseCreditTransferBatch(xml: string): CreditTransferBatch {
  return readCreditTransferBatch(parseDocument(xml, MESSAGE).body);
}
