// Logs and metrics of the real API over HTTP, with its in-process worker: a request carrying a card number and an
// API key leaves neither in any log line (the Authorization header is logged at debug level, redacted); the caller's
// X-Request-Id is echoed and appears in the API's line for the request and in the activity lines of that order;
// /metrics exposes the HTTP, Update, order and payment metrics with the values these requests produced; METRICS_TOKEN
// closes /metrics to everyone but its bearer and operators.

import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/api/app';
import type { OrderView } from '../../src/domain/order';
import type { ApiHarness } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { silentLogger } from '../support/log-capture';

const PAN = '4242424242424242';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ LOG_LEVEL: 'debug' });
});

afterAll(async () => {
  await h?.close();
});

type Entry = Record<string, unknown>;
const parsed = (lines: readonly string[]): Entry[] => lines.map((line) => JSON.parse(line) as Entry);

/** The value of one sample in Prometheus text (undefined when absent). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(/,(?=\w+=")/);
    if (wanted.every((pair) => present.includes(pair))) return Number(match[3]);
  }
  return undefined;
}

const acceptance = (amount: number) => ({
  accepted: true,
  pickupDate: '2026-12-01',
  deliveryDate: '2026-12-10',
  route: 'MUC-HAM',
  method: 'road',
  price: { amount, currency: 'EUR' },
});

/** Brings a placed order to CONFIRMED (supplier and both carriers answer), where it waits for the payment. */
async function confirm(order: OrderView): Promise<void> {
  await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
  const items = order.items.map(({ sku, quantity }) => ({ sku, quantity }));
  const supplier = await h.api('POST', `/v1/orders/${order.orderId}/supplier-answer`, {
    key: h.key('supplier'),
    body: { available: true, reservationId: 'res-1', items },
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
}

describe('api observability', () => {
  let orderId: string;
  const requestId = `obs-${randomUUID()}`;

  beforeAll(async () => {
    const body = h.orderBody();
    orderId = body.orderId;
    const placed = await h.api<OrderView>('POST', '/v1/orders', {
      key: h.key('seller'),
      body,
      headers: { 'X-Request-Id': requestId },
    });
    expect(placed.status).toBe(201);
    expect(placed.headers.get('x-request-id')).toBe(requestId);
    await confirm(placed.body);
    const paid = await h.api('POST', `/v1/orders/${orderId}/payment-notification`, {
      key: h.key('customer'),
      body: { method: 'card', card: { number: PAN, expMonth: 12, expYear: 2034, cvc: '123' } },
    });
    expect(paid.status).toBe(200);
  });

  test('logs › a request carrying a card number and an API key › neither appears, the header is redacted', async () => {
    // The same number in the path too: free text is scrubbed, not only known fields.
    const lookup = await h.api('GET', `/v1/orders/${PAN}`, { key: h.key('operator') });
    expect(lookup.status).toBe(404);

    const everything = [...h.logs, ...h.workerLogs].join('\n');
    expect(everything).not.toContain(PAN);
    expect(everything).not.toContain('4242 4242');
    for (const member of ['seller', 'customer', 'operator', 'supplier', 'carrierA'] as const) {
      expect(everything).not.toContain(h.key(member));
    }
    const paymentLine = parsed(h.logs).find(
      (entry) => entry.msg === 'request completed' && entry.route === '/v1/orders/:orderId/payment-notification',
    );
    expect(paymentLine).toMatchObject({ status: 200, req: { headers: { authorization: '[REDACTED]' } } });
    const lookupLine = parsed(h.logs).find(
      (entry) => entry.msg === 'request completed' && entry.route === '/v1/orders/:orderId' && entry.status === 404,
    );
    expect(lookupLine).toMatchObject({ path: '/v1/orders/[PAN REDACTED]', requestId: expect.any(String) });
  });

  test("logs › the caller's X-Request-Id › is on the API's line and the order's activity lines", () => {
    const apiLine = parsed(h.logs).find((entry) => entry.msg === 'request completed' && entry.route === '/v1/orders');
    expect(apiLine).toMatchObject({ requestId, method: 'POST', status: 201, service: 'settleflow-api' });

    const activityLines = parsed(h.workerLogs).filter(
      (entry) => entry.msg === 'activity completed' && entry.workflowId === `order-${orderId}`,
    );
    const placedActivities = activityLines.filter((entry) => entry.requestId === requestId);
    expect(placedActivities.map((entry) => entry.activity)).toContain('publishOrder');
    // Later requests (answers, the payment) carried ids of their own, which their activities carry in turn.
    expect(activityLines.some((entry) => entry.activity === 'publishOrder' && entry.requestId !== requestId)).toBe(
      true,
    );
  });

  test('logs › an X-Request-Id that is not sane › is replaced by a generated one', async () => {
    const response = await h.api('GET', '/v1/orders?limit=1', {
      key: h.key('operator'),
      headers: { 'X-Request-Id': 'bad id\twith "quotes"' },
    });

    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('metrics › scraped after the order › expose HTTP, Update, order and payment metrics with its values', async () => {
    const response = await fetch(`${h.baseUrl}/metrics`);
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const http = { method: 'POST', route: '/v1/orders', status: '201' };
    expect(sample(text, 'settleflow_http_request_duration_seconds_count', http)).toBe(1);
    expect(sample(text, 'settleflow_http_request_duration_seconds_sum', http)).toBeGreaterThan(0);
    expect(
      sample(text, 'settleflow_http_request_duration_seconds_count', {
        route: '/v1/orders/:orderId/carrier-answer',
        status: '200',
      }),
    ).toBe(2);
    expect(
      sample(text, 'settleflow_order_update_duration_seconds_count', { update: 'carrierAnswer', outcome: 'ok' }),
    ).toBe(2);
    expect(
      sample(text, 'settleflow_payments_total', { method: 'card', outcome: 'AUTHORIZED', decline_code: 'none' }),
    ).toBe(1);
    expect(sample(text, 'settleflow_orders', { status: 'CONFIRMED' })).toBe(1);
    expect(sample(text, 'settleflow_orders', { status: 'CLOSED' })).toBe(0);
    expect(sample(text, 'settleflow_webhook_deliveries', { state: 'FAILED' })).toBe(0);
    expect(text).toContain('settleflow_api_process_cpu_seconds_total');
    // Raw paths never become labels: the 404 above is `unmatched`-free and has its template.
    expect(text).not.toContain(orderId);
  });

  test('metrics › METRICS_TOKEN set › 401 without it, 200 with it or an operator key, 403 for a seller', async () => {
    const token = `mt-${randomUUID()}`;
    const app = createApp({
      db: h.db,
      temporal: h.client,
      config: { ...h.config, metrics: { ...h.config.metrics, token } },
      vault: h.vault,
      logger: silentLogger(),
    });
    const server: Server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    try {
      const statusWith = async (authorization?: string) =>
        (await fetch(url, { headers: authorization ? { authorization } : {} })).status;

      expect(await statusWith()).toBe(401);
      expect(await statusWith(`Bearer ${token}x`)).toBe(401);
      expect(await statusWith(`Bearer ${token}`)).toBe(200);
      expect(await statusWith(`Bearer ${h.key('operator')}`)).toBe(200);
      expect(await statusWith(`Bearer ${h.key('seller')}`)).toBe(403);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
