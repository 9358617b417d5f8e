// Double-entry journals: every movement of money is a set of legs whose debits equal its credits, per currency, in
// integer minor units (money.ts: ISO 4217 exponents, JPY 0, EUR 2, KWD 3). Pure; the gateway's ledger stores journals
// insert-only under deterministic ids (persistence/ledger-store.ts), so a retried posting never books twice. It must
// never accept an unbalanced journal, a fractional or non-positive leg, or a second journal under a used id.

import { DomainError } from './errors';
import type { Money } from './money';

/** One side of a journal. */
export interface JournalLeg {
  account: string;
  direction: 'DEBIT' | 'CREDIT';
  amount: Money;
}

/** A balanced set of legs with a deterministic id, so posting it twice is a no-op. */
export interface Journal {
  journalId: string;
  orderId: string;
  kind: 'AUTHORIZATION' | 'CAPTURE' | 'VOID' | 'SETTLEMENT' | 'REFUND' | 'ADJUSTMENT' | 'REVERSAL';
  at: string;
  legs: JournalLeg[];
  /** Why a correcting journal (ADJUSTMENT, REVERSAL) was posted, and the reconciliation break it resolves. */
  correction?: { reason: string; breakId: string; reverses?: string | undefined } | undefined;
}

/**
 * Checks that a journal balances in every currency and has no zero or negative leg.
 * @throws DomainError `unbalanced_journal` or `invalid_leg`
 */
export function assertBalanced(journal: Journal): void {
  const net = new Map<string, number>();
  for (const leg of journal.legs) {
    if (!Number.isSafeInteger(leg.amount.amount) || leg.amount.amount <= 0) {
      throw new DomainError('invalid_leg', `journal ${journal.journalId} has a leg of ${leg.amount.amount}`);
    }
    const sign = leg.direction === 'DEBIT' ? 1 : -1;
    net.set(leg.amount.currency, (net.get(leg.amount.currency) ?? 0) + sign * leg.amount.amount);
  }
  for (const [currency, balance] of net) {
    if (balance !== 0) {
      throw new DomainError('unbalanced_journal', `journal ${journal.journalId} is off by ${balance} ${currency}`);
    }
  }
}

/** Drops legs of zero amount (a zero fee), keeping the journal balanced. */
export function withoutZeroLegs(legs: JournalLeg[]): JournalLeg[] {
  return legs.filter((leg) => leg.amount.amount > 0);
}

/** A leg as the ledger stores it: minor units with the currency beside them. */
export interface FlatLeg {
  readonly account: string;
  readonly direction: 'DEBIT' | 'CREDIT';
  readonly amount: number;
  readonly currency: string;
}

/**
 * The gateway ledger's chart of accounts (issue 6 E). Card payments, settlement and the payment methods post to these
 * names; an account is per currency implicitly (every balance is kept per account and currency).
 */
export const LEDGER_ACCOUNTS = {
  /** Customer funds the bank holds on cards for authorizations not yet captured. */
  customerFunds: 'bank:card-holds',
  /** The gateway's side of those holds, until capture or void. */
  authorizations: 'gateway:authorizations',
  /** The gateway's settlement account at the bank (bank clearing): captures in, refunds and payouts out. */
  bankClearing: 'gateway:clearing',
  /** The gateway's fees, taken at settlement. */
  gatewayFees: 'gateway:fee-revenue',
  /** What the gateway owes a seller until paid out. */
  merchantPayable: (sellerId: string): string => `seller:${sellerId}:payable`,
  /** A seller's own bank account (paid out). */
  merchantBank: (sellerId: string): string => `seller:${sellerId}:bank`,
  /** A customer's stored-value wallet (electronic cash). */
  wallet: (walletId: string): string => `wallet:${walletId}`,
} as const;

/** The legs of a journal as stored (amount and currency side by side). */
export function flatLegs(journal: Pick<Journal, 'legs'>): FlatLeg[] {
  return journal.legs.map((leg) => ({
    account: leg.account,
    direction: leg.direction,
    amount: leg.amount.amount,
    currency: leg.amount.currency,
  }));
}

/** Debits and credits per currency over the given journals: a sound ledger has them equal in every currency. */
export function trialBalance(
  journals: readonly { readonly legs: readonly FlatLeg[] }[],
): Map<string, { debits: number; credits: number }> {
  const result = new Map<string, { debits: number; credits: number }>();
  for (const journal of journals) {
    for (const leg of journal.legs) {
      let side = result.get(leg.currency);
      if (side === undefined) result.set(leg.currency, (side = { debits: 0, credits: 0 }));
      if (leg.direction === 'DEBIT') side.debits += leg.amount;
      else side.credits += leg.amount;
    }
  }
  return result;
}

/** Balance per `<account> <currency>` over the given journals: debits positive, credits negative. */
export function accountBalances(journals: readonly { readonly legs: readonly FlatLeg[] }[]): Map<string, number> {
  const result = new Map<string, number>();
  for (const journal of journals) {
    for (const leg of journal.legs) {
      const key = `${leg.account} ${leg.currency}`;
      result.set(key, (result.get(key) ?? 0) + (leg.direction === 'DEBIT' ? leg.amount : -leg.amount));
    }
  }
  return result;
}

/**
 * Whether two journals under one id say the same thing (order, kind and legs; the time of posting aside): a retry
 * posts the same journal again, anything else under that id is a bug that must not pass silently.
 */
export function sameJournal(
  a: { readonly orderId: string; readonly kind: string; readonly legs: readonly FlatLeg[] },
  b: { readonly orderId: string; readonly kind: string; readonly legs: readonly FlatLeg[] },
): boolean {
  if (a.orderId !== b.orderId || a.kind !== b.kind || a.legs.length !== b.legs.length) return false;
  return a.legs.every((leg, i) => {
    const other = b.legs[i]!;
    return (
      leg.account === other.account &&
      leg.direction === other.direction &&
      leg.amount === other.amount &&
      leg.currency === other.currency
    );
  });
}

/** The error of a second, different journal under an id already posted. */
export function journalConflict(journalId: string): DomainError {
  return new DomainError('journal_conflict', `journal ${journalId} is already posted with other legs`);
}

/**
 * An insert-only ledger in memory with the store's rules (src/persistence/ledger-store.ts): a journal is checked,
 * then kept under its id; the same journal again is a no-op; another journal under a used id is refused.
 */
export class LedgerBook {
  private readonly byId = new Map<string, { journal: Journal; legs: FlatLeg[] }>();

  /**
   * Posts a journal once.
   * @returns `posted`, or `duplicate` when the same journal was posted before (nothing changes)
   * @throws DomainError `unbalanced_journal`, `invalid_leg` or `journal_conflict` (nothing changes)
   */
  post(journal: Journal): 'posted' | 'duplicate' {
    assertBalanced(journal);
    const legs = flatLegs(journal);
    const earlier = this.byId.get(journal.journalId);
    if (earlier !== undefined) {
      if (!sameJournal({ ...earlier.journal, legs: earlier.legs }, { ...journal, legs })) {
        throw journalConflict(journal.journalId);
      }
      return 'duplicate';
    }
    this.byId.set(journal.journalId, { journal, legs });
    return 'posted';
  }

  /** Every journal, in the order first posted, with stored legs. */
  journals(): { journalId: string; orderId: string; kind: Journal['kind']; legs: FlatLeg[] }[] {
    return [...this.byId.values()].map(({ journal, legs }) => ({
      journalId: journal.journalId,
      orderId: journal.orderId,
      kind: journal.kind,
      legs,
    }));
  }

  /** Balance per `<account> <currency>`. */
  balances(): Map<string, number> {
    return accountBalances(this.journals());
  }
}
