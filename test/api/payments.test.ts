// Bounded payments (issue 5, C) and the API's answers to failures it cannot map (502/503) or that take too long
// (504), over HTTP: at most PAYMENT_MAX_ATTEMPTS notifications per order, then PAYMENT_FAILED with its compensations;
// a 402 names no bank reason; notifications are rate-limited per customer and per order; history stays in budget.

import { randomUUID } from 'node:crypto';
import { initialSearchAttributes, orderWorkflowId } from '../../src/contracts/order-contract';
import type { OrderWorkflowInput } from '../../src/contracts/order-contract';
import type { OrderView } from '../../src/domain/order';
import { registerParty } from '../../src/persistence/party-store';
import type { ApiHarness } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { bankEntries } from '../support/bank-control';
import { rrnFor } from '../../src/gateway/bank-connector/card-client';
import { LONG_DEADLINES } from '../support/workflow-env';

/**
 * The history budget of an order that took PAYMENT_MAX_ATTEMPTS (5) declines and was cancelled as PAYMENT_FAILED:
 * every Update answers `{ orderId, version, payment }` and every read-model write carries only changed fields, so
 * the whole history (about 120 events) stays under 96 KiB, against Temporal's 50 MiB limit (README, "History size").
 */
const HISTORY_BUDGET_BYTES = 96 * 1024;
const HISTORY_BUDGET_EVENTS = 200;

const RATE_PER_MINUTE = 6;
let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ PAYMENT_RATE_PER_MINUTE: String(RATE_PER_MINUTE), API_UPDATE_TIMEOUT_MS: '5000' });
});

afterAll(async () => {
  await h?.close();
});

const card = (number: string) => ({ method: 'card', card: { number, expMonth: 12, expYear: 2034, cvc: '123' } });
const DECLINING_CARDS = ['4000000000009995', '4000000000000127', '4000000000000069', '4000000000000002'];

const acceptance = (amount: number) => ({
  accepted: true,
  pickupDate: '2026-12-01',
  deliveryDate: '2026-12-10',
  route: 'MUC-HAM',
  method: 'road',
  price: { amount, currency: 'EUR' },
});

/** A customer of its own, so rate limits of one test never reach another. */
async function newCustomer(): Promise<{ id: string; apiKey: string }> {
  return registerParty(h.db, h.vault, { id: `cust-${randomUUID().slice(0, 8)}`, role: 'customer', name: 'Customer' });
}

async function confirmedOrder(customerId: string): Promise<OrderView> {
  const order = await h.placeOrder({ customerId });
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
    expect(
      (
        await h.api('POST', `/v1/orders/${order.orderId}/carrier-answer`, {
          key: h.key(member),
          body: acceptance(amount),
        })
      ).status,
    ).toBe(200);
  }
  return h.waitForStatus(order.orderId, 'CONFIRMED');
}

describe('payments', () => {
  it('declines › PAYMENT_MAX_ATTEMPTS declines › 402 card_declined each, then 409 exhausted and PAYMENT_FAILED', async () => {
    const customer = await newCustomer();
    const order = await confirmedOrder(customer.id);
    const declines = [];
    for (let i = 0; i < 5; i += 1) {
      declines.push(
        await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
          key: customer.apiKey,
          body: card(DECLINING_CARDS[i % DECLINING_CARDS.length] ?? ''),
        }),
      );
    }
    const sixth = await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
      key: customer.apiKey,
      body: card('4242424242424242'),
    });
    const result = (await h.client.workflow.getHandle(orderWorkflowId(order.orderId)).result()) as OrderView;

    for (const declined of declines) {
      expect(declined.status).toBe(402);
      expect(declined.body.error).toEqual({
        type: 'card_error',
        code: 'card_declined',
        message: 'the card was declined',
        param: 'card',
      });
      expect(JSON.stringify(declined.body)).not.toMatch(/insufficient_funds|incorrect_cvc|expired_card|do_not_honor/);
    }
    expect(sixth.status).toBe(409);
    expect(sixth.body.error.code).toMatch(/^(payment_attempts_exhausted|order_cancelling|order_not_at_step)$/);
    expect(result.status).toBe('CANCELLED');
    expect(result.cancellationReason).toBe('PAYMENT_FAILED');
    expect(result.payments.map((p) => p.declineCode)).toEqual([
      'insufficient_funds',
      'incorrect_cvc',
      'expired_card',
      'do_not_honor',
      'insufficient_funds',
    ]);
    expect(result.compensations.map((c) => c.type)).toEqual(['TRANSPORT_CANCELLED', 'RESERVATION_RELEASED']);
    const notices = await h.db.notices.find({ orderId: order.orderId }).lean();
    const sent = notices.map((n) => `${n.kind} ${n.recipientId}`);
    expect(sent).toEqual(
      expect.arrayContaining([
        `RESERVATION_RELEASE ${h.parties.supplier.id}`,
        `TRANSPORT_CANCELLATION ${h.parties.carrierB.id}`,
        `ORDER_CANCELLED ${h.parties.seller.id}`,
        `ORDER_CANCELLED ${customer.id}`,
      ]),
    );
    expect(await h.db.ledger.countDocuments({ orderId: order.orderId })).toBe(0);
    expect(await h.gateway.payments.find(`payment-${order.orderId}-6`)).toBeNull();
    expect(await bankEntries(rrnFor(`payment-${order.orderId}-6:authorization`))).toEqual([]);
  });

  it('declines › while the order still takes payments › the 6th notification is 409 payment_attempts_exhausted', async () => {
    const customer = await newCustomer();
    const order = await confirmedOrder(customer.id);
    for (let i = 0; i < 5; i += 1) {
      const declined = await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
        key: customer.apiKey,
        body: card('4000000000000002'),
      });
      expect(declined.status).toBe(402);
    }
    // The workflow may still be compensating; the exhausted code comes first either way.
    const sixth = await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
      key: customer.apiKey,
      body: card('4000000000000002'),
    });
    expect([sixth.status, sixth.body.error.code]).toEqual([409, expect.stringMatching(/exhausted|not_at_step/)]);
  });

  it('history › after the maximum number of declines › stays under the documented budget', async () => {
    const customer = await newCustomer();
    const order = await confirmedOrder(customer.id);
    for (let i = 0; i < 5; i += 1) {
      await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
        key: customer.apiKey,
        body: card('4000000000009995'),
      });
    }
    const handle = h.client.workflow.getHandle(orderWorkflowId(order.orderId));
    await handle.result();
    const history = await handle.fetchHistory();
    const bytes = Buffer.byteLength(JSON.stringify(history), 'utf8');
    const events = history.events?.length ?? 0;
    console.log(`history after 5 declines and PAYMENT_FAILED: ${events} events, ${bytes} bytes`);
    expect(bytes).toBeLessThan(HISTORY_BUDGET_BYTES);
    expect(events).toBeLessThan(HISTORY_BUDGET_EVENTS);
  });

  it('rate limit › more notifications on one order than the rate › 429 rate_limited with Retry-After', async () => {
    const customer = await newCustomer();
    const order = await confirmedOrder(customer.id);
    const responses = await Promise.all(
      Array.from({ length: RATE_PER_MINUTE + 2 }, () =>
        h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
          key: customer.apiKey,
          body: card('4000000000000002'),
        }),
      ),
    );
    const limited = responses.filter((r) => r.status === 429);
    expect(limited).toHaveLength(2);
    for (const r of limited) {
      expect(r.body.error).toEqual({
        type: 'invalid_request_error',
        code: 'rate_limited',
        message: expect.any(String),
        param: null,
      });
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    await h.client.workflow.getHandle(orderWorkflowId(order.orderId)).terminate('test done');
  });

  it('rate limit › one customer over two orders › the customer limit applies across orders', async () => {
    const customer = await newCustomer();
    const first = await confirmedOrder(customer.id);
    const second = await confirmedOrder(customer.id);
    const send = (orderId: string) =>
      h.api('POST', `/v1/orders/${orderId}/payment-notification`, {
        key: customer.apiKey,
        body: card('4000000000000002'),
      });
    const responses = [];
    for (let i = 0; i < 4; i += 1) responses.push(await send(first.orderId), await send(second.orderId));
    expect(responses.filter((r) => r.status === 429)).toHaveLength(8 - RATE_PER_MINUTE);
    for (const orderId of [first.orderId, second.orderId]) {
      await h.client.workflow.getHandle(orderWorkflowId(orderId)).terminate('test done');
    }
  });

  it('update deadline › no worker takes the order › 504 update_timeout naming the Idempotency-Key retry', async () => {
    const orderId = `ord-${randomUUID()}`;
    const input: OrderWorkflowInput = {
      orderId,
      sellerId: h.parties.seller.id,
      customerId: h.parties.customer.id,
      supplierId: h.parties.supplier.id,
      carrierIds: [h.parties.carrierA.id],
      items: [{ sku: 'A', description: 'a', quantity: 1, unitPrice: { amount: 100, currency: 'EUR' } }],
      shipTo: { name: 'P', line1: 'L', city: 'C', postalCode: '1', country: 'DE' },
      deadlines: LONG_DEADLINES,
      placedAt: new Date().toISOString(),
      gatewayFee: { bps: 150, fixedMinor: 25 },
    };
    const handle = await h.client.workflow.start('orderWorkflow', {
      workflowId: orderWorkflowId(orderId),
      taskQueue: `nobody-polls-${randomUUID()}`,
      args: [input],
      typedSearchAttributes: initialSearchAttributes(input),
    });
    const response = await h.api('POST', `/v1/orders/${orderId}/supplier-answer`, {
      key: h.key('supplier'),
      body: { available: false, items: [] },
      headers: { 'idempotency-key': randomUUID() },
    });
    await handle.terminate('test done');
    expect(response.status).toBe(504);
    expect(response.body.error).toEqual({
      type: 'api_error',
      code: 'update_timeout',
      message: expect.stringContaining('same Idempotency-Key'),
      param: null,
    });
  });
});
