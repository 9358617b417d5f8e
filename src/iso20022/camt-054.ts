// camt.054.001.08 BankToCustomerDebitCreditNotification: the bank's intraday notice of entries on the gateway's
// accounts (a collection credited, a return debited). Typed input → schema-valid XML and back. Pure.

import { z } from 'zod';
import {
  checkTransactionsSummary,
  entryAmounts,
  entryNode,
  entrySchema,
  isAccountCurrency,
  readEntry,
  readReportedAccount,
  reportedAccountNode,
  reportedAccountSchema,
  transactionsSummaryNode,
} from './camt-entries';
import { omitUndefined } from './parts';
import { dateTimeSchema, hasExactSum, identifierSchema } from './schemas';
import type { ElementReader } from './xml-document';
import { buildDocument, checkInput, checkParsed, parseDocument } from './xml-document';

const MESSAGE = 'camt.054.001.08';

/** One account's notification: its entries, every amount in the account's currency. */
export const accountNotificationSchema = z
  .object({
    id: identifierSchema,
    createdAt: dateTimeSchema.optional(),
    account: reportedAccountSchema,
    entries: z.array(entrySchema).min(1),
  })
  .refine((notification) => isAccountCurrency(notification.account, entryAmounts(notification.entries)), {
    message: 'every amount of a notification must have the account currency',
    path: ['entries'],
  })
  .refine((notification) => hasExactSum(notification.entries.map((entry) => entry.amount)), {
    message: 'the sum of the entries must stay an exact integer of minor units',
    path: ['entries'],
  });
/** One account's notification. */
export type AccountNotification = z.infer<typeof accountNotificationSchema>;

/** A camt.054 message: one or more account notifications. */
export const debitCreditNotificationSchema = z.object({
  messageId: identifierSchema,
  createdAt: dateTimeSchema,
  notifications: z.array(accountNotificationSchema).min(1),
});
/** A camt.054 message. */
export type DebitCreditNotification = z.infer<typeof debitCreditNotificationSchema>;

/**
 * Builds a camt.054.001.08 document; each notification's credit and debit totals are computed.
 * @throws Iso20022Error `invalid_input` when the input breaks the schema
 */
export function buildDebitCreditNotification(input: DebitCreditNotification): string {
  const message = checkInput(debitCreditNotificationSchema, input, MESSAGE);
  return buildDocument(MESSAGE, {
    GrpHdr: { MsgId: message.messageId, CreDtTm: message.createdAt },
    Ntfctn: message.notifications.map((notification) => ({
      Id: notification.id,
      CreDtTm: notification.createdAt,
      Acct: reportedAccountNode(notification.account),
      TxsSummry: transactionsSummaryNode(notification.entries, notification.entries[0]?.amount.currency ?? 'EUR'),
      Ntry: notification.entries.map(entryNode),
    })),
  });
}

/** Reads a camt.054 body; shared by parseDebitCreditNotification and parseMessage. */
export function readDebitCreditNotification(body: ElementReader): DebitCreditNotification {
  const header = body.required('GrpHdr');
  const notifications = body.all('Ntfctn');
  const message = checkParsed(
    debitCreditNotificationSchema,
    {
      messageId: header.requiredText('MsgId'),
      createdAt: header.requiredText('CreDtTm'),
      notifications: notifications.map((notification) =>
        omitUndefined({
          id: notification.requiredText('Id'),
          createdAt: notification.optionalText('CreDtTm'),
          account: readReportedAccount(notification.required('Acct')),
          entries: notification.all('Ntry').map(readEntry),
        }),
      ),
    },
    MESSAGE,
  );
  notifications.forEach((notification, index) =>
    checkTransactionsSummary(notification.optional('TxsSummry'), message.notifications[index]?.entries ?? []),
  );
  return message;
}

/**
 * Parses a camt.054.001.08 document into typed notifications, checking their credit and debit totals.
 * @throws Iso20022Error on a malformed, wrong-namespace, incomplete or inconsistent document
 */
export function parseDebitCreditNotification(xml: string): DebitCreditNotification {
  return readDebitCreditNotification(parseDocument(xml, MESSAGE).body);
}
