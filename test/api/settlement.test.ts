// The settlement API over HTTP: operators only (every other role gets 403); a cut-off triggered with an
// Idempotency-Key starts its workflow once (a replay answers the same, the same cut-off again answers
// `started: false`), a cut-off in the future is 422; batches are listed and read with their lines; a payout account
// answers its IBAN's last 4 only (a bad IBAN is 422 `invalid_iban`); fee schedule versions are added and listed.

import { ibanOf } from '../../src/bank-host/domain/accounts';
import type { ApiHarness } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { claimCutoffSecond } from '../support/cutoff-second';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ SETTLEMENT_ORDER_PAYOUT: 'batch', SETTLEMENT_CLEARING_MS: '500' });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const operator = () => h.parties.operator.apiKey;

describe('settlement API', () => {
  it('settlement routes › a seller, customer or carrier › 403, nothing started', async () => {
    for (const party of [h.parties.seller, h.parties.customer, h.parties.carrierA]) {
      const trigger = await h.api('POST', '/v1/settlement/cutoffs', { key: party.apiKey, body: {} });
      const list = await h.api('GET', '/v1/settlement/batches', { key: party.apiKey });
      const account = await h.api('PUT', `/v1/settlement/payout-accounts/${h.parties.seller.id}`, {
        key: party.apiKey,
        body: { iban: ibanOf('DE', '500105170000000010'), accountHolder: 'x' },
      });
      expect([trigger.status, list.status, account.status]).toEqual([403, 403, 403]);
    }
  });

  it('cut-off › triggered, replayed, triggered again › one workflow; the batch completes and is listed', async () => {
    const cutoffAt = await claimCutoffSecond();
    const headers = { 'Idempotency-Key': `cutoff-${cutoffAt}` };
    const first = await h.api('POST', '/v1/settlement/cutoffs', { key: operator(), body: { cutoffAt }, headers });
    const replay = await h.api('POST', '/v1/settlement/cutoffs', { key: operator(), body: { cutoffAt }, headers });
    const again = await h.api('POST', '/v1/settlement/cutoffs', { key: operator(), body: { cutoffAt } });
    expect([first.status, first.body.started, replay.status, replay.body]).toEqual([202, true, 202, first.body]);
    expect([again.status, again.body.started, again.body.batchId]).toEqual([202, false, first.body.batchId]);
    expect(first.body.workflowId).toBe(`settlement-cutoff-${cutoffAt.replace('.000Z', 'Z')}`);
    let batch = await h.api('GET', `/v1/settlement/batches/${first.body.batchId}`, { key: operator() });
    for (let i = 0; i < 300 && batch.body?.batch?.status !== 'COMPLETED'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      batch = await h.api('GET', `/v1/settlement/batches/${first.body.batchId}`, { key: operator() });
    }
    expect([batch.status, batch.body.batch.status, batch.body.lines]).toEqual([200, 'COMPLETED', []]);
    const list = await h.api('GET', '/v1/settlement/batches?limit=1', { key: operator() });
    expect([list.status, list.body.data.map((b: { batchId: string }) => b.batchId)]).toEqual([
      200,
      [first.body.batchId],
    ]);
  });

  it('cut-off › in the future, or an unknown batch › 422 cutoff_in_future, 404 batch_not_found', async () => {
    const future = await h.api('POST', '/v1/settlement/cutoffs', {
      key: operator(),
      body: { cutoffAt: new Date(Date.now() + 3_600_000).toISOString() },
    });
    const missing = await h.api('GET', '/v1/settlement/batches/batch-20000101T000000Z', { key: operator() });
    expect([future.status, future.body.error.code, missing.status, missing.body.error.code]).toEqual([
      422,
      'cutoff_in_future',
      404,
      'batch_not_found',
    ]);
  });

  it('payout account › a valid and an invalid IBAN › last 4 only; 422 invalid_iban', async () => {
    const iban = ibanOf('DE', '500105170000000010');
    const saved = await h.api('PUT', `/v1/settlement/payout-accounts/${h.parties.seller.id}`, {
      key: operator(),
      body: { iban, accountHolder: 'Acme' },
    });
    expect([saved.status, saved.body.ibanLast4, JSON.stringify(saved.body).includes(iban)]).toEqual([
      200,
      iban.slice(-4),
      false,
    ]);
    const bad = await h.api('PUT', `/v1/settlement/payout-accounts/${h.parties.seller.id}`, {
      key: operator(),
      body: { iban: 'DE00500105170000000010', accountHolder: 'Acme' },
    });
    expect([bad.status, bad.body.error.code, bad.body.error.param]).toEqual([422, 'invalid_iban', 'iban']);
  });

  it('fee schedule › two versions added › listed newest first with their rules', async () => {
    const body = {
      sellerId: h.parties.seller.id,
      currency: 'JPY',
      effectiveFrom: '2026-01-01T00:00:00Z',
      default: { bps: 250, fixedMinor: 30 },
      methods: { echeck: { bps: 50, fixedMinor: 0 } },
    };
    const v1 = await h.api('POST', '/v1/settlement/fee-schedules', { key: operator(), body });
    const v2 = await h.api('POST', '/v1/settlement/fee-schedules', {
      key: operator(),
      body: { ...body, effectiveFrom: '2026-06-01T00:00:00Z' },
    });
    expect([v1.status, v1.body.version, v2.status, v2.body.version]).toEqual([201, 1, 201, 2]);
    const list = await h.api('GET', `/v1/settlement/fee-schedules?sellerId=${h.parties.seller.id}`, {
      key: operator(),
    });
    expect(list.body.data.map((v: { version: number; methods: object }) => [v.version, v.methods])).toEqual([
      [2, { echeck: { bps: 50, fixedMinor: 0 } }],
      [1, { echeck: { bps: 50, fixedMinor: 0 } }],
    ]);
  });
});
