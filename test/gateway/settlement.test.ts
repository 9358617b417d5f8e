// Settlement batches through the real bank host, on the real Temporal server and database: an order paid by card
// waits at step 8 for its cut-off's batch and names it in its transfer notice and settlement note; a cut-off run
// twice (in a row, and by two workflows at once) pays out once; payments asked for while two cut-offs claim at once
// each land in exactly one batch; a rejected (RJCT) or returned (pacs.004) payout goes back to the payable and is
// paid by a later cut-off once the seller's account is right; JPY and KWD payouts go out in their own pacs.008. Every
// pacs.008 produced validates against the official XSD; the ledger's named accounts are checked to the minor unit.

import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { OrderWorkflowInput } from '../../src/contracts/order-contract';
import {
  carrierAnswerUpdate,
  paymentNotificationUpdate,
  resolveDisputeUpdate,
  settlementConfirmationUpdate,
  shipmentEventUpdate,
  supplierAnswerUpdate,
} from '../../src/contracts/order-contract';
import { settlementWorkflowId } from '../../src/contracts/settlement-contract';
import type { OrderView } from '../../src/domain/order';
import { ibanOf } from '../../src/bank-host/domain/accounts';
import type { SettlementSummary } from '../../src/gateway/workflows/settlement-workflow';
import { addFeeScheduleVersion, getBatch, savePayoutAccount } from '../../src/gateway/settlement/settlement-admin';
import { ensureSettlementSchedule } from '../../src/gateway/settlement/settlement-schedule';
import { payoutMessageId, settlementAccounts } from '../../src/gateway/settlement/settlement-batches';
import { settlementCollections } from '../../src/gateway/settlement/settlement-store';
import type { LedgerJournalRecord } from '../../src/persistence/database';
import { balances } from '../../src/persistence/ledger-store';
import { bankHostEnv, freshPan } from '../support/bank-control';
import type { GatewayEnv } from '../support/methods-env';
import {
  expectValidDocuments,
  openCurrentAccount,
  sellerWithPayoutAccount,
  startGatewayEnv,
} from '../support/methods-env';
import { acceptance, fullReservation, startOrder, waitForStatus } from '../support/workflow-env';

let rig: GatewayEnv;

beforeAll(async () => {
  rig = await startGatewayEnv();
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  const { controlUrl, adminToken } = bankHostEnv();
  const response = await fetch(`${controlUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`bank control ${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** An account's balances at the bank host, by currency. */
async function balancesAtBank(accountId: string): Promise<Record<string, number>> {
  return (await control<{ balances: Record<string, number> }>('GET', `/v1/accounts/${accountId}`)).balances;
}

/** A card funded in EUR, JPY and KWD, sealed as the API seals it. */
async function fundedCard(): Promise<string> {
  const number = freshPan();
  const expYear = new Date().getUTCFullYear() + 3;
  await control('POST', '/v1/accounts', {
    kind: 'card',
    pan: number,
    expiry: `${String(expYear % 100).padStart(2, '0')}12`,
    cvc: '123',
    balances: { EUR: 100_000_000, JPY: 100_000_000, KWD: 100_000_000 },
  });
  return rig.env.vault.seal(JSON.stringify({ number, expMonth: 12, expYear, cvc: '123' }));
}

/** A seller with a payout account at the bank host (returning `returnReason` when set). */
function sellerWithAccount(returnReason?: string): Promise<{ sellerId: string; accountId: string }> {
  return sellerWithPayoutAccount(rig.env.db, rig.env.vault, returnReason);
}

/** A payment captured at once through the bank host (a real card purchase), and its order's settlement request. */
async function capturedPayment(sellerId: string, amount: number, currency = 'EUR', sealedCard?: string) {
  const orderId = `st-${randomUUID()}`;
  const summary = await rig.runtime.payments.authorize({
    orderId,
    attempt: 1,
    sellerId,
    amount: { amount, currency },
    captureMode: 'immediate',
    sealedCard: sealedCard ?? (await fundedCard()),
  });
  expect(summary.status).toBe('succeeded');
  await rig.runtime.settlement.request({
    paymentId: summary.paymentId,
    orderId,
    orderWorkflowId: `order-${orderId}`,
    sellerId,
    currency,
  });
  return summary.paymentId;
}

/** A unique cut-off time (whole seconds) after every request made so far. */
let cutoffOffset = 0;
function nextCutoff(): string {
  cutoffOffset += 1;
  return new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000 + cutoffOffset * 1000).toISOString();
}

/** Runs a cut-off's settlement workflow to its end. */
function runCutoff(cutoffAt: string, workflowId = settlementWorkflowId(cutoffAt)): Promise<SettlementSummary> {
  return rig.env.client.workflow.execute('settlementWorkflow', {
    taskQueue: rig.gatewayQueue,
    workflowId,
    args: [{ cutoffAt, clearingMs: 1_000, outcomeTimeoutMs: 60_000, pageSize: 3 }],
  });
}

/** The journals the batch posted, and their balances by account and currency. */
async function batchLedger(batchId: string): Promise<{ journals: LedgerJournalRecord[]; ledger: Map<string, number> }> {
  const journals = await rig.env.db.ledger.find({ orderId: batchId }).sort({ _id: 1 }).lean<LedgerJournalRecord[]>();
  return { journals, ledger: balances(journals) };
}

/** The bank's entries of one ISO 20022 message. */
async function bankTransfers(messageId: string): Promise<{ stage: string; amount: number; currency: string }[]> {
  const { transactions } = await control<{ transactions: { stage: string; amount: number; currency: string }[] }>(
    'GET',
    `/v1/transactions?messageId=${encodeURIComponent(messageId)}`,
  );
  return transactions;
}

/** With RECORD_FIXTURES=1, writes the order's history to test/fixtures/histories/v4-<name>.json (replay test). */
async function record(name: string, handle: { fetchHistory(): Promise<unknown> }): Promise<void> {
  if (process.env.RECORD_FIXTURES !== '1') return;
  const file = path.resolve(__dirname, '..', 'fixtures', 'histories', `v4-${name}.json`);
  writeFileSync(file, JSON.stringify(await handle.fetchHistory()));
}

/** An order of `sellerId` through the gateway, paid by card and delivered (so at step 8). */
async function deliveredOrder(sellerId: string, settlementWaitMs: number) {
  const { handle, input } = await startOrder(rig.env, {
    orderId: `so-${randomUUID()}`,
    sellerId,
    carrierIds: ['carrier-a', 'carrier-b'],
    gatewayTaskQueue: rig.gatewayQueue,
    settlementWaitMs,
  } as Partial<OrderWorkflowInput>);
  await handle.executeUpdate(supplierAnswerUpdate, { args: [fullReservation(input)] });
  await handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance('carrier-a', 5_000)] });
  await handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance('carrier-b', 4_000)] });
  await waitForStatus(handle, 'CONFIRMED');
  const sealedCard = await fundedCard();
  const paid = await handle.executeUpdate(paymentNotificationUpdate, {
    args: [{ customerId: input.customerId, payment: { method: 'card', sealedCard, brand: 'visa', last4: '0000' } }],
  });
  expect(paid.payment.status).toBe('AUTHORIZED');
  for (const type of ['picked_up', 'in_transit', 'delivered'] as const) {
    await handle.executeUpdate(shipmentEventUpdate, { args: [{ carrierId: 'carrier-b', type }] });
  }
  return { handle, input };
}

function pacs008Of(documents: readonly { message: string; xml: string }[]) {
  return documents.filter((document) => document.message === 'pacs.008.001.09');
}

describe('settlement batches', () => {
  it('order › paid by card and delivered › waits at step 8 for the cut-off, whose batch it names; bank and ledger agree', async () => {
    const seller = await sellerWithAccount();
    const start = rig.documents.length;
    const { handle, input } = await startOrder(rig.env, {
      orderId: `so-${randomUUID()}`,
      sellerId: seller.sellerId,
      carrierIds: ['carrier-a', 'carrier-b'],
      gatewayTaskQueue: rig.gatewayQueue,
      settlementWaitMs: 600_000,
    } as Partial<OrderWorkflowInput>);
    await handle.executeUpdate(supplierAnswerUpdate, { args: [fullReservation(input)] });
    await handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance('carrier-a', 5_000)] });
    await handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance('carrier-b', 4_000)] });
    await waitForStatus(handle, 'CONFIRMED');
    const sealedCard = await fundedCard();
    const paid = await handle.executeUpdate(paymentNotificationUpdate, {
      args: [{ customerId: input.customerId, payment: { method: 'card', sealedCard, brand: 'visa', last4: '0000' } }],
    });
    expect(paid.payment.status).toBe('AUTHORIZED');
    for (const type of ['picked_up', 'in_transit', 'delivered'] as const) {
      await handle.executeUpdate(shipmentEventUpdate, { args: [{ carrierId: 'carrier-b', type }] });
    }
    const paymentId = `payment-${input.orderId}-1`;
    // Delivered and captured, the order asks for its settlement and waits (no payout by itself).
    for (let i = 0; i < 300 && !(await settlementCollections(rig.env.db).requests.findOne({ _id: paymentId })); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await settlementCollections(rig.env.db).requests.findOne({ _id: paymentId })).toMatchObject({
      orderId: input.orderId,
      orderWorkflowId: `order-${input.orderId}`,
    });
    const waiting = (await handle.query('status')) as OrderView;
    expect([waiting.status, waiting.settlement]).toEqual(['IN_DELIVERY', undefined]);

    const cutoffAt = nextCutoff();
    const summary = await runCutoff(cutoffAt);
    expect([summary.status, summary.ownedBy]).toEqual(['COMPLETED', undefined]);
    await waitForStatus(handle, 'AWAITING_SELLER_CONFIRMATION');
    const view = (await handle.query('status')) as OrderView;
    const gross = 29_950;
    const fee = Math.floor((gross * 150 + 5_000) / 10_000) + 25; // the configuration's fee, no schedule in force
    expect(view.settlement).toMatchObject({
      batchId: summary.batchId,
      lineId: `${summary.batchId}:${paymentId}`,
      gross: { amount: gross, currency: 'EUR' },
      fee: { amount: fee, currency: 'EUR' },
      net: { amount: gross - fee, currency: 'EUR' },
    });
    const notices = await rig.env.db.notices
      .find({ orderId: input.orderId, kind: { $in: ['TRANSFER_NOTICE', 'SETTLEMENT_NOTE'] } })
      .lean<{ kind: string; payload: Record<string, unknown> }[]>();
    expect(notices.map((n) => [n.kind, n.payload.batchId, n.payload.lineId]).sort()).toEqual([
      ['SETTLEMENT_NOTE', summary.batchId, `${summary.batchId}:${paymentId}`],
      ['TRANSFER_NOTICE', summary.batchId, `${summary.batchId}:${paymentId}`],
    ]);
    // The order's own journals hold no payout: the batch's do.
    const orderJournals = await rig.env.db.ledger.find({ orderId: input.orderId }).lean<LedgerJournalRecord[]>();
    expect(orderJournals.map((j) => j.kind)).not.toContain('SETTLEMENT');
    const { journals, ledger } = await batchLedger(summary.batchId);
    const payoutId = `${summary.batchId}:${seller.sellerId}:EUR`;
    expect(journals.filter((j) => j._id.startsWith(payoutId)).map((j) => [j._id, j.kind])).toEqual([
      [`${payoutId}:fee`, 'SETTLEMENT_FEE'],
      [`${payoutId}:paid`, 'PAYOUT_SETTLED'],
      [`${payoutId}:payout`, 'PAYOUT'],
    ]);
    expect(ledger.get(`${settlementAccounts.sellerPayable(seller.sellerId)} EUR`)).toBe(gross);
    expect(ledger.get(`${settlementAccounts.feeRevenue} EUR`)).toBeLessThanOrEqual(-fee);
    expect(ledger.get(`${settlementAccounts.payoutsInTransit} EUR`) ?? 0).toBe(0);
    expect((await balancesAtBank(seller.accountId)).EUR).toBe(gross - fee);
    expect(pacs008Of(rig.documents.slice(start)).length).toBeGreaterThanOrEqual(1);
    await expectValidDocuments(rig.documents.slice(start));

    await handle.executeUpdate(settlementConfirmationUpdate, { args: [{ sellerId: input.sellerId, confirmed: true }] });
    expect(((await handle.result()) as OrderView).status).toBe('CLOSED');
    await record('closed-through-settlement-batch', handle);
  });

  it('order › no batch in time, a returned payout, then paid; disputed and refunded › SETTLEMENT_OVERDUE, PAYOUT_REJECTED, refund charged to the paid-out seller', async () => {
    const seller = await sellerWithAccount('AC04');
    const { handle, input } = await deliveredOrder(seller.sellerId, 1_500);
    // Nothing paid it out within 1.5 s: the order needs an operator (EXTEND only).
    await waitForStatus(handle, 'NEEDS_ATTENTION');
    const overdue = (await handle.query('status')) as OrderView;
    expect(overdue.attention?.reason).toBe('SETTLEMENT_OVERDUE');
    // The seller's account is closed: the batch's payout comes back (pacs.004 AC04); the seller is told.
    const returned = await runCutoff(nextCutoff());
    const paymentId = `payment-${input.orderId}-1`;
    let rejectedNotice: { payload: Record<string, unknown> } | null = null;
    for (let i = 0; i < 300 && !rejectedNotice; i += 1) {
      rejectedNotice = await rig.env.db.notices
        .findOne({ orderId: input.orderId, kind: 'PAYOUT_REJECTED' })
        .lean<{ payload: Record<string, unknown> }>();
      if (!rejectedNotice) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(rejectedNotice?.payload).toMatchObject({
      batchId: returned.batchId,
      lineId: `${returned.batchId}:${paymentId}`,
      reason: 'AC04',
    });
    await waitForStatus(handle, 'NEEDS_ATTENTION');
    // The seller's account is fixed: the next cut-off pays (round 2) and the order goes on by itself.
    const fixed = await openCurrentAccount(0);
    await savePayoutAccount(rig.env.db, rig.env.vault, {
      sellerId: seller.sellerId,
      iban: fixed.iban,
      accountHolder: 'Fixed',
      operatorId: 'operator-test',
      now: new Date(),
    });
    const paidBatch = await runCutoff(nextCutoff());
    await waitForStatus(handle, 'AWAITING_SELLER_CONFIRMATION');
    const view = (await handle.query('status')) as OrderView;
    expect([view.settlement?.batchId, view.attention]).toEqual([paidBatch.batchId, undefined]);
    expect((await balancesAtBank(fixed.id)).EUR).toBe(view.settlement?.net.amount);
    // Disputed and refunded after the payout: the refund is charged to the seller's bank account, not the payable.
    await handle.executeUpdate(settlementConfirmationUpdate, {
      args: [{ sellerId: input.sellerId, confirmed: false, reason: 'wrong amount' }],
    });
    await handle.executeUpdate(resolveDisputeUpdate, { args: [{ operatorId: 'operator-test', resolution: 'REFUND' }] });
    const ended = (await handle.result()) as OrderView;
    expect([ended.status, ended.cancellationReason]).toEqual(['CANCELLED', 'DISPUTE_REFUNDED']);
    const refund = await rig.env.db.ledger.findById(`${paymentId}:refund:1`).lean<LedgerJournalRecord>();
    expect(refund?.legs.map((leg) => [leg.account, leg.direction, leg.amount])).toEqual([
      [`seller:${seller.sellerId}:bank`, 'DEBIT', 29_950],
      ['gateway:clearing', 'CREDIT', 29_950],
    ]);
    await record('settlement-overdue-returned-then-refunded', handle);
  });

  it('cut-off › run twice in a row, and by two workflows at once › pays every payment out once', async () => {
    const seller = await sellerWithAccount();
    const card = await fundedCard();
    const payments = [];
    for (const amount of [10_000, 20_000, 30_001, 444, 5_555])
      payments.push(await capturedPayment(seller.sellerId, amount, 'EUR', card));
    const start = rig.documents.length;
    const cutoffAt = nextCutoff();
    // Two workflows of one cut-off at once (the Schedule's run and a differently named copy): one owns the batch.
    const [first, copy] = await Promise.all([runCutoff(cutoffAt), runCutoff(cutoffAt, `copy-${randomUUID()}`)]);
    // The same cut-off again, after it completed (a repeated trigger).
    const again = await runCutoff(cutoffAt);
    expect(first.batchId).toBe(copy.batchId);
    // Whichever opened the batch first owns it and completes it; the other only read it.
    const owners = [first, copy].filter((run) => run.ownedBy === undefined);
    expect(owners.map((run) => run.status)).toEqual(['COMPLETED']);
    expect([again.status, again.batchId]).toEqual(['COMPLETED', first.batchId]);

    const gross = 10_000 + 20_000 + 30_001 + 444 + 5_555;
    const fees = [10_000, 20_000, 30_001, 444, 5_555].map((g) => Math.floor((g * 150 + 5_000) / 10_000) + 25);
    const net = gross - fees.reduce((a, b) => a + b, 0);
    expect((await balancesAtBank(seller.accountId)).EUR).toBe(net);
    const messageId = payoutMessageId(first.batchId, 'EUR');
    const settled = (await bankTransfers(messageId)).filter((t) => t.stage === 'settled' && t.amount === net);
    expect(settled).toHaveLength(1);
    const batch = await getBatch(rig.env.db, first.batchId, { limit: 100 });
    const mine = batch!.lines.filter((line) => line.sellerId === seller.sellerId);
    expect(mine.map((line) => line.paymentId).sort()).toEqual([...payments].sort());
    expect(mine.every((line) => line.status === 'PAID' && line.round === 1)).toBe(true);
    const claims = await settlementCollections(rig.env.db)
      .claims.find({ paymentId: { $in: payments } })
      .toArray();
    expect(claims.map((claim) => claim._id).sort()).toEqual(payments.map((id) => `${id}#1`).sort());
    const { ledger } = await batchLedger(first.batchId);
    expect(ledger.get(`${settlementAccounts.sellerPayable(seller.sellerId)} EUR`)).toBe(gross);
    // A later cut-off finds nothing of this seller left to pay.
    const later = await runCutoff(nextCutoff());
    const laterBatch = await getBatch(rig.env.db, later.batchId, { limit: 100 });
    expect(laterBatch!.lines.filter((line) => line.sellerId === seller.sellerId)).toEqual([]);
    expect((await balancesAtBank(seller.accountId)).EUR).toBe(net);
    expect(pacs008Of(rig.documents.slice(start)).length).toBeGreaterThanOrEqual(1);
    await expectValidDocuments(rig.documents.slice(start));
  });

  it('cut-offs › payments asked for while two cut-offs claim at once › each lands in exactly one batch', async () => {
    const seller = await sellerWithAccount();
    const card = await fundedCard();
    const early = [];
    for (let i = 0; i < 6; i += 1) early.push(await capturedPayment(seller.sellerId, 1_000 + i, 'EUR', card));
    const [cutoffA, cutoffB] = [nextCutoff(), nextCutoff()];
    const running = Promise.all([runCutoff(cutoffA), runCutoff(cutoffB)]);
    const during = [];
    for (let i = 0; i < 6; i += 1) during.push(await capturedPayment(seller.sellerId, 2_000 + i, 'EUR', card));
    const [a, b] = await running;
    const sweep = await runCutoff(nextCutoff());
    const all = [...early, ...during];
    const lines = [];
    for (const batchId of [a.batchId, b.batchId, sweep.batchId]) {
      const batch = await getBatch(rig.env.db, batchId, { limit: 1_000 });
      lines.push(...batch!.lines.filter((line) => line.sellerId === seller.sellerId));
    }
    // Every payment in exactly one batch, paid.
    expect(lines.map((line) => line.paymentId).sort()).toEqual([...all].sort());
    expect(lines.every((line) => line.status === 'PAID')).toBe(true);
    const net = lines.reduce((sum, line) => sum + line.netMinor, 0);
    expect((await balancesAtBank(seller.accountId)).EUR).toBe(net);
  });

  it('payout › rejected (unknown account) and returned (closed account) › lines go back to the payable, a later cut-off pays them', async () => {
    const card = await fundedCard();
    // A valid IBAN the bank holds no account for: RJCT AC01 at intake.
    const unknown = { sellerId: `seller-${randomUUID().slice(0, 8)}` };
    const unknownIban = ibanOf('DE', `77777777${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);
    await savePayoutAccount(rig.env.db, rig.env.vault, {
      sellerId: unknown.sellerId,
      iban: unknownIban,
      accountHolder: 'Nobody',
      operatorId: 'operator-test',
      now: new Date(),
    });
    // An account the bank closed: accepted, then returned (pacs.004 AC04).
    const closed = await sellerWithAccount('AC04');
    const rejectedPayment = await capturedPayment(unknown.sellerId, 12_345, 'EUR', card);
    const returnedPayment = await capturedPayment(closed.sellerId, 23_456, 'EUR', card);
    const start = rig.documents.length;
    const summary = await runCutoff(nextCutoff());
    expect(summary.status).toBe('COMPLETED');
    const batch = (await getBatch(rig.env.db, summary.batchId, { limit: 1_000 }))!;
    const payout = (sellerId: string) => batch.batch.payouts.find((p) => p.sellerId === sellerId);
    expect([payout(unknown.sellerId)?.status, payout(unknown.sellerId)?.reason]).toEqual(['REJECTED', 'AC01']);
    expect([payout(closed.sellerId)?.status, payout(closed.sellerId)?.reason]).toEqual(['RETURNED', 'AC04']);
    const line = (paymentId: string) => batch.lines.find((l) => l.paymentId === paymentId);
    expect([line(rejectedPayment)?.status, line(rejectedPayment)?.reason]).toEqual(['REJECTED', 'AC01']);
    expect([line(returnedPayment)?.status, line(returnedPayment)?.reason]).toEqual(['REJECTED', 'AC04']);
    // Back to the payable: the batch's journals leave the sellers' payables, the fees and the transit account at 0.
    const { ledger } = await batchLedger(summary.batchId);
    for (const sellerId of [unknown.sellerId, closed.sellerId]) {
      expect(ledger.get(`${settlementAccounts.sellerPayable(sellerId)} EUR`) ?? 0).toBe(0);
    }
    expect((await balancesAtBank(closed.accountId)).EUR ?? 0).toBe(0);
    const releases = await settlementCollections(rig.env.db)
      .releases.find({ paymentId: { $in: [rejectedPayment, returnedPayment] } })
      .toArray();
    expect(releases.map((r) => [r._id, r.reason]).sort()).toEqual(
      [
        [`${rejectedPayment}#1`, 'AC01'],
        [`${returnedPayment}#1`, 'AC04'],
      ].sort(),
    );
    await expectValidDocuments(rig.documents.slice(start));

    // The seller fixes the account: the next cut-off pays the payment (round 2), once.
    const fixed = await openCurrentAccount(0);
    await savePayoutAccount(rig.env.db, rig.env.vault, {
      sellerId: unknown.sellerId,
      iban: fixed.iban,
      accountHolder: 'Somebody',
      operatorId: 'operator-test',
      now: new Date(),
    });
    const next = await runCutoff(nextCutoff());
    const nextBatch = (await getBatch(rig.env.db, next.batchId, { limit: 1_000 }))!;
    const repaid = nextBatch.lines.find((l) => l.paymentId === rejectedPayment);
    expect([repaid?.status, repaid?.round]).toEqual(['PAID', 2]);
    expect((await balancesAtBank(fixed.id)).EUR).toBe(repaid!.netMinor);
  });

  it('payouts › JPY and KWD under a versioned fee schedule › one pacs.008 per currency, fees as the schedule in force', async () => {
    const seller = await sellerWithAccount();
    const card = await fundedCard();
    const cutoffAt = nextCutoff();
    const before = new Date(Date.parse(cutoffAt) - 3_600_000 * 48).toISOString();
    const after = new Date(Date.parse(cutoffAt) + 60_000).toISOString();
    for (const currency of ['JPY', 'KWD']) {
      // In force at the cut-off: v1. v2 takes effect after it and must not apply.
      await addFeeScheduleVersion(rig.env.db, {
        sellerId: seller.sellerId,
        currency,
        effectiveFrom: before,
        default: { bps: 250, fixedMinor: currency === 'JPY' ? 30 : 100 },
        methods: {},
        operatorId: 'operator-test',
        now: new Date(),
      });
      await addFeeScheduleVersion(rig.env.db, {
        sellerId: seller.sellerId,
        currency,
        effectiveFrom: after,
        default: { bps: 9_000, fixedMinor: 0 },
        methods: {},
        operatorId: 'operator-test',
        now: new Date(),
      });
    }
    const yen = await capturedPayment(seller.sellerId, 12_345, 'JPY', card);
    const dinar = await capturedPayment(seller.sellerId, 1_234_567, 'KWD', card);
    const start = rig.documents.length;
    const summary = await runCutoff(cutoffAt);
    const batch = (await getBatch(rig.env.db, summary.batchId, { limit: 1_000 }))!;
    const line = (paymentId: string) => batch.lines.find((l) => l.paymentId === paymentId)!;
    // 12 345 JPY × 2.5 % = 308.625 → 309, + 30 = 339; 1 234.567 KWD × 2.5 % = 30.864175 → 30.864 (30 864), + 100.
    expect([line(yen).feeMinor, line(yen).netMinor, line(yen).fee.source]).toEqual([
      339,
      12_006,
      `schedule:${seller.sellerId}:JPY:v1`,
    ]);
    expect([line(dinar).feeMinor, line(dinar).netMinor]).toEqual([30_964, 1_203_603]);
    const balancesNow = await balancesAtBank(seller.accountId);
    expect([balancesNow.JPY, balancesNow.KWD]).toEqual([12_006, 1_203_603]);
    const sent = pacs008Of(rig.documents.slice(start)).map((d) => d.xml);
    expect(sent.some((xml) => xml.includes('Ccy="JPY"'))).toBe(true);
    expect(sent.some((xml) => xml.includes('Ccy="KWD"'))).toBe(true);
    await expectValidDocuments(rig.documents.slice(start));
  });

  it('schedule › created, updated to a cron, turned off and on, triggered › one Schedule; its run settles the cut-off its id names', async () => {
    const scheduleId = `settlement-cutoffs-test-${randomUUID().slice(0, 8)}`;
    const settings = {
      scheduleId,
      scheduleEnabled: true,
      cron: '',
      intervalMs: 3_600_000,
      pageSize: 10,
      clearingMs: 1_000,
      outcomeTimeoutMs: 60_000,
      taskQueue: rig.gatewayQueue,
    };
    const client = rig.env.client;
    try {
      expect(await ensureSettlementSchedule(client, settings)).toBe('created');
      const handle = client.schedule.getHandle(scheduleId);
      const created = await handle.describe();
      expect([created.spec.intervals?.[0]?.every, created.state.paused, created.action.type]).toEqual([
        3_600_000,
        false,
        'startWorkflow',
      ]);
      // After downtime only the last missed cut-off runs: the server keeps a catch-up window of one period.
      expect(created.policies.catchupWindow).toBe(3_600_000);
      // Started again (a worker restart) with a cron and the off switch: the same Schedule, updated and paused.
      expect(await ensureSettlementSchedule(client, { ...settings, cron: '0 18 * * *', scheduleEnabled: false })).toBe(
        'updated',
      );
      // The Schedule applies an update asynchronously: read it until it shows one (bounded).
      const describeWhen = async (ready: (d: Awaited<ReturnType<typeof handle.describe>>) => boolean) => {
        let description = await handle.describe();
        for (let i = 0; i < 100 && !ready(description); i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          description = await handle.describe();
        }
        return description;
      };
      const paused = await describeWhen((d) => d.state.paused);
      expect([paused.state.paused, paused.spec.intervals ?? [], paused.policies.catchupWindow]).toEqual([
        true,
        [],
        86_400_000,
      ]);
      expect(await ensureSettlementSchedule(client, settings)).toBe('updated');
      expect((await describeWhen((d) => !d.state.paused)).state.paused).toBe(false);
      // A run of the Schedule: its id carries its cut-off, which the workflow settles.
      await handle.trigger();
      let workflowId: string | undefined;
      for (let i = 0; i < 200 && workflowId === undefined; i += 1) {
        const action = (await handle.describe()).info.recentActions[0];
        workflowId = action?.action.workflow.workflowId;
        if (workflowId === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(workflowId).toMatch(/^settlement-cutoff-\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const summary = (await client.workflow.getHandle(workflowId!).result()) as SettlementSummary;
      const cutoff = workflowId!.slice('settlement-cutoff-'.length);
      expect([summary.cutoffAt, summary.status]).toEqual([new Date(cutoff).toISOString(), 'COMPLETED']);
    } finally {
      await client.schedule
        .getHandle(scheduleId)
        .delete()
        .catch(() => undefined);
    }
  });

  it('lines › a card payment, a cleared e-check and a micropayment under per-method rules › each priced by its own rule', async () => {
    const seller = await sellerWithAccount();
    await addFeeScheduleVersion(rig.env.db, {
      sellerId: seller.sellerId,
      currency: 'EUR',
      effectiveFrom: '2020-01-01T00:00:00Z',
      default: { bps: 100, fixedMinor: 10 },
      methods: { echeck: { bps: 0, fixedMinor: 50 }, micropayment: { bps: 300, fixedMinor: 0 } },
      operatorId: 'operator-test',
      now: new Date(),
    });
    const card = await fundedCard();
    const cardPayment = await capturedPayment(seller.sellerId, 10_000, 'EUR', card);
    // An e-check, cleared by the bank (pacs.003, then ACSC after the clearing period).
    const customer = await openCurrentAccount(100_000);
    const echeckOrder = `st-${randomUUID()}`;
    const submitted = await rig.runtime.echecks.submit({
      orderId: echeckOrder,
      attempt: 1,
      sellerId: seller.sellerId,
      amount: { amount: 5_000, currency: 'EUR' },
      sealedInstrument: rig.env.vault.seal(
        JSON.stringify({ method: 'echeck', iban: customer.iban, accountHolder: 'Globex Corporation' }),
      ),
    });
    let echeck = submitted.summary;
    for (let i = 0; i < 100 && echeck.status === 'processing'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      echeck = await rig.runtime.echecks.settle(echeck.paymentId).catch(() => echeck);
    }
    expect(echeck.status).toBe('succeeded');
    // A micropayment, charged as one aggregate card purchase.
    const microOrder = `st-${randomUUID()}`;
    const command = {
      command: 'authorize' as const,
      orderId: microOrder,
      attempt: 1,
      sellerId: seller.sellerId,
      customerId: `customer-${randomUUID().slice(0, 8)}`,
      amount: { amount: 400, currency: 'EUR' },
      captureMode: 'at_delivery' as const,
      sealedCard: card,
      timeoutMs: 10_000,
    };
    const aggregatorId = (await rig.runtime.micropayments.aggregatorOf(command))!;
    const member = await rig.runtime.micropayments.record(command, aggregatorId);
    await rig.runtime.micropayments.charge(
      rig.runtime.payments,
      { aggregatorId, batchNo: 1, sellerId: seller.sellerId, currency: 'EUR', sealedCard: card },
      [{ paymentId: member.paymentId, amountMinor: 400 }],
    );
    for (const [paymentId, orderId] of [
      [echeck.paymentId, echeckOrder],
      [member.paymentId, microOrder],
    ] as const) {
      await rig.runtime.settlement.request({
        paymentId,
        orderId,
        orderWorkflowId: `order-${orderId}`,
        sellerId: seller.sellerId,
        currency: 'EUR',
      });
    }
    const summary = await runCutoff(nextCutoff());
    const batch = (await getBatch(rig.env.db, summary.batchId, { limit: 1_000 }))!;
    const mine = batch.lines
      .filter((line) => line.sellerId === seller.sellerId)
      .map((line) => [line.paymentId, line.method, line.grossMinor, line.feeMinor, line.status]);
    expect(mine.sort()).toEqual(
      [
        [cardPayment, 'card', 10_000, 110, 'PAID'],
        [echeck.paymentId, 'echeck', 5_000, 50, 'PAID'],
        [member.paymentId, 'micropayment', 400, 12, 'PAID'],
      ].sort(),
    );
    expect((await balancesAtBank(seller.accountId)).EUR).toBe(10_000 - 110 + 5_000 - 50 + 400 - 12);
  });

  it('cut-off › a page size of 1, two pages a run › claims and signals are one call each, one run, every payment once', async () => {
    const seller = await sellerWithAccount();
    const card = await fundedCard();
    const amounts = [1_100, 2_200, 3_300, 4_400, 5_500];
    const payments = [];
    for (const amount of amounts) payments.push(await capturedPayment(seller.sellerId, amount, 'EUR', card));
    const cutoffAt = nextCutoff();
    const workflowId = settlementWorkflowId(cutoffAt);

    // Pages of one and two pages a run made this continue as new several times when claims and signals went a page
    // per call (each page a sort of every open request on FerretDB); now each is one pass, and the history is short.
    const summary: SettlementSummary = await rig.env.client.workflow.execute('settlementWorkflow', {
      taskQueue: rig.gatewayQueue,
      workflowId,
      args: [{ cutoffAt, clearingMs: 1_000, outcomeTimeoutMs: 60_000, pageSize: 1, pagesPerRun: 2 }],
    });
    const history = await rig.env.client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    const scheduled = events
      .map((event) => event.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter((name): name is string => Boolean(name));

    expect(summary.status).toBe('COMPLETED');
    expect(started?.continuedExecutionRunId).toBeFalsy();
    expect(scheduled.filter((name) => name === 'claimSettlementPage')).toHaveLength(1);
    expect(scheduled.filter((name) => name === 'signalSettlementOrders')).toHaveLength(1);
    // The long steps heartbeat and may take two hours a try.
    const claim = events.find(
      (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'claimSettlementPage',
    )?.activityTaskScheduledEventAttributes;
    expect(Number(claim?.heartbeatTimeout?.seconds)).toBe(120);
    expect(Number(claim?.startToCloseTimeout?.seconds)).toBe(7_200);
    const batch = await getBatch(rig.env.db, summary.batchId, { limit: 1_000 });
    const mine = batch!.lines.filter((line) => line.sellerId === seller.sellerId);
    expect(mine.map((line) => line.paymentId).sort()).toEqual([...payments].sort());
    expect(mine.every((line) => line.status === 'PAID')).toBe(true);
    const fees = amounts.map((g) => Math.floor((g * 150 + 5_000) / 10_000) + 25);
    const net = amounts.reduce((a, b) => a + b, 0) - fees.reduce((a, b) => a + b, 0);
    expect((await balancesAtBank(seller.accountId)).EUR).toBe(net);
  });
});
