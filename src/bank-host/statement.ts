// The bank host's end-of-day statement: a camt.053.001.08 of one account, one currency and one settlement day, built
// from the journal (every entry that moved money on the account that day, in order), split into pages of a bounded
// number of entries so that neither side ever holds a whole day in one document. Rebuilt from the journal on every
// request, so a day's statement is the same each time once the day is over. Pure: no I/O, no clock (`now` is passed);
// it must never show a PAN (card lines carry the RRN only) and never a balance the journal does not hold.

import { createHash } from 'node:crypto';
import type { BankTransactionCode, Entry, EntryTransaction } from '../iso20022';
import { buildBankStatement } from '../iso20022';
import type { IbanAccount } from './domain/accounts';
import type { Book } from './domain/book';
import type { JournalEntry } from './domain/journal';

/** One page of a statement, ready to serve. */
export interface StatementPage {
  readonly xml: string;
  readonly pageNumber: number;
  readonly lastPage: boolean;
  readonly entryCount: number;
}

/** What a statement is asked for. */
export interface StatementRequest {
  readonly account: IbanAccount;
  readonly currency: string;
  /** The settlement day, YYYY-MM-DD (UTC). */
  readonly date: string;
  /** 1-based. */
  readonly page: number;
  readonly pageSize: number;
  readonly bic: string;
  readonly now: Date;
}

/** A Max35Text id derived from what it names. */
function derivedId(prefix: string, ...parts: string[]): string {
  return `${prefix}${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32).toUpperCase()}`;
}

/** The movement of an entry on one account and currency (0 when none). */
function deltaOn(entry: JournalEntry, accountId: string, currency: string): number {
  return entry.effects
    .filter((effect) => effect.accountId === accountId && effect.currency === currency)
    .reduce((sum, effect) => sum + effect.delta, 0);
}

/** The ISO bank transaction code of an entry as the account sees it (domain PMNT). */
function transactionCode(entry: JournalEntry, credit: boolean, account: IbanAccount): BankTransactionCode {
  if (entry.channel === 'iso8583') {
    const refund = entry.processingCode.startsWith('20');
    // The acquirer's side: merchant card transactions (MCRD); a card holder's side would be CCRD.
    const family = account.kind === 'settlement' ? 'MCRD' : 'CCRD';
    return { domain: 'PMNT', family, subFamily: refund ? 'RIMB' : 'POSP' };
  }
  if (entry.kind === 'direct_debit') return { domain: 'PMNT', family: credit ? 'IDDT' : 'RDDT', subFamily: 'ESDD' };
  return { domain: 'PMNT', family: credit ? 'RCDT' : 'ICDT', subFamily: 'ESCT' };
}

/** The references of a line: the RRN of a card message (TxId), the message and end-to-end ids of a transfer. */
function transactionOf(entry: JournalEntry, amount: number, currency: string, credit: boolean): EntryTransaction {
  const side = { amount: { amount, currency }, creditDebit: credit ? ('CRDT' as const) : ('DBIT' as const) };
  if (entry.channel === 'iso8583') {
    return { transactionId: entry.rrn, accountServicerReference: entry.rrn, ...side };
  }
  return {
    messageId: entry.messageId,
    endToEndId: entry.endToEndId,
    ...(entry.instructionId === undefined ? {} : { instructionId: entry.instructionId }),
    ...side,
    ...(entry.reason === undefined ? {} : { returnReason: { code: entry.reason } }),
  };
}

/** The statement entry of a journal entry on the account. */
function statementEntry(entry: JournalEntry, account: IbanAccount, currency: string): Entry {
  const delta = deltaOn(entry, account._id, currency);
  const credit = delta > 0;
  const amount = Math.abs(delta);
  const reversal = entry.channel === 'iso8583' && (entry.mti === '0400' || entry.mti === '0420');
  return {
    entryReference: String(entry.seq),
    amount: { amount, currency },
    creditDebit: credit ? 'CRDT' : 'DBIT',
    ...(reversal ? { reversal: true } : {}),
    status: 'BOOK',
    bookingDate: entry.settlementDate,
    valueDate: entry.settlementDate,
    accountServicerReference: entry._id.length <= 35 ? entry._id : derivedId('J', entry._id),
    bankTransactionCode: transactionCode(entry, credit, account),
    transactions: [transactionOf(entry, amount, currency, credit)],
    additionalInformation:
      entry.channel === 'iso8583' ? `ISO 8583 ${entry.mti}` : `${entry.messageName} ${entry.stage}`,
  };
}

/** The side and size of a balance as camt.053 states it (a non-negative amount with CRDT or DBIT). */
function balanceOf(type: 'OPBD' | 'CLBD', balance: number, currency: string, date: string) {
  return {
    type,
    amount: { amount: Math.abs(balance), currency },
    creditDebit: balance < 0 ? ('DBIT' as const) : ('CRDT' as const),
    date,
  };
}

/**
 * One page of the statement of an account, currency and settlement day: opening (OPBD) and closing (CLBD) booked
 * balances of the day on every page, the page's entries (at most `pageSize`), and `StmtPgntn` saying which page it is
 * and whether it is the last. A day without entries is one page without entries. A page past the last is undefined.
 */
export function statementPage(book: Book, request: StatementRequest): StatementPage | undefined {
  const { account, currency, date, page, pageSize } = request;
  // The book keeps each day's lines per currency: a page costs its own entries, not the whole day's.
  const entries = book.statementEntries(account._id, currency, date);
  const pages = Math.max(1, Math.ceil(entries.length / pageSize));
  if (page < 1 || page > pages) return undefined;
  const opening = book.balanceAtStartOf(account._id, currency, date);
  const closing = opening + book.dayNet(account._id, currency, date);
  const chosen = entries.slice((page - 1) * pageSize, page * pageSize);
  const createdAt = request.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const sequence = Number(date.replaceAll('-', ''));
  const xml = buildBankStatement({
    messageId: derivedId('STM', account.iban, currency, date, String(page), String(entries.length)),
    createdAt,
    statements: [
      {
        id: derivedId('S', account.iban, currency, date),
        pagination: { pageNumber: page, lastPage: page === pages },
        electronicSequenceNumber: sequence,
        createdAt,
        account: { iban: account.iban, currency, ownerName: account.label.slice(0, 140), servicerBic: request.bic },
        balances: [balanceOf('OPBD', opening, currency, date), balanceOf('CLBD', closing, currency, date)],
        entries: chosen.map((entry) => statementEntry(entry, account, currency)),
      },
    ],
  });
  return { xml, pageNumber: page, lastPage: page === pages, entryCount: chosen.length };
}
