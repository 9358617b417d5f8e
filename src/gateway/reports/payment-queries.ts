// The reports' reads of `gateway_payments`: clearing statistics day by day and the transaction search, each a
// streamed cursor in bounded batches with a projection of the fields it needs, on the indexes of report-indexes.ts.
// Memory grows with the number of groups of one day (statistics) or one page (search), never with the number of
// payments. Read-only: it must never write a payment (the gateway's payment workflows are their only writers).

import type { Connection } from 'mongoose';
import type { PaymentStatus } from '../../domain/payment';
import type { Database } from '../../persistence/database';
import type { ClearingMethod, ClearingPayment, ClearingStatisticsRow, FeeLookup } from './clearing-statistics';
import { CLEARING_METHODS, ClearingStatistics, clearingMethodOf, rowKey } from './clearing-statistics';

/** The collection of every payment, as card-payments.ts names it. */
const PAYMENTS_COLLECTION = 'gateway_payments';

/** How many payments one round trip of a cursor brings: bounds the memory of a scan. */
export const SCAN_BATCH_SIZE = 1_000;

const DAY_MS = 86_400_000;

/** A cursor this API did not issue (422 `invalid_cursor`). */
export class InvalidReportCursorError extends Error {
  readonly code = 'invalid_cursor';
}

/** What the statistics are asked for: whole UTC days `from`..`to` (inclusive), optionally narrowed. */
export interface ClearingStatisticsQuery {
  from: string;
  to: string;
  sellerId?: string | undefined;
  method?: ClearingMethod | undefined;
  currency?: string | undefined;
}

/** The database filter of a method (a card payment has no `method` field; a micropayment has `micropayment`). */
function methodFilter(method: ClearingMethod): Record<string, unknown> {
  switch (method) {
    case 'micropayment':
      return { micropayment: { $exists: true } };
    case 'card':
      return { method: { $nin: ['echeck', 'ecash'] }, micropayment: { $exists: false } };
    default:
      return { method };
  }
}

function paymentsOf(db: Database) {
  return (db.connection as Connection).collection(PAYMENTS_COLLECTION);
}

const STATISTICS_PROJECTION = {
  _id: 1,
  orderId: 1,
  sellerId: 1,
  method: 1,
  micropayment: 1,
  status: 1,
  amount: 1,
  authorizedMinor: 1,
  capturedMinor: 1,
  refundedMinor: 1,
  declineCode: 1,
  authorizationLatencyMs: 1,
  createdAt: 1,
};

/**
 * The payments created in [from, to), streamed in batches of {@link SCAN_BATCH_SIZE}. Runs on `reports_seller_createdAt`
 * with a seller, else on `reports_createdAt`.
 */
export async function* scanPayments(
  db: Database,
  range: {
    from: Date;
    to: Date;
    sellerId?: string | undefined;
    method?: ClearingMethod | undefined;
    currency?: string;
  },
): AsyncGenerator<ClearingPayment> {
  const filter: Record<string, unknown> = { createdAt: { $gte: range.from, $lt: range.to } };
  if (range.sellerId !== undefined) filter.sellerId = range.sellerId;
  if (range.currency !== undefined) filter['amount.currency'] = range.currency;
  if (range.method !== undefined) Object.assign(filter, methodFilter(range.method));
  const cursor = paymentsOf(db)
    .find(filter, { projection: STATISTICS_PROJECTION })
    .batchSize(SCAN_BATCH_SIZE)
    .hint(range.sellerId !== undefined ? 'reports_seller_createdAt' : 'reports_createdAt');
  try {
    for await (const payment of cursor) yield payment as unknown as ClearingPayment;
  } finally {
    await cursor.close();
  }
}

/** The day after a `YYYY-MM-DD` day. */
export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

/**
 * The statistics rows of the query in key order (day, seller, method, currency), computed one day at a time: each day
 * is one streamed scan, and only that day's groups are held. `after` (a row key) starts after a row; `capacity` bounds
 * the groups held per day to what one page needs.
 */
export async function* clearingStatisticsRows(
  db: Database,
  query: ClearingStatisticsQuery,
  feeOf: FeeLookup,
  page: { after?: string | undefined; capacity?: number | undefined } = {},
): AsyncGenerator<ClearingStatisticsRow> {
  const firstDay =
    page.after !== undefined && page.after.slice(0, 10) > query.from ? page.after.slice(0, 10) : query.from;
  // Counted, not compared as strings: a day past year 9999 has no four-digit form to compare.
  const days = Math.round((Date.parse(`${query.to}T00:00:00Z`) - Date.parse(`${firstDay}T00:00:00Z`)) / DAY_MS) + 1;
  for (let index = 0, day = firstDay; index < days; index += 1, day = nextDay(day)) {
    const statistics = new ClearingStatistics(feeOf, page);
    const from = new Date(`${day}T00:00:00Z`);
    for await (const payment of scanPayments(db, {
      from,
      to: new Date(from.getTime() + DAY_MS),
      sellerId: query.sellerId,
      method: query.method,
      currency: query.currency,
    })) {
      statistics.add(payment);
    }
    yield* statistics.rows();
  }
}

/** One page of statistics rows and the cursor of the next. */
export interface ClearingStatisticsPage {
  rows: ClearingStatisticsRow[];
  nextCursor: string | undefined;
}

/**
 * One page of statistics after `cursor` (the `nextCursor` of the previous page).
 * @throws InvalidReportCursorError for a cursor this function did not make
 */
export async function clearingStatisticsPage(
  db: Database,
  query: ClearingStatisticsQuery,
  feeOf: FeeLookup,
  page: { limit: number; cursor?: string | undefined },
): Promise<ClearingStatisticsPage> {
  const after = page.cursor === undefined ? undefined : decodeRowCursor(page.cursor);
  const rows: ClearingStatisticsRow[] = [];
  const generator = clearingStatisticsRows(db, query, feeOf, { after, capacity: page.limit + 1 });
  try {
    for await (const row of generator) {
      rows.push(row);
      if (rows.length > page.limit) break;
    }
  } finally {
    await generator.return(undefined);
  }
  const taken = rows.slice(0, page.limit);
  const last = taken[taken.length - 1];
  return { rows: taken, nextCursor: rows.length > page.limit && last ? encodeRowCursor(last) : undefined };
}

function encodeRowCursor(row: ClearingStatisticsRow): string {
  const cursor = ['s', row.day, row.sellerId, CLEARING_METHODS.indexOf(row.method), row.currency];
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeRowCursor(cursor: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 5 && parsed[0] === 's') {
      const [, day, sellerId, methodIndex, currency] = parsed as unknown[];
      const method = typeof methodIndex === 'number' ? CLEARING_METHODS[methodIndex] : undefined;
      if (
        typeof day === 'string' &&
        /^\d{4}-\d{2}-\d{2}$/.test(day) &&
        typeof sellerId === 'string' &&
        sellerId.length > 0 &&
        method !== undefined &&
        typeof currency === 'string' &&
        /^[A-Z]{3}$/.test(currency)
      ) {
        return rowKey({ day, sellerId, method, currency });
      }
    }
  } catch {
    // falls through to the error below
  }
  throw new InvalidReportCursorError('cursor is not one this API issued');
}

/** What the transaction search is asked for. */
export interface TransactionQuery {
  sellerId?: string | undefined;
  status?: PaymentStatus | undefined;
  method?: ClearingMethod | undefined;
  currency?: string | undefined;
  /** Created at or after. */
  from?: Date | undefined;
  /** Created before. */
  to?: Date | undefined;
  minAmount?: number | undefined;
  maxAmount?: number | undefined;
}

/** A payment as the transaction search shows it (no bank references, no instrument beyond its last 4). */
export interface TransactionView {
  paymentId: string;
  orderId: string;
  sellerId: string;
  method: ClearingMethod;
  status: PaymentStatus;
  amount: { amount: number; currency: string };
  authorizedMinor: number;
  capturedMinor: number;
  refundedMinor: number;
  declineCode: string | null;
  last4: string;
  authorizationLatencyMs: number | null;
  createdAt: string;
  updatedAt: string;
}

const TRANSACTION_PROJECTION = { ...STATISTICS_PROJECTION, last4: 1, updatedAt: 1 };

/**
 * One page of payments, newest first, after `cursor`. Runs on `reports_seller_createdAt` with a seller,
 * `reports_status_createdAt` with a status, else `reports_createdAt`; amount, method and currency filter the rows the
 * index finds.
 * @throws InvalidReportCursorError for a cursor this function did not make
 */
export async function searchTransactions(
  db: Database,
  query: TransactionQuery,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ data: TransactionView[]; nextCursor: string | undefined }> {
  const filter: Record<string, unknown> = {};
  if (query.sellerId !== undefined) filter.sellerId = query.sellerId;
  if (query.status !== undefined) filter.status = query.status;
  if (query.currency !== undefined) filter['amount.currency'] = query.currency;
  if (query.method !== undefined) Object.assign(filter, methodFilter(query.method));
  if (query.from !== undefined || query.to !== undefined) {
    filter.createdAt = {
      ...(query.from !== undefined ? { $gte: query.from } : {}),
      ...(query.to !== undefined ? { $lt: query.to } : {}),
    };
  }
  if (query.minAmount !== undefined || query.maxAmount !== undefined) {
    filter['amount.amount'] = {
      ...(query.minAmount !== undefined ? { $gte: query.minAmount } : {}),
      ...(query.maxAmount !== undefined ? { $lte: query.maxAmount } : {}),
    };
  }
  if (page.cursor !== undefined) {
    const { createdAt, id } = decodeTransactionCursor(page.cursor);
    filter.$or = [{ createdAt: { $lt: createdAt } }, { createdAt, _id: { $lt: id } }];
  }
  const hint =
    query.sellerId !== undefined
      ? 'reports_seller_createdAt'
      : query.status !== undefined
        ? 'reports_status_createdAt'
        : 'reports_createdAt';
  const records = (await paymentsOf(db)
    .find(filter, { projection: TRANSACTION_PROJECTION })
    .sort({ createdAt: -1, _id: -1 })
    .limit(page.limit + 1)
    .hint(hint)
    .toArray()) as unknown as (ClearingPayment & { last4?: string; updatedAt?: Date })[];
  const data = records.slice(0, page.limit).map(transactionView);
  const last = records[Math.min(records.length, page.limit) - 1];
  return {
    data,
    nextCursor: records.length > page.limit && last ? encodeTransactionCursor(last.createdAt, last._id) : undefined,
  };
}

function transactionView(record: ClearingPayment & { last4?: string; updatedAt?: Date }): TransactionView {
  return {
    paymentId: record._id,
    orderId: record.orderId,
    sellerId: record.sellerId,
    method: clearingMethodOf(record),
    status: record.status,
    amount: { amount: record.amount.amount, currency: record.amount.currency },
    authorizedMinor: record.authorizedMinor ?? 0,
    capturedMinor: record.capturedMinor ?? 0,
    refundedMinor: record.refundedMinor ?? 0,
    declineCode: record.declineCode ?? null,
    last4: record.last4 ?? '????',
    authorizationLatencyMs: record.authorizationLatencyMs ?? null,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt ?? record.createdAt).toISOString(),
  };
}

function encodeTransactionCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify(['t', new Date(createdAt).toISOString(), id]), 'utf8').toString('base64url');
}

function decodeTransactionCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed[0] === 't' && typeof parsed[1] === 'string' && typeof parsed[2] === 'string') {
      const createdAt = new Date(parsed[1]);
      if (!Number.isNaN(createdAt.getTime())) return { createdAt, id: parsed[2] };
    }
  } catch {
    // falls through to the error below
  }
  throw new InvalidReportCursorError('cursor is not one this API issued');
}
