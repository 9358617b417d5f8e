// The webhook outbox (collection `webhook_outbox`): one entry per notice whose first delivery attempt the worker
// process still owes, written beside the notice and removed once that attempt is recorded or handed to a delivery
// workflow. It stays as small as the attempts in flight, so the sweep's scan of it and the batched removals (FerretDB
// pushes down no range) stay cheap on FerretDB too.
// Holds ids only, never a notice's contents or a party's webhook address.

import type { Database } from './database';
import { isOnlyDuplicateKeys } from './database';

/** One entry: the notice, its recipient, and when it was put in. */
export interface WebhookOutboxEntry {
  noticeId: string;
  recipientId: string;
  createdAt: Date;
}

interface StoredEntry {
  _id: string;
  recipientId: string;
  createdAt: Date;
}

/** Removals are written together, at most this late. */
const REMOVE_FLUSH_MS = 25;

/** The outbox of one database connection. */
export class WebhookOutbox {
  private removals: string[] = [];
  private waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private removalTimer: NodeJS.Timeout | undefined;
  private indexed: Promise<unknown> | undefined;

  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get entries() {
    return this.db.connection.collection<StoredEntry>('webhook_outbox');
  }

  /** Adds entries; ones already there (a retried activity) are left as they are. */
  async add(notices: readonly { noticeId: string; recipientId: string }[]): Promise<void> {
    if (notices.length === 0) return;
    this.indexed ??= this.entries.createIndex({ createdAt: 1 }).catch(() => (this.indexed = undefined));
    const createdAt = this.now();
    try {
      await this.entries.insertMany(
        notices.map((notice) => ({ _id: notice.noticeId, recipientId: notice.recipientId, createdAt })),
        { ordered: false },
      );
    } catch (error) {
      if (!isOnlyDuplicateKeys(error)) throw error;
    }
  }

  /** Removes entries, batched with other removals; resolves once they are removed. */
  remove(noticeIds: readonly string[]): Promise<void> {
    if (noticeIds.length === 0) return Promise.resolve();
    this.removals.push(...noticeIds);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.removalTimer ??= setTimeout(() => void this.flushRemovals(), REMOVE_FLUSH_MS);
    });
  }

  private async flushRemovals(): Promise<void> {
    this.removalTimer = undefined;
    const ids = this.removals;
    const waiting = this.waiting;
    this.removals = [];
    this.waiting = [];
    try {
      await this.entries.deleteMany({ _id: { $in: ids } });
      for (const waiter of waiting) waiter.resolve();
    } catch (error) {
      for (const waiter of waiting) waiter.reject(error);
    }
  }

  /** Entries put in more than `ageMs` ago, oldest first, at most `limit`. */
  async olderThan(ageMs: number, limit: number): Promise<WebhookOutboxEntry[]> {
    const before = new Date(this.now().getTime() - ageMs);
    const stored = await this.entries
      .find({ createdAt: { $lt: before } })
      .sort({ createdAt: 1 })
      .limit(limit)
      .toArray();
    return stored.map((entry) => ({ noticeId: entry._id, recipientId: entry.recipientId, createdAt: entry.createdAt }));
  }

  /**
   * Which of these notices already have a delivery record (their first attempt was made). One lookup by `_id` each:
   * FerretDB pushes down only a filter that is `_id` alone, and `$in` would read all of `webhook_deliveries`.
   */
  async attempted(noticeIds: readonly string[]): Promise<Set<string>> {
    const records = this.db.connection.collection<{ _id: string }>('webhook_deliveries');
    const found = await Promise.all(
      noticeIds.map((id) => records.findOne({ _id: id }, { projection: { _id: 1 } }).then((record) => record?._id)),
    );
    return new Set(found.filter((id): id is string => id !== undefined));
  }
}
