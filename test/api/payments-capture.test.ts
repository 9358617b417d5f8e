// Capture per seller, over HTTP through the gateway worker and the bank host: an operator sets one seller's capture to
// `IMMEDIATE` (PUT /v1/settings); that seller's new orders are purchased at the payment notification (one 0200, the
// card charged at once, nothing held), while another seller's (no setting: at delivery) are authorized (0100, the card
// held) and captured only when the carrier reports the delivery (0220). The bank host's own balance and holds of the
// card are read after each step; the operator reads the payment's masked messages at GET /v1/payments/:id/messages.

import type { OrderView } from '../../src/domain/order';
import type { ApiHarness, CastMember } from '../support/harness';
import { startApiHarness } from '../support/harness';
import type { TestCard } from '../support/bank-control';
import { cardAtBank, openTestCard } from '../support/bank-control';

const OPENING = 5_000_000;
let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
  const put = await h.api('PUT', '/v1/settings', {
    key: h.key('operator'),
    body: {
      version: 0,
      settings: { defaultDeadlines: {}, sellers: { [h.parties.otherSeller.id]: { capture: 'IMMEDIATE' } } },
    },
  });
  expect(put.status).toBe(200);
});

afterAll(async () => {
  await h?.close();
});

const cardBody = (card: TestCard) => ({
  method: 'card',
  card: { number: card.number, expMonth: card.expMonth, expYear: card.expYear, cvc: card.cvc },
});

async function deliver(order: OrderView): Promise<void> {
  const carrier: CastMember = order.carrierId === h.parties.carrierA.id ? 'carrierA' : 'carrierB';
  for (const type of ['picked_up', 'in_transit', 'delivered']) {
    const event = await h.api('POST', `/v1/orders/${order.orderId}/shipment-events`, {
      key: h.key(carrier),
      body: { type },
    });
    expect(event.status).toBe(200);
  }
}

async function messageTypes(orderId: string): Promise<string[]> {
  const messages = await h.api('GET', `/v1/payments/payment-${orderId}-1/messages`, { key: h.key('operator') });
  expect(messages.status).toBe(200);
  return messages.body.data.map((m: { mti: string }) => m.mti);
}

describe('capture per seller', () => {
  it('capture › seller set to IMMEDIATE › CAPTURED at the notification by one 0200, charged at once, nothing held', async () => {
    const card = await openTestCard(OPENING);
    const order = await h.confirmedOrder({ seller: 'otherSeller' });
    const paid = await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
      key: h.key('customer'),
      body: cardBody(card),
    });
    expect(paid.status).toBe(200);
    expect(paid.body.payment).toMatchObject({ status: 'CAPTURED', last4: card.number.slice(-4) });
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING - order.total.amount, held: 0 });
    expect(await messageTypes(order.orderId)).toEqual(['0200', '0210']);
    const payment = await h.api('GET', `/v1/payments/payment-${order.orderId}-1`, { key: h.key('operator') });
    expect(payment.body).toMatchObject({ status: 'succeeded', captureMode: 'immediate' });
    await deliver(order);
    await h.waitForStatus(order.orderId, 'AWAITING_SELLER_CONFIRMATION');
    // Delivery captures nothing more: the card was charged once.
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING - order.total.amount, held: 0 });
    expect(await messageTypes(order.orderId)).toEqual(['0200', '0210']);
  });

  it('capture › seller without a setting (at delivery) › AUTHORIZED and held, charged by a 0220 only at delivery', async () => {
    const card = await openTestCard(OPENING);
    const order = await h.confirmedOrder();
    const paid = await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
      key: h.key('customer'),
      body: cardBody(card),
    });
    expect(paid.status).toBe(200);
    expect(paid.body.payment).toMatchObject({ status: 'AUTHORIZED' });
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING, held: order.total.amount });
    expect(await messageTypes(order.orderId)).toEqual(['0100', '0110']);
    await deliver(order);
    const delivered = await h.waitForStatus(order.orderId, 'AWAITING_SELLER_CONFIRMATION');
    expect(delivered.payments.map((p) => p.status)).toEqual(['CAPTURED']);
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING - order.total.amount, held: 0 });
    expect(await messageTypes(order.orderId)).toEqual(['0100', '0110', '0220', '0230']);
  });
});
