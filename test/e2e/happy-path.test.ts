// The whole lifecycle over HTTP, as the parties live it: the ten steps to CLOSED, then what an operator sees:
// the timeline, the read model, every party's inbox, and the search attributes Temporal UI filters on.

import { orderWorkflowId } from '../../src/contracts/order-contract';
import type { ApiHarness } from '../support/harness';
import { startApiHarness } from '../support/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
});

afterAll(async () => {
  await h?.close();
});

/** Lists workflows by a visibility query until `expected` match (visibility is eventually consistent). */
async function listUntil(query: string, expected: number, timeoutMs = 20_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids: string[] = [];
    for await (const execution of h.client.workflow.list({ query })) ids.push(execution.workflowId);
    if (ids.length >= expected || Date.now() > deadline) return ids;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('happy path over HTTP', () => {
  it('ten steps › every party acts once › CLOSED with timeline, read model, inboxes and search attributes', async () => {
    const placed = await h.placeOrder();
    const { orderId } = placed;
    const items = placed.items.map(({ sku, quantity }) => ({ sku, quantity }));
    const call = async (member: Parameters<ApiHarness['key']>[0], action: string, body: unknown) => {
      const response = await h.api('POST', `/v1/orders/${orderId}/${action}`, { key: h.key(member), body });
      expect([action, response.status]).toEqual([action, 200]);
      return response.body;
    };

    await call('supplier', 'supplier-answer', { available: true, reservationId: `res-${orderId}`, items });
    await call('carrierA', 'carrier-answer', {
      accepted: true,
      pickupDate: '2026-12-01',
      deliveryDate: '2026-12-04',
      route: 'HAM-MUC',
      method: 'road',
      price: { amount: 9_900, currency: 'EUR' },
    });
    // The carrier's answer shows only its own quote (its view); the operator's shows both.
    await call('carrierB', 'carrier-answer', {
      accepted: true,
      pickupDate: '2026-12-01',
      deliveryDate: '2026-12-03',
      route: 'HAM-MUC',
      method: 'rail',
      price: { amount: 9_900, currency: 'EUR' },
    });
    const confirmed = await h.waitForStatus(orderId, 'CONFIRMED');
    const paid = await call('customer', 'payment-notification', {
      method: 'card',
      card: { number: '4242424242424242', expMonth: 12, expYear: 2035, cvc: '123' },
    });
    for (const type of ['picked_up', 'in_transit', 'delivered']) await call('carrierB', 'shipment-events', { type });
    await h.waitForStatus(orderId, 'AWAITING_SELLER_CONFIRMATION');
    const closed = await call('seller', 'settlement-confirmation', { confirmed: true });

    // The answers: the tie on price went to the earlier delivery date; the customer paid the items' total.
    expect(confirmed.quotes).toHaveLength(2);
    expect(paid.payment).toMatchObject({ status: 'AUTHORIZED', amount: placed.total });
    expect(closed.status).toBe('CLOSED');
    expect(closed.carrierId).toBe(h.parties.carrierB.id);
    expect(closed.transportCost).toEqual({ amount: 9_900, currency: 'EUR' });

    // The timeline: each of the ten steps once, in order, with its actor.
    const order = (await h.api('GET', `/v1/orders/${orderId}`, { key: h.key('seller') })).body;
    expect(order.status).toBe('CLOSED');
    expect(order.timeline.map((e: { step: number; name: string; actor: string }) => [e.step, e.name, e.actor])).toEqual(
      [
        [1, 'ORDER_PLACED', h.parties.seller.id],
        [2, 'SUPPLIER_INQUIRY', h.parties.seller.id],
        [3, 'SUPPLIER_ANSWER', h.parties.supplier.id],
        [4, 'TRANSPORT_INQUIRY', h.parties.seller.id],
        [5, 'CARRIER_ANSWER', h.parties.carrierB.id],
        [6, 'ORDER_CONFIRMED', h.parties.seller.id],
        [7, 'DELIVERY_AND_PAYMENT', h.parties.customer.id],
        [8, 'TRANSFER_NOTICE', 'gateway'],
        [9, 'SELLER_CONFIRMATION', h.parties.seller.id],
        [10, 'DEAL_CLOSED', 'settleflow'],
      ],
    );
    expect(order.settlement.gross).toEqual(placed.total);
    expect(order.settlement.fee.amount + order.settlement.net.amount).toBe(placed.total.amount);

    // The read model is the workflow's final state.
    const result = await h.client.workflow.getHandle(orderWorkflowId(orderId)).result();
    expect(order).toEqual(result);

    // Every party got its notices.
    const kinds = async (member: Parameters<ApiHarness['key']>[0]) =>
      ((await h.api('GET', `/v1/inbox?orderId=${orderId}`, { key: h.key(member) })).body.data as { kind: string }[])
        .map((n) => n.kind)
        .sort();
    expect(await kinds('supplier')).toEqual(['DELIVERY_NOTICE', 'SUPPLIER_INQUIRY']);
    expect(await kinds('carrierA')).toEqual(['QUOTE_NOT_SELECTED', 'TRANSPORT_INQUIRY']);
    expect(await kinds('carrierB')).toEqual(['TRANSPORT_INQUIRY', 'TRANSPORT_NOTICE']);
    expect(await kinds('customer')).toEqual(['DEAL_CLOSED', 'ORDER_CONFIRMATION', 'PAYMENT_RECEIPT']);
    expect(await kinds('seller')).toEqual(['DEAL_CLOSED', 'SETTLEMENT_NOTE', 'TRANSFER_NOTICE']);

    // Temporal UI's filters find it by every search attribute.
    const workflowId = orderWorkflowId(orderId);
    const query =
      `WorkflowId = '${workflowId}' AND OrderStatus = 'CLOSED' AND SellerId = '${h.parties.seller.id}' ` +
      `AND CustomerId = '${h.parties.customer.id}' AND SupplierId = '${h.parties.supplier.id}' ` +
      `AND CarrierId = '${h.parties.carrierB.id}' AND OrderTotal = ${placed.total.amount}`;
    expect(await listUntil(query, 1)).toEqual([workflowId]);
    expect(await listUntil(`WorkflowId = '${workflowId}' AND OrderStatus = 'PLACED'`, 0, 0)).toEqual([]);
  });
});
