// A settlement payout reconciles: on real servers (the API, the gateway worker, FerretDB and the bank host, with a
// settlement account and an acquirer of this test's own), a card payment is captured, a cut-off pays its seller out
// (pacs.008, settled by the bank), and the day's reconciliation matches the payout's `...:paid` journal on the
// clearing account with the bank's statement line of the credit transfer (its end-to-end id): one MATCHED item of the
// net amount, no break. Before payouts had a mapping, each paid payout left a MISSING_IN_BANK journal and a
// MISSING_IN_LEDGER bank line of the same amount, which no correction rule may clear.

import { randomUUID } from 'node:crypto';
import { ibanOf } from '../../src/bank-host/domain/accounts';
import type { ApiHarness, Json } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { control, openCard } from '../bank-host/support';
import { claimCutoffSecond } from '../support/cutoff-second';

const DAY = new Date().toISOString().slice(0, 10);
const ACQUIRER = String(80_000_000 + Math.floor(Math.random() * 1_000_000));
const SETTLEMENT_IBAN = ibanOf('DE', `79797979${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);
const PAYOUT_IBAN = ibanOf('DE', `89898989${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);

let h: ApiHarness;

async function until(read: () => Promise<Json>, done: (body: Json) => boolean): Promise<Json> {
  for (let i = 0; i < 600; i += 1) {
    const body = await read();
    if (done(body)) return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('never done');
}

beforeAll(async () => {
  await control('POST', '/v1/accounts', {
    kind: 'settlement',
    iban: SETTLEMENT_IBAN,
    acquirerId: ACQUIRER,
    balances: { EUR: 10_000_000 },
  });
  await control('POST', '/v1/accounts', { kind: 'current', iban: PAYOUT_IBAN, balances: { EUR: 0 } });
  h = await startApiHarness({
    GATEWAY_SETTLEMENT_IBAN: SETTLEMENT_IBAN,
    BANK_ACQUIRER_ID: ACQUIRER,
    SETTLEMENT_ORDER_PAYOUT: 'batch',
    SETTLEMENT_CLEARING_MS: '500',
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('reconciliation of settlement payouts', () => {
  it('payout › paid by a cut-off, then the day reconciled › its journal and its bank line are one MATCHED item', async () => {
    const pan = (await openCard(1_000_000)).pan;
    const orderId = `payout-recon-${randomUUID().slice(0, 8)}`;
    const sellerId = h.parties.seller.id;
    const paid = await h.gateway.payments.authorize({
      orderId,
      attempt: 1,
      sellerId,
      amount: { amount: 12_500, currency: 'EUR' },
      captureMode: 'immediate',
      sealedCard: h.vault.seal(JSON.stringify({ number: pan, expMonth: 12, expYear: new Date().getUTCFullYear() + 3 })),
    });
    expect(paid.status).toBe('succeeded');
    await h.gateway.settlement.request({
      paymentId: paid.paymentId,
      orderId,
      orderWorkflowId: `order-${orderId}`,
      sellerId,
      currency: 'EUR',
    });
    const operator = { key: h.key('operator') };
    expect(
      (
        await h.api('PUT', `/v1/settlement/payout-accounts/${sellerId}`, {
          ...operator,
          body: { iban: PAYOUT_IBAN, accountHolder: 'Acme' },
        })
      ).status,
    ).toBe(200);
    // A cut-off is to the second and takes what was asked for until then: let the request's second pass first.
    const cutoffAt = await claimCutoffSecond(Date.now());
    const cutoff = await h.api('POST', '/v1/settlement/cutoffs', { ...operator, body: { cutoffAt } });
    expect(cutoff.status).toBe(202);
    const batch = await until(
      async () => (await h.api('GET', `/v1/settlement/batches/${cutoff.body.batchId}`, operator)).body,
      (body) => body?.batch?.status === 'COMPLETED',
    );
    const payout = batch.batch.payouts[0];
    expect([payout.status, payout.grossMinor, typeof payout.endToEndId]).toEqual(['PAID', 12_500, 'string']);

    const started = await h.api('POST', '/v1/reconciliation/runs', { ...operator, body: { day: DAY } });
    expect([200, 202]).toContain(started.status);
    const run = await until(
      async () => (await h.api('GET', `/v1/reconciliation/runs/${started.body.runId}`, operator)).body,
      (body) => body?.status === 'COMPLETED',
    );
    expect([run.counts.MISSING_IN_BANK, run.counts.MISSING_IN_LEDGER, run.counts.MATCHED]).toEqual([0, 0, 2]);
    const items = await h.api('GET', `/v1/reconciliation/runs/${run.runId}/items?limit=200`, operator);
    const payoutItem = items.body.data.find((item: Json) => item.key === `e2e:${payout.endToEndId}`);
    expect([payoutItem?.class, payoutItem?.bankAmountMinor, payoutItem?.ledgerAmountMinor, payoutItem?.kind]).toEqual([
      'MATCHED',
      -payout.netMinor,
      -payout.netMinor,
      'settlement_payout',
    ]);
  });
});
