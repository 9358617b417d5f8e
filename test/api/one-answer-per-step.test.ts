// One answer per step (issue 5, B): every party action sent as 2 to 10 concurrent copies over HTTP is taken once.
// The first copy wins; copies with other Idempotency-Keys get 409, copies with the same key get the first's answer
// (or 409 idempotency_key_in_progress while it runs). The order's timeline, fields and compensations show one answer.

import { randomUUID } from 'node:crypto';
import type { OrderView } from '../../src/domain/order';
import type { ApiHarness, ApiResponse, CastMember } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { bankEntries } from '../support/bank-control';
import { rrnFor } from '../../src/gateway/bank-connector/card-client';
import { GATEWAY_PAYMENTS } from '../../src/gateway/card-payments';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
});

afterAll(async () => {
  await h?.close();
});

const card = (number: string) => ({ method: 'card', card: { number, expMonth: 12, expYear: 2034, cvc: '123' } });

const acceptance = (amount: number) => ({
  accepted: true,
  pickupDate: '2026-12-01',
  deliveryDate: '2026-12-10',
  route: 'MUC-HAM',
  method: 'road',
  price: { amount, currency: 'EUR' },
});

/** Sends copies of one action at once; `sameKey` gives them one Idempotency-Key, otherwise each its own. */
async function copies(
  count: number,
  path: string,
  member: CastMember | ((i: number) => CastMember),
  body: (i: number) => unknown,
  sameKey = false,
): Promise<ApiResponse[]> {
  const shared = randomUUID();
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      h.api('POST', path, {
        key: h.key(typeof member === 'function' ? member(i) : member),
        body: body(i),
        headers: { 'idempotency-key': sameKey ? shared : randomUUID() },
      }),
    ),
  );
}

/** Exactly one copy succeeded (with `status`), every other one is a 409 with one of `codes`. */
function expectOneWinner(responses: ApiResponse[], codes: string[], status = 200): number {
  const winners = responses.filter((r) => r.status === status);
  expect(winners).toHaveLength(1);
  for (const loser of responses.filter((r) => r.status !== status)) {
    expect(loser.status).toBe(409);
    expect(codes).toContain(loser.body?.error?.code);
  }
  return responses.findIndex((r) => r.status === status);
}

/** With one Idempotency-Key every copy that was answered got the same answer, and at least one was answered. */
function expectSharedAnswer(responses: ApiResponse[], status = 200): void {
  const answered = responses.filter((r) => r.status === status);
  expect(answered.length).toBeGreaterThanOrEqual(1);
  for (const other of responses.filter((r) => r.status !== status)) {
    expect(other.status).toBe(409);
    expect(other.body?.error?.code).toBe('idempotency_key_in_progress');
  }
  for (const r of answered) expect(r.body).toEqual(answered[0]?.body);
}

async function supplierAnswered(): Promise<OrderView> {
  const order = await h.placeOrder();
  await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
  const answer = await h.api('POST', `/v1/orders/${order.orderId}/supplier-answer`, {
    key: h.key('supplier'),
    body: {
      available: true,
      reservationId: 'res-1',
      items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
    },
  });
  expect(answer.status).toBe(200);
  return h.waitForStatus(order.orderId, 'AWAITING_CARRIER');
}

async function confirmedOrder(): Promise<OrderView> {
  const order = await supplierAnswered();
  for (const [member, amount] of [
    ['carrierA', 9000],
    ['carrierB', 8000],
  ] as const) {
    const answer = await h.api('POST', `/v1/orders/${order.orderId}/carrier-answer`, {
      key: h.key(member),
      body: acceptance(amount),
    });
    expect(answer.status).toBe(200);
  }
  return h.waitForStatus(order.orderId, 'CONFIRMED');
}

async function paidOrder(): Promise<OrderView> {
  const order = await confirmedOrder();
  const paid = await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
    key: h.key('customer'),
    body: card('4242424242424242'),
  });
  expect(paid.status).toBe(200);
  return order;
}

async function deliveredOrder(): Promise<OrderView> {
  const order = await paidOrder();
  for (const type of ['picked_up', 'in_transit', 'delivered']) {
    const event = await h.api('POST', `/v1/orders/${order.orderId}/shipment-events`, {
      key: h.key('carrierB'),
      body: { type },
    });
    expect(event.status).toBe(200);
  }
  return h.waitForStatus(order.orderId, 'AWAITING_SELLER_CONFIRMATION');
}

/** The gateway's payments of an order. */
async function gatewayPaymentIds(orderId: string): Promise<string[]> {
  const payments = await h.db.connection.collection(GATEWAY_PAYMENTS).find({ orderId }).toArray();
  return payments.map((p) => String(p._id));
}

/** The MTIs the bank host's own journal holds under a payment's authorization RRN (its capture and void share it). */
async function bankMtis(paymentId: string): Promise<string[]> {
  return (await bankEntries(rrnFor(`${paymentId}:authorization`))).map((entry) => entry.mti);
}

async function stored(orderId: string): Promise<OrderView> {
  const view = await h.db.orders.findById(orderId).lean<OrderView>();
  if (!view) throw new Error(`order ${orderId} is not in the read model`);
  return view;
}

async function finalOrder(orderId: string): Promise<OrderView> {
  const handle = h.client.workflow.getHandle(`order-${orderId}`);
  return (await handle.result()) as OrderView;
}

describe('one answer per step', () => {
  it('supplier answer › 8 copies, available and not, other keys › one wins, the timeline agrees, one release', async () => {
    const order = await h.placeOrder();
    await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
    const items = order.items.map(({ sku, quantity }) => ({ sku, quantity }));
    const responses = await copies(8, `/v1/orders/${order.orderId}/supplier-answer`, 'supplier', (i) =>
      i % 2 === 0 ? { available: true, reservationId: `res-${i}`, items } : { available: false, items: [] },
    );
    // Copies that arrive after a "not available" answer find the order cancelled (or closed) instead.
    const winner = expectOneWinner(responses, ['already_answered', 'order_cancelling', 'order_not_at_step']);
    const available = winner % 2 === 0;
    if (available) {
      await h.waitForStatus(order.orderId, 'AWAITING_CARRIER');
      const cancel = await h.api('POST', `/v1/orders/${order.orderId}/cancel`, { key: h.key('seller'), body: {} });
      expect(cancel.status).toBe(200);
    }
    const result = await finalOrder(order.orderId);

    expect(result.timeline.filter((e) => e.step === 3)).toHaveLength(1);
    expect(result.supplierAnswer?.available).toBe(available);
    expect(result.supplierAnswer?.reservationId).toBe(available ? `res-${winner}` : undefined);
    expect(result.timeline.find((e) => e.step === 3)?.outcome).toBe(
      available ? `available, reservation res-${winner}` : 'not available',
    );
    expect(result.cancellationReason).toBe(available ? 'CANCELLED_BY_SELLER' : 'SUPPLIER_UNAVAILABLE');
    expect(result.compensations.map((c) => c.type)).toEqual(available ? ['RESERVATION_RELEASED'] : []);
  });

  it('supplier answer › 5 copies with one Idempotency-Key › all answered alike, one answer recorded', async () => {
    const order = await h.placeOrder();
    await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
    const items = order.items.map(({ sku, quantity }) => ({ sku, quantity }));
    const responses = await copies(
      5,
      `/v1/orders/${order.orderId}/supplier-answer`,
      'supplier',
      () => ({ available: true, reservationId: 'res-same', items }),
      true,
    );
    expectSharedAnswer(responses);
    const view = await h.waitForStatus(order.orderId, 'AWAITING_CARRIER');
    expect(view.timeline.filter((e) => e.step === 3)).toHaveLength(1);
    expect(view.supplierAnswer?.reservationId).toBe('res-same');
  });

  it('carrier answer › 6 copies from one carrier, other prices › one quote recorded', async () => {
    const order = await supplierAnswered();
    const responses = await copies(6, `/v1/orders/${order.orderId}/carrier-answer`, 'carrierA', (i) =>
      acceptance(5000 + i),
    );
    const winner = expectOneWinner(responses, ['already_answered']);
    const view = await stored(order.orderId);
    expect(view.quotes.filter((q) => q.carrierId === h.parties.carrierA.id)).toHaveLength(1);
    expect(view.quotes[0]?.price?.amount).toBe(5000 + winner);
    await h.client.workflow.getHandle(`order-${order.orderId}`).terminate('test done');
  });

  it('shipment event › 5 copies of picked_up › one event recorded', async () => {
    const order = await confirmedOrder();
    const responses = await copies(5, `/v1/orders/${order.orderId}/shipment-events`, 'carrierB', () => ({
      type: 'picked_up',
    }));
    expectOneWinner(responses, ['already_reported']);
    const view = await stored(order.orderId);
    expect(view.shipment.events.map((e) => e.type)).toEqual(['picked_up']);
    await h.client.workflow.getHandle(`order-${order.orderId}`).terminate('test done');
  });

  it('payment › 4 concurrent notifications, other keys › one reaches the bank, the others are 409', async () => {
    const order = await confirmedOrder();
    const responses = await copies(4, `/v1/orders/${order.orderId}/payment-notification`, 'customer', () =>
      card('4242424242424242'),
    );
    expectOneWinner(responses, ['payment_in_progress', 'already_paid']);
    const view = await stored(order.orderId);
    expect(view.payments).toHaveLength(1);
    // One payment at the gateway, and the bank host saw one authorization of it.
    expect(await gatewayPaymentIds(order.orderId)).toEqual([`payment-${order.orderId}-1`]);
    expect(await bankMtis(`payment-${order.orderId}-1`)).toEqual(['0100']);
    await h.client.workflow.getHandle(`order-${order.orderId}`).terminate('test done');
  });

  it('payment › 5 copies with one Idempotency-Key › one Update, one bank call, the same answer', async () => {
    const order = await confirmedOrder();
    const responses = await copies(
      5,
      `/v1/orders/${order.orderId}/payment-notification`,
      'customer',
      () => card('4242424242424242'),
      true,
    );
    expectSharedAnswer(responses);
    const view = await stored(order.orderId);
    expect(view.payments.map((p) => [p.attempt, p.status])).toEqual([[1, 'AUTHORIZED']]);
    expect(await gatewayPaymentIds(order.orderId)).toEqual([`payment-${order.orderId}-1`]);
    expect(await bankMtis(`payment-${order.orderId}-1`)).toEqual(['0100']);
    await h.client.workflow.getHandle(`order-${order.orderId}`).terminate('test done');
  });

  it('settlement confirmation › 5 copies, confirm and dispute › one answer, matching status', async () => {
    const order = await deliveredOrder();
    const responses = await copies(5, `/v1/orders/${order.orderId}/settlement-confirmation`, 'seller', (i) =>
      i % 2 === 0 ? { confirmed: true } : { confirmed: false, reason: `dispute ${i}` },
    );
    const winner = expectOneWinner(responses, ['already_answered', 'order_not_at_step']);
    const view = await h.waitForStatus(order.orderId, winner % 2 === 0 ? 'CLOSED' : 'DISPUTED');
    expect(view.sellerConfirmation?.confirmed).toBe(winner % 2 === 0);
    expect(view.timeline.filter((e) => e.step === 9)).toHaveLength(1);
    if (winner % 2 === 1) await h.client.workflow.getHandle(`order-${order.orderId}`).terminate('test done');
  });

  it('dispute resolution › 4 copies, refund and close › one resolution, one refund at most', async () => {
    const order = await deliveredOrder();
    const dispute = await h.api('POST', `/v1/orders/${order.orderId}/settlement-confirmation`, {
      key: h.key('seller'),
      body: { confirmed: false, reason: 'fee too high' },
    });
    expect(dispute.status).toBe(200);
    await h.waitForStatus(order.orderId, 'DISPUTED');
    const responses = await copies(4, `/v1/orders/${order.orderId}/dispute-resolution`, 'operator', (i) =>
      i % 2 === 0 ? { resolution: 'REFUND', note: `n${i}` } : { resolution: 'CLOSE', note: `n${i}` },
    );
    const winner = expectOneWinner(responses, ['already_resolved', 'order_not_at_step', 'order_cancelling']);
    const result = await finalOrder(order.orderId);
    expect(result.disputeResolution?.note).toBe(`n${winner}`);
    expect(result.status).toBe(winner % 2 === 0 ? 'CANCELLED' : 'CLOSED');
    expect(result.compensations.filter((c) => c.type === 'PAYMENT_REFUNDED')).toHaveLength(winner % 2 === 0 ? 1 : 0);
  });

  it('cancellation › 6 copies by customer, seller and operator › one reason, each compensation once', async () => {
    const order = await paidOrder();
    const members: CastMember[] = ['customer', 'seller', 'operator'];
    const responses = await copies(
      6,
      `/v1/orders/${order.orderId}/cancel`,
      (i) => members[i % 3] ?? 'operator',
      (i) => ({ reason: `copy ${i}` }),
    );
    const winner = expectOneWinner(responses, ['order_cancelling', 'order_not_at_step']);
    const result = await finalOrder(order.orderId);
    const reasons = ['CANCELLED_BY_CUSTOMER', 'CANCELLED_BY_SELLER', 'CANCELLED_BY_OPERATOR'];
    expect(result.cancellationReason).toBe(reasons[winner % 3]);
    expect(result.cancellationDetail).toBe(`copy ${winner}`);
    // Authorized, not yet captured: voided once (one 0400 at the bank host, one VOID journal).
    expect(result.compensations.map((c) => c.type)).toEqual([
      'PAYMENT_VOIDED',
      'TRANSPORT_CANCELLED',
      'RESERVATION_RELEASED',
    ]);
    expect(await h.db.ledger.countDocuments({ orderId: order.orderId, kind: 'VOID' })).toBe(1);
    expect(await bankMtis(`payment-${order.orderId}-1`)).toEqual(['0100', '0400']);
  });
});
