// Need-to-know views over HTTP: two carriers quote on one order, then every party reads it through
// GET /v1/orders/:id and GET /v1/orders, and the answer to POST /v1/orders; none finds what its role must not see.

import type { OrderView } from '../../src/domain/order';
import type { ApiHarness, CastMember, Json } from '../support/harness';
import { startApiHarness } from '../support/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
});

afterAll(async () => {
  await h?.close();
});

const PRICE_A = 9_137;
const PRICE_B = 8_263;
const DECLINED_CARD = '4000000000009995';
const GOOD_CARD = '4242424242424242';

const acceptance = (amount: number, deliveryDate: string) => ({
  accepted: true,
  pickupDate: '2026-12-01',
  deliveryDate,
  route: 'MUC-HAM',
  method: 'road',
  price: { amount, currency: 'EUR' },
});

/**
 * A price as it can appear in a body: as a JSON amount, or formatted in a timeline outcome (`82.63 EUR`); never a bare
 * digit run, which an id or a time could hold by chance.
 */
const amountText = (amount: number) => `"amount":${amount}`;
const formatted = (amount: number) => `${Math.floor(amount / 100)}.${String(amount % 100).padStart(2, '0')} EUR`;

/** Whether a body names a price in either form. */
const namesPrice = (text: string, amount: number) =>
  text.includes(amountText(amount)) || text.includes(formatted(amount));

const card = (number: string) => ({ method: 'card', card: { number, expMonth: 12, expYear: 2034, cvc: '123' } });

/** Polls until an order is listed for the operator with this status (the read model is written by the workflow). */
async function waitListed(orderId: string, status: OrderView['status']): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await h.api('GET', `/v1/orders?limit=100`, { key: h.key('operator') });
    if (response.body.data.some((o: OrderView) => o.orderId === orderId && o.status === status)) return;
    if (Date.now() > deadline) throw new Error(`order ${orderId} not listed as ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** An order with a reservation where carrierA quoted PRICE_A, still waiting for carrierB. */
async function orderWithOneQuote(): Promise<OrderView> {
  const order = await h.placeOrder();
  await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
  const supplier = await h.api('POST', `/v1/orders/${order.orderId}/supplier-answer`, {
    key: h.key('supplier'),
    body: {
      available: true,
      reservationId: 'res-77',
      items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
    },
  });
  expect(supplier.status).toBe(200);
  await h.waitForStatus(order.orderId, 'AWAITING_CARRIER');
  const a = await h.api('POST', `/v1/orders/${order.orderId}/carrier-answer`, {
    key: h.key('carrierA'),
    body: acceptance(PRICE_A, '2026-12-09'),
  });
  expect(a.status).toBe(200);
  return order;
}

/** The order after both carriers quoted (carrierB wins with the lower price), paid after one decline. */
async function paidOrder(): Promise<OrderView> {
  const order = await orderWithOneQuote();
  const b = await h.api('POST', `/v1/orders/${order.orderId}/carrier-answer`, {
    key: h.key('carrierB'),
    body: acceptance(PRICE_B, '2026-12-10'),
  });
  expect(b.status).toBe(200);
  await h.waitForStatus(order.orderId, 'CONFIRMED');
  const declined = await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
    key: h.key('customer'),
    body: card(DECLINED_CARD),
  });
  expect(declined.status).toBe(402);
  const paid = await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
    key: h.key('customer'),
    body: card(GOOD_CARD),
  });
  expect(paid.status).toBe(200);
  await h.waitForStatus(order.orderId, 'CONFIRMED');
  return order;
}

async function readBoth(member: CastMember, orderId: string): Promise<{ one: Json; listed: Json; text: string }> {
  const one = await h.api('GET', `/v1/orders/${orderId}`, { key: h.key(member) });
  const list = await h.api('GET', '/v1/orders?limit=100', { key: h.key(member) });
  expect([member, one.status, list.status]).toEqual([member, 200, 200]);
  const listed = list.body.data.find((o: Json) => o.orderId === orderId);
  expect(listed).toBeDefined();
  return { one: one.body, listed, text: JSON.stringify(one.body) + JSON.stringify(list.body) };
}

describe('views over HTTP', () => {
  test('carrier views › while carriers quote › a candidate never finds the other carrier or its price', async () => {
    const order = await orderWithOneQuote();
    await waitListed(order.orderId, 'AWAITING_CARRIER');

    const a = await readBoth('carrierA', order.orderId);
    const b = await readBoth('carrierB', order.orderId);

    expect(a.one.quotes).toEqual([
      expect.objectContaining({ carrierId: h.parties.carrierA.id, price: { amount: PRICE_A, currency: 'EUR' } }),
    ]);
    expect(a.one.carrierIds).toEqual([h.parties.carrierA.id]);
    expect(a.one.quoteOutcome).toBe('PENDING');
    expect(a.text).not.toContain(h.parties.carrierB.id);
    expect(b.one.quotes).toEqual([]);
    expect(b.one.carrierIds).toEqual([h.parties.carrierB.id]);
    expect(b.one.quoteOutcome).toBe('AWAITING_ANSWER');
    expect(b.text).not.toContain(h.parties.carrierA.id);
    expect(namesPrice(b.text, PRICE_A)).toBe(false);
    expect(b.listed).toEqual(b.one);
  });

  test('carrier views › after the choice › the losing carrier learns only that it lost, the winner sees no loser', async () => {
    const order = await paidOrder();

    const loser = await readBoth('carrierA', order.orderId);
    const winner = await readBoth('carrierB', order.orderId);

    expect(loser.one).toEqual({
      orderId: order.orderId,
      quoteOutcome: 'NOT_SELECTED',
      quotes: [
        expect.objectContaining({ carrierId: h.parties.carrierA.id, price: { amount: PRICE_A, currency: 'EUR' } }),
      ],
    });
    expect(loser.text).not.toContain(h.parties.carrierB.id);
    expect(namesPrice(loser.text, PRICE_B)).toBe(false);
    expect(winner.one).toMatchObject({
      status: 'CONFIRMED',
      carrierId: h.parties.carrierB.id,
      quoteOutcome: 'SELECTED',
    });
    expect(winner.text).not.toContain(h.parties.carrierA.id);
    expect(namesPrice(winner.text, PRICE_A)).toBe(false);
    for (const view of [loser, winner]) {
      expect(view.text).not.toContain('payments');
      expect(view.text).not.toContain('settlement');
      expect(view.text).not.toContain('unitPrice');
      expect(view.text).not.toContain('"total"');
    }
  });

  test('customer view › a paid order › shows total, delivery and its payments but never transport cost or decline code', async () => {
    const order = await paidOrder();

    const customer = await readBoth('customer', order.orderId);

    expect(customer.one).toMatchObject({
      total: order.total,
      carrierId: h.parties.carrierB.id,
      delivery: { carrierId: h.parties.carrierB.id, deliveryDate: '2026-12-10' },
    });
    expect(customer.one.payments).toEqual([
      expect.objectContaining({ status: 'DECLINED', last4: '9995', brand: 'visa' }),
      expect.objectContaining({ status: 'AUTHORIZED', last4: '4242', brand: 'visa' }),
    ]);
    expect(customer.one.transportCost).toBeUndefined();
    expect(customer.one.quotes).toBeUndefined();
    expect(customer.text).not.toContain('transportCost');
    expect(customer.text).not.toContain('insufficient_funds');
    expect(namesPrice(customer.text, PRICE_B)).toBe(false);
    expect(namesPrice(customer.text, PRICE_A)).toBe(false);
    expect(customer.text).not.toContain(h.parties.carrierA.id);
    expect(customer.text).not.toContain(h.parties.supplier.id);
  });

  test('supplier view › a paid order › shows items, ship-to and reservation but never payments or prices', async () => {
    const order = await paidOrder();

    const supplier = await readBoth('supplier', order.orderId);

    expect(supplier.one).toMatchObject({
      supplierAnswer: { available: true, reservationId: 'res-77' },
      shipTo: order.shipTo,
      carrierId: h.parties.carrierB.id,
      delivery: { carrierId: h.parties.carrierB.id, pickupDate: '2026-12-01' },
    });
    expect(supplier.one.items).toEqual(
      order.items.map(({ sku, description, quantity }) => ({ sku, description, quantity })),
    );
    expect(supplier.one.payments).toBeUndefined();
    expect(namesPrice(supplier.text, PRICE_B)).toBe(false);
    for (const hidden of ['payments', 'transportCost', 'total', 'unitPrice', 'quotes', '"last4":"4242"']) {
      expect([hidden, supplier.text.includes(hidden)]).toEqual([hidden, false]);
    }
  });

  test('seller and operator views › a paid order › see every field, quotes and payments included', async () => {
    const order = await paidOrder();

    for (const member of ['seller', 'operator'] as const) {
      const { one } = await readBoth(member, order.orderId);
      expect(one.quotes.map((q: Json) => q.price.amount).sort()).toEqual([PRICE_B, PRICE_A].sort());
      expect(one.transportCost).toEqual({ amount: PRICE_B, currency: 'EUR' });
      expect(one.payments[0]).toMatchObject({ status: 'DECLINED', declineCode: 'insufficient_funds' });
    }
  });

  test('place order › the 201 answer › is the seller view of the new order', async () => {
    const response = await h.api('POST', '/v1/orders', { key: h.key('seller'), body: h.orderBody() });

    expect(response.status).toBe(201);
    expect(response.body.carrierIds).toEqual([h.parties.carrierA.id, h.parties.carrierB.id]);
    expect(response.body.total).toEqual({ amount: 2 * 12_500 + 5 * 990, currency: 'EUR' });
  });
});
