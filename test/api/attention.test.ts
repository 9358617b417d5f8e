// Orders that need an operator (issue 5, D) over HTTP: operators list NEEDS_ATTENTION orders and act through
// POST /v1/orders/:id/attention-resolution (one decision per attention); others may not; an operator cancels through
// the API with every compensation, notice and ledger account checked by name.

import { randomUUID } from 'node:crypto';
import { orderWorkflowId } from '../../src/contracts/order-contract';
import type { OrderView } from '../../src/domain/order';
import { balances, journalsForOrder } from '../../src/persistence/ledger-store';
import type { ApiHarness } from '../support/harness';
import { startApiHarness } from '../support/harness';

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

async function paidOrder(deadlines: Record<string, number> = {}): Promise<OrderView> {
  const order = await h.placeOrder({
    deadlines: { supplierAnswerMs: 300_000, carrierAnswerMs: 300_000, paymentMs: 300_000, ...deadlines },
  });
  await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
  const items = order.items.map(({ sku, quantity }) => ({ sku, quantity }));
  const supplier = await h.api('POST', `/v1/orders/${order.orderId}/supplier-answer`, {
    key: h.key('supplier'),
    body: { available: true, reservationId: 'res-9', items },
  });
  expect(supplier.status).toBe(200);
  await h.waitForStatus(order.orderId, 'AWAITING_CARRIER');
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
  await h.waitForStatus(order.orderId, 'CONFIRMED');
  const paid = await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
    key: h.key('customer'),
    body: card('4242424242424242'),
  });
  expect(paid.status).toBe(200);
  return paid.body.order as OrderView;
}

const resolve = (orderId: string, body: unknown, member: 'operator' | 'seller' = 'operator') =>
  h.api('POST', `/v1/orders/${orderId}/attention-resolution`, {
    key: h.key(member),
    body,
    headers: { 'idempotency-key': randomUUID() },
  });

async function noticesSent(orderId: string): Promise<string[]> {
  const notices = await h.db.notices.find({ orderId }).lean();
  return notices.map((n) => `${n.kind} ${n.recipientId}`).sort();
}

describe('attention', () => {
  it('delivery overdue › operators list it and EXTEND; others and wrong actions are refused › then it closes', async () => {
    const order = await paidOrder({ deliveryMs: 2_000 });
    const overdue = await h.waitForStatus(order.orderId, 'NEEDS_ATTENTION');
    const listed = await h.api('GET', '/v1/orders?status=NEEDS_ATTENTION&limit=100', { key: h.key('operator') });
    const bySeller = await resolve(order.orderId, { action: 'EXTEND', extendMs: 600_000 }, 'seller');
    const retry = await resolve(order.orderId, { action: 'RETRY' });
    const noExtend = await resolve(order.orderId, { action: 'EXTEND' });
    const byCustomer = await h.api('POST', `/v1/orders/${order.orderId}/cancel`, { key: h.key('customer'), body: {} });
    const extended = await resolve(order.orderId, { action: 'EXTEND', extendMs: 600_000, note: 'ferry delayed' });

    expect(overdue.attention).toEqual({
      reason: 'DELIVERY_OVERDUE',
      since: expect.any(String),
      detail: expect.any(String),
    });
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((o: OrderView) => o.orderId)).toContain(order.orderId);
    expect(bySeller.status).toBe(403);
    expect([retry.status, retry.body.error.code]).toEqual([409, 'action_not_applicable']);
    expect([noExtend.status, noExtend.body.error.code, noExtend.body.error.param]).toEqual([
      400,
      'parameter_missing',
      'extendMs',
    ]);
    expect([byCustomer.status, byCustomer.body.error.code]).toEqual([409, 'order_needs_attention']);
    expect(extended.status).toBe(200);
    expect(extended.body.status).toBe('CONFIRMED');
    expect(extended.body.attentionResolutions).toEqual([
      expect.objectContaining({ reason: 'DELIVERY_OVERDUE', action: 'EXTEND', extendMs: 600_000 }),
    ]);
    expect(await noticesSent(order.orderId)).toEqual(
      expect.arrayContaining([`ATTENTION_NEEDED ${h.parties.seller.id}`, `ATTENTION_NEEDED ${h.parties.customer.id}`]),
    );

    for (const type of ['picked_up', 'in_transit', 'delivered']) {
      const event = await h.api('POST', `/v1/orders/${order.orderId}/shipment-events`, {
        key: h.key('carrierB'),
        body: { type },
      });
      expect(event.status).toBe(200);
    }
    await h.waitForStatus(order.orderId, 'AWAITING_SELLER_CONFIRMATION');
    const confirm = await h.api('POST', `/v1/orders/${order.orderId}/settlement-confirmation`, {
      key: h.key('seller'),
      body: { confirmed: true },
    });
    expect([confirm.status, confirm.body.status]).toEqual([200, 'CLOSED']);
  });

  it('attention resolution › 4 concurrent decisions › one is taken, the others are 409', async () => {
    const order = await paidOrder({ deliveryMs: 2_000 });
    await h.waitForStatus(order.orderId, 'NEEDS_ATTENTION');
    const responses = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        resolve(order.orderId, { action: 'EXTEND', extendMs: 600_000 + i * 1000, note: `op ${i}` }),
      ),
    );
    const winners = responses.filter((r) => r.status === 200);
    const view = await h.waitForStatus(order.orderId, 'CONFIRMED');
    await h.client.workflow.getHandle(orderWorkflowId(order.orderId)).terminate('test done');

    expect(winners).toHaveLength(1);
    for (const loser of responses.filter((r) => r.status !== 200)) {
      expect(loser.status).toBe(409);
      expect(['already_answered', 'order_not_at_step']).toContain(loser.body.error.code);
    }
    expect(view.attentionResolutions).toHaveLength(1);
  });

  it('cancel › by an operator through the API after payment › CANCELLED_BY_OPERATOR, the authorization voided', async () => {
    const order = await paidOrder();
    const cancelled = await h.api('POST', `/v1/orders/${order.orderId}/cancel`, {
      key: h.key('operator'),
      body: { reason: 'fraud suspected' },
    });
    const result = (await h.client.workflow.getHandle(orderWorkflowId(order.orderId)).result()) as OrderView;
    const journals = await journalsForOrder(h.db, order.orderId);
    const ledger = Object.fromEntries([...balances(journals).entries()].filter(([, v]) => v !== 0));

    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    expect(result.cancellationReason).toBe('CANCELLED_BY_OPERATOR');
    expect(result.cancellationDetail).toBe('fraud suspected');
    // Authorized at the payment notification, not captured before delivery: the compensation voids it (0400).
    expect(result.compensations.map((c) => c.type)).toEqual([
      'PAYMENT_VOIDED',
      'TRANSPORT_CANCELLED',
      'RESERVATION_RELEASED',
    ]);
    expect(await noticesSent(order.orderId)).toEqual(
      expect.arrayContaining([
        `ORDER_CANCELLED ${h.parties.customer.id}`,
        `ORDER_CANCELLED ${h.parties.seller.id}`,
        `RESERVATION_RELEASE ${h.parties.supplier.id}`,
        `TRANSPORT_CANCELLATION ${h.parties.carrierB.id}`,
      ]),
    );
    expect(journals.map((j) => j.kind)).toEqual(['AUTHORIZATION', 'VOID']);
    expect(journals[1]?.legs.map((l) => [l.account, l.direction, l.amount])).toEqual([
      ['gateway:authorizations', 'DEBIT', 29_950],
      ['bank:card-holds', 'CREDIT', 29_950],
    ]);
    expect(ledger).toEqual({});
  });
});
