// pacs.004.001.10 PaymentReturn: a settled payment coming back, typically a direct debit (electronic check) the
// debtor's bank returns with a reason (AC04 account closed, AM04 insufficient funds, MD06 refund requested...).
// Typed input → schema-valid XML and back. Pure: no clock, no I/O.

import { z } from 'zod';
import {
  agentNode,
  checkGroupControls,
  batchTotal,
  controlSum,
  omitUndefined,
  originalGroupNode,
  readAgent,
  readOriginalGroup,
  readReason,
  reasonNode,
} from './parts';
import {
  agentSchema,
  chargeBearerSchema,
  dateSchema,
  dateTimeSchema,
  hasExactSum,
  identifierSchema,
  isSingleCurrency,
  moneySchema,
  originalGroupSchema,
  positiveMoneySchema,
  reasonSchema,
  settlementMethodSchema,
} from './schemas';
import type { ElementReader } from './xml-document';
import { amountNode, buildDocument, checkInput, checkParsed, parseDocument } from './xml-document';

const MESSAGE = 'pacs.004.001.10';

/** One returned transaction: which original payment, how much comes back, and why. */
export const paymentReturnTransactionSchema = z.object({
  returnId: identifierSchema,
  originalGroup: originalGroupSchema.optional(),
  originalInstructionId: identifierSchema.optional(),
  originalEndToEndId: identifierSchema,
  originalTransactionId: identifierSchema.optional(),
  originalAmount: moneySchema.optional(),
  returnedAmount: positiveMoneySchema,
  chargeBearer: chargeBearerSchema.optional(),
  /** At least one reason: a return without one cannot be acted on. */
  reasons: z.array(reasonSchema).min(1),
});
/** One returned transaction. */
export type PaymentReturnTransaction = z.infer<typeof paymentReturnTransactionSchema>;

/** A pacs.004 return batch: group header and one or more returned transactions, all in one currency. */
export const paymentReturnSchema = z
  .object({
    messageId: identifierSchema,
    createdAt: dateTimeSchema,
    settlementDate: dateSchema.optional(),
    settlementMethod: settlementMethodSchema,
    instructingAgent: agentSchema.optional(),
    instructedAgent: agentSchema.optional(),
    transactions: z.array(paymentReturnTransactionSchema).min(1),
  })
  .refine((batch) => isSingleCurrency(batch.transactions.map((tx) => tx.returnedAmount)), {
    message: 'every returned amount of a batch must have the same currency',
    path: ['transactions'],
  })
  .refine((batch) => hasExactSum(batch.transactions.map((tx) => tx.returnedAmount)), {
    message: 'the batch total must stay an exact integer of minor units',
    path: ['transactions'],
  });
/** A pacs.004 return batch. */
export type PaymentReturn = z.infer<typeof paymentReturnSchema>;

/**
 * Builds a pacs.004.001.10 document; number of transactions, control sum and total returned amount are computed.
 * @throws Iso20022Error `invalid_input` when the input breaks the schema
 */
export function buildPaymentReturn(input: PaymentReturn): string {
  const batch = checkInput(paymentReturnSchema, input, MESSAGE);
  const amounts = batch.transactions.map((tx) => tx.returnedAmount);
  return buildDocument(MESSAGE, {
    GrpHdr: {
      MsgId: batch.messageId,
      CreDtTm: batch.createdAt,
      NbOfTxs: String(batch.transactions.length),
      CtrlSum: controlSum(amounts),
      TtlRtrdIntrBkSttlmAmt: amountNode(batchTotal(amounts)),
      IntrBkSttlmDt: batch.settlementDate,
      SttlmInf: { SttlmMtd: batch.settlementMethod },
      InstgAgt: agentNode(batch.instructingAgent),
      InstdAgt: agentNode(batch.instructedAgent),
    },
    TxInf: batch.transactions.map((tx) => ({
      RtrId: tx.returnId,
      OrgnlGrpInf: originalGroupNode(tx.originalGroup),
      OrgnlInstrId: tx.originalInstructionId,
      OrgnlEndToEndId: tx.originalEndToEndId,
      OrgnlTxId: tx.originalTransactionId,
      OrgnlIntrBkSttlmAmt: tx.originalAmount === undefined ? undefined : amountNode(tx.originalAmount),
      RtrdIntrBkSttlmAmt: amountNode(tx.returnedAmount),
      ChrgBr: tx.chargeBearer,
      RtrRsnInf: tx.reasons.map(reasonNode),
    })),
  });
}

/** Reads one `TxInf`. */
function readReturnTransaction(tx: ElementReader): Record<string, unknown> {
  const originalGroup = tx.optional('OrgnlGrpInf');
  return omitUndefined({
    returnId: tx.requiredText('RtrId'),
    originalGroup: originalGroup && readOriginalGroup(originalGroup),
    originalInstructionId: tx.optionalText('OrgnlInstrId'),
    originalEndToEndId: tx.requiredText('OrgnlEndToEndId'),
    originalTransactionId: tx.optionalText('OrgnlTxId'),
    originalAmount: tx.optionalAmount('OrgnlIntrBkSttlmAmt'),
    returnedAmount: tx.requiredAmount('RtrdIntrBkSttlmAmt'),
    chargeBearer: tx.optionalText('ChrgBr'),
    reasons: tx.all('RtrRsnInf').map(readReason),
  });
}

/** Reads a pacs.004 body; shared by parsePaymentReturn and parseMessage. */
export function readPaymentReturn(body: ElementReader): PaymentReturn {
  const header = body.required('GrpHdr');
  const instructingAgent = header.optional('InstgAgt');
  const instructedAgent = header.optional('InstdAgt');
  const transactions = body.all('TxInf').map(readReturnTransaction);
  const batch = checkParsed(
    paymentReturnSchema,
    omitUndefined({
      messageId: header.requiredText('MsgId'),
      createdAt: header.requiredText('CreDtTm'),
      settlementDate: header.optionalText('IntrBkSttlmDt'),
      settlementMethod: header.required('SttlmInf').requiredText('SttlmMtd'),
      instructingAgent: instructingAgent && readAgent(instructingAgent),
      instructedAgent: instructedAgent && readAgent(instructedAgent),
      transactions,
    }),
    MESSAGE,
  );
  checkGroupControls(
    header,
    batch.transactions.map((tx) => tx.returnedAmount),
    'TtlRtrdIntrBkSttlmAmt',
  );
  return batch;
}

/**
 * Parses a pacs.004.001.10 document into a typed return batch, checking its control figures.
 * @throws Iso20022Error on a malformed, wrong-namespace, incomplete or inconsistent document
 */
export function parsePaymentReturn(xml: string): PaymentReturn {
  return readPaymentReturn(parseDocument(xml, MESSAGE).body);
}
