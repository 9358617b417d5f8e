// The gateway's ledger: balanced journals, each stored whole in one document, insert-only under a deterministic id.
// Posting the same journal twice (a retried activity) writes nothing new, and a journal is never half-written: one
// single-document insert is atomic on FerretDB (which has no multi-document transactions) as on MongoDB. It must never
// overwrite a journal: another journal under a used id is refused (`journal_conflict`), not silently dropped.

import type { Journal } from '../domain/ledger';
import { accountBalances, assertBalanced, flatLegs, journalConflict, sameJournal } from '../domain/ledger';
import type { Database, LedgerJournalRecord, LedgerLegRecord } from './database';
import { isDuplicateKeyError, nativeCollection } from './database';

/**
 * Posts a balanced journal once; the same journal again (a retry) is a no-op.
 * @throws DomainError when the journal does not balance, or another journal has its id (nothing is written)
 */
export async function postJournal(db: Database, journal: Journal): Promise<void> {
  assertBalanced(journal);
  const legs = flatLegs(journal);
  try {
    await nativeCollection(db.ledger).insertOne({
      _id: journal.journalId,
      orderId: journal.orderId,
      kind: journal.kind,
      legs,
      at: new Date(journal.at),
      ...(journal.correction === undefined ? {} : { correction: journal.correction }),
    });
    return;
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  const stored = await db.ledger.findOne({ _id: journal.journalId }).lean<LedgerJournalRecord>();
  if (stored && !sameJournal(stored, { orderId: journal.orderId, kind: journal.kind, legs })) {
    throw journalConflict(journal.journalId);
  }
}

/** The journals posted for one order, oldest first. */
export async function journalsForOrder(db: Database, orderId: string): Promise<LedgerJournalRecord[]> {
  return db.ledger.find({ orderId }).sort({ at: 1, _id: 1 }).lean<LedgerJournalRecord[]>();
}

/** Balance per account and currency over the given journals: debits positive, credits negative. */
export function balances(journals: readonly { legs: readonly LedgerLegRecord[] }[]): Map<string, number> {
  return accountBalances(journals);
}
