// The order workflow on the real Temporal dev server and database: every branch of the saga, driven
// through the workflow's Updates as the API drives them.

import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import {
  cancelOrderUpdate,
  carrierAnswerUpdate,
  paymentNotificationUpdate,
  resolveDisputeUpdate,
  settlementConfirmationUpdate,
  shipmentEventUpdate,
  supplierAnswerUpdate,
} from '../../src/contracts/order-contract';
import type { OrderWorkflowInput } from '../../src/contracts/order-contract';
import type { OrderView } from '../../src/domain/order';
import { balances, journalsForOrder } from '../../src/persistence/ledger-store';
import { Vault, generateVaultKey } from '../../src/security/vault';
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

beforeAll(async () => {
  env = await startWorkflowEnv();
});

afterAll(async () => {
  await env?.close();
});

/** Drives an order to CONFIRMED: supplier reserves, both carriers accept, the second one cheaper. */
async function confirmOrder(handle: WorkflowHandle, input: OrderWorkflowInput): Promise<OrderView> {
  await handle.executeUpdate(supplierAnswerUpdate, { args: [fullReservation(input)] });
  const [first, second] = input.carrierIds;
  if (!first || !second) throw new Error('the order needs two carriers');
  await handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance(first, 9_000)] });
  await handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance(second, 7_500)] });
  await waitForStatus(handle, 'CONFIRMED');
  return (await handle.query('status')) as OrderView;
}

async function pay(handle: WorkflowHandle, input: OrderWorkflowInput, card = '4242424242424242') {
  return handle.executeUpdate(paymentNotificationUpdate, { args: [sealedCard(env.vault, input.customerId, card)] });
}

async function deliver(handle: WorkflowHandle, carrierId: string): Promise<void> {
  for (const type of ['picked_up', 'in_transit', 'delivered'] as const) {
    await handle.executeUpdate(shipmentEventUpdate, { args: [{ carrierId, type }] });
  }
}

/** Drives an order to AWAITING_SELLER_CONFIRMATION: confirmed, paid, delivered by the cheaper carrier. */
async function deliveredOrder(handle: WorkflowHandle, input: OrderWorkflowInput): Promise<void> {
  await confirmOrder(handle, input);
  await pay(handle, input);
  await deliver(handle, input.carrierIds[1] ?? '');
  await waitForStatus(handle, 'AWAITING_SELLER_CONFIRMATION');
}

async function rejection(work: Promise<unknown>): Promise<{ type: string | undefined; code: string | undefined }> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause as { type?: string; details?: { code?: string }[] };
  return { type: cause.type, code: cause.details?.[0]?.code };
}

async function expectBalancedLedger(orderId: string): Promise<Map<string, number>> {
  const entries = await journalsForOrder(env.db, orderId);
  const total = [...balances(entries).values()].reduce((sum, value) => sum + value, 0);
  expect(total).toBe(0);
  return balances(entries);
}

describe('order workflow', () => {
  it('happy path › all ten steps › closes with a balanced ledger and a settled seller', async () => {
    const { handle, input } = await startOrder(env);
    await confirmOrder(handle, input);
    const paid = await pay(handle, input);
    expect(paid.payment.status).toBe('CAPTURED');
    await deliver(handle, input.carrierIds[1] ?? '');
    await waitForStatus(handle, 'AWAITING_SELLER_CONFIRMATION');
    const closed = await handle.executeUpdate(settlementConfirmationUpdate, {
      args: [{ sellerId: input.sellerId, confirmed: true }],
    });
    const result = (await handle.result()) as OrderView;

    // The seller's view of the order is the whole order.
    expect(closed).toEqual({ orderId: input.orderId, version: result.version, view: result });
    expect(result.status).toBe('CLOSED');
    expect(result.timeline.map((entry) => entry.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.carrierId).toBe(input.carrierIds[1]);
    expect(result.transportCost).toEqual({ amount: 7_500, currency: 'EUR' });
    expect(result.total).toEqual({ amount: 2 * 12_500 + 5 * 990, currency: 'EUR' });
    expect(result.settlement?.fee.amount).toBe(Math.floor((29_950 * 150 + 5_000) / 10_000) + 25);
    expect(result.compensations).toEqual([]);
    const ledger = await expectBalancedLedger(input.orderId);
    expect(ledger.get(`seller:${input.sellerId}:bank EUR`)).toBe(-(result.settlement?.net.amount ?? 0));
    expect(ledger.get('gateway:fee-revenue EUR')).toBe(-(result.settlement?.fee.amount ?? 0));
    expect((await journalsForOrder(env.db, input.orderId)).map((j) => j.kind)).toEqual(['CAPTURE', 'SETTLEMENT']);
    const stored = await env.db.orders.findById(input.orderId).lean();
    expect(stored?.status).toBe('CLOSED');
    expect(stored?.version).toBe(result.version);
  });

  it('read model › its document lost mid-order › the next write restores the whole view', async () => {
    const { handle, input } = await startOrder(env);
    await waitForStatus(handle, 'AWAITING_SUPPLIER');
    const deadline = Date.now() + 10_000;
    while (!(await env.db.orders.findById(input.orderId).lean()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await env.db.orders.deleteOne({ _id: input.orderId });

    const answered = await handle.executeUpdate(supplierAnswerUpdate, { args: [fullReservation(input)] });
    const stored = await env.db.orders.findById(input.orderId).lean();
    await handle.terminate('test done');

    expect(stored?.version).toBeGreaterThanOrEqual(answered.version);
    expect(stored?.items).toEqual(input.items);
    expect(stored?.timeline.map((e) => e.step).slice(0, 3)).toEqual([1, 2, 3]);
  });

  it('supplier answer › not available › cancels with no compensation', async () => {
    const { handle, input } = await startOrder(env);
    await handle.executeUpdate(supplierAnswerUpdate, {
      args: [{ supplierId: input.supplierId, answer: { available: false, items: [] } }],
    });
    const result = (await handle.result()) as OrderView;
    expect(result.status).toBe('CANCELLED');
    expect(result.cancellationReason).toBe('SUPPLIER_UNAVAILABLE');
    expect(result.compensations).toEqual([]);
  });

  it('supplier answer › deadline passes › cancels as SUPPLIER_DEADLINE_PASSED', async () => {
    const { handle } = await startOrder(env, {
      deadlines: { ...LONG_DEADLINES, supplierAnswerMs: 1_500, carrierAnswerMs: 60_000, paymentMs: 60_000 },
    });
    const result = (await handle.result()) as OrderView;
    expect(result.cancellationReason).toBe('SUPPLIER_DEADLINE_PASSED');
    expect(result.compensations).toEqual([]);
  });

  it('supplier answer › from another supplier › is rejected as forbidden', async () => {
    const { handle, input } = await startOrder(env);
    await waitForStatus(handle, 'AWAITING_SUPPLIER');
    const answer = { ...fullReservation(input), supplierId: 'supplier-intruder' };
    expect(await rejection(handle.executeUpdate(supplierAnswerUpdate, { args: [answer] }))).toEqual({
      type: 'OrderForbidden',
      code: 'forbidden',
    });
    await handle.terminate('test done');
  });

  it('carrier answers › all decline › cancels as NO_CARRIER and releases the reservation', async () => {
    const { handle, input } = await startOrder(env);
    await handle.executeUpdate(supplierAnswerUpdate, { args: [fullReservation(input)] });
    for (const carrierId of input.carrierIds) {
      await handle.executeUpdate(carrierAnswerUpdate, { args: [{ carrierId, answer: { accepted: false } }] });
    }
    const result = (await handle.result()) as OrderView;
    expect(result.cancellationReason).toBe('NO_CARRIER');
    expect(result.compensations.map((c) => c.type)).toEqual(['RESERVATION_RELEASED']);
    const release = await env.db.notices.findById(`${input.orderId}:RESERVATION_RELEASE:${input.supplierId}`).lean();
    expect(release?.payload).toEqual(expect.objectContaining({ reservationId: `res-${input.orderId}` }));
  });

  it('carrier answers › deadline with one acceptance › the answering carrier wins', async () => {
    const { handle, input } = await startOrder(env, {
      deadlines: { ...LONG_DEADLINES, supplierAnswerMs: 60_000, carrierAnswerMs: 2_000, paymentMs: 60_000 },
    });
    await handle.executeUpdate(supplierAnswerUpdate, { args: [fullReservation(input)] });
    await handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance(input.carrierIds[0] ?? '', 8_000)] });
    await waitForStatus(handle, 'CONFIRMED');
    const view = (await handle.query('status')) as OrderView;
    expect(view.carrierId).toBe(input.carrierIds[0]);
    expect(view.timeline.find((e) => e.step === 5)?.outcome).toContain('1 of 2 answered');
    await handle.terminate('test done');
  });

  it('payment › declined twice then deadline › cancels and undoes transport and reservation only', async () => {
    const { handle, input } = await startOrder(env, {
      deadlines: { ...LONG_DEADLINES, supplierAnswerMs: 60_000, carrierAnswerMs: 60_000, paymentMs: 4_000 },
    });
    await confirmOrder(handle, input);
    const insufficient = await pay(handle, input, '4000000000009995');
    const expired = await pay(handle, input, '4000000000000069');
    const result = (await handle.result()) as OrderView;

    expect(insufficient.payment).toEqual(
      expect.objectContaining({ status: 'DECLINED', declineCode: 'insufficient_funds' }),
    );
    expect(expired.payment).toEqual(expect.objectContaining({ status: 'DECLINED', declineCode: 'expired_card' }));
    expect(result.cancellationReason).toBe('PAYMENT_DEADLINE_PASSED');
    expect(result.compensations.map((c) => c.type)).toEqual(['TRANSPORT_CANCELLED', 'RESERVATION_RELEASED']);
    expect(await env.db.ledger.countDocuments({ orderId: input.orderId })).toBe(0);
  });

  it('cancel › by the customer after payment, before pickup › refunds, cancels transport, releases stock', async () => {
    const { handle, input } = await startOrder(env);
    await confirmOrder(handle, input);
    await pay(handle, input);
    await waitForStatus(handle, 'CONFIRMED');
    const cancelled = await handle.executeUpdate(cancelOrderUpdate, {
      args: [{ actor: { partyId: input.customerId, role: 'customer' }, reason: 'changed plans' }],
    });
    const result = (await handle.result()) as OrderView;

    expect(cancelled.version).toBe(result.version);
    expect(result.status).toBe('CANCELLED');
    expect(result.cancellationReason).toBe('CANCELLED_BY_CUSTOMER');
    expect(result.compensations.map((c) => c.type)).toEqual([
      'PAYMENT_REFUNDED',
      'TRANSPORT_CANCELLED',
      'RESERVATION_RELEASED',
    ]);
    const ledger = await expectBalancedLedger(input.orderId);
    expect(ledger.get('gateway:clearing EUR')).toBe(0);
    const refund = await env.db.bankOperations.findById(`${input.orderId}:pay:1:refund`).lean();
    expect(refund?.approved).toBe(true);
  });

  it('cancel › after pickup › is rejected as a conflict', async () => {
    const { handle, input } = await startOrder(env);
    await confirmOrder(handle, input);
    await handle.executeUpdate(shipmentEventUpdate, {
      args: [{ carrierId: input.carrierIds[1] ?? '', type: 'picked_up' }],
    });
    const cancel = handle.executeUpdate(cancelOrderUpdate, {
      args: [{ actor: { partyId: input.sellerId, role: 'seller' } }],
    });
    expect(await rejection(cancel)).toEqual({ type: 'OrderStateConflict', code: 'already_picked_up' });
    await handle.terminate('test done');
  });

  it('settlement › disputed and refunded by an operator › ends CANCELLED with a refund and nothing else undone', async () => {
    const { handle, input } = await startOrder(env);
    await deliveredOrder(handle, input);
    const disputed = await handle.executeUpdate(settlementConfirmationUpdate, {
      args: [{ sellerId: input.sellerId, confirmed: false, reason: 'net amount differs from contract' }],
    });
    const resolved = await handle.executeUpdate(resolveDisputeUpdate, {
      args: [{ operatorId: 'operator-1', resolution: 'REFUND', note: 'goods returned' }],
    });
    const result = (await handle.result()) as OrderView;

    expect(disputed.orderId).toBe(input.orderId);
    expect(resolved.version).toBe(result.version);
    expect(result.status).toBe('CANCELLED');
    expect(result.cancellationReason).toBe('DISPUTE_REFUNDED');
    // Delivered goods: transport and reservation were used, so only the payment is undone.
    expect(result.compensations.map((c) => c.type)).toEqual(['PAYMENT_REFUNDED']);
    await expectBalancedLedger(input.orderId);
  });

  it('settlement › disputed and closed by an operator › ends CLOSED', async () => {
    const { handle, input } = await startOrder(env);
    await deliveredOrder(handle, input);
    await handle.executeUpdate(settlementConfirmationUpdate, {
      args: [{ sellerId: input.sellerId, confirmed: false, reason: 'checking' }],
    });
    await handle.executeUpdate(resolveDisputeUpdate, { args: [{ operatorId: 'operator-1', resolution: 'CLOSE' }] });
    const result = (await handle.result()) as OrderView;
    expect(result.status).toBe('CLOSED');
    expect(result.compensations).toEqual([]);
  });

  it('settlement › a second dispute resolution › is rejected as already_resolved', async () => {
    const { handle, input } = await startOrder(env);
    await deliveredOrder(handle, input);
    await handle.executeUpdate(settlementConfirmationUpdate, {
      args: [{ sellerId: input.sellerId, confirmed: false, reason: 'wrong fee' }],
    });
    const attempts = await Promise.allSettled([
      handle.executeUpdate(resolveDisputeUpdate, { args: [{ operatorId: 'operator-1', resolution: 'REFUND' }] }),
      handle.executeUpdate(resolveDisputeUpdate, { args: [{ operatorId: 'operator-2', resolution: 'CLOSE' }] }),
    ]);
    const result = (await handle.result()) as OrderView;

    // Whichever reached the workflow first wins; the other is rejected and changes nothing.
    const winner = attempts.findIndex((a) => a.status === 'fulfilled');
    const loser = attempts.find((a) => a.status === 'rejected');
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    // Rejected by the validator, or (when the winner closed the order first) by Temporal: the run has completed, or
    // the loser was accepted and then aborted as the run closed (seen in a full run on 2 cores).
    const reason = (loser as PromiseRejectedResult).reason as Error & { cause?: { details?: { code?: string }[] } };
    const rejection = reason.cause?.details?.[0]?.code ?? reason.message;
    expect(rejection).toMatch(
      /^(already_resolved|order_not_at_step|order_cancelling)$|already completed|aborted by closing workflow/,
    );
    expect(result.disputeResolution?.operatorId).toBe(winner === 0 ? 'operator-1' : 'operator-2');
    expect(result.status).toBe(winner === 0 ? 'CANCELLED' : 'CLOSED');
  });

  it('payment › a card sealed under another key › is declined as card_unreadable, not retried forever', async () => {
    const { handle, input } = await startOrder(env);
    await confirmOrder(handle, input);
    const foreign = new Vault(generateVaultKey());
    const result = await handle.executeUpdate(paymentNotificationUpdate, {
      args: [sealedCard(foreign, input.customerId, '4242424242424242')],
    });
    expect(result.payment).toEqual(expect.objectContaining({ status: 'DECLINED', declineCode: 'card_unreadable' }));
    await handle.terminate('test done');
  });

  it('workflow cancellation › from Temporal UI while awaiting payment › compensates as CANCELLED_BY_OPERATOR', async () => {
    const { handle, input } = await startOrder(env);
    await confirmOrder(handle, input);
    await handle.cancel();
    const result = (await handle.result()) as OrderView;
    expect(result.cancellationReason).toBe('CANCELLED_BY_OPERATOR');
    expect(result.compensations.map((c) => c.type)).toEqual(['TRANSPORT_CANCELLED', 'RESERVATION_RELEASED']);
  });

  it('payment › the same order paid twice › the second is rejected and money moves once', async () => {
    const { handle, input } = await startOrder(env);
    await confirmOrder(handle, input);
    await pay(handle, input);
    expect(await rejection(pay(handle, input))).toEqual({ type: 'OrderStateConflict', code: 'already_paid' });
    expect(
      await env.db.bankOperations.countDocuments({ operation: 'CAPTURE', reference: new RegExp(`^${input.orderId}`) }),
    ).toBe(1);
    await handle.terminate('test done');
  });
});
