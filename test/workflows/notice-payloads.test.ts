// Notices carry no more than their recipient's view of the order (issue 5, A): every cancellation path drives a real
// order on the Temporal dev server, then the stored notices (what inboxes show and webhooks push) are read by
// recipient. The carrier and the supplier never learn of payments or disputes, nothing is released after delivery,
// and the customer reads the cancellation as its own view has it (no operator note, no system detail).

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
import type { OrderView } from '../../src/domain/order';
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

const GOOD_CARD = '4242424242424242';
const DECLINED_CARD = '4000000000009995';

async function start(overrides: Partial<OrderWorkflowInput> = {}) {
  const { deadlines, ...rest } = overrides;
  return startOrder(env, { ...rest, deadlines: { ...LONG_DEADLINES, ...deadlines } });
}

/** Supplier reserves, both carriers quote, the second (cheaper) wins. */
async function confirm(handle: WorkflowHandle, input: OrderWorkflowInput): Promise<void> {
  await handle.executeUpdate(supplierAnswerUpdate, { args: [fullReservation(input)] });
  await handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance(input.carrierIds[0] ?? '', 9_000)] });
  await handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance(input.carrierIds[1] ?? '', 7_500)] });
  await waitForStatus(handle, 'CONFIRMED');
}

async function pay(handle: WorkflowHandle, input: OrderWorkflowInput, card = GOOD_CARD) {
  return handle.executeUpdate(paymentNotificationUpdate, { args: [sealedCard(env.vault, input.customerId, card)] });
}

async function ship(handle: WorkflowHandle, input: OrderWorkflowInput, types: string[]): Promise<void> {
  for (const type of types) {
    await handle.executeUpdate(shipmentEventUpdate, {
      args: [{ carrierId: input.carrierIds[1] ?? '', type: type as 'picked_up' }],
    });
  }
}

const DELIVERED = ['picked_up', 'in_transit', 'delivered'];

/** The payloads of the order's stored notices, by `KIND recipient`. */
async function payloads(orderId: string): Promise<Record<string, unknown>> {
  const notices = await env.db.notices.find({ orderId }).lean();
  return Object.fromEntries(notices.map((n) => [`${n.kind} ${n.recipientId}`, n.payload ?? {}]));
}

/** The notices of the saga and the cancellation, by recipient role, for the winning carrier. */
async function cancellationNotices(input: OrderWorkflowInput) {
  const sent = await payloads(input.orderId);
  return {
    kinds: Object.keys(sent).sort(),
    carrier: sent[`TRANSPORT_CANCELLATION ${input.carrierIds[1]}`],
    supplier: sent[`RESERVATION_RELEASE ${input.supplierId}`],
    customer: sent[`ORDER_CANCELLED ${input.customerId}`],
    seller: sent[`ORDER_CANCELLED ${input.sellerId}`],
  };
}

describe('notice payloads', () => {
  it('payment deadline › passes unpaid › carrier and supplier learn no reason, the customer no system detail', async () => {
    const { handle, input } = await start({ deadlines: { ...LONG_DEADLINES, paymentMs: 1_500 } });
    await confirm(handle, input);
    const result = (await handle.result()) as OrderView;
    const sent = await cancellationNotices(input);

    expect(result.cancellationReason).toBe('PAYMENT_DEADLINE_PASSED');
    expect(sent.carrier).toEqual({});
    expect(sent.supplier).toEqual({ reservationId: `res-${input.orderId}` });
    expect(sent.customer).toEqual({ reason: 'PAYMENT_DEADLINE_PASSED' });
    expect(sent.seller).toEqual({
      reason: 'PAYMENT_DEADLINE_PASSED',
      detail: expect.stringContaining('no payment captured'),
    });
  });

  it('payment failed › the last allowed decline › carrier and supplier learn no reason, the customer PAYMENT_FAILED', async () => {
    const { handle, input } = await start({ paymentMaxAttempts: 1 });
    await confirm(handle, input);
    await pay(handle, input, DECLINED_CARD);
    const result = (await handle.result()) as OrderView;
    const sent = await cancellationNotices(input);

    expect(result.cancellationReason).toBe('PAYMENT_FAILED');
    expect(sent.carrier).toEqual({});
    expect(sent.supplier).toEqual({ reservationId: `res-${input.orderId}` });
    expect(sent.customer).toEqual({ reason: 'PAYMENT_FAILED' });
    expect(sent.seller).toEqual({ reason: 'PAYMENT_FAILED', detail: '1 payment attempts declined' });
  });

  it('dispute refunded › after delivery › nothing released or cancelled, the customer never reads the operator note', async () => {
    const { handle, input } = await start();
    await confirm(handle, input);
    await pay(handle, input);
    await ship(handle, input, DELIVERED);
    await waitForStatus(handle, 'AWAITING_SELLER_CONFIRMATION');
    await handle.executeUpdate(settlementConfirmationUpdate, {
      args: [{ sellerId: input.sellerId, confirmed: false, reason: 'fee too high' }],
    });
    await handle.executeUpdate(resolveDisputeUpdate, {
      args: [{ operatorId: 'op-1', resolution: 'REFUND', note: 'refund agreed: seller margin dispute' }],
    });
    const result = (await handle.result()) as OrderView;
    const sent = await cancellationNotices(input);

    expect(result.cancellationReason).toBe('DISPUTE_REFUNDED');
    expect(result.compensations.map((c) => c.type)).toEqual(['PAYMENT_REFUNDED']);
    expect(sent.kinds.filter((k) => /RESERVATION_RELEASE|TRANSPORT_CANCELLATION/.test(k))).toEqual([]);
    expect(sent.customer).toEqual({ reason: 'DISPUTE_REFUNDED' });
    expect(sent.seller).toEqual({ reason: 'DISPUTE_REFUNDED', detail: 'refund agreed: seller margin dispute' });
  });

  it('payment deadline › delivered but never paid › nothing released, the carrier and supplier are not told', async () => {
    const { handle, input } = await start({ deadlines: { ...LONG_DEADLINES, paymentMs: 3_000 } });
    await confirm(handle, input);
    await ship(handle, input, DELIVERED);
    const result = (await handle.result()) as OrderView;
    const sent = await cancellationNotices(input);

    expect(result.cancellationReason).toBe('PAYMENT_DEADLINE_PASSED');
    expect(result.compensations).toEqual([]);
    expect(sent.carrier).toBeUndefined();
    expect(sent.supplier).toBeUndefined();
    expect(sent.customer).toEqual({ reason: 'PAYMENT_DEADLINE_PASSED' });
  });

  it('no carrier › by the carrier deadline › the supplier reads NO_CARRIER, the customer not the count of answers', async () => {
    const { handle, input } = await start({ deadlines: { ...LONG_DEADLINES, carrierAnswerMs: 1_500 } });
    await handle.executeUpdate(supplierAnswerUpdate, { args: [fullReservation(input)] });
    const result = (await handle.result()) as OrderView;
    const sent = await cancellationNotices(input);

    expect(result.cancellationReason).toBe('NO_CARRIER');
    expect(sent.supplier).toEqual({ reservationId: `res-${input.orderId}`, reason: 'NO_CARRIER' });
    expect(sent.customer).toEqual({ reason: 'NO_CARRIER' });
    expect(sent.seller).toEqual({ reason: 'NO_CARRIER', detail: 'no acceptable quote from 0 answers' });
  });

  it('delivery overdue › operator CANCEL with a note › parties read CANCELLED_BY_OPERATOR, the customer no note', async () => {
    const { handle, input } = await start({ deadlines: { ...LONG_DEADLINES, deliveryMs: 2_000 } });
    await confirm(handle, input);
    await pay(handle, input);
    await ship(handle, input, ['picked_up']);
    await waitForStatus(handle, 'NEEDS_ATTENTION');
    await handle.executeUpdate(resolveAttentionUpdate, {
      args: [{ operatorId: 'op-1', action: 'CANCEL', note: 'carrier lost the pallet; internal case 77' }],
    });
    await handle.result();
    const sent = await cancellationNotices(input);
    const all = await payloads(input.orderId);

    expect(sent.carrier).toEqual({ reason: 'CANCELLED_BY_OPERATOR' });
    expect(sent.supplier).toEqual({ reservationId: `res-${input.orderId}`, reason: 'CANCELLED_BY_OPERATOR' });
    expect(sent.customer).toEqual({ reason: 'CANCELLED_BY_OPERATOR' });
    expect(sent.seller).toEqual({
      reason: 'CANCELLED_BY_OPERATOR',
      detail: 'carrier lost the pallet; internal case 77',
    });
    expect(all[`ATTENTION_NEEDED ${input.customerId}`]).toEqual({
      reason: 'DELIVERY_OVERDUE',
      detail: expect.stringMatching(/^no delivery reported by \d{4}-\d\d-\d\dT/),
    });
    expect(all[`ATTENTION_NEEDED ${input.sellerId}`]).toEqual({
      reason: 'DELIVERY_OVERDUE',
      detail: expect.stringMatching(/^no delivery reported by /),
    });
  });

  it('cancel › by the seller with a reason › the customer reads it, the carrier and supplier only the reason code', async () => {
    const { handle, input } = await start();
    await confirm(handle, input);
    await handle.executeUpdate(cancelOrderUpdate, {
      args: [{ actor: { partyId: input.sellerId, role: 'seller' }, reason: 'out of stock after all' }],
    });
    await handle.result();
    const sent = await cancellationNotices(input);

    expect(sent.carrier).toEqual({ reason: 'CANCELLED_BY_SELLER' });
    expect(sent.supplier).toEqual({ reservationId: `res-${input.orderId}`, reason: 'CANCELLED_BY_SELLER' });
    expect(sent.customer).toEqual({ reason: 'CANCELLED_BY_SELLER', detail: 'out of stock after all' });
    expect(sent.seller).toEqual({ reason: 'CANCELLED_BY_SELLER', detail: 'out of stock after all' });
  });

  it('supplier unavailable › the customer › reads the reason without the system detail', async () => {
    const { handle, input } = await start();
    await handle.executeUpdate(supplierAnswerUpdate, {
      args: [{ supplierId: input.supplierId, answer: { available: false, items: [] } }],
    });
    await handle.result();
    const sent = await cancellationNotices(input);

    expect(sent.kinds).toEqual([
      `ORDER_CANCELLED ${input.customerId}`,
      `ORDER_CANCELLED ${input.sellerId}`,
      `SUPPLIER_INQUIRY ${input.supplierId}`,
    ]);
    expect(sent.customer).toEqual({ reason: 'SUPPLIER_UNAVAILABLE' });
  });
});
