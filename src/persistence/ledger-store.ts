// The gateway's ledger: balanced journals stored leg by leg, insert-only under deterministic ids.
// Posting the same journal twice (a retried activity) writes nothing new; a crash between legs is
// completed by the retry, because each leg's id is fixed by its journal id and position.

import type { Journal } from '../domain/ledger';
import { assertBalanced } from '../domain/ledger';
import type { Database, LedgerEntryRecord } from './database';
import { isDuplicateKeyError } from './database';

/**
 * Posts a balanced journal.
 * @throws DomainError when the journal does not balance (nothing is written)
 */
export async function postJournal(db: Database, journal: Journal): Promise<void> {
  assertBalanced(journal);
  for (const [index, leg] of journal.legs.entries()) {
    try {
      await db.ledger.create({
        _id: `${journal.journalId}:${index}`,
        journalId: journal.journalId,
        orderId: journal.orderId,
        kind: journal.kind,
        account: leg.account,
        direction: leg.direction,
        amount: leg.amount.amount,
        currency: leg.amount.currency,
        at: new Date(journal.at),
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
}

/** The legs posted for one order, oldest first. */
export async function ledgerEntriesForOrder(db: Database, orderId: string): Promise<LedgerEntryRecord[]> {
  return db.ledger.find({ orderId }).sort({ at: 1, _id: 1 }).lean<LedgerEntryRecord[]>();
}

/** Balance per account and currency over the given legs: debits positive, credits negative. */
export function balances(entries: readonly LedgerEntryRecord[]): Map<string, number> {
  const result = new Map<string, number>();
  for (const entry of entries) {
    const key = `${entry.account} ${entry.currency}`;
    result.set(key, (result.get(key) ?? 0) + (entry.direction === 'DEBIT' ? entry.amount : -entry.amount));
  }
  return result;
}
