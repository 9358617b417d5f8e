// Clearing statistics, the daily clearing report and the transaction search over HTTP (issue 9 B and E), on payments
// made through the gateway worker and the bank host: a seller set to capture at once pays two orders, one after a
// declined card. The statistics, the CSV and the PDF (read back with pdftotext from Debian's poppler-utils) must
// agree with the ledger's capture journals; sellers see only their own payments; bad input is a clear 4xx.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { gatewayFee } from '../../src/domain/order';
import { formatMinor } from '../../src/gateway/reports/report-renderers';
import type { ApiHarness, CastMember } from '../support/harness';
import { startApiHarness } from '../support/harness';
import type { TestCard } from '../support/bank-control';
import { openTestCard } from '../support/bank-control';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensurePdftotext } = require('../../scripts/lib/ensure-poppler') as { ensurePdftotext: () => string };

let h: ApiHarness;
let pdftotext: string;
let day: string;
let paymentIds: string[];
const ledger = { captured: 0, fees: 0, captures: 0 };

const cardBody = (card: { number: string; expMonth: number; expYear: number; cvc: string }) => ({
  method: 'card',
  card: { number: card.number, expMonth: card.expMonth, expYear: card.expYear, cvc: card.cvc },
});

async function pay(
  orderId: string,
  card: TestCard | { number: string; expMonth: number; expYear: number; cvc: string },
) {
  return h.api('POST', `/v1/orders/${orderId}/payment-notification`, { key: h.key('customer'), body: cardBody(card) });
}

async function download(
  pathAndQuery: string,
  member: CastMember,
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(`${h.baseUrl}${pathAndQuery}`, {
    headers: { authorization: `Bearer ${h.key(member)}` },
  });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

function pdfText(bytes: Buffer): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'settleflow-report-'));
  try {
    const file = path.join(dir, 'report.pdf');
    writeFileSync(file, bytes);
    return execFileSync(pdftotext, [file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  pdftotext = ensurePdftotext();
  h = await startApiHarness();
  const put = await h.api('PUT', '/v1/settings', {
    key: h.key('operator'),
    body: {
      version: 0,
      settings: { defaultDeadlines: {}, sellers: { [h.parties.seller.id]: { capture: 'IMMEDIATE' } } },
    },
  });
  expect(put.status).toBe(200);

  const first = await h.confirmedOrder();
  expect(
    (await pay(first.orderId, { number: '4000000000009995', expMonth: 12, expYear: 2034, cvc: '123' })).status,
  ).toBe(402);
  expect((await pay(first.orderId, await openTestCard())).status).toBe(200);
  const second = await h.confirmedOrder();
  expect((await pay(second.orderId, await openTestCard())).status).toBe(200);

  const payable = `seller:${h.parties.seller.id}:payable`;
  for (const journal of await h.db.ledger.find({ kind: 'CAPTURE', 'legs.account': payable }).lean()) {
    const leg = journal.legs.find((l) => l.account === payable && l.direction === 'CREDIT')!;
    ledger.captured += leg.amount;
    ledger.captures += 1;
    ledger.fees += gatewayFee(
      { amount: leg.amount, currency: 'EUR' },
      h.config.gatewayFee.bps,
      h.config.gatewayFee.fixedMinor,
    ).amount;
  }
  const records = await (h.db.connection as Connection)
    .collection('gateway_payments')
    .find({ sellerId: h.parties.seller.id })
    .sort({ createdAt: -1 })
    .toArray();
  paymentIds = records.map((record) => String(record._id));
  day = (records[0]!.createdAt as Date).toISOString().slice(0, 10);
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe('reports', () => {
  test('clearing statistics › a seller’s day of three card payments › counts and amounts equal the ledger', async () => {
    const response = await h.api('GET', `/v1/reports/clearing-statistics?from=${day}`, { key: h.key('seller') });

    expect(response.status).toBe(200);
    expect(ledger.captures).toBe(2);
    expect(response.body.nextCursor).toBeNull();
    expect(response.body.data).toHaveLength(1);
    const row = response.body.data[0];
    expect(row).toMatchObject({
      day,
      sellerId: h.parties.seller.id,
      method: 'card',
      currency: 'EUR',
      payments: 3,
      approved: 2,
      declined: 1,
      pending: 0,
      approvalRate: 0.6667,
      authorizedMinor: ledger.captured,
      capturedMinor: ledger.captured,
      refundedMinor: 0,
      feesMinor: ledger.fees,
      netMinor: ledger.captured - ledger.fees,
      declineReasons: { insufficient_funds: 1 },
    });
    expect(row.authorizationLatency.count).toBe(3);
    expect(row.authorizationLatency.maxMs).toBeGreaterThanOrEqual(row.authorizationLatency.p50Ms);
  });

  test('daily clearing report › as PDF › its text read back by pdftotext has the ledger’s totals', async () => {
    const response = await download(
      `/v1/reports/daily-clearing?date=${day}&format=pdf&sellerId=${h.parties.seller.id}`,
      'operator',
    );

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="daily-clearing-${day}-${h.parties.seller.id}.pdf"`,
    );
    const text = pdfText(response.bytes);
    expect(text).toContain(`Daily clearing report ${day}`);
    const total = /Total EUR: (.*)/.exec(text)?.[1];
    expect(total).toBe(
      [
        'payments 3',
        'approved 2',
        'declined 1',
        'pending 0',
        `authorized ${formatMinor(ledger.captured, 'EUR')}`,
        `captured ${formatMinor(ledger.captured, 'EUR')}`,
        'refunded 0.00',
        `fees ${formatMinor(ledger.fees, 'EUR')}`,
        `net ${formatMinor(ledger.captured - ledger.fees, 'EUR')}`,
      ].join(', '),
    );
    expect(text).toContain('insufficient_funds 1');
  });

  test('daily clearing report › as CSV for the seller › one row and a TOTAL row with the ledger’s amounts', async () => {
    const response = await download(`/v1/reports/daily-clearing?date=${day}&format=csv`, 'seller');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = response.bytes.toString('utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    const captured = formatMinor(ledger.captured, 'EUR');
    const fees = formatMinor(ledger.fees, 'EUR');
    const net = formatMinor(ledger.captured - ledger.fees, 'EUR');
    expect(lines[2]).toBe(`TOTAL,,EUR,3,2,1,0,,${captured},${captured},0.00,${fees},${net},,,`);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${h.parties.seller.id},card,EUR,3,2,1,0,66.67%,${captured},${captured},0.00,${fees},${net},\\d+,\\d+,insufficient_funds 1$`,
      ),
    );
  });

  test('clearing statistics › as CSV over a range › a Day column first, attachment named by the range', async () => {
    const response = await download(`/v1/reports/clearing-statistics?from=${day}&to=${day}&format=csv`, 'seller');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="clearing-statistics-${day}-${day}.csv"`,
    );
    const lines = response.bytes.toString('utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^Day,Seller,Method,Currency,Payments,/);
    expect(lines[1]).toMatch(new RegExp(`^${day},${h.parties.seller.id},card,EUR,3,2,1,`));
  });

  test('transaction search › the seller’s payments in pages of one › newest first, each once, then no cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/v1/transactions?limit=1${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await h.api('GET', query, { key: h.key('seller') });
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((t: { paymentId: string }) => t.paymentId));
      cursor = page.body.nextCursor;
    } while (cursor !== null && seen.length < 10);

    expect(seen).toEqual(paymentIds);
  });

  test('transaction search › status failed and an amount range › only the declined payment, with its reason', async () => {
    const failed = await h.api('GET', '/v1/transactions?status=failed&method=card&minAmount=1&maxAmount=100000000', {
      key: h.key('seller'),
    });
    const none = await h.api('GET', '/v1/transactions?minAmount=100000000', { key: h.key('seller') });

    expect(failed.status).toBe(200);
    expect(failed.body.data.map((t: { status: string; declineCode: string }) => [t.status, t.declineCode])).toEqual([
      ['failed', 'insufficient_funds'],
    ]);
    expect(failed.body.data[0].authorizationLatencyMs).toEqual(expect.any(Number));
    expect(JSON.stringify(failed.body)).not.toMatch(/4000000000009995|authorization"|rrn/);
    expect(none.body.data).toEqual([]);
  });

  test('scope › another seller › sees none of these payments, and naming this seller is 403', async () => {
    const own = await h.api('GET', `/v1/transactions`, { key: h.key('otherSeller') });
    const stats = await h.api('GET', `/v1/reports/clearing-statistics?from=${day}`, { key: h.key('otherSeller') });
    const named = await h.api('GET', `/v1/transactions?sellerId=${h.parties.seller.id}`, { key: h.key('otherSeller') });
    const report = await h.api(
      'GET',
      `/v1/reports/daily-clearing?date=${day}&format=pdf&sellerId=${h.parties.seller.id}`,
      {
        key: h.key('otherSeller'),
      },
    );

    expect(own.body.data).toEqual([]);
    expect(stats.body.data).toEqual([]);
    expect([named.status, named.body.error.code]).toEqual([403, 'forbidden']);
    expect([report.status, report.body.error.code]).toEqual([403, 'forbidden']);
  });

  test('scope › a customer, a supplier, a carrier › 403 on every report route', async () => {
    const statuses = [];
    for (const member of ['customer', 'supplier', 'carrierA'] as const) {
      for (const route of [
        `/v1/reports/clearing-statistics?from=${day}`,
        `/v1/reports/daily-clearing?date=${day}&format=csv`,
        '/v1/transactions',
      ]) {
        statuses.push((await h.api('GET', route, { key: h.key(member) })).status);
      }
    }

    expect(statuses).toEqual(Array(9).fill(403));
  });

  test('clearing statistics › the last day of the calendar › 200 and no rows, the day loop ends', async () => {
    const response = await h.api('GET', '/v1/reports/clearing-statistics?from=9999-12-31&to=9999-12-31', {
      key: h.key('operator'),
    });
    const csv = await download('/v1/reports/daily-clearing?date=9999-12-31&format=csv', 'operator');

    expect([response.status, response.body.data, response.body.nextCursor]).toEqual([200, [], null]);
    expect([csv.status, csv.bytes.toString('utf8').trim().split('\n').length]).toEqual([200, 1]);
  });

  test('bad input › wrong day, reversed range, forged cursor, unknown format or field › 4xx naming the field', async () => {
    const op = { key: h.key('operator') };
    const month13 = await h.api('GET', '/v1/reports/clearing-statistics?from=2026-13-01', op);
    const reversed = await h.api('GET', '/v1/reports/clearing-statistics?from=2026-11-27&to=2026-11-26', op);
    const tooLong = await h.api('GET', '/v1/reports/clearing-statistics?from=2025-01-01&to=2026-11-26', op);
    const cursor = await h.api('GET', `/v1/reports/clearing-statistics?from=${day}&cursor=bm9wZQ`, op);
    const txCursor = await h.api('GET', '/v1/transactions?cursor=bm9wZQ', op);
    const format = await h.api('GET', `/v1/reports/daily-clearing?date=${day}&format=xml`, op);
    const unknown = await h.api('GET', '/v1/transactions?colour=red', op);
    const amount = await h.api('GET', '/v1/transactions?minAmount=-1', op);

    expect([month13.status, month13.body.error.param]).toEqual([422, 'from']);
    expect([reversed.status, reversed.body.error.code, reversed.body.error.param]).toEqual([
      422,
      'date_range_invalid',
      'to',
    ]);
    expect([tooLong.status, tooLong.body.error.code]).toEqual([422, 'date_range_invalid']);
    expect([cursor.status, cursor.body.error.code]).toEqual([422, 'invalid_cursor']);
    expect([txCursor.status, txCursor.body.error.code]).toEqual([422, 'invalid_cursor']);
    expect([format.status, format.body.error.param]).toEqual([400, 'format']);
    expect([unknown.status, unknown.body.error.code]).toEqual([400, 'parameter_unknown']);
    expect([amount.status, amount.body.error.param]).toEqual([400, 'minAmount']);
  });
});
