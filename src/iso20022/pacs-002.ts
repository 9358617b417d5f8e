// pacs.002.001.11 FIToFIPaymentStatusReport: the bank's answer to a pacs.003 or pacs.008, at group level (the whole
// message) and transaction level (ACSP accepted, ACSC settled, PDNG pending, RJCT rejected with reason codes).
// Typed input → schema-valid XML and back. Pure: no clock, no I/O.

import { z } from 'zod';
import { Iso20022Error } from './errors';
import {
  agentNode,
  omitUndefined,
  originalGroupNode,
  readAgent,
  readOriginalGroup,
  readReason,
  reasonNode,
} from './parts';
import {
  agentSchema,
  dateTimeSchema,
  identifierSchema,
  messageNameSchema,
  moneySchema,
  originalGroupSchema,
  reasonSchema,
} from './schemas';
import type { ElementReader } from './xml-document';
import { amountNode, buildDocument, checkInput, checkParsed, parseDocument } from './xml-document';

const MESSAGE = 'pacs.002.001.11';

/**
 * A transaction's status (ISO external code list `ExternalPaymentTransactionStatus1Code`). The ones settleflow acts
 * on: `ACSP` accepted, settlement in process; `ACSC` settled; `PDNG` pending; `RJCT` rejected.
 */
export const transactionStatusSchema = z.enum([
  'ACCC',
  'ACCP',
  'ACFC',
  'ACIS',
  'ACPD',
  'ACSC',
  'ACSP',
  'ACTC',
  'ACWC',
  'ACWP',
  'BLCK',
  'CANC',
  'PATC',
  'PDNG',
  'PRES',
  'RCVD',
  'RJCT',
]);
/** A transaction's status. */
export type TransactionStatus = z.infer<typeof transactionStatusSchema>;

/** A whole message's status (`ExternalPaymentGroupStatus1Code`): the transaction statuses and `PART` (partly accepted). */
export const groupStatusSchema = z.enum([...transactionStatusSchema.options, 'PART']);
/** A whole message's status. */
export type GroupStatus = z.infer<typeof groupStatusSchema>;

/** The status of a whole original message (`OrgnlGrpInfAndSts`). */
export const groupStatusReportSchema = z.object({
  originalMessageId: identifierSchema,
  originalMessageName: messageNameSchema,
  originalCreatedAt: dateTimeSchema.optional(),
  originalNumberOfTransactions: z.number().int().min(0).max(999_999_999_999_999).optional(),
  status: groupStatusSchema.optional(),
  reasons: z.array(reasonSchema).min(1).optional(),
});
/** The status of a whole original message. */
export type GroupStatusReport = z.infer<typeof groupStatusReportSchema>;

/** The status of one original transaction (`TxInfAndSts`), matched by its end-to-end id. */
export const transactionStatusReportSchema = z.object({
  statusId: identifierSchema.optional(),
  originalGroup: originalGroupSchema.optional(),
  originalInstructionId: identifierSchema.optional(),
  originalEndToEndId: identifierSchema,
  originalTransactionId: identifierSchema.optional(),
  status: transactionStatusSchema,
  reasons: z.array(reasonSchema).min(1).optional(),
  acceptedAt: dateTimeSchema.optional(),
  /** The original interbank settlement amount, echoed for matching. */
  originalAmount: moneySchema.optional(),
});
/** The status of one original transaction. */
export type TransactionStatusReport = z.infer<typeof transactionStatusReportSchema>;

/** A pacs.002 status report: group statuses, transaction statuses, or both (at least one of either). */
export const paymentStatusReportSchema = z
  .object({
    messageId: identifierSchema,
    createdAt: dateTimeSchema,
    instructingAgent: agentSchema.optional(),
    instructedAgent: agentSchema.optional(),
    groups: z.array(groupStatusReportSchema),
    transactions: z.array(transactionStatusReportSchema),
  })
  .refine((report) => report.groups.length + report.transactions.length > 0, {
    message: 'a status report says something about a group or a transaction',
    path: ['transactions'],
  });
/** A pacs.002 status report. */
export type PaymentStatusReport = z.infer<typeof paymentStatusReportSchema>;

/** A transaction's status as a report gives it, and the first reason's code when it has one. */
export interface TransactionStatusIn {
  status: TransactionStatus;
  reason?: string | undefined;
  /** Whether the status is the transaction's own (`TxInfAndSts`) or its message's (`OrgnlGrpInfAndSts`). */
  from: 'transaction' | 'group';
}

/**
 * The status a report gives one transaction of an original message: its own `TxInfAndSts` when the report names it,
 * or else the status of its message's group (a bank may answer a whole message with one group status and no
 * transaction detail, which then holds for every transaction of it). Undefined when the report says nothing that
 * holds for it: neither names it, or the group is `PART` (partly accepted: only the transactions named are known).
 */
export function transactionStatusIn(
  report: PaymentStatusReport,
  original: { messageId: string; endToEndId: string },
): TransactionStatusIn | undefined {
  const own = report.transactions.find((tx) => tx.originalEndToEndId === original.endToEndId);
  if (own) return { status: own.status, reason: own.reasons?.[0]?.code, from: 'transaction' };
  const group = report.groups.find((candidate) => candidate.originalMessageId === original.messageId);
  if (!group?.status || group.status === 'PART') return undefined;
  return { status: group.status, reason: group.reasons?.[0]?.code, from: 'group' };
}

/**
 * Builds a pacs.002.001.11 document.
 * @throws Iso20022Error `invalid_input` when the input breaks the schema
 */
export function buildPaymentStatusReport(input: PaymentStatusReport): string {
  const report = checkInput(paymentStatusReportSchema, input, MESSAGE);
  return buildDocument(MESSAGE, {
    GrpHdr: {
      MsgId: report.messageId,
      CreDtTm: report.createdAt,
      InstgAgt: agentNode(report.instructingAgent),
      InstdAgt: agentNode(report.instructedAgent),
    },
    OrgnlGrpInfAndSts: report.groups.map((group) => ({
      OrgnlMsgId: group.originalMessageId,
      OrgnlMsgNmId: group.originalMessageName,
      OrgnlCreDtTm: group.originalCreatedAt,
      OrgnlNbOfTxs:
        group.originalNumberOfTransactions === undefined ? undefined : String(group.originalNumberOfTransactions),
      GrpSts: group.status,
      StsRsnInf: group.reasons?.map(reasonNode),
    })),
    TxInfAndSts: report.transactions.map((tx) => ({
      StsId: tx.statusId,
      OrgnlGrpInf: originalGroupNode(tx.originalGroup),
      OrgnlInstrId: tx.originalInstructionId,
      OrgnlEndToEndId: tx.originalEndToEndId,
      OrgnlTxId: tx.originalTransactionId,
      TxSts: tx.status,
      StsRsnInf: tx.reasons?.map(reasonNode),
      AccptncDtTm: tx.acceptedAt,
      OrgnlTxRef: tx.originalAmount === undefined ? undefined : { IntrBkSttlmAmt: amountNode(tx.originalAmount) },
    })),
  });
}

/** Reads the reason blocks of an element, or undefined when it has none. */
function readReasons(reader: ElementReader, name: string): Record<string, unknown>[] | undefined {
  const reasons = reader.all(name).map(readReason);
  return reasons.length > 0 ? reasons : undefined;
}

/** Reads one `OrgnlGrpInfAndSts`. */
function readGroup(group: ElementReader): Record<string, unknown> {
  const count = group.optionalText('OrgnlNbOfTxs');
  if (count !== undefined && !/^[0-9]{1,15}$/.test(count)) {
    throw new Iso20022Error(
      'invalid_value',
      `${group.path}/OrgnlNbOfTxs must be a number`,
      `${group.path}/OrgnlNbOfTxs`,
    );
  }
  return omitUndefined({
    originalMessageId: group.requiredText('OrgnlMsgId'),
    originalMessageName: group.requiredText('OrgnlMsgNmId'),
    originalCreatedAt: group.optionalText('OrgnlCreDtTm'),
    originalNumberOfTransactions: count === undefined ? undefined : Number(count),
    status: group.optionalText('GrpSts'),
    reasons: readReasons(group, 'StsRsnInf'),
  });
}

/** Reads one `TxInfAndSts`. */
function readTransaction(tx: ElementReader): Record<string, unknown> {
  const originalGroup = tx.optional('OrgnlGrpInf');
  return omitUndefined({
    statusId: tx.optionalText('StsId'),
    originalGroup: originalGroup && readOriginalGroup(originalGroup),
    originalInstructionId: tx.optionalText('OrgnlInstrId'),
    originalEndToEndId: tx.requiredText('OrgnlEndToEndId'),
    originalTransactionId: tx.optionalText('OrgnlTxId'),
    status: tx.requiredText('TxSts'),
    reasons: readReasons(tx, 'StsRsnInf'),
    acceptedAt: tx.optionalText('AccptncDtTm'),
    originalAmount: tx.optional('OrgnlTxRef')?.optionalAmount('IntrBkSttlmAmt'),
  });
}

/** Reads a pacs.002 body; shared by parsePaymentStatusReport and parseMessage. */
export function readPaymentStatusReport(body: ElementReader): PaymentStatusReport {
  const header = body.required('GrpHdr');
  const instructingAgent = header.optional('InstgAgt');
  const instructedAgent = header.optional('InstdAgt');
  return checkParsed(
    paymentStatusReportSchema,
    omitUndefined({
      messageId: header.requiredText('MsgId'),
      createdAt: header.requiredText('CreDtTm'),
      instructingAgent: instructingAgent && readAgent(instructingAgent),
      instructedAgent: instructedAgent && readAgent(instructedAgent),
      groups: body.all('OrgnlGrpInfAndSts').map(readGroup),
      transactions: body.all('TxInfAndSts').map(readTransaction),
    }),
    MESSAGE,
  );
}

/**
 * Parses a pacs.002.001.11 document into a typed status report.
 * @throws Iso20022Error on a malformed, wrong-namespace or incomplete document, or an unknown status code
 */
export function parsePaymentStatusReport(xml: string): PaymentStatusReport {
  return readPaymentStatusReport(parseDocument(xml, MESSAGE).body);
}
