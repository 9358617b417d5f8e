// The record of each notice's webhook delivery (collection `webhook_deliveries`), one per notice, written only by
// the delivery workflow's activities and read by the API so operators can list failed deliveries.
// Never stores what the receiver answered: `lastError` is settleflow's own words (`HTTP 500`, `timeout`).

import { Schema } from 'mongoose';
import type { Model } from 'mongoose';
import type { WebhookDeliveryState } from '../contracts/webhook-delivery-contract';
import type { Database } from './database';
import { BatchedInserts } from './batched-inserts';
import { isDuplicateKeyError, nativeCollection } from './database';

/** A delivery record as stored, keyed by the notice id. */
export interface WebhookDeliveryRecord {
  _id: string;
  recipientId: string;
  state: WebhookDeliveryState;
  /** Attempts over the first delivery and every redelivery. */
  attempts: number;
  /** 0 until a redelivery is asked for, then the number of the newest one. */
  redeliveries: number;
  lastError?: string | undefined;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt?: Date | undefined;
}

/** A delivery as the API shows it. */
export interface WebhookDelivery {
  noticeId: string;
  recipientId: string;
  state: WebhookDeliveryState;
  attempts: number;
  redeliveries: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

/** One page of deliveries, newest first, and the cursor of the next page if there is one. */
export interface WebhookDeliveryPage {
  deliveries: WebhookDelivery[];
  nextCursor: string | undefined;
}

const deliverySchema = new Schema<WebhookDeliveryRecord>(
  {
    _id: String,
    recipientId: String,
    state: String,
    attempts: Number,
    redeliveries: Number,
    lastError: String,
    createdAt: Date,
    updatedAt: Date,
    deliveredAt: Date,
  },
  { versionKey: false, collection: 'webhook_deliveries' },
);
deliverySchema.index({ state: 1, createdAt: -1 });
deliverySchema.index({ recipientId: 1, createdAt: -1 });

const indexed = new WeakMap<Database, Promise<unknown>>();

/** The model on this database's connection, its indexes made once per connection. */
function deliveries(db: Database): Model<WebhookDeliveryRecord> {
  const model =
    (db.connection.models.WebhookDelivery as Model<WebhookDeliveryRecord> | undefined) ??
    db.connection.model<WebhookDeliveryRecord>('WebhookDelivery', deliverySchema);
  if (!indexed.has(db))
    indexed.set(
      db,
      model.createIndexes().catch(() => indexed.delete(db)),
    );
  return model;
}

/** A first attempt's record waits at most this long for others' to be inserted with it. */
const FIRST_RECORD_FLUSH_MS = 20;

const firstRecordBatches = new WeakMap<Database, BatchedInserts<WebhookDeliveryRecord>>();

/**
 * The first attempts' records of this database, inserted in batches: nearly every notice's delivery writes one
 * record, at the rate notices are written, and one insert command for many of them costs FerretDB far less.
 */
function firstRecords(db: Database): BatchedInserts<WebhookDeliveryRecord> {
  let batches = firstRecordBatches.get(db);
  if (!batches) {
    batches = new BatchedInserts(() => nativeCollection(deliveries(db)), {
      flushMs: FIRST_RECORD_FLUSH_MS,
      maxBatch: 500,
    });
    firstRecordBatches.set(db, batches);
  }
  return batches;
}

/** What one attempt (or the workflow's giving up) leaves in the record. */
export interface WebhookDeliveryWrite {
  noticeId: string;
  recipientId: string;
  redelivery: number;
  attempts: number;
  state: WebhookDeliveryState;
  lastError?: string | undefined;
  at: Date;
}

/**
 * Writes a delivery's state. A write from an older delivery than the record's newest redelivery changes nothing, so a
 * late write of a finished delivery never overwrites a redelivery's.
 *
 * The first attempt of a first delivery, which finds no record in all but a retried write, inserts the record: on
 * FerretDB a filter on anything beside `_id` reads the whole collection (about 30 ms at a few thousand records), an
 * insert by `_id` takes about 1 ms. When the record exists after all, the conditional write below decides.
 */
export async function recordWebhookDelivery(db: Database, write: WebhookDeliveryWrite): Promise<void> {
  if (write.redelivery === 0 && write.attempts === 1) {
    const outcome = await firstRecords(db).insert({
      _id: write.noticeId,
      recipientId: write.recipientId,
      state: write.state,
      attempts: write.attempts,
      redeliveries: 0,
      ...(write.lastError !== undefined && write.state !== 'DELIVERED' ? { lastError: write.lastError } : {}),
      createdAt: write.at,
      updatedAt: write.at,
      ...(write.state === 'DELIVERED' ? { deliveredAt: write.at } : {}),
    });
    if (outcome === 'inserted') return;
  }
  const set: Partial<WebhookDeliveryRecord> = {
    recipientId: write.recipientId,
    state: write.state,
    attempts: write.attempts,
    redeliveries: write.redelivery,
    updatedAt: write.at,
  };
  if (write.lastError !== undefined) set.lastError = write.lastError;
  if (write.state === 'DELIVERED') set.deliveredAt = write.at;
  try {
    await nativeCollection(deliveries(db)).updateOne(
      { _id: write.noticeId, redeliveries: { $lte: write.redelivery } },
      {
        $set: set,
        $setOnInsert: { createdAt: write.at },
        ...(write.state === 'DELIVERED' ? { $unset: { lastError: '' } } : {}),
      },
      { upsert: true },
    );
  } catch (error) {
    // The filter missed because a newer redelivery owns the record; the upsert's insert then hits the id.
    if (!isDuplicateKeyError(error)) throw error;
  }
}

/** One delivery by its notice id, or undefined. */
export async function findWebhookDelivery(db: Database, noticeId: string): Promise<WebhookDelivery | undefined> {
  const record = await deliveries(db).findById(noticeId).lean<WebhookDeliveryRecord>().exec();
  return record ? toDelivery(record) : undefined;
}

/** Raised for a cursor this API did not issue. */
export class InvalidDeliveryCursorError extends Error {
  readonly code = 'invalid_cursor';
}

/**
 * Lists deliveries newest first (by creation, which never changes, so pages neither skip nor repeat one).
 * @throws InvalidDeliveryCursorError when the cursor was not made by this function
 */
export async function listWebhookDeliveries(
  db: Database,
  filter: { state?: WebhookDeliveryState | undefined; recipientId?: string | undefined },
  page: { limit: number; cursor?: string | undefined },
): Promise<WebhookDeliveryPage> {
  const query: Record<string, unknown> = {};
  if (filter.state) query.state = filter.state;
  if (filter.recipientId) query.recipientId = filter.recipientId;
  if (page.cursor) {
    const { createdAt, id } = decodeCursor(page.cursor);
    query.$or = [{ createdAt: { $lt: createdAt } }, { createdAt, _id: { $lt: id } }];
  }
  const records = await deliveries(db)
    .find(query)
    .sort({ createdAt: -1, _id: -1 })
    .limit(page.limit + 1)
    .lean<WebhookDeliveryRecord[]>()
    .exec();
  const shown = records.slice(0, page.limit);
  const last = shown[shown.length - 1];
  return {
    deliveries: shown.map(toDelivery),
    nextCursor: records.length > page.limit && last ? encodeCursor(last.createdAt, last._id) : undefined,
  };
}

function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      const createdAt = new Date(parsed[0]);
      if (!Number.isNaN(createdAt.getTime())) return { createdAt, id: parsed[1] };
    }
  } catch {
    // falls through to the error below
  }
  throw new InvalidDeliveryCursorError('cursor is not one this API issued');
}

function toDelivery(record: WebhookDeliveryRecord): WebhookDelivery {
  return {
    noticeId: record._id,
    recipientId: record.recipientId,
    state: record.state,
    attempts: record.attempts,
    redeliveries: record.redeliveries ?? 0,
    lastError: record.lastError ?? null,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    deliveredAt: record.deliveredAt ? new Date(record.deliveredAt).toISOString() : null,
  };
}
