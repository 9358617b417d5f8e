// The orders read model: written only by each order's workflow (through an activity), read by the API.
// A write never replaces a newer version, so a retried or delayed activity cannot roll an order back.

import type { FilterQuery } from 'mongoose';
import type { OrderStatus, OrderView } from '../domain/order';
import type { OrderViewWrite } from '../contracts/order-contract';
import type { Database, OrderRecord } from './database';
import { isDuplicateKeyError, nativeCollection } from './database';

/** Filters for listing orders; party filters combine with AND. */
export interface OrderListFilter {
  status?: OrderStatus | undefined;
  sellerId?: string | undefined;
  customerId?: string | undefined;
  supplierId?: string | undefined;
  carrierId?: string | undefined;
  /** Total at least / at most, in minor units (of whatever currency the order is in). */
  minTotal?: number | undefined;
  maxTotal?: number | undefined;
  /** Placed at or after / before, ISO 8601. */
  placedFrom?: string | undefined;
  placedTo?: string | undefined;
}

/** One page of orders, newest first, and the cursor of the next page if there is one. */
export interface OrderPage {
  orders: OrderView[];
  nextCursor: string | undefined;
}

/**
 * Stores an order view unless the stored one is as new or newer.
 *
 * Every query here filters on `_id` alone: that is the only filter FerretDB's SQLite backend answers from an index
 * (any other filter scans the collection). The version check and the write are two steps, which is safe because
 * each order's workflow is its only writer and writes one version at a time.
 * @returns true when written, false when a newer version was already there
 */
export async function saveOrderView(db: Database, view: OrderView): Promise<boolean> {
  const stored = await db.orders.findById(view.orderId, { version: 1 }).lean<{ version: number }>().exec();
  if (stored && stored.version >= view.version) return false;
  if (!stored) {
    try {
      await nativeCollection(db.orders).insertOne({ _id: view.orderId, ...view });
      return true;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      return saveOrderView(db, view);
    }
  }
  await nativeCollection(db.orders).replaceOne({ _id: view.orderId }, { ...view });
  return true;
}

/**
 * Applies a read-model write unless the stored version is as new or newer.
 * @returns `STORED`, `STALE` (a newer version is there), `MISSING` for changes to an order not stored yet (the
 *   caller then sends the whole view), or `UNCHANGED` for a write without changes (notices alone), which reads nothing
 */
export async function writeOrderView(
  db: Database,
  write: OrderViewWrite,
): Promise<'STORED' | 'STALE' | 'MISSING' | 'UNCHANGED'> {
  if (write.kind === 'FULL') return (await saveOrderView(db, write.view)) ? 'STORED' : 'STALE';
  // A write that carries notices alone (nothing of the order changed since the last write) touches nothing.
  if (Object.keys(write.changes).length === 0) return 'UNCHANGED';
  // One conditional write: atomic on MongoDB; on FerretDB (updates are not atomic there) one `_id` index lookup
  // with settleflow's build of it. Only a write that changed nothing reads the order, to say why.
  const updated = await nativeCollection(db.orders).updateOne(
    { _id: write.orderId, version: { $lt: write.version } },
    { $set: { ...write.changes, version: write.version } },
  );
  if (updated.matchedCount === 1) return 'STORED';
  const stored = await db.orders.findById(write.orderId, { version: 1 }).lean<{ version: number }>().exec();
  return stored ? 'STALE' : 'MISSING';
}

/** The order's read-model view, or undefined. */
export async function findOrderView(db: Database, orderId: string): Promise<OrderView | undefined> {
  // The driver's own findOne: the API reads an order after every party's answer, and mongoose's query building adds
  // nothing to a lookup by `_id` of a lean document.
  const record = (await nativeCollection(db.orders).findOne({ _id: orderId })) as OrderRecord | null;
  return record ? toView(record) : undefined;
}

/** The read-model views of these orders; missing ones are left out. */
export async function findOrderViews(db: Database, orderIds: readonly string[]): Promise<OrderView[]> {
  if (orderIds.length === 0) return [];
  const records = await db.orders
    .find({ _id: { $in: orderIds } })
    .lean<OrderRecord[]>()
    .exec();
  return records.map(toView);
}

/**
 * Lists orders newest first with an opaque cursor (placedAt and id of the last order of the previous page).
 * @throws Error `invalid_cursor` when the cursor was not made by this function
 */
export async function listOrderViews(
  db: Database,
  filter: OrderListFilter,
  page: { limit: number; cursor?: string | undefined },
): Promise<OrderPage> {
  const query: FilterQuery<OrderRecord> = {};
  if (filter.status) query.status = filter.status;
  if (filter.sellerId) query.sellerId = filter.sellerId;
  if (filter.customerId) query.customerId = filter.customerId;
  if (filter.supplierId) query.supplierId = filter.supplierId;
  if (filter.carrierId) query.carrierIds = filter.carrierId;
  if (filter.minTotal !== undefined || filter.maxTotal !== undefined) {
    query['total.amount'] = {
      ...(filter.minTotal !== undefined ? { $gte: filter.minTotal } : {}),
      ...(filter.maxTotal !== undefined ? { $lte: filter.maxTotal } : {}),
    };
  }
  if (filter.placedFrom !== undefined || filter.placedTo !== undefined) {
    // placedAt is stored as the ISO string the API made (UTC, `Z`), so string order is time order.
    query.placedAt = {
      ...(filter.placedFrom !== undefined ? { $gte: new Date(filter.placedFrom).toISOString() } : {}),
      ...(filter.placedTo !== undefined ? { $lt: new Date(filter.placedTo).toISOString() } : {}),
    };
  }
  if (page.cursor) {
    const { placedAt, id } = decodeCursor(page.cursor);
    query.$or = [{ placedAt: { $lt: placedAt } }, { placedAt, _id: { $lt: id } }];
  }
  const records = await db.orders
    .find(query)
    .sort({ placedAt: -1, _id: -1 })
    .limit(page.limit + 1)
    .lean<OrderRecord[]>()
    .exec();
  const orders = records.slice(0, page.limit).map(toView);
  const last = orders[orders.length - 1];
  return {
    orders,
    nextCursor: records.length > page.limit && last ? encodeCursor(last.placedAt, last.orderId) : undefined,
  };
}

/** Raised for a cursor this API did not issue. */
export class InvalidCursorError extends Error {
  readonly code = 'invalid_cursor';
}

function encodeCursor(placedAt: string, id: string): string {
  return Buffer.from(JSON.stringify([placedAt, id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { placedAt: string; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      return { placedAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // falls through to the error below
  }
  throw new InvalidCursorError('cursor is not one this API issued');
}

function toView(record: OrderRecord): OrderView {
  const { _id: _ignored, ...view } = record;
  return view;
}
