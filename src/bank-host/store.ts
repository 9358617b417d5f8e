// The bank host's own store: a MongoDB database of its own (`settleflow_bank` by default, on whatever server
// BANK_MONGODB_URI names: the same FerretDB as settleflow in development, another server in production). It holds
// `accounts` and the insert-only `journal` (ISO 20022 reports are rebuilt from it), never a collection of settleflow's,
// and is never opened by settleflow. Journal entries are written in groups (group commit): a write starts at the end
// of the turn of the event loop that decided its first entry (so the requests of one read from the socket share it),
// every entry decided while a write is running goes into the next one, and nobody is answered before the write holding
// their entry is done. A group is stored as one document `{ _id: 'group:<first seq>', seq, last, entries }`, its
// entries as one JSON text: FerretDB's cost of a write is mostly per document (a group of 20 entries as 20 documents
// took about twice as long to write as the same group as one), and the journal is only ever read whole, in `seq`
// order, when the books are rebuilt. Entries stored before, one per document (`{ _id, seq, entry }`, or field by
// field), are still read.

import mongoose from 'mongoose';
import type { Connection, mongo } from 'mongoose';
import type { Account } from './domain/accounts';
import type { JournalEntry } from './domain/journal';

/**
 * A journal document: a group of entries (now), or one entry (before: its JSON text, or the entry field by field).
 * `seq` is the first entry's sequence number, `last` the last one's.
 */
interface StoredEntry {
  _id: string;
  seq: number;
  last?: number;
  entries?: string;
  entry?: string;
}

/**
 * The most entries one journal document holds: a write of more (a large ISO 20022 message's transfers, decided in one
 * turn) is several documents in one `insertMany`, each far under MongoDB's 16 MB (an entry is about 600 bytes).
 */
export const MAX_GROUP = 1_000;

/** A group's document id. */
export function journalGroupId(firstSeq: number): string {
  return `group:${firstSeq}`;
}

/** The bank host's database. */
export class BankStore {
  private pending: Array<{ entry: JournalEntry; done: () => void; failed: (error: unknown) => void }> = [];
  private writing = false;

  private constructor(
    private readonly connection: Connection,
    private readonly onWriteFailure: (error: unknown) => void,
  ) {}

  /** Connects to the bank's database and makes its indexes. */
  static async open(uri: string, onWriteFailure: (error: unknown) => void): Promise<BankStore> {
    const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000 }).asPromise();
    const store = new BankStore(connection, onWriteFailure);
    await store.journal.createIndex({ seq: 1 });
    return store;
  }

  private get db(): mongo.Db {
    return this.connection.db!;
  }

  private get accountsCollection(): mongo.Collection<Account> {
    return this.db.collection<Account>('accounts');
  }

  private get journal(): mongo.Collection<StoredEntry> {
    return this.db.collection<StoredEntry>('journal');
  }

  /** Every account. */
  async loadAccounts(): Promise<Account[]> {
    return (await this.accountsCollection.find({}).toArray()) as Account[];
  }

  /** Every journal entry, in `seq` order. */
  async loadJournal(): Promise<JournalEntry[]> {
    const stored = await this.journal.find({}).sort({ seq: 1 }).toArray();
    const entries = stored.flatMap((document): JournalEntry[] => {
      if (typeof document.entries === 'string') return JSON.parse(document.entries) as JournalEntry[];
      if (typeof document.entry === 'string') return [JSON.parse(document.entry) as JournalEntry];
      return [document as unknown as JournalEntry];
    });
    return entries.sort((a, b) => a.seq - b.seq);
  }

  /** Inserts an account unless one with its id exists (seeding is idempotent); true when inserted. */
  async insertAccount(account: Account): Promise<boolean> {
    const result = await this.accountsCollection.updateOne(
      { _id: account._id },
      { $setOnInsert: account },
      { upsert: true },
    );
    return result.upsertedCount === 1;
  }

  /**
   * Makes an entry durable; resolves once it is written. Entries are written in the order given. A failed write is
   * fatal (`onWriteFailure`): the books in memory would be ahead of the store, so the process must restart and
   * rebuild them from what was written.
   */
  append(entry: JournalEntry): Promise<void> {
    return new Promise((done, failed) => {
      this.pending.push({ entry, done, failed });
      if (!this.writing) {
        // The first entry after an idle moment waits for the end of this turn of the event loop: the other requests
        // that arrived in the same read from the socket are decided by then and go into the same write.
        this.writing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        const documents: StoredEntry[] = [];
        for (let start = 0; start < batch.length; start += MAX_GROUP) {
          const entries = batch.slice(start, start + MAX_GROUP).map(({ entry }) => entry);
          const seqs = entries.map((entry) => entry.seq);
          const first = seqs.reduce((a, b) => Math.min(a, b));
          documents.push({
            _id: journalGroupId(first),
            seq: first,
            last: seqs.reduce((a, b) => Math.max(a, b)),
            entries: JSON.stringify(entries),
          });
        }
        await this.journal.insertMany(documents, { ordered: true });
      } catch (error) {
        for (const item of batch) item.failed(error);
        this.onWriteFailure(error);
        this.writing = false;
        return;
      }
      for (const item of batch) item.done();
    }
    this.writing = false;
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.connection.close();
  }
}
