// Double-entry journals: every movement of money is a set of legs whose debits equal its credits,
// per currency. Pure; the gateway's ledger stores journals insert-only under deterministic ids.

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
  kind: 'AUTHORIZATION' | 'CAPTURE' | 'VOID' | 'SETTLEMENT' | 'REFUND';
  at: string;
  legs: JournalLeg[];
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
