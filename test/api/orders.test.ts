// Orders through the API end to end: placing, reading, listing, the inbox, every action up to the closed deal,
// a declined and a captured payment, a cancellation, and actions on a closed order.

import { orderWorkflowId } from '../../src/contracts/order-contract';
import type { OrderView } from '../../src/domain/order';
import type { ApiHarness } from '../support/harness';
import { startApiHarness } from '../support/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
});

afterAll(async () => {
  await h?.close();
});

function expectConflict(body: unknown, code: string): void {
  expect(body).toEqual({ error: { type: 'conflict_error', code, message: expect.any(String), param: null } });
}

const VISA_OK = '4242424242424242';
const VISA_INSUFFICIENT_FUNDS = '4000000000009995';

const card = (number: string) => ({ method: 'card', card: { number, expMonth: 12, expYear: 2034, cvc: '123' } });

const acceptance = (amount: number) => ({
  accepted: true,
  pickupDate: '2026-12-01',
  deliveryDate: '2026-12-10',
  route: 'MUC-HAM',
  method: 'road',
  price: { amount, currency: 'EUR' },
});

async function confirmedOrder(): Promise<OrderView> {
  const order = await h.placeOrder();
  await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
  const supplier = await h.api('POST', `/v1/orders/${order.orderId}/supplier-answer`, {
    key: h.key('supplier'),
    body: {
      available: true,
      reservationId: 'res-1',
      items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
    },
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
  return h.waitForStatus(order.orderId, 'CONFIRMED');
}

/** Waits until the workflows have written these orders' first read-model documents (listing reads only those). */
async function waitUntilListed(orderIds: string[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await h.api('GET', '/v1/orders?limit=100', { key: h.key('operator') });
    const listed = new Set(response.body.data.map((o: OrderView) => o.orderId));
    if (orderIds.every((id) => listed.has(id))) return;
    if (Date.now() > deadline) throw new Error(`orders not listed: ${orderIds.filter((id) => !listed.has(id))}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until a party's inbox holds a notice of this kind about the order (the workflow writes it after the status). */
async function waitForInbox(member: 'supplier' | 'carrierB', orderId: string, kind: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await h.api('GET', `/v1/inbox?orderId=${orderId}`, { key: h.key(member) });
    if (response.body.data.some((n: { kind: string }) => n.kind === kind)) return;
    if (Date.now() > deadline) throw new Error(`no ${kind} for ${member} about ${orderId}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('place order', () => {
  test('place order › a valid body from a seller › answers 201 with the placed order and its Location', async () => {
    const body = h.orderBody();

    const response = await h.api('POST', '/v1/orders', { key: h.key('seller'), body });

    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`/v1/orders/${body.orderId}`);
    expect(response.body).toMatchObject({
      orderId: body.orderId,
      status: 'PLACED',
      sellerId: h.parties.seller.id,
      total: { amount: 2 * 12_500 + 5 * 990, currency: 'EUR' },
      deadlines: { supplierAnswerMs: 300_000, carrierAnswerMs: 300_000, paymentMs: 300_000 },
    });
  });

  test('place order › without orderId and deadlines › generates an ord_ id and uses the configured deadlines', async () => {
    const { orderId: _orderId, deadlines: _deadlines, ...body } = h.orderBody();

    const response = await h.api('POST', '/v1/orders', { key: h.key('seller'), body });

    expect(response.status).toBe(201);
    expect(response.body.orderId).toMatch(/^ord_[0-9a-z]{9}[0-9a-f]{16}$/);
    expect(response.body.deadlines).toEqual(h.config.defaultDeadlines);
  });

  test('place order › a partial deadline override › is merged over the defaults', async () => {
    const response = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body: h.orderBody({ deadlines: { paymentMs: 5000 } }),
    });

    expect(response.status).toBe(201);
    expect(response.body.deadlines).toEqual({ ...h.config.defaultDeadlines, paymentMs: 5000 });
  });
});

describe('read orders', () => {
  test('get order › by each party on it and an operator › answers 200 with the order', async () => {
    const order = await h.placeOrder();

    for (const member of ['seller', 'customer', 'supplier', 'carrierA', 'carrierB', 'operator'] as const) {
      const response = await h.api('GET', `/v1/orders/${order.orderId}`, { key: h.key(member) });
      expect([member, response.status, response.body.orderId]).toEqual([member, 200, order.orderId]);
    }
  });

  test('get order › an unknown id › answers 404 order_not_found', async () => {
    const response = await h.api('GET', '/v1/orders/no-such-order', { key: h.key('operator') });

    expect(response.status).toBe(404);
    expect(response.body.error).toMatchObject({ type: 'not_found_error', code: 'order_not_found' });
  });

  test('list orders › as the customer › shows only its own orders, newest first, in pages', async () => {
    const first = await h.placeOrder();
    const second = await h.placeOrder();
    const outsider = await h.placeOrder({ customerId: h.parties.otherCustomer.id });
    await waitUntilListed([first.orderId, second.orderId, outsider.orderId]);

    const page1 = await h.api('GET', '/v1/orders?limit=1', { key: h.key('otherCustomer') });
    const all = await h.api('GET', '/v1/orders?limit=100', { key: h.key('customer') });

    expect(page1.status).toBe(200);
    expect(page1.body.data.map((o: OrderView) => o.orderId)).toEqual([outsider.orderId]);
    const ids = all.body.data.map((o: OrderView) => o.orderId);
    expect(ids).toEqual(expect.arrayContaining([first.orderId, second.orderId]));
    expect(ids).not.toContain(outsider.orderId);
    expect(all.body.data.every((o: OrderView) => o.customerId === h.parties.customer.id)).toBe(true);
  });

  test('list orders › following nextCursor › walks every order once', async () => {
    const placed = await Promise.all([h.placeOrder(), h.placeOrder(), h.placeOrder()]);
    await waitUntilListed(placed.map((o) => o.orderId));
    const seen: string[] = [];
    let cursor: string | null = null;

    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await h.api('GET', `/v1/orders?limit=2${query}`, { key: h.key('seller') });
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((o: OrderView) => o.orderId));
      cursor = page.body.nextCursor;
    } while (cursor);

    const all = await h.api('GET', '/v1/orders?limit=100', { key: h.key('seller') });
    expect(seen).toEqual(all.body.data.map((o: OrderView) => o.orderId));
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe('inbox', () => {
  test('inbox › a supplier inquiry › is open until the supplier answers', async () => {
    const order = await h.placeOrder();
    await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');

    await waitForInbox('supplier', order.orderId, 'SUPPLIER_INQUIRY');
    const before = await h.api('GET', `/v1/inbox?orderId=${order.orderId}&open=true`, { key: h.key('supplier') });
    await h.api('POST', `/v1/orders/${order.orderId}/supplier-answer`, {
      key: h.key('supplier'),
      body: { available: true, reservationId: 'r', items: order.items.map(({ sku, quantity }) => ({ sku, quantity })) },
    });
    await h.waitForStatus(order.orderId, 'AWAITING_CARRIER');
    const after = await h.api('GET', `/v1/inbox?orderId=${order.orderId}`, { key: h.key('supplier') });

    expect(before.status).toBe(200);
    expect(before.body.data).toEqual([expect.objectContaining({ kind: 'SUPPLIER_INQUIRY', open: true })]);
    expect(after.body.data).toEqual([expect.objectContaining({ kind: 'SUPPLIER_INQUIRY', open: false })]);
  });

  test('inbox › transport inquiries › close for the carrier that answered only', async () => {
    const order = await h.placeOrder();
    await h.api('POST', `/v1/orders/${order.orderId}/supplier-answer`, {
      key: h.key('supplier'),
      body: { available: true, reservationId: 'r', items: order.items.map(({ sku, quantity }) => ({ sku, quantity })) },
    });
    await h.waitForStatus(order.orderId, 'AWAITING_CARRIER');

    await waitForInbox('carrierB', order.orderId, 'TRANSPORT_INQUIRY');
    await h.api('POST', `/v1/orders/${order.orderId}/carrier-answer`, {
      key: h.key('carrierA'),
      body: { accepted: false },
    });
    const a = await h.api('GET', `/v1/inbox?orderId=${order.orderId}&open=true`, { key: h.key('carrierA') });
    const b = await h.api('GET', `/v1/inbox?orderId=${order.orderId}&open=true`, { key: h.key('carrierB') });

    expect(a.body.data).toEqual([]);
    expect(b.body.data).toEqual([expect.objectContaining({ kind: 'TRANSPORT_INQUIRY', open: true })]);
  });
});

describe('order lifecycle', () => {
  test('lifecycle › declined then captured payment, delivery, confirmation › closes the deal', async () => {
    const order = await confirmedOrder();
    expect(order.carrierId).toBe(h.parties.carrierB.id);

    const declined = await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
      key: h.key('customer'),
      body: card(VISA_INSUFFICIENT_FUNDS),
    });
    expect(declined.status).toBe(402);
    expect(declined.body.error).toEqual({
      type: 'card_error',
      code: 'card_declined',
      message: expect.any(String),
      param: 'card',
    });
    expect(declined.body.payment).toMatchObject({ status: 'DECLINED', last4: '9995', brand: 'visa' });
    // The bank's precise reason would tell a card tester which numbers are live: it stays in the order.
    expect(JSON.stringify(declined.body.error)).not.toContain('insufficient_funds');
    expect(declined.body.payment).not.toHaveProperty('declineCode');
    const asSeller = await h.api('GET', `/v1/orders/${order.orderId}`, { key: h.key('seller') });
    expect(asSeller.body.payments[0]).toMatchObject({ status: 'DECLINED', declineCode: 'insufficient_funds' });

    const paid = await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
      key: h.key('customer'),
      body: card(VISA_OK),
    });
    expect(paid.status).toBe(200);
    expect(paid.body.payment).toMatchObject({ status: 'AUTHORIZED', last4: '4242' });

    for (const type of ['picked_up', 'in_transit', 'delivered']) {
      const event = await h.api('POST', `/v1/orders/${order.orderId}/shipment-events`, {
        key: h.key('carrierB'),
        body: { type },
      });
      expect([type, event.status]).toEqual([type, 200]);
    }
    await h.waitForStatus(order.orderId, 'AWAITING_SELLER_CONFIRMATION');

    const confirmed = await h.api('POST', `/v1/orders/${order.orderId}/settlement-confirmation`, {
      key: h.key('seller'),
      body: { confirmed: true },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('CLOSED');

    const late = await h.api('POST', `/v1/orders/${order.orderId}/cancel`, { key: h.key('customer'), body: {} });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ type: 'conflict_error', code: 'order_not_at_step' });
    expect(JSON.stringify(h.logs)).not.toContain(VISA_OK);
  });

  test('lifecycle › the other carrier reports a shipment event › is refused with 403', async () => {
    const order = await confirmedOrder();

    const response = await h.api('POST', `/v1/orders/${order.orderId}/shipment-events`, {
      key: h.key('carrierA'),
      body: { type: 'picked_up' },
    });

    expect(response.status).toBe(403);
    expect(response.body.error.type).toBe('permission_error');
  });

  test('lifecycle › a disputed settlement › is resolved by an operator', async () => {
    const order = await confirmedOrder();
    await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
      key: h.key('customer'),
      body: card(VISA_OK),
    });
    for (const type of ['picked_up', 'delivered']) {
      await h.api('POST', `/v1/orders/${order.orderId}/shipment-events`, { key: h.key('carrierB'), body: { type } });
    }
    await h.waitForStatus(order.orderId, 'AWAITING_SELLER_CONFIRMATION');

    const disputed = await h.api('POST', `/v1/orders/${order.orderId}/settlement-confirmation`, {
      key: h.key('seller'),
      body: { confirmed: false, reason: 'net amount is short' },
    });
    const resolved = await h.api('POST', `/v1/orders/${order.orderId}/dispute-resolution`, {
      key: h.key('operator'),
      body: { resolution: 'REFUND', note: 'refund agreed' },
    });

    expect(disputed.status).toBe(200);
    expect(disputed.body.status).toBe('DISPUTED');
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'CANCELLED', cancellationReason: 'DISPUTE_REFUNDED' });
  });

  test('cancel › by the customer while the supplier is asked › cancels the order', async () => {
    const order = await h.placeOrder();
    await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');

    const response = await h.api('POST', `/v1/orders/${order.orderId}/cancel`, {
      key: h.key('customer'),
      body: { reason: 'ordered by mistake' },
    });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CANCELLED_BY_CUSTOMER' });
  });

  test('cancel › an order whose workflow has completed › answers 409 order_not_at_step', async () => {
    const order = await h.placeOrder();
    await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
    await h.api('POST', `/v1/orders/${order.orderId}/cancel`, { key: h.key('seller'), body: {} });
    await h.client.workflow.getHandle(orderWorkflowId(order.orderId)).result();

    const response = await h.api('POST', `/v1/orders/${order.orderId}/cancel`, { key: h.key('customer'), body: {} });

    expect(response.status).toBe(409);
    expectConflict(response.body, 'order_not_at_step');
  });

  test('cancel › a POST without any body › counts as an empty body', async () => {
    const order = await h.placeOrder();
    await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');

    const response = await h.api('POST', `/v1/orders/${order.orderId}/cancel`, { key: h.key('seller') });

    expect(response.status).toBe(200);
    expect(response.body.cancellationReason).toBe('CANCELLED_BY_SELLER');
  });

  test('supplier answer › at the wrong step › is rejected with 409 from the workflow', async () => {
    const order = await confirmedOrder();

    const response = await h.api('POST', `/v1/orders/${order.orderId}/supplier-answer`, {
      key: h.key('supplier'),
      body: { available: false },
    });

    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ type: 'conflict_error', code: 'order_not_at_step' });
  });

  test('supplier answer › reserving the wrong quantity › is rejected with 422 naming items', async () => {
    const order = await h.placeOrder();
    await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');

    const response = await h.api('POST', `/v1/orders/${order.orderId}/supplier-answer`, {
      key: h.key('supplier'),
      body: { available: true, reservationId: 'r', items: [{ sku: 'PUMP-7', quantity: 1 }] },
    });

    expect(response.status).toBe(422);
    expect(response.body.error).toEqual({
      type: 'invalid_request_error',
      code: 'reservation_mismatch',
      message: expect.any(String),
      param: 'items',
    });
  });
});
