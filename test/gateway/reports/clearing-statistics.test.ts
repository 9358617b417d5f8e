// Clearing statistics (issue 9 B) against a hand-computed fixture: payments of two sellers over two days in EUR, JPY
// and KWD, by card, e-check and micropayment (with the aggregate's card charge, which must not count twice), stored in
// the real database and read back by the streamed day-by-day scan, in pages and whole. Every figure below was worked
// out by hand from the fee schedules (150 bps + 25 for seller A, 200 bps + 0 for seller B), not by the code.

import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { Connection } from 'mongoose';
import type { Database } from '../../../src/persistence/database';
import { connectDatabase } from '../../../src/persistence/database';
import type { ClearingStatisticsRow, FeeLookup } from '../../../src/gateway/reports/clearing-statistics';
import { LatencyHistogram } from '../../../src/gateway/reports/clearing-statistics';
import {
  InvalidReportCursorError,
  clearingStatisticsPage,
  clearingStatisticsRows,
} from '../../../src/gateway/reports/payment-queries';
import { dailyClearingReport } from '../../../src/gateway/reports/report-kinds';
import { formatMinor, writeCsv } from '../../../src/gateway/reports/report-renderers';
import { uniqueDatabaseUri } from '../../support/workflow-env';

let db: Database;
const run = randomUUID().slice(0, 8);
const A = `seller-a-${run}`;
const B = `seller-b-${run}`;
const feeOf: FeeLookup = (sellerId) => (sellerId === A ? { bps: 150, fixedMinor: 25 } : { bps: 200, fixedMinor: 0 });

let n = 0;
function payment(fields: Record<string, unknown>): Record<string, unknown> {
  n += 1;
  const amount = fields.amount ?? { amount: 10_000, currency: 'EUR' };
  return {
    _id: `payment-ord-${run}-${n}-1`,
    orderId: `ord-${run}-${n}`,
    attempt: 1,
    sellerId: A,
    status: 'succeeded',
    captureMode: 'immediate',
    authorizedMinor: 0,
    capturedMinor: 0,
    refundedMinor: 0,
    last4: '4242',
    refunds: [],
    createdAt: new Date('2026-11-20T10:00:00Z'),
    updatedAt: new Date('2026-11-20T10:00:01Z'),
    ...fields,
    amount,
    paymentId: `payment-ord-${run}-${n}-1`,
  };
}

const FIXTURE = [
  // Seller A, 2026-11-20, card EUR: two approved (one partly refunded), two declined, one pending.
  payment({ authorizedMinor: 10_000, capturedMinor: 10_000, authorizationLatencyMs: 12 }),
  payment({ status: 'failed', declineCode: 'insufficient_funds', authorizationLatencyMs: 20 }),
  payment({
    status: 'partially_refunded',
    amount: { amount: 5_000, currency: 'EUR' },
    authorizedMinor: 5_000,
    capturedMinor: 5_000,
    refundedMinor: 2_000,
    authorizationLatencyMs: 30,
  }),
  payment({ status: 'failed', declineCode: 'do_not_honor', authorizationLatencyMs: 40 }),
  payment({ status: 'processing', createdAt: new Date('2026-11-20T23:59:59.999Z') }),
  // Seller A, e-check EUR.
  payment({
    method: 'echeck',
    amount: { amount: 20_000, currency: 'EUR' },
    authorizedMinor: 20_000,
    capturedMinor: 20_000,
    authorizationLatencyMs: 50,
  }),
  // Seller A, card KWD (three decimals) and JPY (none).
  payment({
    amount: { amount: 1_250, currency: 'KWD' },
    authorizedMinor: 1_250,
    capturedMinor: 1_250,
    authorizationLatencyMs: 8,
  }),
  payment({
    amount: { amount: 1_200, currency: 'JPY' },
    authorizedMinor: 1_200,
    capturedMinor: 1_200,
    authorizationLatencyMs: 9,
  }),
  // Seller A, a micropayment member, and its aggregate's card charge (not counted again).
  payment({
    method: 'card',
    micropayment: { aggregatorId: `micropayments-c-${A}-EUR-k`, aggregatePaymentId: 'x', memberNo: 1 },
    amount: { amount: 300, currency: 'EUR' },
    authorizedMinor: 300,
    capturedMinor: 300,
  }),
  payment({
    orderId: `micropayments-c-${A}-EUR-k-batch-1`,
    amount: { amount: 300, currency: 'EUR' },
    authorizedMinor: 300,
    capturedMinor: 300,
    authorizationLatencyMs: 99,
  }),
  // Seller B: one approved on the 20th, one declined on the 21st; one on the 19th (outside the range).
  payment({ sellerId: B, amount: { amount: 7_000, currency: 'EUR' }, authorizedMinor: 7_000, capturedMinor: 7_000 }),
  payment({
    sellerId: B,
    status: 'failed',
    declineCode: 'insufficient_funds',
    createdAt: new Date('2026-11-21T00:00:00Z'),
  }),
  payment({ sellerId: B, authorizedMinor: 10_000, capturedMinor: 10_000, createdAt: new Date('2026-11-19T23:59:59Z') }),
];

const row = (fields: Partial<ClearingStatisticsRow>): ClearingStatisticsRow => ({
  day: '2026-11-20',
  sellerId: A,
  method: 'card',
  currency: 'EUR',
  payments: 1,
  approved: 1,
  declined: 0,
  pending: 0,
  approvalRate: 1,
  authorizedMinor: 0,
  capturedMinor: 0,
  refundedMinor: 0,
  feesMinor: 0,
  netMinor: 0,
  declineReasons: {},
  authorizationLatency: null,
  ...fields,
});

/** Worked out by hand: fee = round(captured × bps / 10 000) + fixed, per payment; net = captured − refunded − fees. */
const EXPECTED: ClearingStatisticsRow[] = [
  row({
    payments: 5,
    approved: 2,
    declined: 2,
    pending: 1,
    approvalRate: 0.5,
    authorizedMinor: 15_000,
    capturedMinor: 15_000,
    refundedMinor: 2_000,
    feesMinor: 175 + 100,
    netMinor: 12_725,
    declineReasons: { do_not_honor: 1, insufficient_funds: 1 },
    authorizationLatency: { count: 4, meanMs: 26, p50Ms: 20, p95Ms: 40, maxMs: 40 },
  }),
  row({
    currency: 'JPY',
    authorizedMinor: 1_200,
    capturedMinor: 1_200,
    feesMinor: 18 + 25,
    netMinor: 1_157,
    authorizationLatency: { count: 1, meanMs: 9, p50Ms: 9, p95Ms: 9, maxMs: 9 },
  }),
  row({
    currency: 'KWD',
    authorizedMinor: 1_250,
    capturedMinor: 1_250,
    feesMinor: 19 + 25,
    netMinor: 1_206,
    authorizationLatency: { count: 1, meanMs: 8, p50Ms: 8, p95Ms: 8, maxMs: 8 },
  }),
  row({
    method: 'echeck',
    authorizedMinor: 20_000,
    capturedMinor: 20_000,
    feesMinor: 300 + 25,
    netMinor: 19_675,
    authorizationLatency: { count: 1, meanMs: 50, p50Ms: 50, p95Ms: 50, maxMs: 50 },
  }),
  row({ method: 'micropayment', authorizedMinor: 300, capturedMinor: 300, feesMinor: 5 + 25, netMinor: 270 }),
  row({ sellerId: B, authorizedMinor: 7_000, capturedMinor: 7_000, feesMinor: 140, netMinor: 6_860 }),
  row({
    day: '2026-11-21',
    sellerId: B,
    approved: 0,
    declined: 1,
    approvalRate: 0,
    declineReasons: { insufficient_funds: 1 },
  }),
];

const QUERY = { from: '2026-11-20', to: '2026-11-21' };

async function all<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const item of rows) result.push(item);
  return result;
}

beforeAll(async () => {
  db = await connectDatabase(uniqueDatabaseUri(process.env.MONGODB_URI!, 'settleflow_reports'));
  await (db.connection as Connection).collection('gateway_payments').insertMany(FIXTURE as never[]);
});

afterAll(async () => {
  await db?.connection.dropDatabase();
  await db?.close();
});

describe('clearing statistics', () => {
  test('clearing statistics › the fixture of two sellers over two days › equal the hand-computed rows', async () => {
    const rows = await all(clearingStatisticsRows(db, QUERY, feeOf));

    expect(rows).toEqual(EXPECTED);
  });

  test('clearing statistics › pages of three › together are the whole, in order, and then no cursor', async () => {
    const first = await clearingStatisticsPage(db, QUERY, feeOf, { limit: 3 });
    const second = await clearingStatisticsPage(db, QUERY, feeOf, { limit: 3, cursor: first.nextCursor });
    const third = await clearingStatisticsPage(db, QUERY, feeOf, { limit: 3, cursor: second.nextCursor });

    expect([...first.rows, ...second.rows, ...third.rows]).toEqual(EXPECTED);
    expect(first.nextCursor).toBeDefined();
    expect(second.nextCursor).toBeDefined();
    expect(third.nextCursor).toBeUndefined();
    expect(third.rows).toHaveLength(1);
  });

  test('clearing statistics › one seller, one method, one currency › only its rows', async () => {
    const rows = await all(
      clearingStatisticsRows(db, { ...QUERY, sellerId: A, method: 'card', currency: 'EUR' }, feeOf),
    );
    const micro = await all(clearingStatisticsRows(db, { ...QUERY, method: 'micropayment' }, feeOf));

    expect(rows).toEqual([EXPECTED[0]]);
    expect(micro).toEqual([EXPECTED[4]]);
  });

  test('clearing statistics › a cursor it did not issue › InvalidReportCursorError', async () => {
    const forged = Buffer.from(JSON.stringify(['s', 'x', 'y', 9, 'EUR'])).toString('base64url');

    await expect(clearingStatisticsPage(db, QUERY, feeOf, { limit: 3, cursor: forged })).rejects.toBeInstanceOf(
      InvalidReportCursorError,
    );
    await expect(clearingStatisticsPage(db, QUERY, feeOf, { limit: 3, cursor: 'nonsense' })).rejects.toBeInstanceOf(
      InvalidReportCursorError,
    );
  });

  test('daily clearing report › as CSV › amounts with each currency’s decimals and totals per currency', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));

    await writeCsv(dailyClearingReport.document({ db, feeOf }, { date: '2026-11-20', sellerId: A }), out);
    const lines = Buffer.concat(chunks).toString('utf8').trim().split('\n');

    expect(lines[0]).toBe(
      'Seller,Method,Currency,Payments,Approved,Declined,Pending,Approval,Authorized,Captured,Refunded,Fees,Net,p50 ms,p95 ms,Decline reasons',
    );
    expect(lines[1]).toBe(
      `${A},card,EUR,5,2,2,1,50.00%,150.00,150.00,20.00,2.75,127.25,20,40,"do_not_honor 1, insufficient_funds 1"`,
    );
    expect(lines[2]).toBe(`${A},card,JPY,1,1,0,0,100.00%,1200,1200,0,43,1157,9,9,`);
    expect(lines[3]).toBe(`${A},card,KWD,1,1,0,0,100.00%,1.250,1.250,0.000,0.044,1.206,8,8,`);
    expect(lines.slice(-3)).toEqual([
      'TOTAL,,EUR,7,4,2,1,,353.00,353.00,20.00,6.30,326.70,,,',
      'TOTAL,,JPY,1,1,0,0,,1200,1200,0,43,1157,,,',
      'TOTAL,,KWD,1,1,0,0,,1.250,1.250,0.000,0.044,1.206,,,',
    ]);
  });
});

describe('money in reports', () => {
  test('formatMinor › zero, two and three decimals, negatives › exact strings', () => {
    expect([
      formatMinor(1_200, 'JPY'),
      formatMinor(5, 'EUR'),
      formatMinor(-1_250, 'KWD'),
      formatMinor(7, 'KWD'),
      formatMinor(-5, 'EUR'),
    ]).toEqual(['1200', '0.05', '-1.250', '0.007', '-0.05']);
  });

  test('latency histogram › 1 000 values of 1..1000 ms › percentiles within 3.2 %, mean and max exact', () => {
    const histogram = new LatencyHistogram();
    for (let ms = 1; ms <= 1_000; ms += 1) histogram.add(ms);

    const summary = histogram.summary()!;
    expect(summary.meanMs).toBe(501);
    expect(summary.maxMs).toBe(1_000);
    expect(summary.p50Ms).toBeGreaterThanOrEqual(500);
    expect(summary.p50Ms).toBeLessThanOrEqual(500 * 1.032);
    expect(summary.p95Ms).toBeGreaterThanOrEqual(950);
    expect(summary.p95Ms).toBeLessThanOrEqual(950 * 1.032);
  });
});
