// Micropayments through the real bank host: card payments under the threshold are recorded at once (the order proceeds
// as AUTHORIZED) and collected per customer, seller and card by one aggregator workflow, which charges them as one card
// purchase when their sum passes the limit or the oldest passes the age limit; each order's capture at delivery takes
// its share of the aggregate. A declined aggregate fails every member; a member voided before the charge is left out.
// The bank's card balance equals what the aggregate charged.

import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { OrderWorkflowInput } from '../../src/contracts/order-contract';
import {
  cancelOrderUpdate,
  orderStatusQuery,
  paymentNotificationUpdate,
  shipmentEventUpdate,
} from '../../src/contracts/order-contract';
import { GATEWAY_PAYMENTS } from '../../src/gateway/card-payments';
import type { MethodPaymentRecord } from '../../src/gateway/payment-records';
import type { TestCard } from '../support/bank-control';
import { cardAtBank, openTestCard } from '../support/bank-control';
import type { GatewayEnv } from '../support/methods-env';
import { confirmedOrder, startGatewayEnv } from '../support/methods-env';
import { orderParties, waitForStatus } from '../support/workflow-env';

const OPENING = 1_000_000;
const PRICE = 300;
let rig: GatewayEnv;

beforeAll(async () => {
  rig = await startGatewayEnv({ thresholdMinor: 1_000, maxSumMinor: 500, maxAgeMs: 3_000 });
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

const smallOrder = (parties: Partial<OrderWorkflowInput>): Partial<OrderWorkflowInput> => ({
  ...parties,
  items: [{ sku: 'CLIP-1', description: 'clip', quantity: 1, unitPrice: { amount: PRICE, currency: 'EUR' } }],
});

function pay(customerId: string, card: TestCard) {
  return {
    customerId,
    payment: {
      method: 'card' as const,
      sealedCard: rig.env.vault.seal(JSON.stringify(card)),
      brand: 'visa',
      last4: card.number.slice(-4),
    },
  };
}

async function paymentRecord(paymentId: string): Promise<MethodPaymentRecord | null> {
  return (await (rig.env.db.connection as Connection)
    .collection<MethodPaymentRecord>(GATEWAY_PAYMENTS)
    .findOne({ _id: paymentId })) as MethodPaymentRecord | null;
}

/** Polls a payment until it leaves `requires_capture` (the aggregate charged or declined), within 30 s. */
async function settled(paymentId: string): Promise<MethodPaymentRecord> {
  for (let i = 0; i < 300; i += 1) {
    const record = await paymentRecord(paymentId);
    if (record && record.status !== 'requires_capture') return record;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${paymentId} was never settled by its aggregate`);
}

async function deliver(handle: Awaited<ReturnType<typeof confirmedOrder>>['handle']): Promise<void> {
  for (const type of ['picked_up', 'in_transit', 'delivered'] as const) {
    await handle.executeUpdate(shipmentEventUpdate, { args: [{ carrierId: 'carrier-b', type }] });
  }
  await waitForStatus(handle, 'AWAITING_SELLER_CONFIRMATION');
}

describe('micropayments', () => {
  it('micropayment › two small orders of one customer and seller › AUTHORIZED at once, one purchase for the sum, both captured', async () => {
    const card = await openTestCard(OPENING);
    const { sellerId, customerId } = orderParties();
    const first = await confirmedOrder(rig, smallOrder({ sellerId, customerId }));
    const second = await confirmedOrder(rig, smallOrder({ sellerId, customerId }));
    const one = await first.handle.executeUpdate(paymentNotificationUpdate, { args: [pay(customerId, card)] });
    expect(one.payment.status).toBe('AUTHORIZED');
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING, held: 0 });
    const two = await second.handle.executeUpdate(paymentNotificationUpdate, { args: [pay(customerId, card)] });
    expect(two.payment.status).toBe('AUTHORIZED');
    const [a, b] = [
      await settled(`payment-${first.input.orderId}-1`),
      await settled(`payment-${second.input.orderId}-1`),
    ];
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    expect(a.micropayment?.aggregatePaymentId).toBe(b.micropayment?.aggregatePaymentId);
    const aggregate = await paymentRecord(a.micropayment!.aggregatePaymentId!);
    expect([aggregate?.status, aggregate?.capturedMinor]).toEqual(['succeeded', 2 * PRICE]);
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING - 2 * PRICE, held: 0 });
    for (const order of [first, second]) await deliver(order.handle);
    for (const order of [first, second]) {
      const view = await order.handle.query(orderStatusQuery);
      expect(view.payments.map((p) => p.status)).toEqual(['CAPTURED']);
    }
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING - 2 * PRICE, held: 0 });
  });

  it('micropayment › one small order alone › charged when its age passes the limit, captured at delivery', async () => {
    const card = await openTestCard(OPENING);
    const order = await confirmedOrder(rig, smallOrder({}));
    await order.handle.executeUpdate(paymentNotificationUpdate, { args: [pay(order.input.customerId, card)] });
    const member = await settled(`payment-${order.input.orderId}-1`);
    expect([member.status, member.capturedMinor]).toEqual(['succeeded', PRICE]);
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING - PRICE });
    await deliver(order.handle);
    expect((await order.handle.query(orderStatusQuery)).payments.map((p) => p.status)).toEqual(['CAPTURED']);
  });

  it('micropayment › the aggregate is declined (no funds) › every member fails with the aggregate reason, nothing charged', async () => {
    const card = await openTestCard(100);
    const { sellerId, customerId } = orderParties();
    const first = await confirmedOrder(rig, smallOrder({ sellerId, customerId }));
    const second = await confirmedOrder(rig, smallOrder({ sellerId, customerId }));
    await first.handle.executeUpdate(paymentNotificationUpdate, { args: [pay(customerId, card)] });
    await second.handle.executeUpdate(paymentNotificationUpdate, { args: [pay(customerId, card)] });
    const members = [
      await settled(`payment-${first.input.orderId}-1`),
      await settled(`payment-${second.input.orderId}-1`),
    ];
    expect(members.map((m) => [m.status, m.declineCode])).toEqual([
      ['failed', 'aggregate_insufficient_funds'],
      ['failed', 'aggregate_insufficient_funds'],
    ]);
    expect(await cardAtBank(card.number)).toMatchObject({ balance: 100, held: 0 });
  });

  it('micropayment › order cancelled before the charge › its member is left out of the aggregate', async () => {
    const card = await openTestCard(OPENING);
    const { sellerId, customerId } = orderParties();
    const cancelled = await confirmedOrder(rig, smallOrder({ sellerId, customerId, orderId: `pm-${randomUUID()}` }));
    await cancelled.handle.executeUpdate(paymentNotificationUpdate, { args: [pay(customerId, card)] });
    await cancelled.handle.executeUpdate(cancelOrderUpdate, {
      args: [{ actor: { partyId: customerId, role: 'customer' }, reason: 'changed my mind' }],
    });
    await cancelled.handle.result();
    expect((await paymentRecord(`payment-${cancelled.input.orderId}-1`))?.status).toBe('canceled');
    const kept = await confirmedOrder(rig, smallOrder({ sellerId, customerId }));
    await kept.handle.executeUpdate(paymentNotificationUpdate, { args: [pay(customerId, card)] });
    const member = await settled(`payment-${kept.input.orderId}-1`);
    expect(member.status).toBe('succeeded');
    expect((await paymentRecord(member.micropayment!.aggregatePaymentId!))?.capturedMinor).toBe(PRICE);
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING - PRICE, held: 0 });
  });
});
