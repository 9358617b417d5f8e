// The wrong party at the right step: for every action, while the order is at the very step where that action is
// legal, a party of the right role that is not on the order (or no longer in the running), and an operator (who
// never acts as a party), are refused with 403 and change nothing: not the order, not its inbox, not the bank, not
// the ledger. Then the order's own party takes the same action and it succeeds, so the step really was open and the
// refused calls did not use it up. Never at a step where a 409 would hide a missing party check.

import type { OrderStatus, OrderView } from '../../src/domain/order';
import type { ApiHarness, CastMember, Json } from '../support/harness';
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

const VISA_OK = { method: 'card', card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' } };

const acceptance = (amount: number) => ({
  accepted: true,
  pickupDate: '2026-12-01',
  deliveryDate: '2026-12-10',
  route: 'MUC-HAM',
  method: 'road',
  price: { amount, currency: 'EUR' },
});

const reservation = (order: OrderView) => ({
  available: true,
  reservationId: `res-${order.orderId}`,
  items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
});

/** Takes an action on an order as a cast member. */
function act(member: CastMember, orderId: string, action: string, body: unknown) {
  return h.api('POST', `/v1/orders/${orderId}/${action}`, { key: h.key(member), body });
}

/** Takes an action that must succeed (the order's own party at the right step). */
async function actOk(member: CastMember, orderId: string, action: string, body: unknown): Promise<Json> {
  const response = await act(member, orderId, action, body);
  expect([member, action, response.status, response.body?.error]).toEqual([member, action, 200, undefined]);
  return response.body;
}

/** Everything a refused call must leave as it was: the order as an operator reads it, its notices, bank, ledger. */
async function footprint(orderId: string) {
  const order = await h.api('GET', `/v1/orders/${orderId}`, { key: h.key('operator') });
  expect(order.status).toBe(200);
  // The gateway's payments of the order and what the bank host's own journal holds for them.
  const payments = await h.db.connection.collection(GATEWAY_PAYMENTS).find({ orderId }).sort({ _id: 1 }).toArray();
  const bankOperations = await Promise.all(
    payments.map(async (payment) => ({
      paymentId: String(payment._id),
      status: String(payment.status),
      authorizedMinor: Number(payment.authorizedMinor),
      bank: (await bankEntries(rrnFor(`${String(payment._id)}:authorization`))).map(
        (e) => `${e.mti}/${e.responseCode}`,
      ),
    })),
  );
  const journals = await h.db.ledger.find({ orderId }).sort({ _id: 1 }).lean();
  const notices = await h.db.notices.countDocuments({ orderId });
  return { order: order.body as OrderView, bankOperations, journals, notices };
}

/**
 * Sends each refused call (three copies of each at once, as a card tester or a buggy client would) and checks that
 * every one is a 403 `forbidden` and that the order, its notices, the bank and the ledger are exactly as before.
 */
async function expectRefusedWithoutEffect(
  orderId: string,
  status: OrderStatus,
  calls: { member: CastMember; action: string; body: unknown }[],
): Promise<void> {
  const before = await footprint(orderId);
  expect(before.order.status).toBe(status);

  const answers = await Promise.all(
    calls.flatMap(({ member, action, body }) =>
      [1, 2, 3].map(async () => {
        const response = await act(member, orderId, action, body);
        return { member, action, status: response.status, error: response.body?.error };
      }),
    ),
  );

  expect(answers).toEqual(
    calls.flatMap(({ member, action }) =>
      [1, 2, 3].map(() => ({
        member,
        action,
        status: 403,
        error: { type: 'permission_error', code: 'forbidden', message: expect.any(String), param: null },
      })),
    ),
  );
  const after = await footprint(orderId);
  expect(after.order.version).toBe(before.order.version);
  expect(after.order.timeline).toEqual(before.order.timeline);
  expect(after.order.payments).toEqual(before.order.payments);
  expect(after).toEqual(before);
}

/** Polls the order (as an operator) until `ready` holds. */
async function waitForOrder(orderId: string, ready: (view: OrderView) => boolean): Promise<OrderView> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const view = (await h.api('GET', `/v1/orders/${orderId}`, { key: h.key('operator') })).body as OrderView;
    if (ready(view)) return view;
    if (Date.now() > deadline) throw new Error(`order ${orderId} never got there: ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Places an order and waits for the supplier's inquiry. */
async function awaitingSupplier(): Promise<OrderView> {
  const order = await h.placeOrder();
  return h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
}

/** An order whose supplier reserved the goods, waiting for both carriers. */
async function awaitingCarrier(): Promise<OrderView> {
  const order = await awaitingSupplier();
  await actOk('supplier', order.orderId, 'supplier-answer', reservation(order));
  return h.waitForStatus(order.orderId, 'AWAITING_CARRIER');
}

/** A confirmed, payable order: carrierB (the cheaper) is chosen, carrierA lost. */
async function confirmed(): Promise<OrderView> {
  const order = await awaitingCarrier();
  await actOk('carrierA', order.orderId, 'carrier-answer', acceptance(9_000));
  await actOk('carrierB', order.orderId, 'carrier-answer', acceptance(8_000));
  const view = await h.waitForStatus(order.orderId, 'CONFIRMED');
  expect(view.carrierId).toBe(h.parties.carrierB.id);
  return view;
}

/** A paid and delivered order waiting for its seller's confirmation of the transfer notice and settlement note. */
async function awaitingSellerConfirmation(): Promise<OrderView> {
  const order = await confirmed();
  await actOk('customer', order.orderId, 'payment-notification', VISA_OK);
  for (const type of ['picked_up', 'in_transit', 'delivered']) {
    await actOk('carrierB', order.orderId, 'shipment-events', { type });
  }
  await h.waitForStatus(order.orderId, 'AWAITING_SELLER_CONFIRMATION');
  // The seller confirms the transfer notice and settlement note (step 8): wait until they are on the order.
  return waitForOrder(
    order.orderId,
    (view) => view.settlement !== undefined && view.timeline.some((e) => e.step === 8),
  );
}

const cancelsByOutsiders = [
  { member: 'otherCustomer' as const, action: 'cancel', body: { reason: 'not my order' } },
  { member: 'otherSeller' as const, action: 'cancel', body: { reason: 'not my order' } },
];

describe('wrong party at the right step', () => {
  test('supplier answer › another supplier, an operator, and outsiders cancelling while AWAITING_SUPPLIER › 403 and nothing changes', async () => {
    const order = await awaitingSupplier();

    await expectRefusedWithoutEffect(order.orderId, 'AWAITING_SUPPLIER', [
      { member: 'otherSupplier', action: 'supplier-answer', body: reservation(order) },
      { member: 'otherSupplier', action: 'supplier-answer', body: { available: false } },
      { member: 'operator', action: 'supplier-answer', body: reservation(order) },
      ...cancelsByOutsiders,
    ]);

    await actOk('supplier', order.orderId, 'supplier-answer', reservation(order));
    const after = await h.waitForStatus(order.orderId, 'AWAITING_CARRIER');
    expect(after.timeline.find((e) => e.step === 3)?.actor).toBe(h.parties.supplier.id);
  });

  test('carrier answer › a carrier not asked, an operator, and outsiders cancelling while AWAITING_CARRIER › 403 and nothing changes', async () => {
    const order = await awaitingCarrier();

    await expectRefusedWithoutEffect(order.orderId, 'AWAITING_CARRIER', [
      { member: 'otherCarrier', action: 'carrier-answer', body: acceptance(1) },
      { member: 'otherCarrier', action: 'carrier-answer', body: { accepted: false } },
      { member: 'operator', action: 'carrier-answer', body: acceptance(1) },
      ...cancelsByOutsiders,
    ]);

    // One candidate answered: the step is still open for the other, and outsiders are still refused.
    await actOk('carrierA', order.orderId, 'carrier-answer', acceptance(9_000));
    await expectRefusedWithoutEffect(order.orderId, 'AWAITING_CARRIER', [
      { member: 'otherCarrier', action: 'carrier-answer', body: acceptance(1) },
      { member: 'operator', action: 'carrier-answer', body: acceptance(1) },
    ]);
    await actOk('carrierB', order.orderId, 'carrier-answer', acceptance(8_000));
    const after = await h.waitForStatus(order.orderId, 'CONFIRMED');
    expect(after.quotes.map((q) => q.carrierId).sort()).toEqual([h.parties.carrierA.id, h.parties.carrierB.id].sort());
    expect(after.carrierId).toBe(h.parties.carrierB.id);
  });

  test('payment notification › another customer and an operator while the order is payable (CONFIRMED, then IN_DELIVERY) › 403, the bank and the ledger untouched', async () => {
    const order = await confirmed();

    await expectRefusedWithoutEffect(order.orderId, 'CONFIRMED', [
      { member: 'otherCustomer', action: 'payment-notification', body: VISA_OK },
      { member: 'operator', action: 'payment-notification', body: VISA_OK },
      { member: 'carrierA', action: 'shipment-events', body: { type: 'picked_up' } },
      { member: 'otherCarrier', action: 'shipment-events', body: { type: 'picked_up' } },
      { member: 'operator', action: 'shipment-events', body: { type: 'picked_up' } },
      ...cancelsByOutsiders,
    ]);
    const confirmedFootprint = await footprint(order.orderId);
    expect([confirmedFootprint.bankOperations, confirmedFootprint.journals]).toEqual([[], []]);

    // Picked up and still unpaid: payable, and the losing carrier still may not report what happens next.
    await actOk('carrierB', order.orderId, 'shipment-events', { type: 'picked_up' });
    await h.waitForStatus(order.orderId, 'IN_DELIVERY');
    await expectRefusedWithoutEffect(order.orderId, 'IN_DELIVERY', [
      { member: 'otherCustomer', action: 'payment-notification', body: VISA_OK },
      { member: 'operator', action: 'payment-notification', body: VISA_OK },
      { member: 'carrierA', action: 'shipment-events', body: { type: 'in_transit' } },
      { member: 'otherCarrier', action: 'shipment-events', body: { type: 'in_transit' } },
      { member: 'operator', action: 'shipment-events', body: { type: 'in_transit' } },
    ]);
    const inDeliveryFootprint = await footprint(order.orderId);
    expect([inDeliveryFootprint.bankOperations, inDeliveryFootprint.journals]).toEqual([[], []]);

    // The order's customer pays: the first attempt at the bank, for the order's total, is the customer's.
    await actOk('customer', order.orderId, 'payment-notification', VISA_OK);
    const paid = await footprint(order.orderId);
    expect(paid.order.payments).toEqual([
      expect.objectContaining({ attempt: 1, status: 'AUTHORIZED', amount: order.total, last4: '4242' }),
    ]);
    expect(paid.bankOperations).toEqual([
      {
        paymentId: `payment-${order.orderId}-1`,
        status: 'requires_capture',
        authorizedMinor: order.total.amount,
        bank: ['0100/00'],
      },
    ]);
    await actOk('carrierB', order.orderId, 'shipment-events', { type: 'in_transit' });
  });

  test('settlement confirmation › another seller and an operator while AWAITING_SELLER_CONFIRMATION › 403 and nothing changes', async () => {
    const order = await awaitingSellerConfirmation();

    await expectRefusedWithoutEffect(order.orderId, 'AWAITING_SELLER_CONFIRMATION', [
      { member: 'otherSeller', action: 'settlement-confirmation', body: { confirmed: true } },
      { member: 'otherSeller', action: 'settlement-confirmation', body: { confirmed: false, reason: 'short paid' } },
      { member: 'operator', action: 'settlement-confirmation', body: { confirmed: true } },
    ]);

    await actOk('seller', order.orderId, 'settlement-confirmation', { confirmed: true });
    const closed = await h.waitForStatus(order.orderId, 'CLOSED');
    expect(closed.timeline.find((e) => e.step === 9)?.actor).toBe(h.parties.seller.id);
  });

  test('dispute resolution › its own seller and customer while DISPUTED › 403 and nothing changes', async () => {
    const order = await awaitingSellerConfirmation();
    await actOk('seller', order.orderId, 'settlement-confirmation', { confirmed: false, reason: 'fee too high' });
    await h.waitForStatus(order.orderId, 'DISPUTED');

    await expectRefusedWithoutEffect(order.orderId, 'DISPUTED', [
      { member: 'seller', action: 'dispute-resolution', body: { resolution: 'CLOSE' } },
      { member: 'customer', action: 'dispute-resolution', body: { resolution: 'REFUND' } },
    ]);

    await actOk('operator', order.orderId, 'dispute-resolution', { resolution: 'CLOSE' });
    await h.waitForStatus(order.orderId, 'CLOSED');
  });

  test('cancel › another customer and another seller while CONFIRMED (the last step before pickup) › 403, then its own seller cancels', async () => {
    const order = await confirmed();

    await expectRefusedWithoutEffect(order.orderId, 'CONFIRMED', cancelsByOutsiders);

    await actOk('seller', order.orderId, 'cancel', { reason: 'out of stock after all' });
    const cancelled = await h.waitForStatus(order.orderId, 'CANCELLED');
    expect(cancelled.cancellationReason).toBe('CANCELLED_BY_SELLER');
  });
});
