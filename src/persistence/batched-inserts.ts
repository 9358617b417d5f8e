// Inserts into one collection in batches: the inserts that arrive within a few milliseconds of each other go to the
// database as one unordered insertMany, and each caller still learns what became of its own document. On FerretDB a
// command costs its server about the same CPU whatever it carries, so writes that many concurrent callers make one
// at a time (a webhook attempt's record per notice) cost far less together. Used only where a caller can wait the
// flush delay; written here because the driver has no such batching and the outcome must be told per document.

import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';

/** What became of one document. */
export type BatchedInsertOutcome = 'inserted' | 'duplicate';

interface Pending<T> {
  document: T;
  resolve: (outcome: BatchedInsertOutcome) => void;
  reject: (error: unknown) => void;
}

interface WriteError {
  index: number;
  code?: number;
  err?: { code?: number };
  errmsg?: string;
}

/** Batches of inserts into one collection. */
export class BatchedInserts<T extends Document & { _id: string }> {
  private pending: Pending<T>[] = [];
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param collection the collection (asked at every flush, so a reconnected model is used)
   * @param options `flushMs`: how long an insert waits for others at most; `maxBatch`: a batch this full goes at once
   */
  constructor(
    private readonly collection: () => Collection<T>,
    private readonly options: { flushMs: number; maxBatch: number },
  ) {}

  /**
   * Inserts `document` with the next batch; resolves `duplicate` when a document with its `_id` was there already.
   * @throws the database's error for this document (or for the whole batch)
   */
  insert(document: T): Promise<BatchedInsertOutcome> {
    return new Promise((resolve, reject) => {
      this.pending.push({ document, resolve, reject });
      if (this.pending.length >= this.options.maxBatch) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs);
    });
  }

  private async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      await this.collection().insertMany(
        batch.map((entry) => entry.document as OptionalUnlessRequiredId<T>),
        { ordered: false },
      );
      for (const entry of batch) entry.resolve('inserted');
    } catch (error) {
      const writeErrors = (error as { writeErrors?: WriteError[] | WriteError }).writeErrors;
      const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
      if (list.length === 0) {
        for (const entry of batch) entry.reject(error);
        return;
      }
      const failed = new Map(list.map((e) => [e.index, e]));
      batch.forEach((entry, index) => {
        const writeError = failed.get(index);
        if (!writeError) entry.resolve('inserted');
        else if ((writeError.code ?? writeError.err?.code) === 11000) entry.resolve('duplicate');
        else entry.reject(new Error(writeError.errmsg ?? `insert failed (code ${writeError.code ?? 'unknown'})`));
      });
    }
  }
}
