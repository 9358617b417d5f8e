// The bank host's journal entries: every decision the bank takes is one insert-only entry, and balances, holds and
// the state of every authorization are derived from the accounts' opening balances plus the entries in order.
// The entry of an ISO 8583 request is keyed `8583:<MTI>:<RRN>`, so a repeated request finds its first answer.
// Pure data: no I/O. An entry never holds a PAN, a CVC or an expiry: cards are named by account id and last 4.

/** A movement on one account: `delta` minor units of `currency` (negative = debit). */
export interface Effect {
  readonly accountId: string;
  readonly currency: string;
  readonly delta: number;
}

interface EntryBase {
  /** Deterministic id: the idempotency key of what produced it. */
  readonly _id: string;
  /** Order of application; replaying entries by `seq` rebuilds the books exactly. */
  readonly seq: number;
  /** When the bank took the decision (ISO 8601, UTC). */
  readonly at: string;
  /** The UTC day the entry settles on (YYYY-MM-DD): what a 0500 of that day counts. */
  readonly settlementDate: string;
  readonly amount: number;
  readonly currency: string;
  /** Movements on accounts: empty for declines, holds and intakes; they always sum to zero per currency. */
  readonly effects: readonly Effect[];
}

/** The decision on one ISO 8583 request (0100, 0200, 0220, 0400, 0420). */
export interface CardEntry extends EntryBase {
  readonly channel: 'iso8583';
  readonly mti: string;
  readonly rrn: string;
  readonly stan: string;
  readonly acquirerId: string;
  /** What a field 90 naming this message says: `MTI|STAN|field 7|acquirer (n11)`. */
  readonly messageKey: string;
  /** A digest of what the request asked (card, amount, currency, processing code, original): a repeat that differs is 94. */
  readonly digest: string;
  readonly processingCode: string;
  readonly accountId?: string;
  readonly last4?: string;
  readonly responseCode: string;
  readonly authCode?: string;
  /** The bank's free text (field 63): why it declined, or what it did. */
  readonly detail?: string;
  /** An approved 0100's hold. */
  readonly hold?: { readonly amount: number; readonly expiresAt: string };
  /** The entry a capture or reversal refers to. */
  readonly original?: string;
  /** What of the original's hold this entry releases (a capture releases all that remains). */
  readonly releasesHold?: number;
  /** The original is reversed by this entry (it cannot be reversed or captured again). */
  readonly reversesOriginal?: boolean;
  /** Keys of originals reversed before they arrived: a late original with one of these keys is declined. */
  readonly preempts?: readonly string[];
}

/** One stage of an ISO 20022 transfer: a direct debit (electronic check) or a credit transfer (payout). */
export interface TransferEntry extends EntryBase {
  readonly channel: 'iso20022';
  readonly kind: 'direct_debit' | 'credit_transfer';
  readonly stage: 'accepted' | 'rejected' | 'settled' | 'returned';
  readonly messageId: string;
  readonly messageName: string;
  readonly endToEndId: string;
  readonly instructionId?: string;
  readonly debtorAccountId?: string;
  readonly creditorAccountId?: string;
  /** When an accepted transfer settles or comes back. */
  readonly dueAt?: string;
  /** ISO 20022 reason code of a rejection or return. */
  readonly reason?: string;
}

/** Any journal entry. */
export type JournalEntry = CardEntry | TransferEntry;

/** The id of the entry of an ISO 8583 request. */
export function cardEntryId(mti: string, rrn: string): string {
  return `8583:${mti}:${rrn}`;
}

/** The id of a stage of an ISO 20022 transfer. */
export function transferEntryId(messageId: string, endToEndId: string, stage: TransferEntry['stage']): string {
  return `20022:${messageId}:${endToEndId}:${stage}`;
}
