// The seller's settlement statement per batch over HTTP (issue 9 E), on a batch the real settlement workflow pays
// through the bank host: seller A's card payments in JPY (0 decimals) and KWD (3 decimals) under its own fee schedule,
// and a seller X in EUR under the default `*` schedule. The CSV and the PDF (read back with pdftotext from Debian's
// poppler-utils) must carry the ledger's fee and payout journals to the minor unit; a seller sees only its own lines
// (a batch without them is 404, as one that does not exist), other roles get 403, bad input is a clear 400. Also: the
// clearing statistics' fees come from the fee schedule version in force (the batch's fee journals), not the settings.

import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { settlementAccounts } from '../../src/gateway/settlement/settlement-batches';
import { formatMinor } from '../../src/gateway/reports/report-renderers';
import type { LedgerJournalRecord } from '../../src/persistence/database';
import type { ApiHarness, CastMember, Json } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { openCurrentAccount } from '../support/methods-env';
import { openCard } from '../bank-host/support';
import { claimCutoffSecond } from '../support/cutoff-second';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensurePdftotext } = require('../../scripts/lib/ensure-poppler') as { ensurePdftotext: () => string };

let h: ApiHarness;
let pdftotext: string;
let batchId: string;
let sellerA: string;
const run = randomUUID().slice(0, 8);
const sellerX = `seller-x-${run}`;
/** Order ids by seller and currency, in the order paid. */
const orders: Record<string, string[]> = {};
/** What the batch's journals booked per `<seller> <currency>`: gross (payable debited), fee, net (payout). */
const ledger = new Map<string, { gross: number; fee: number; net: number }>();

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
  const dir = mkdtempSync(path.join(tmpdir(), 'settleflow-statement-'));
  try {
    const file = path.join(dir, 'statement.pdf');
    writeFileSync(file, bytes);
    return execFileSync(pdftotext, [file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A card payment captured at once through the gateway and the bank host, and its settlement request. */
async function settledPayment(sellerId: string, amount: number, currency: string): Promise<void> {
  const card = await openCard(0, { balances: { EUR: 100_000_000, JPY: 100_000_000, KWD: 100_000_000 } });
  const orderId = `so-${currency.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  const paid = await h.gateway.payments.authorize({
    orderId,
    attempt: 1,
    sellerId,
    amount: { amount, currency },
    captureMode: 'immediate',
    sealedCard: h.vault.seal(
      JSON.stringify({ number: card.pan, expMonth: 12, expYear: new Date().getUTCFullYear() + 3 }),
    ),
  });
  expect(paid.status).toBe('succeeded');
  await h.gateway.settlement.request({
    paymentId: paid.paymentId,
    orderId,
    orderWorkflowId: `order-${orderId}`,
    sellerId,
    currency,
  });
  (orders[`${sellerId} ${currency}`] ??= []).push(orderId);
}

beforeAll(async () => {
  pdftotext = ensurePdftotext();
  h = await startApiHarness({ SETTLEMENT_ORDER_PAYOUT: 'batch', SETTLEMENT_CLEARING_MS: '500' });
  sellerA = h.parties.seller.id;
  const op = { key: h.key('operator') };
  for (const sellerId of [sellerA, sellerX]) {
    const account = await openCurrentAccount(0);
    const put = await h.api('PUT', `/v1/settlement/payout-accounts/${sellerId}`, {
      ...op,
      body: { iban: account.iban, accountHolder: `Seller ${sellerId}` },
    });
    expect(put.status).toBe(200);
  }
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
  for (const body of [
    {
      sellerId: sellerA,
      currency: 'JPY',
      effectiveFrom: '2020-01-01T00:00:00Z',
      default: { bps: 250, fixedMinor: 30 },
    },
    // Not in force yet: neither the batch nor the statistics may use it.
    { sellerId: sellerA, currency: 'JPY', effectiveFrom: tomorrow, default: { bps: 900, fixedMinor: 0 } },
    {
      sellerId: sellerA,
      currency: 'KWD',
      effectiveFrom: '2020-01-01T00:00:00Z',
      default: { bps: 175, fixedMinor: 125 },
    },
    { sellerId: '*', currency: 'EUR', effectiveFrom: '2020-01-01T00:00:00Z', default: { bps: 100, fixedMinor: 10 } },
  ]) {
    expect(
      (await h.api('POST', '/v1/settlement/fee-schedules', { ...op, body: { methods: {}, ...body } })).status,
    ).toBe(201);
  }
  await settledPayment(sellerA, 12_345, 'JPY');
  await settledPayment(sellerA, 678, 'JPY');
  await settledPayment(sellerA, 1_234_567, 'KWD');
  await settledPayment(sellerA, 5_005, 'KWD');
  await settledPayment(sellerX, 4_200, 'EUR');

  // The cut-off: a whole second after the last request (a cut-off in the future is refused).
  const cutoffAt = await claimCutoffSecond(Date.now());
  const started = await h.api('POST', '/v1/settlement/cutoffs', { ...op, body: { cutoffAt } });
  expect(started.status).toBe(202);
  batchId = started.body.batchId;
  let batch: Json;
  for (let i = 0; i < 600; i += 1) {
    batch = await h.api('GET', `/v1/settlement/batches/${batchId}`, op);
    if (batch.body?.batch?.status === 'COMPLETED') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(batch!.body.batch.status).toBe('COMPLETED');

  const journals = await h.db.ledger.find({ orderId: batchId }).lean<LedgerJournalRecord[]>();
  for (const journal of journals) {
    for (const leg of journal.legs) {
      const seller = [sellerA, sellerX].find((id) => leg.account === settlementAccounts.sellerPayable(id));
      const key = seller ?? /^[^:]+:([^:]+):/.exec(journal._id)?.[1];
      const entry = (k: string) => {
        const id = `${k} ${leg.currency}`;
        if (!ledger.has(id)) ledger.set(id, { gross: 0, fee: 0, net: 0 });
        return ledger.get(id)!;
      };
      if (seller && leg.direction === 'DEBIT') entry(seller).gross += leg.amount;
      if (leg.account === settlementAccounts.feeRevenue && leg.direction === 'CREDIT' && key) {
        entry(key).fee += leg.amount;
      }
      if (leg.account === settlementAccounts.payoutsInTransit && leg.direction === 'CREDIT' && key) {
        entry(key).net += leg.amount;
      }
    }
  }
}, 240_000);

afterAll(async () => {
  await h?.close();
});

describe('settlement statement', () => {
  test('access › a customer, a supplier, a carrier › 403; another seller › 404 as for no batch at all', async () => {
    const statuses = [];
    for (const member of ['customer', 'supplier', 'carrierA'] as const) {
      const answer = await h.api('GET', `/v1/reports/settlement-statement?batchId=${batchId}&format=csv`, {
        key: h.key(member),
      });
      statuses.push([answer.status, answer.body?.error?.code]);
    }
    const other = await h.api('GET', `/v1/reports/settlement-statement?batchId=${batchId}&format=pdf`, {
      key: h.key('otherSeller'),
    });
    const none = await h.api('GET', '/v1/reports/settlement-statement?batchId=batch-20000101T000000Z&format=pdf', {
      key: h.key('otherSeller'),
    });
    const named = await h.api(
      'GET',
      `/v1/reports/settlement-statement?batchId=${batchId}&format=csv&sellerId=${sellerA}`,
      {
        key: h.key('otherSeller'),
      },
    );

    expect(statuses).toEqual(Array(3).fill([403, 'forbidden']));
    expect([other.status, other.body.error]).toEqual([
      404,
      { type: 'not_found_error', code: 'batch_not_found', message: `no settlement batch ${batchId}`, param: 'batchId' },
    ]);
    expect([none.status, none.body.error.code, none.body.error.message]).toEqual([
      404,
      'batch_not_found',
      'no settlement batch batch-20000101T000000Z',
    ]);
    expect([named.status, named.body.error.code]).toEqual([403, 'forbidden']);
  });

  test('access › a seller › its own lines only, none of seller X', async () => {
    const response = await download(`/v1/reports/settlement-statement?batchId=${batchId}&format=csv`, 'seller');

    expect(response.status).toBe(200);
    const csv = response.bytes.toString('utf8');
    for (const orderId of [...orders[`${sellerA} JPY`]!, ...orders[`${sellerA} KWD`]!]) expect(csv).toContain(orderId);
    expect(csv).not.toContain(orders[`${sellerX} EUR`]![0]);
    expect(csv).not.toContain('EUR');
  });

  test('CSV › seller A’s JPY and KWD lines › each fee by schedule v1 in the currency’s decimals; TOTAL rows equal the journals', async () => {
    const response = await download(`/v1/reports/settlement-statement?batchId=${batchId}&format=csv`, 'seller');

    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="settlement-statement-${batchId}-${sellerA}.csv"`,
    );
    const lines = response.bytes.toString('utf8').trim().split('\n');
    expect(lines[0]).toBe('Order,Payment reference,Method,Currency,Payments,Gross,Fee,Net,Line,Payout,Fee schedule');
    const byOrder = new Map(lines.slice(1).map((line) => [line.split(',')[0], line]));
    const [jpyBig, jpySmall] = orders[`${sellerA} JPY`]!;
    const [kwdBig, kwdSmall] = orders[`${sellerA} KWD`]!;
    // 250 bps + 30 yen: 12 345 → 309 + 30; 678 → 17 + 30. 175 bps + 125 fils: 1 234.567 → 21.605 + 0.125; 5.005 → 0.088 + 0.125.
    expect(byOrder.get(jpyBig)).toBe(`${jpyBig},payment-${jpyBig}-1,card,JPY,,12345,339,12006,PAID,PAID,v1`);
    expect(byOrder.get(jpySmall)).toBe(`${jpySmall},payment-${jpySmall}-1,card,JPY,,678,47,631,PAID,PAID,v1`);
    expect(byOrder.get(kwdBig)).toBe(`${kwdBig},payment-${kwdBig}-1,card,KWD,,1234.567,21.730,1212.837,PAID,PAID,v1`);
    expect(byOrder.get(kwdSmall)).toBe(`${kwdSmall},payment-${kwdSmall}-1,card,KWD,,5.005,0.213,4.792,PAID,PAID,v1`);
    const jpy = ledger.get(`${sellerA} JPY`)!;
    const kwd = ledger.get(`${sellerA} KWD`)!;
    expect(jpy).toEqual({ gross: 13_023, fee: 386, net: 12_637 });
    expect(kwd).toEqual({ gross: 1_239_572, fee: 21_943, net: 1_217_629 });
    expect(lines.slice(-2)).toEqual([
      `TOTAL,,,JPY,2,${formatMinor(jpy.gross, 'JPY')},${formatMinor(jpy.fee, 'JPY')},${formatMinor(jpy.net, 'JPY')},,,`,
      `TOTAL,,,KWD,2,${formatMinor(kwd.gross, 'KWD')},${formatMinor(kwd.fee, 'KWD')},${formatMinor(kwd.net, 'KWD')},,,`,
    ]);
  });

  test('PDF › read back with pdftotext › the batch, cut-off, payouts accepted by pacs.002, totals equal the journals', async () => {
    const response = await download(`/v1/reports/settlement-statement?batchId=${batchId}&format=pdf`, 'seller');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const text = pdfText(response.bytes);
    expect(text).toContain(`Settlement statement ${batchId}`);
    const stamp = /^batch-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(batchId)!;
    expect(text).toContain(`cut-off ${stamp[1]}-${stamp[2]}-${stamp[3]}T${stamp[4]}:${stamp[5]}:${stamp[6]}Z`);
    for (const [currency, amounts] of [
      ['JPY', ledger.get(`${sellerA} JPY`)!],
      ['KWD', ledger.get(`${sellerA} KWD`)!],
    ] as const) {
      const money = (amount: number) => formatMinor(amount, currency);
      expect(/Total (JPY|KWD): .*/g.exec(text.slice(text.indexOf(`Total ${currency}:`)))?.[0].trim()).toBe(
        `Total ${currency}: payments 2, gross ${money(amounts.gross)}, fee ${money(amounts.fee)}, net ${money(amounts.net)}`,
      );
      expect(text).toContain(
        `Payout ${currency}: 2 payments, gross ${money(amounts.gross)}, fees ${money(amounts.fee)}, net payout ${money(amounts.net)}; PAID: accepted by the bank (pacs.002) and settled.`,
      );
    }
    expect(text).toContain('1212.837');
    expect(text).toContain('12006');
  });

  test('operator › a batch of two sellers › 422 seller_required without sellerId; seller X’s line under the default schedule', async () => {
    const unnamed = await h.api('GET', `/v1/reports/settlement-statement?batchId=${batchId}&format=csv`, {
      key: h.key('operator'),
    });
    const response = await download(
      `/v1/reports/settlement-statement?batchId=${batchId}&format=csv&sellerId=${sellerX}`,
      'operator',
    );

    expect([unnamed.status, unnamed.body.error.code, unnamed.body.error.param]).toEqual([
      422,
      'seller_required',
      'sellerId',
    ]);
    const lines = response.bytes.toString('utf8').trim().split('\n');
    const [orderId] = orders[`${sellerX} EUR`]!;
    const eur = ledger.get(`${sellerX} EUR`)!;
    // 100 bps + 10 cents of 42.00: 0.42 + 0.10.
    expect(eur).toEqual({ gross: 4_200, fee: 52, net: 4_148 });
    expect(lines.slice(1)).toEqual([
      `${orderId},payment-${orderId}-1,card,EUR,,42.00,0.52,41.48,PAID,PAID,*v1`,
      'TOTAL,,,EUR,1,42.00,0.52,41.48,,,',
    ]);
  });

  test('clearing statistics › seller A today › fees by the schedule version in force, equal to the batch’s fee journals', async () => {
    const day = new Date().toISOString().slice(0, 10);
    const response = await h.api('GET', `/v1/reports/clearing-statistics?from=${day}`, { key: h.key('seller') });

    expect(response.status).toBe(200);
    const fees = Object.fromEntries(
      response.body.data.map((row: Json) => [row.currency, [row.capturedMinor, row.feesMinor, row.netMinor]]),
    );
    const jpy = ledger.get(`${sellerA} JPY`)!;
    const kwd = ledger.get(`${sellerA} KWD`)!;
    expect(fees).toEqual({ JPY: [jpy.gross, jpy.fee, jpy.net], KWD: [kwd.gross, kwd.fee, kwd.net] });
  });

  test('bad input › malformed batch id, missing batch id, unknown format or field › 400 naming the field', async () => {
    const op = { key: h.key('operator') };
    const malformed = await h.api('GET', '/v1/reports/settlement-statement?batchId=nope&format=csv', op);
    const missing = await h.api('GET', '/v1/reports/settlement-statement?format=csv', op);
    const format = await h.api('GET', `/v1/reports/settlement-statement?batchId=${batchId}&format=xml`, op);
    const unknown = await h.api('GET', `/v1/reports/settlement-statement?batchId=${batchId}&format=csv&colour=red`, op);

    for (const answer of [malformed, missing, format, unknown]) {
      expect(Object.keys(answer.body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    }
    expect([malformed.status, malformed.body.error.type, malformed.body.error.param]).toEqual([
      400,
      'invalid_request_error',
      'batchId',
    ]);
    expect([missing.status, missing.body.error.param]).toEqual([400, 'batchId']);
    expect([format.status, format.body.error.param]).toEqual([400, 'format']);
    expect([unknown.status, unknown.body.error.code]).toEqual([400, 'parameter_unknown']);
  });
});
