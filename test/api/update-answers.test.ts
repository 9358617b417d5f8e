// Need-to-know views in the answers to party actions (issue 5, A): every Update's answer (supplier answer, carrier
// answers, shipment events, payment notifications, the 402 included) is the caller's view of the order, so the second
// carrier never reads the first one's id or price and the customer never reads the bank's reasons or references.

import type { OrderView } from '../../src/domain/order';
import type { ApiHarness, ApiResponse, CastMember } from '../support/harness';
import { startApiHarness } from '../support/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
});

afterAll(async () => {
  await h?.close();
});

const PRICE_A = 9_137;
const LOW_PRICE = 8_263;
const HIGH_PRICE = 9_871;

const acceptance = (amount: number) => ({
  accepted: true,
  pickupDate: '2026-12-01',
  deliveryDate: '2026-12-10',
  route: 'MUC-HAM',
  method: 'road',
  price: { amount, currency: 'EUR' },
});

const card = (number: string) => ({ method: 'card', card: { number, expMonth: 12, expYear: 2034, cvc: '123' } });

/** Whether a body names a price as a JSON amount or as formatted text (`91.37 EUR`). */
const namesPrice = (text: string, amount: number) =>
  text.includes(`"amount":${amount}`) ||
  text.includes(`${Math.floor(amount / 100)}.${String(amount % 100).padStart(2, '0')} EUR`);

/** The fields a customer may read of a payment attempt. */
const CUSTOMER_PAYMENT_FIELDS = ['amount', 'at', 'attempt', 'brand', 'last4', 'method', 'status'];

async function act(member: CastMember, orderId: string, action: string, body: unknown): Promise<ApiResponse> {
  return h.api('POST', `/v1/orders/${orderId}/${action}`, { key: h.key(member), body });
}

/** Places an order and has the supplier answer it; returns the order and the supplier's answer. */
async function reserved(): Promise<{ order: OrderView; answer: ApiResponse }> {
  const order = await h.placeOrder();
  await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
  const answer = await act('supplier', order.orderId, 'supplier-answer', {
    available: true,
    reservationId: 'res-31',
    items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
  });
  await h.waitForStatus(order.orderId, 'AWAITING_CARRIER');
  return { order, answer };
}

describe('update answers', () => {
  test('supplier and carrier answers › each answer › is the caller view: no prices for the supplier, no rival for a carrier', async () => {
    const { order, answer: supplier } = await reserved();
    const first = await act('carrierA', order.orderId, 'carrier-answer', acceptance(PRICE_A));
    const second = await act('carrierB', order.orderId, 'carrier-answer', acceptance(LOW_PRICE));
    const supplierText = JSON.stringify(supplier.body);
    const firstText = JSON.stringify(first.body);
    const secondText = JSON.stringify(second.body);

    expect([supplier.status, first.status, second.status]).toEqual([200, 200, 200]);
    expect(supplier.body.supplierAnswer).toMatchObject({ available: true, reservationId: 'res-31' });
    for (const hidden of ['unitPrice', '"total"', 'carrierIds', h.parties.customer.id]) {
      expect([hidden, supplierText.includes(hidden)]).toEqual([hidden, false]);
    }
    expect(first.body.quotes).toEqual([expect.objectContaining({ carrierId: h.parties.carrierA.id })]);
    expect(firstText).not.toContain(h.parties.carrierB.id);
    expect(second.body.quotes).toEqual([expect.objectContaining({ carrierId: h.parties.carrierB.id })]);
    expect(secondText).not.toContain(h.parties.carrierA.id);
    expect(namesPrice(secondText, PRICE_A)).toBe(false);
    for (const text of [firstText, secondText]) {
      for (const hidden of ['unitPrice', '"total"', 'payments', h.parties.customer.id, h.parties.supplier.id]) {
        expect([hidden, text.includes(hidden)]).toEqual([hidden, false]);
      }
    }
  });

  test('carrier answer › the second carrier quotes higher and loses › its answer names neither the winner nor its price', async () => {
    const { order } = await reserved();
    await act('carrierA', order.orderId, 'carrier-answer', acceptance(PRICE_A));
    const losing = await act('carrierB', order.orderId, 'carrier-answer', acceptance(HIGH_PRICE));
    const text = JSON.stringify(losing.body);

    expect(losing.status).toBe(200);
    expect(losing.body.quotes).toEqual([
      expect.objectContaining({ carrierId: h.parties.carrierB.id, price: { amount: HIGH_PRICE, currency: 'EUR' } }),
    ]);
    expect(text).not.toContain(h.parties.carrierA.id);
    expect(namesPrice(text, PRICE_A)).toBe(false);
  });

  test('payment and shipment answers › a decline, a capture, shipment events › the customer reads no bank reason or reference, the carrier no rival', async () => {
    const { order } = await reserved();
    await act('carrierA', order.orderId, 'carrier-answer', acceptance(PRICE_A));
    await act('carrierB', order.orderId, 'carrier-answer', acceptance(LOW_PRICE));
    await h.waitForStatus(order.orderId, 'CONFIRMED');

    const declined = await act('customer', order.orderId, 'payment-notification', card('4000000000000127'));
    const paid = await act('customer', order.orderId, 'payment-notification', card('4242424242424242'));
    const shipped = [];
    for (const type of ['picked_up', 'in_transit', 'delivered']) {
      shipped.push(await act('carrierB', order.orderId, 'shipment-events', { type }));
    }
    const seller = await h.waitForStatus(order.orderId, 'AWAITING_SELLER_CONFIRMATION');

    expect(declined.status).toBe(402);
    expect(declined.body.error).toEqual({
      type: 'card_error',
      code: 'card_declined',
      message: 'the card was declined',
      param: 'card',
    });
    expect(paid.status).toBe(200);
    // The references exist (the seller reads them), and the customer's answers carry none of them.
    const captured = seller.payments.find((p) => p.status === 'CAPTURED');
    expect(captured?.authorizationId).toEqual(expect.any(String));
    expect(seller.payments[0]?.declineCode).toBe('incorrect_cvc');
    for (const answer of [declined, paid]) {
      const text = JSON.stringify(answer.body);
      expect(Object.keys(answer.body.payment).sort()).toEqual(CUSTOMER_PAYMENT_FIELDS);
      for (const payment of answer.body.order.payments) {
        expect(Object.keys(payment).sort()).toEqual(CUSTOMER_PAYMENT_FIELDS);
      }
      for (const hidden of [
        'declineCode',
        'incorrect_cvc',
        'authorizationId',
        'captureId',
        captured?.authorizationId ?? 'auth',
        'transportCost',
        h.parties.supplier.id,
        h.parties.carrierA.id,
      ]) {
        expect([hidden, text.includes(hidden)]).toEqual([hidden, false]);
      }
      expect(namesPrice(text, LOW_PRICE)).toBe(false);
    }
    for (const answer of shipped) {
      const text = JSON.stringify(answer.body);
      expect(answer.status).toBe(200);
      expect(answer.body.quoteOutcome).toBe('SELECTED');
      expect(text).not.toContain(h.parties.carrierA.id);
      expect(namesPrice(text, PRICE_A)).toBe(false);
      for (const hidden of ['payments', 'settlement', '"total"', 'unitPrice', h.parties.customer.id]) {
        expect([hidden, text.includes(hidden)]).toEqual([hidden, false]);
      }
    }
  });
});
