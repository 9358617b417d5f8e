// The record of every ISO 8583 message exchanged with the bank (`bank_messages`): direction, MTI, STAN, RRN and
// the fields as their mask rules show them, written in small batches so recording never slows the line down. A batch
// (the messages of at most `flushMs`) is stored as one document `{ _id, at, rrns, messages }`: the time of its first
// message, the RRNs it holds (operators find a payment's messages by RRN) and its messages as one JSON text.
// FerretDB's cost of a write is mostly per document and per value saved: a message per document took about five
// times its share of a batch document's FerretDB time, and at 64 authorizations in flight recording was half of
// FerretDB's work. Records stored before (one message per document, as `{ _id, rrn, at, message }` or field by field)
// are still read. `readBankMessages` gives the records back whole. It must never store a field in clear: only
// `maskedFields` output reaches the database.

import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { IsoMessage } from '../../iso8583';
import { maskedFields, stringField } from '../../iso8583';
import { withoutUndefined } from '../../domain/objects';

/** One recorded message, as stored and as operators read it. */
export interface BankMessageRecord {
  _id: string;
  /** `out` to the bank, `in` from it. */
  direction: 'out' | 'in';
  mti: string;
  stan?: string | undefined;
  rrn?: string | undefined;
  /** Field 39 of an answer. */
  responseCode?: string | undefined;
  /** False for an answer that matched no request in flight (late, duplicate, another STAN): logged and ignored. */
  matched: boolean;
  /** Field number to masked value. */
  fields: Record<string, string>;
  at: Date;
}

/** The collection's name. */
export const BANK_MESSAGES = 'bank_messages';

/** A message inside a batch's JSON text: the record, its time as ISO 8601 text. */
type BatchedMessage = Omit<BankMessageRecord, 'at'> & { at: string };

/** A batch as stored: its first message's time, the RRNs in it, its messages as one JSON text. */
export interface StoredBankMessageBatch {
  _id: string;
  at: Date;
  rrns: string[];
  messages: string;
}

/** One record as stored before batches: what is searched on beside the rest as JSON text (older: field by field). */
export type StoredBankMessage =
  | { _id: string; rrn?: string; at: Date; message: string }
  | (Omit<BankMessageRecord, 'fields'> & { message?: undefined; fields: string | Record<string, string> });

/** The most messages one batch document holds (far under MongoDB's 16 MB: a message is about 500 bytes). */
const MAX_BATCH = 1_000;

/** A stored document, a batch or one record of before, as the records operators read, oldest first. */
export function readBankMessages(stored: StoredBankMessageBatch | StoredBankMessage): BankMessageRecord[] {
  if ('messages' in stored && typeof stored.messages === 'string') {
    return (JSON.parse(stored.messages) as BatchedMessage[]).map((message) =>
      withoutUndefined({ ...message, at: new Date(message.at) }),
    );
  }
  return [readBankMessage(stored as StoredBankMessage)];
}

/**
 * The records of the given RRNs, oldest first (records of one batch in the order they were made): batches holding
 * any of them and records stored one by one before, the other RRNs' messages of a batch left out.
 */
export async function findBankMessages(connection: Connection, rrns: readonly string[]): Promise<BankMessageRecord[]> {
  const wanted = new Set(rrns);
  const stored = await connection
    .collection<StoredBankMessageBatch | StoredBankMessage>(BANK_MESSAGES)
    .find({ $or: [{ rrns: { $in: [...wanted] } }, { rrn: { $in: [...wanted] } }] } as never)
    .toArray();
  const records = stored
    .flatMap((document) => readBankMessages(document as StoredBankMessageBatch | StoredBankMessage))
    .filter((record) => record.rrn !== undefined && wanted.has(record.rrn));
  // Array.prototype.sort is stable: messages of one millisecond keep their order in the batch.
  return records.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** A stored record as operators read it, whole, its masked fields as an object. */
export function readBankMessage(stored: StoredBankMessage): BankMessageRecord {
  if (typeof stored.message === 'string') {
    const rest = JSON.parse(stored.message) as Omit<BankMessageRecord, '_id' | 'rrn' | 'at'>;
    const { direction, mti, stan, responseCode, matched, fields } = rest;
    return withoutUndefined({
      _id: stored._id,
      direction,
      mti,
      stan,
      rrn: stored.rrn,
      responseCode,
      matched,
      fields,
      at: stored.at,
    } as BankMessageRecord);
  }
  const record = stored as Exclude<StoredBankMessage, { message: string }>;
  return {
    ...record,
    fields: typeof record.fields === 'string' ? (JSON.parse(record.fields) as Record<string, string>) : record.fields,
  };
}

/** Writes messages to `bank_messages` in batches (at most `flushMs` late); `flush` writes what is pending. */
export class BankMessageLog {
  private pending: BatchedMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly connection: Connection,
    private readonly options: { flushMs?: number; log?: (line: string) => void } = {},
  ) {}

  /** Creates the indexes operators' reads use (by RRN in batches, and in the records stored one by one before). */
  async ensureIndexes(): Promise<void> {
    await this.connection.collection(BANK_MESSAGES).createIndex({ rrns: 1 });
    await this.connection.collection(BANK_MESSAGES).createIndex({ rrn: 1, at: 1 });
  }

  /** Queues one message (masked now: the clear message is not kept). */
  record(direction: 'out' | 'in', message: IsoMessage, matched: boolean, at: Date = new Date()): void {
    this.pending.push({
      _id: randomUUID(),
      direction,
      mti: /^\d{4}$/.test(message.mti) ? message.mti : 'XXXX',
      stan: stringField(message, 11),
      rrn: stringField(message, 37),
      responseCode: stringField(message, 39),
      matched,
      fields: maskedFields(message),
      at: at.toISOString(),
    });
    if (this.pending.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs ?? 20);
  }

  /** Writes every queued record; resolves once they are stored. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      const document: StoredBankMessageBatch = {
        _id: randomUUID(),
        at: new Date(batch[0]!.at),
        rrns: [...new Set(batch.flatMap((message) => (message.rrn === undefined ? [] : [message.rrn])))],
        messages: JSON.stringify(batch),
      };
      this.writing = this.writing.then(() =>
        this.connection
          .collection(BANK_MESSAGES)
          .insertOne(document as never)
          .then(
            () => undefined,
            (error: unknown) =>
              this.options.log?.(`bank messages: ${batch.length} not recorded: ${(error as Error).message}`),
          ),
      );
    }
    await this.writing;
  }

  /** The messages of the given RRNs, oldest first. */
  async forRrns(rrns: readonly string[]): Promise<BankMessageRecord[]> {
    await this.flush();
    return findBankMessages(this.connection, rrns);
  }
}
