// The record of every ISO 8583 message exchanged with the bank (`bank_messages`): direction, MTI, STAN, RRN and
// the fields as their mask rules show them, written in small batches so recording never slows the line down. A record
// is stored as `{ _id, rrn, at, message }`, the rest of it as one JSON text: FerretDB's cost of a write grows with the
// number of values saved (some twenty-five per record as a document, four this way), and operators find a payment's
// messages by RRN and time, which stay fields of their own. `readBankMessage` gives a record back whole (also one
// stored field by field before). It must never store a field in clear: only `maskedFields` output reaches the database.

import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { IsoMessage } from '../../iso8583';
import { maskedFields, stringField } from '../../iso8583';

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

/** A record as stored: what is searched on beside the rest as JSON text (older records: field by field). */
export type StoredBankMessage =
  | { _id: string; rrn?: string; at: Date; message: string }
  | (Omit<BankMessageRecord, 'fields'> & { message?: undefined; fields: string | Record<string, string> });

/** A stored record as operators read it, whole, its masked fields as an object. */
export function readBankMessage(stored: StoredBankMessage): BankMessageRecord {
  if (typeof stored.message === 'string') {
    const rest = JSON.parse(stored.message) as Omit<BankMessageRecord, '_id' | 'rrn' | 'at'>;
    const { direction, mti, stan, responseCode, matched, fields } = rest;
    const whole = {
      _id: stored._id,
      direction,
      mti,
      stan,
      rrn: stored.rrn,
      responseCode,
      matched,
      fields,
      at: stored.at,
    };
    return Object.fromEntries(
      Object.entries(whole).filter(([, value]) => value !== undefined),
    ) as unknown as BankMessageRecord;
  }
  const record = stored as Exclude<StoredBankMessage, { message: string }>;
  return {
    ...record,
    fields: typeof record.fields === 'string' ? (JSON.parse(record.fields) as Record<string, string>) : record.fields,
  };
}

/** Writes messages to `bank_messages` in batches (at most `flushMs` late); `flush` writes what is pending. */
export class BankMessageLog {
  private pending: StoredBankMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly connection: Connection,
    private readonly options: { flushMs?: number; log?: (line: string) => void } = {},
  ) {}

  /** Creates the indexes operators' reads use. */
  async ensureIndexes(): Promise<void> {
    await this.connection.collection(BANK_MESSAGES).createIndex({ rrn: 1, at: 1 });
  }

  /** Queues one message (masked now: the clear message is not kept). */
  record(direction: 'out' | 'in', message: IsoMessage, matched: boolean, at: Date = new Date()): void {
    const rrn = stringField(message, 37);
    const rest: Omit<BankMessageRecord, '_id' | 'rrn' | 'at'> = {
      direction,
      mti: /^\d{4}$/.test(message.mti) ? message.mti : 'XXXX',
      stan: stringField(message, 11),
      responseCode: stringField(message, 39),
      matched,
      fields: maskedFields(message),
    };
    this.pending.push({ _id: randomUUID(), ...(rrn === undefined ? {} : { rrn }), at, message: JSON.stringify(rest) });
    this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs ?? 20);
  }

  /** Writes every queued record; resolves once they are stored. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      const records = batch;
      this.writing = this.writing.then(() =>
        this.connection
          .collection(BANK_MESSAGES)
          .insertMany(records as never[], { ordered: false })
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
    const stored = await this.connection
      .collection<StoredBankMessage>(BANK_MESSAGES)
      .find({ rrn: { $in: [...rrns] } })
      .sort({ at: 1 })
      .toArray();
    return stored.map((record) => readBankMessage(record as StoredBankMessage));
  }
}
