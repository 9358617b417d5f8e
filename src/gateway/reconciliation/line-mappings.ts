// How a bank line and a ledger journal get the same match key: one mapping per kind of money movement. A bank line's key
// comes from its camt.053 references (the RRN of a card message as TxId, the end-to-end id of a transfer); a journal's
// key from its id and the payment it books (a card capture's RRN derives from the payment id, an e-check's end-to-end id
// is on the payment; a settled payout's end-to-end id is on its batch). A new kind is one more entry in LEDGER_MAPPINGS.
// Pure.

import type { EntryTransaction } from '../../iso20022';
import { rrnFor } from '../bank-connector/card-client';

/** What a mapping needs to know of the payment a journal books (the gateway's payment record). */
export interface PaymentForMapping {
  readonly _id: string;
  readonly method?: string | undefined;
  readonly directDebit?: { readonly endToEndId: string } | undefined;
  readonly refunds?: readonly { readonly refundNo: number; readonly reference?: string; readonly rrn?: string }[];
}

/** A journal's key and kind, as a mapping reads them. */
export interface LedgerKey {
  readonly key: string;
  readonly kind: string;
  readonly paymentId?: string | undefined;
}

/** One mapping from a kind of ledger journal to the key its bank line carries. */
export interface LedgerMapping {
  readonly kind: string;
  /** The payment id a journal id names, when this mapping reads it. */
  readonly paymentIdOf: (journalId: string) => string | undefined;
  /** The key, given the journal id and the payment (undefined: not this mapping's kind). */
  readonly keyOf: (journalId: string, payment: PaymentForMapping | undefined) => string | undefined;
}

const CAPTURE = /^(payment-.+):capture$/;
const REFUND = /^(payment-.+):refund:(\d+)$/;
const isEcheck = (payment: PaymentForMapping | undefined) => payment?.method === 'echeck';

/** The mappings, tried in order; the first that gives a key wins. */
export const LEDGER_MAPPINGS: readonly LedgerMapping[] = [
  {
    kind: 'card_capture',
    paymentIdOf: (id) => CAPTURE.exec(id)?.[1],
    keyOf: (id, payment) => {
      const paymentId = CAPTURE.exec(id)?.[1];
      if (paymentId === undefined || isEcheck(payment)) return undefined;
      return `rrn:${rrnFor(`${paymentId}:authorization`)}`;
    },
  },
  {
    kind: 'card_refund',
    paymentIdOf: (id) => REFUND.exec(id)?.[1],
    keyOf: (id, payment) => {
      const match = REFUND.exec(id);
      if (match === null || isEcheck(payment)) return undefined;
      return `rrn:${rrnFor(`${match[1]}:refund:${match[2]}`)}`;
    },
  },
  {
    kind: 'echeck_collection',
    paymentIdOf: (id) => CAPTURE.exec(id)?.[1],
    keyOf: (id, payment) =>
      CAPTURE.test(id) && isEcheck(payment) && payment?.directDebit !== undefined
        ? `e2e:${payment.directDebit.endToEndId}`
        : undefined,
  },
  {
    kind: 'echeck_refund',
    paymentIdOf: (id) => REFUND.exec(id)?.[1],
    keyOf: (id, payment) => {
      const match = REFUND.exec(id);
      if (match === null || !isEcheck(payment)) return undefined;
      const refund = payment?.refunds?.find((candidate) => candidate.refundNo === Number(match[2]));
      return refund?.reference === undefined ? undefined : `e2e:${refund.reference}-1`;
    },
  },
];

/** The payment id a journal id names (for looking the payment up), if any mapping reads one. */
export function paymentIdOfJournal(journalId: string): string | undefined {
  for (const mapping of LEDGER_MAPPINGS) {
    const paymentId = mapping.paymentIdOf(journalId);
    if (paymentId !== undefined) return paymentId;
  }
  return undefined;
}

/**
 * The key of a journal touching the clearing account. A journal no mapping knows keeps its own id as key
 * (`journal:<id>`), so it shows as MISSING_IN_BANK rather than vanishing.
 */
export function ledgerKeyOf(journalId: string, payment: PaymentForMapping | undefined): LedgerKey {
  for (const mapping of LEDGER_MAPPINGS) {
    const key = mapping.keyOf(journalId, payment);
    if (key !== undefined) return { key, kind: mapping.kind, paymentId: mapping.paymentIdOf(journalId) };
  }
  return { key: `journal:${journalId}`, kind: 'unmapped' };
}

const PAYOUT_PAID = /^(batch-\d{8}T\d{6}Z):.+:paid$/;

/** What the payout mapping needs to know of a batch's payouts (the settlement batch record). */
export interface PayoutForMapping {
  readonly payoutId: string;
  readonly endToEndId?: string | undefined;
}

/** The batch a settled payout's journal (`<batchId>:<seller>:<ccy>:paid`) names, for looking its payouts up. */
export function batchIdOfPayoutJournal(journalId: string): string | undefined {
  return PAYOUT_PAID.exec(journalId)?.[1];
}

/**
 * The key of a settled payout's journal (the money left the settlement account): the end-to-end id of its credit
 * transfer, which the bank's statement line carries. Undefined for any other journal, or a payout without one.
 */
export function payoutKeyOf(
  journalId: string,
  payouts: readonly PayoutForMapping[] | undefined,
): LedgerKey | undefined {
  if (!PAYOUT_PAID.test(journalId)) return undefined;
  const payout = payouts?.find((candidate) => `${candidate.payoutId}:paid` === journalId);
  return payout?.endToEndId === undefined ? undefined : { key: `e2e:${payout.endToEndId}`, kind: 'settlement_payout' };
}

/** The key of a bank line: its RRN (TxId), else its end-to-end id, else the bank's own reference. */
export function bankKeyOf(transaction: EntryTransaction | undefined, entryReference: string): string {
  if (transaction?.transactionId !== undefined) return `rrn:${transaction.transactionId}`;
  if (transaction?.endToEndId !== undefined) return `e2e:${transaction.endToEndId}`;
  return `entry:${entryReference}`;
}
