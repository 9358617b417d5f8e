// Deadlines everywhere (issue 5, D), on the real Temporal dev server and database: a bank that stops answering puts
// the order in NEEDS_ATTENTION (nothing guessed), operators RETRY, CANCEL or EXTEND; the seller is paid out only after
// delivery; overdue deliveries and disputes escalate; no seller answer counts as confirmed; every remaining
// cancellation reason with its compensations, notices and ledger accounts by name.

import type { WorkflowHandle } from '@temporalio/client';
import {
  cancelOrderUpdate,
  carrierAnswerUpdate,
  paymentNotificationUpdate,
  resolveAttentionUpdate,
  resolveDisputeUpdate,
  settlementConfirmationUpdate,
  shipmentEventUpdate,
  supplierAnswerUpdate,
} from '../../src/contracts/order-contract';
import type { OrderWorkflowInput } from '../../src/contracts/order-contract';
import type { OrderDeadlines, OrderView } from '../../src/domain/order';
import { balances, journalsForOrder } from '../../src/persistence/ledger-store';
import { OutageBank } from '../support/outage-bank';
import type { WorkflowEnv } from '../support/workflow-env';
import {
  LONG_DEADLINES,
  acceptance,
  fullReservation,
  sealedCard,
  startOrder,
  startWorkflowEnv,
  waitForStatus,
} from '../support/workflow-env';

let env: WorkflowEnv;
let bank: OutageBank;

beforeAll(async () => {
  env = await startWorkflowEnv({
    bank: (db) => {
      bank = new OutageBank(db);
      return bank;
    },
  });
});

afterAll(async () => {
  await env?.close();
});

/** A short bank-call deadline, so a bank outage runs a money activity out quickly. */
const BANK_CALL_TIMEOUT_MS = 2_500;

async function start(deadlines: Partial<OrderDeadlines> = {}) {
  return startOrder(env, { deadlines: { ...LONG_DEADLINES, ...deadlines }, bankCallTimeoutMs: BANK_CALL_TIMEOUT_MS });
}

async function confirm(handle: WorkflowHandle, input: OrderWorkflowInput): Promise<void> {
  await handle.executeUpdate(supplierAnswerUpdate, { args: [fullReservation(input)] });
  await handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance(input.carrierIds[0] ?? '', 9_000)] });
  await handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance(input.carrierIds[1] ?? '', 7_500)] });
  await waitForStatus(handle, 'CONFIRMED');
}

async function pay(handle: WorkflowHandle, input: OrderWorkflowInput) {
  return handle.executeUpdate(paymentNotificationUpdate, {
    args: [sealedCard(env.vault, input.customerId, '4242424242424242')],
  });
}

async function deliver(handle: WorkflowHandle, input: OrderWorkflowInput): Promise<void> {
  for (const type of ['picked_up', 'in_transit', 'delivered'] as const) {
    await handle.executeUpdate(shipmentEventUpdate, { args: [{ carrierId: input.carrierIds[1] ?? '', type }] });
  }
}

async function view(handle: WorkflowHandle): Promise<OrderView> {
  return (await handle.query('status')) as OrderView;
}

/** Every notice the order sent, as `KIND recipient`, sorted. */
async function noticesSent(orderId: string): Promise<string[]> {
  const notices = await env.db.notices.find({ orderId }).lean();
  return notices.map((n) => `${n.kind} ${n.recipientId}`).sort();
}

/** The order's ledger balances by account (debits positive), zero balances left out. */
async function ledger(orderId: string): Promise<Record<string, number>> {
  const entries = [...balances(await journalsForOrder(env.db, orderId)).entries()].filter(([, v]) => v !== 0);
  return Object.fromEntries(entries);
}

function cancellationNotices(input: OrderWorkflowInput, carrierId: string | undefined): string[] {
  return [
    `ORDER_CANCELLED ${input.customerId}`,
    `ORDER_CANCELLED ${input.sellerId}`,
    `RESERVATION_RELEASE ${input.supplierId}`,
    ...(carrierId ? [`TRANSPORT_CANCELLATION ${carrierId}`] : []),
  ];
}

describe('order deadlines', () => {
  it('payment › the bank unreachable past its deadline › UNKNOWN and NEEDS_ATTENTION; RETRY after the outage captures', async () => {
    const { handle, input } = await start();
    await confirm(handle, input);
    bank.breakDown(input.orderId, ['authorize']);
    const unknown = await pay(handle, input);
    const attention = await view(handle);
    bank.heal(input.orderId);
    const retried = await handle.executeUpdate(resolveAttentionUpdate, {
      args: [{ operatorId: 'op-1', action: 'RETRY', note: 'bank is back' }],
    });
    const after = await view(handle);
    await handle.terminate('test done');

    expect(unknown.payment.status).toBe('UNKNOWN');
    expect(attention.status).toBe('NEEDS_ATTENTION');
    expect(attention.attention).toEqual({
      reason: 'PAYMENT_UNKNOWN',
      since: expect.any(String),
      detail: expect.any(String),
    });
    expect(await noticesSent(input.orderId)).toContain(`ATTENTION_NEEDED ${input.sellerId}`);
    expect(retried.version).toBeGreaterThan(unknown.version);
    expect(after.status).toBe('CONFIRMED');
    expect(after.attention).toBeUndefined();
    expect(after.payments.map((p) => [p.attempt, p.status])).toEqual([[1, 'CAPTURED']]);
    expect(after.attentionResolutions?.map((r) => [r.reason, r.action, r.operatorId])).toEqual([
      ['PAYMENT_UNKNOWN', 'RETRY', 'op-1'],
    ]);
    expect(await ledger(input.orderId)).toEqual({
      'gateway:clearing EUR': 29_950,
      [`seller:${input.sellerId}:payable EUR`]: -29_950,
    });
  });

  it('payment › authorized, capture unknown › operator CANCEL voids the authorization (the void path)', async () => {
    const { handle, input } = await start();
    await confirm(handle, input);
    bank.breakDown(input.orderId, ['capture']);
    const unknown = await pay(handle, input);
    await waitForStatus(handle, 'NEEDS_ATTENTION');
    const cancelled = handle.executeUpdate(resolveAttentionUpdate, {
      args: [{ operatorId: 'op-1', action: 'CANCEL', note: 'customer gave up' }],
    });
    const result = (await handle.result()) as OrderView;
    await cancelled;
    bank.heal(input.orderId);

    expect(unknown.payment.status).toBe('UNKNOWN');
    expect(result.cancellationReason).toBe('CANCELLED_BY_OPERATOR');
    expect(result.compensations.map((c) => c.type)).toEqual([
      'PAYMENT_VOIDED',
      'TRANSPORT_CANCELLED',
      'RESERVATION_RELEASED',
    ]);
    const operations = await env.db.bankOperations.find({ reference: new RegExp(`^${input.orderId}:`) }).lean();
    expect(operations.map((o) => [o.operation, o.approved]).sort()).toEqual([
      ['AUTHORIZE', true],
      ['VOID', true],
    ]);
    expect(await ledger(input.orderId)).toEqual({});
    expect(await noticesSent(input.orderId)).toEqual(
      expect.arrayContaining(cancellationNotices(input, input.carrierIds[1])),
    );
  });

  it('refund › the bank unreachable during a cancellation › REFUND_UNKNOWN, RETRY refunds from clearing (no payout yet)', async () => {
    const { handle, input } = await start();
    await confirm(handle, input);
    await pay(handle, input);
    bank.breakDown(input.orderId, ['refund']);
    const cancel = handle.executeUpdate(cancelOrderUpdate, {
      args: [{ actor: { partyId: input.customerId, role: 'customer' }, reason: 'changed plans' }],
    });
    await waitForStatus(handle, 'NEEDS_ATTENTION');
    const attention = await view(handle);
    const wrong = await handle
      .executeUpdate(resolveAttentionUpdate, { args: [{ operatorId: 'op-1', action: 'CANCEL' }] })
      .then(
        () => undefined,
        (e: { cause?: { details?: { code?: string }[] } }) => e.cause?.details?.[0]?.code,
      );
    bank.heal(input.orderId);
    await handle.executeUpdate(resolveAttentionUpdate, { args: [{ operatorId: 'op-1', action: 'RETRY' }] });
    await cancel;
    const result = (await handle.result()) as OrderView;

    expect(attention.attention?.reason).toBe('REFUND_UNKNOWN');
    expect(wrong).toBe('action_not_applicable');
    expect(result.status).toBe('CANCELLED');
    expect(result.cancellationReason).toBe('CANCELLED_BY_CUSTOMER');
    expect(result.compensations.map((c) => c.type)).toEqual([
      'PAYMENT_REFUNDED',
      'TRANSPORT_CANCELLED',
      'RESERVATION_RELEASED',
    ]);
    // Refund before payout: the payable in clearing is reversed; the seller's bank account is never touched.
    expect(await ledger(input.orderId)).toEqual({});
    const journals = await journalsForOrder(env.db, input.orderId);
    expect(journals.map((j) => j.kind)).toEqual(['CAPTURE', 'REFUND']);
    expect(journals[1]?.legs.map((l) => [l.account, l.direction, l.amount])).toEqual([
      [`seller:${input.sellerId}:payable`, 'DEBIT', 29_950],
      ['gateway:clearing', 'CREDIT', 29_950],
    ]);
  });

  it('delivery › overdue once paid › NEEDS_ATTENTION with notices to seller and customer, no payout; EXTEND then delivered pays out', async () => {
    const { handle, input } = await start({ deliveryMs: 2_000 });
    await confirm(handle, input);
    await pay(handle, input);
    await waitForStatus(handle, 'NEEDS_ATTENTION');
    const overdue = await view(handle);
    const beforeDelivery = (await journalsForOrder(env.db, input.orderId)).map((j) => j.kind);
    await handle.executeUpdate(resolveAttentionUpdate, {
      args: [{ operatorId: 'op-1', action: 'EXTEND', extendMs: 600_000, note: 'truck broke down' }],
    });
    const extended = await view(handle);
    await deliver(handle, input);
    await waitForStatus(handle, 'AWAITING_SELLER_CONFIRMATION');
    const afterDelivery = (await journalsForOrder(env.db, input.orderId)).map((j) => j.kind);
    await handle.terminate('test done');

    expect(overdue.attention?.reason).toBe('DELIVERY_OVERDUE');
    expect(await noticesSent(input.orderId)).toEqual(
      expect.arrayContaining([`ATTENTION_NEEDED ${input.sellerId}`, `ATTENTION_NEEDED ${input.customerId}`]),
    );
    expect(beforeDelivery).toEqual(['CAPTURE']);
    expect(overdue.settlement).toBeUndefined();
    expect(extended.status).toBe('CONFIRMED');
    expect(afterDelivery).toEqual(['CAPTURE', 'SETTLEMENT']);
  });

  it('delivery › overdue, operator CANCEL › CANCELLED_BY_OPERATOR refunded before payout, every undo notice sent', async () => {
    const { handle, input } = await start({ deliveryMs: 2_000 });
    await confirm(handle, input);
    await pay(handle, input);
    await handle.executeUpdate(shipmentEventUpdate, {
      args: [{ carrierId: input.carrierIds[1] ?? '', type: 'picked_up' }],
    });
    await waitForStatus(handle, 'NEEDS_ATTENTION');
    await handle.executeUpdate(resolveAttentionUpdate, {
      args: [{ operatorId: 'op-1', action: 'CANCEL', note: 'lost' }],
    });
    const result = (await handle.result()) as OrderView;

    expect(result.cancellationReason).toBe('CANCELLED_BY_OPERATOR');
    expect(result.cancellationDetail).toBe('lost');
    expect(result.compensations.map((c) => c.type)).toEqual([
      'PAYMENT_REFUNDED',
      'TRANSPORT_CANCELLED',
      'RESERVATION_RELEASED',
    ]);
    expect(await noticesSent(input.orderId)).toEqual(
      expect.arrayContaining(cancellationNotices(input, input.carrierIds[1])),
    );
    expect(await ledger(input.orderId)).toEqual({});
    expect((await journalsForOrder(env.db, input.orderId)).map((j) => j.kind)).toEqual(['CAPTURE', 'REFUND']);
  });

  it('seller confirmation › no answer by its deadline › counted as confirmed and the deal closes', async () => {
    const { handle, input } = await start({ sellerConfirmationMs: 1_500 });
    await confirm(handle, input);
    await pay(handle, input);
    await deliver(handle, input);
    const result = (await handle.result()) as OrderView;

    expect(result.status).toBe('CLOSED');
    expect(result.sellerConfirmation?.confirmed).toBe(true);
    expect(result.timeline.find((e) => e.step === 9)).toEqual(
      expect.objectContaining({ actor: 'settleflow', outcome: expect.stringContaining('counted as confirmed') }),
    );
    expect(await noticesSent(input.orderId)).toEqual(
      expect.arrayContaining([`DEAL_CLOSED ${input.sellerId}`, `DEAL_CLOSED ${input.customerId}`]),
    );
  });

  it('dispute › not resolved by its deadline › NEEDS_ATTENTION; a late REFUND resolution still refunds after payout', async () => {
    const { handle, input } = await start({ disputeResolutionMs: 1_500 });
    await confirm(handle, input);
    await pay(handle, input);
    await deliver(handle, input);
    await waitForStatus(handle, 'AWAITING_SELLER_CONFIRMATION');
    await handle.executeUpdate(settlementConfirmationUpdate, {
      args: [{ sellerId: input.sellerId, confirmed: false, reason: 'wrong fee' }],
    });
    await waitForStatus(handle, 'NEEDS_ATTENTION');
    const overdue = await view(handle);
    await handle.executeUpdate(resolveDisputeUpdate, {
      args: [{ operatorId: 'op-1', resolution: 'REFUND', note: 'goods returned' }],
    });
    const result = (await handle.result()) as OrderView;
    const fee = result.settlement?.fee.amount ?? 0;

    expect(overdue.attention?.reason).toBe('DISPUTE_OVERDUE');
    expect(result.cancellationReason).toBe('DISPUTE_REFUNDED');
    // Refund after payout: the seller's bank is charged the whole amount back and the gateway keeps its fee.
    expect(fee).toBeGreaterThan(0);
    expect(await ledger(input.orderId)).toEqual({
      'gateway:fee-revenue EUR': -fee,
      [`seller:${input.sellerId}:bank EUR`]: fee,
    });
    const refund = (await journalsForOrder(env.db, input.orderId)).find((j) => j.kind === 'REFUND');
    expect(refund?.legs.map((l) => [l.account, l.direction, l.amount])).toEqual([
      [`seller:${input.sellerId}:bank`, 'DEBIT', 29_950],
      ['gateway:clearing', 'CREDIT', 29_950],
    ]);
  });

  it('carriers › no answer by the carrier deadline › NO_CARRIER, the reservation released', async () => {
    const { handle, input } = await start({ carrierAnswerMs: 1_500 });
    await handle.executeUpdate(supplierAnswerUpdate, { args: [fullReservation(input)] });
    const result = (await handle.result()) as OrderView;

    expect(result.cancellationReason).toBe('NO_CARRIER');
    expect(result.compensations.map((c) => c.type)).toEqual(['RESERVATION_RELEASED']);
    expect(await noticesSent(input.orderId)).toEqual(expect.arrayContaining(cancellationNotices(input, undefined)));
    expect(await noticesSent(input.orderId)).not.toContain(`TRANSPORT_CANCELLATION ${input.carrierIds[0]}`);
  });

  it('cancel › by the seller before payment › CANCELLED_BY_SELLER, transport and reservation undone, no money', async () => {
    const { handle, input } = await start();
    await confirm(handle, input);
    await handle.executeUpdate(cancelOrderUpdate, {
      args: [{ actor: { partyId: input.sellerId, role: 'seller' }, reason: 'customer insolvent' }],
    });
    const result = (await handle.result()) as OrderView;

    expect(result.cancellationReason).toBe('CANCELLED_BY_SELLER');
    expect(result.compensations.map((c) => c.type)).toEqual(['TRANSPORT_CANCELLED', 'RESERVATION_RELEASED']);
    expect(await noticesSent(input.orderId)).toEqual(
      expect.arrayContaining(cancellationNotices(input, input.carrierIds[1])),
    );
    expect(await ledger(input.orderId)).toEqual({});
  });
});
