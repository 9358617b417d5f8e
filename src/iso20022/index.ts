// settleflow's ISO 20022 message layer: typed builders and parsers for the messages exchanged with the bank host
// (pacs.003/pain.008 direct debits for electronic checks, pacs.008 payouts, pacs.002 statuses, pacs.004 returns,
// camt.053/camt.054 account reports). Pure: no I/O, no clock, no logging; account numbers never appear in errors.

import { readBankStatement } from './camt-053';
import type { BankStatement } from './camt-053';
import { readDebitCreditNotification } from './camt-054';
import type { DebitCreditNotification } from './camt-054';
import type { MessageName } from './messages';
import { readPaymentStatusReport } from './pacs-002';
import type { PaymentStatusReport } from './pacs-002';
import { readInterbankDirectDebitBatch } from './pacs-003';
import type { InterbankDirectDebitBatch } from './pacs-003';
import { readPaymentReturn } from './pacs-004';
import type { PaymentReturn } from './pacs-004';
import { readCreditTransferBatch } from './pacs-008';
import type { CreditTransferBatch } from './pacs-008';
import { readDirectDebitInitiation } from './pain-008';
import type { DirectDebitInitiation } from './pain-008';
import type { ElementReader } from './xml-document';
import { parseDocument } from './xml-document';

export { decimalToMinor, minorToDecimal } from './amounts';
export * from './camt-053';
export * from './camt-054';
export * from './camt-entries';
export { Iso20022Error } from './errors';
export type { Iso20022ErrorCode } from './errors';
export { isValidBic, isValidIban, maskAccountNumbers, maskIban } from './identifiers';
export { MESSAGE_NAMES, MESSAGE_ROOT_ELEMENTS, messageForNamespace, messageNamespace } from './messages';
export type { MessageName } from './messages';
export * from './pacs-002';
export * from './pacs-003';
export * from './pacs-004';
export * from './pacs-008';
export * from './pain-008';
export { describeReasonCode, REASON_CODE_MEANINGS } from './reason-codes';
export * from './schemas';

/** Any message this layer parses, tagged with its name and version. */
export type ParsedMessage =
  | { readonly message: 'pacs.002.001.11'; readonly document: PaymentStatusReport }
  | { readonly message: 'pacs.003.001.08'; readonly document: InterbankDirectDebitBatch }
  | { readonly message: 'pacs.004.001.10'; readonly document: PaymentReturn }
  | { readonly message: 'pacs.008.001.09'; readonly document: CreditTransferBatch }
  | { readonly message: 'pain.008.001.09'; readonly document: DirectDebitInitiation }
  | { readonly message: 'camt.053.001.08'; readonly document: BankStatement }
  | { readonly message: 'camt.054.001.08'; readonly document: DebitCreditNotification };

/** The reader of each message's body. */
const READERS: {
  readonly [M in MessageName]: (body: ElementReader) => Extract<ParsedMessage, { message: M }>['document'];
} = {
  'pacs.002.001.11': readPaymentStatusReport,
  'pacs.003.001.08': readInterbankDirectDebitBatch,
  'pacs.004.001.10': readPaymentReturn,
  'pacs.008.001.09': readCreditTransferBatch,
  'pain.008.001.09': readDirectDebitInitiation,
  'camt.053.001.08': readBankStatement,
  'camt.054.001.08': readDebitCreditNotification,
};

/**
 * Parses any ISO 20022 document settleflow exchanges, recognizing the message by its namespace: what a channel that
 * receives files of several kinds (the bank host's inbox, the gateway's answers) calls first.
 * @throws Iso20022Error `unsupported_message` for another namespace, or any error of the message's own parser
 */
export function parseMessage(xml: string): ParsedMessage {
  const { message, body } = parseDocument(xml);
  return { message, document: READERS[message](body) } as ParsedMessage;
}
