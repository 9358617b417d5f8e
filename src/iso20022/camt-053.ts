// camt.053.001.08 BankToCustomerStatement: the bank's end-of-day statement of the gateway's accounts, the input of
// reconciliation. Typed input → schema-valid XML and back. Pure: no clock, no I/O.

import { z } from 'zod';
import type { Entry } from './camt-entries';
import {
  balanceNode,
  balanceSchema,
  checkTransactionsSummary,
  entryAmounts,
  entryNode,
  entrySchema,
  isAccountCurrency,
  readBalance,
  readEntry,
  readReportedAccount,
  reportedAccountNode,
  reportedAccountSchema,
  transactionsSummaryNode,
} from './camt-entries';
import { Iso20022Error } from './errors';
import { omitUndefined } from './parts';
import { dateTimeSchema, hasExactSum, identifierSchema } from './schemas';
import type { ElementReader } from './xml-document';
import { buildDocument, checkInput, checkParsed, parseDocument } from './xml-document';

const MESSAGE = 'camt.053.001.08';

/** One account's statement: balances and entries, every amount in the account's currency. */
export const accountStatementSchema = z
  .object({
    id: identifierSchema,
    /** `StmtPgntn`: the page of a statement split over several messages, and whether it is the last one. */
    pagination: z.object({ pageNumber: z.number().int().min(1).max(99_999), lastPage: z.boolean() }).optional(),
    electronicSequenceNumber: z.number().int().min(0).max(999_999_999_999_999).optional(),
    createdAt: dateTimeSchema.optional(),
    account: reportedAccountSchema,
    balances: z.array(balanceSchema).min(1),
    entries: z.array(entrySchema),
  })
  .refine(
    (statement) =>
      isAccountCurrency(statement.account, [
        ...statement.balances.map((balance) => balance.amount),
        ...entryAmounts(statement.entries),
      ]),
    { message: 'every amount of a statement must have the account currency', path: ['entries'] },
  )
  .refine((statement) => hasExactSum(statement.entries.map((entry) => entry.amount)), {
    message: 'the sum of the entries must stay an exact integer of minor units',
    path: ['entries'],
  });
/** One account's statement. */
export type AccountStatement = z.infer<typeof accountStatementSchema>;

/** A camt.053 message: one or more account statements. */
export const bankStatementSchema = z.object({
  messageId: identifierSchema,
  createdAt: dateTimeSchema,
  statements: z.array(accountStatementSchema).min(1),
});
/** A camt.053 message. */
export type BankStatement = z.infer<typeof bankStatementSchema>;

/** The currency of a report's amounts, for its summary sums. */
function reportCurrency(balances: readonly { amount: { currency: string } }[], entries: readonly Entry[]): string {
  return balances[0]?.amount.currency ?? entries[0]?.amount.currency ?? 'EUR';
}

/**
 * Builds a camt.053.001.08 document; each statement's credit and debit totals (`TxsSummry`) are computed.
 * @throws Iso20022Error `invalid_input` when the input breaks the schema
 */
export function buildBankStatement(input: BankStatement): string {
  const message = checkInput(bankStatementSchema, input, MESSAGE);
  return buildDocument(MESSAGE, {
    GrpHdr: { MsgId: message.messageId, CreDtTm: message.createdAt },
    Stmt: message.statements.map((statement) => ({
      Id: statement.id,
      StmtPgntn:
        statement.pagination === undefined
          ? undefined
          : { PgNb: String(statement.pagination.pageNumber), LastPgInd: String(statement.pagination.lastPage) },
      ElctrncSeqNb:
        statement.electronicSequenceNumber === undefined ? undefined : String(statement.electronicSequenceNumber),
      CreDtTm: statement.createdAt,
      Acct: reportedAccountNode(statement.account),
      Bal: statement.balances.map(balanceNode),
      TxsSummry: transactionsSummaryNode(statement.entries, reportCurrency(statement.balances, statement.entries)),
      Ntry: statement.entries.map(entryNode),
    })),
  });
}

/** Reads one `Stmt`. */
function readStatement(reader: ElementReader): Record<string, unknown> {
  const sequence = reader.optionalText('ElctrncSeqNb');
  if (sequence !== undefined && !/^[0-9]{1,15}$/.test(sequence)) {
    throw new Iso20022Error(
      'invalid_value',
      `${reader.path}/ElctrncSeqNb must be a number`,
      `${reader.path}/ElctrncSeqNb`,
    );
  }
  const pagination = reader.optional('StmtPgntn');
  const pageNumber = pagination?.requiredText('PgNb');
  const lastPage = pagination?.requiredText('LastPgInd');
  if (pageNumber !== undefined && !/^[0-9]{1,5}$/.test(pageNumber)) {
    throw new Iso20022Error(
      'invalid_value',
      `${reader.path}/StmtPgntn/PgNb must be a number`,
      `${reader.path}/StmtPgntn`,
    );
  }
  if (lastPage !== undefined && !['true', 'false', '1', '0'].includes(lastPage)) {
    throw new Iso20022Error(
      'invalid_value',
      `${reader.path}/StmtPgntn/LastPgInd must be true or false`,
      `${reader.path}/StmtPgntn`,
    );
  }
  return omitUndefined({
    id: reader.requiredText('Id'),
    pagination:
      pageNumber === undefined
        ? undefined
        : { pageNumber: Number(pageNumber), lastPage: lastPage === 'true' || lastPage === '1' },
    electronicSequenceNumber: sequence === undefined ? undefined : Number(sequence),
    createdAt: reader.optionalText('CreDtTm'),
    account: readReportedAccount(reader.required('Acct')),
    balances: reader.all('Bal').map(readBalance),
    entries: reader.all('Ntry').map(readEntry),
  });
}

/** Reads a camt.053 body; shared by parseBankStatement and parseMessage. */
export function readBankStatement(body: ElementReader): BankStatement {
  const header = body.required('GrpHdr');
  const statements = body.all('Stmt');
  const message = checkParsed(
    bankStatementSchema,
    {
      messageId: header.requiredText('MsgId'),
      createdAt: header.requiredText('CreDtTm'),
      statements: statements.map(readStatement),
    },
    MESSAGE,
  );
  statements.forEach((statement, index) =>
    checkTransactionsSummary(statement.optional('TxsSummry'), message.statements[index]?.entries ?? []),
  );
  return message;
}

/**
 * Parses a camt.053.001.08 document into typed statements, checking each statement's credit and debit totals.
 * @throws Iso20022Error on a malformed, wrong-namespace, incomplete or inconsistent document
 */
export function parseBankStatement(xml: string): BankStatement {
  return readBankStatement(parseDocument(xml, MESSAGE).body);
}
