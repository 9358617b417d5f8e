// The gateway's ledger: balanced journals, each stored whole in one document, insert-only under a deterministic id.
// Posting the same journal twice (a retried activity) writes nothing new, and a journal is never half-written.

import type { Journal } from '../domain/ledger';
import { assertBalanced } from '../domain/ledger';
import type { Database, LedgerJournalRecord, LedgerLegRecord } from './database';
import { isDuplicateKeyError, nativeCollection } from './database';

/**
 * Posts a balanced journal.
 * @throws DomainError when the journal does not balance (nothing is written)
 */
export async function postJournal(db: Database, journal: Journal): Promise<void> {
  assertBalanced(journal);
  try {
    await nativeCollection(db.ledger).insertOne({
      _id: journal.journalId,
      orderId: journal.orderId,
      kind: journal.kind,
      legs: journal.legs.map((leg) => ({
        account: leg.account,
        direction: leg.direction,
        amount: leg.amount.amount,
        currency: leg.amount.currency,
      })),
      at: new Date(journal.at),
    });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
}

/** The journals posted for one order, oldest first. */
export async function journalsForOrder(db: Database, orderId: string): Promise<LedgerJournalRecord[]> {
  return db.ledger.find({ orderId }).sort({ at: 1, _id: 1 }).lean<LedgerJournalRecord[]>();
}

/** Balance per account and currency over the given journals: debits positive, credits negative. */
export function balances(journals: readonly { legs: readonly LedgerLegRecord[] }[]): Map<string, number> {
  const result = new Map<string, number>();
  for (const leg of journals.flatMap((journal) => journal.legs)) {
    const key = `${leg.account} ${leg.currency}`;
    result.set(key, (result.get(key) ?? 0) + (leg.direction === 'DEBIT' ? leg.amount : -leg.amount));
  }
  return result;
}
