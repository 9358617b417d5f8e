// Input validation at the edge: every refusal a 4xx in Stripe's error shape naming the field, never a 500.

import type { ApiHarness } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { errorLines } from '../support/log-capture';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
});

afterAll(async () => {
  await h?.close();
});

/** A place-order body with one change at a dotted path (`undefined` removes the field). */
function orderWith(path: string, value: unknown): Record<string, unknown> {
  const body = structuredClone(h.orderBody()) as Record<string, unknown>;
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = body as Record<string, unknown>;
  for (const key of keys) node = node[key] as Record<string, unknown>;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return body;
}

function expectStripeError(body: unknown, expected: { type: string; code: string; param: string | null }): void {
  expect(body).toEqual({ error: { ...expected, message: expect.any(String) } });
}

describe('place order validation', () => {
  // 400: the body breaks the documented schema; 422: it matches it, and a rule the schema cannot state refuses it.
  const cases: { scenario: string; body: () => unknown; code: string; param: string | null; status?: number }[] = [
    {
      scenario: 'a missing customerId',
      body: () => orderWith('customerId', undefined),
      code: 'parameter_missing',
      param: 'customerId',
    },
    {
      scenario: 'an unknown top-level key',
      body: () => orderWith('sellerId', 'x'),
      code: 'parameter_unknown',
      param: 'sellerId',
    },
    {
      scenario: 'an unknown nested key',
      body: () => orderWith('shipTo.state', 'CA'),
      code: 'parameter_unknown',
      param: 'shipTo.state',
    },
    {
      scenario: 'a fractional amount',
      body: () => orderWith('items.0.unitPrice.amount', 12.5),
      code: 'parameter_invalid',
      param: 'items.0.unitPrice.amount',
    },
    {
      scenario: 'a negative amount',
      body: () => orderWith('items.1.unitPrice.amount', -1),
      code: 'parameter_invalid',
      param: 'items.1.unitPrice.amount',
    },
    {
      scenario: 'an unsafe integer amount',
      body: () => orderWith('items.0.unitPrice.amount', 2 ** 60),
      code: 'parameter_invalid',
      param: 'items.0.unitPrice.amount',
    },
    {
      scenario: 'a currency that is not ISO 4217',
      body: () => orderWith('items.0.unitPrice.currency', 'XYZ'),
      code: 'parameter_invalid',
      param: 'items.0.unitPrice.currency',
    },
    {
      scenario: 'an ISO 4217 currency the gateway cannot settle (no ISO 8583 code in its profile)',
      body: () => orderWith('items.0.unitPrice.currency', 'INR'),
      code: 'parameter_invalid',
      param: 'items.0.unitPrice.currency',
    },
    {
      scenario: 'a zero quantity',
      body: () => orderWith('items.0.quantity', 0),
      code: 'parameter_invalid',
      param: 'items.0.quantity',
    },
    { scenario: 'no items', body: () => orderWith('items', []), code: 'parameter_invalid', param: 'items' },
    {
      scenario: 'eleven carriers',
      body: () =>
        orderWith(
          'carrierIds',
          Array.from({ length: 11 }, (_, i) => `c${i}`),
        ),
      code: 'parameter_invalid',
      param: 'carrierIds',
    },
    {
      scenario: 'a bad orderId',
      body: () => orderWith('orderId', 'has spaces'),
      code: 'parameter_invalid',
      param: 'orderId',
    },
    {
      scenario: 'a deadline under a second',
      body: () => orderWith('deadlines', { paymentMs: 999 }),
      code: 'parameter_invalid',
      param: 'deadlines.paymentMs',
    },
    {
      scenario: 'a lower-case country',
      body: () => orderWith('shipTo.country', 'de'),
      code: 'parameter_invalid',
      param: 'shipTo.country',
    },
    { scenario: 'an array body', body: () => [h.orderBody()], code: 'parameter_invalid', param: null },
    {
      scenario: 'an unregistered carrier',
      body: () => orderWith('carrierIds', [h.parties.carrierA.id, 'nobody']),
      code: 'unknown_party',
      status: 422,
      param: 'carrierIds.1',
    },
    {
      scenario: 'a customer id naming a seller',
      body: () => orderWith('customerId', h.parties.otherSeller.id),
      code: 'unknown_party',
      status: 422,
      param: 'customerId',
    },
    {
      scenario: 'a duplicated carrier',
      body: () => orderWith('carrierIds', [h.parties.carrierA.id, h.parties.carrierA.id]),
      code: 'duplicate_carrier',
      status: 422,
      param: 'carrierIds',
    },
    {
      scenario: 'a duplicated sku',
      body: () => orderWith('items.1.sku', 'PUMP-7'),
      code: 'duplicate_sku',
      status: 422,
      param: 'items.1.sku',
    },
    {
      scenario: 'mixed currencies',
      body: () => orderWith('items.1.unitPrice.currency', 'USD'),
      code: 'currency_mismatch',
      status: 422,
      param: 'items.1.unitPrice.currency',
    },
  ];

  test.each(cases)('place order › $scenario › answers $status $code naming $param', async (testCase) => {
    const { body, code, param, status = 400 } = testCase;
    const response = await h.api('POST', '/v1/orders', { key: h.key('seller'), body: body() });

    expect(response.status).toBe(status);
    expectStripeError(response.body, { type: 'invalid_request_error', code, param });
  });
});

describe('action validation', () => {
  let orderId: string;

  beforeAll(async () => {
    orderId = (await h.placeOrder()).orderId;
    await h.waitForStatus(orderId, 'AWAITING_SUPPLIER');
  });

  const card = (overrides: Record<string, unknown>) => ({
    method: 'card',
    card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123', ...overrides },
  });

  const cases: {
    scenario: string;
    member: 'customer' | 'seller' | 'carrierA' | 'supplier' | 'operator';
    action: string;
    body: unknown;
    code: string;
    param: string | null;
    status?: number;
  }[] = [
    {
      scenario: 'a card number failing Luhn',
      member: 'customer',
      action: 'payment-notification',
      body: card({ number: '4242424242424241' }),
      code: 'invalid_card_number',
      param: 'card.number',
      status: 422,
    },
    {
      scenario: 'a card number of 11 digits',
      member: 'customer',
      action: 'payment-notification',
      body: card({ number: '42424242424' }),
      code: 'parameter_invalid',
      param: 'card.number',
    },
    {
      scenario: 'a card number with spaces',
      member: 'customer',
      action: 'payment-notification',
      body: card({ number: '4242 4242 4242 4242' }),
      code: 'parameter_invalid',
      param: 'card.number',
    },
    {
      scenario: 'month 13',
      member: 'customer',
      action: 'payment-notification',
      body: card({ expMonth: 13 }),
      code: 'parameter_invalid',
      param: 'card.expMonth',
    },
    {
      scenario: 'a two-digit year',
      member: 'customer',
      action: 'payment-notification',
      body: card({ expYear: 34 }),
      code: 'parameter_invalid',
      param: 'card.expYear',
    },
    {
      scenario: 'a year before 2000 (ISO 8583 carries YYMM: 2000 to 2099)',
      member: 'customer',
      action: 'payment-notification',
      body: card({ expYear: 1999 }),
      code: 'parameter_invalid',
      param: 'card.expYear',
    },
    {
      scenario: 'a year after 2099',
      member: 'customer',
      action: 'payment-notification',
      body: card({ expYear: 2100 }),
      code: 'parameter_invalid',
      param: 'card.expYear',
    },
    {
      scenario: 'a five-digit cvc',
      member: 'customer',
      action: 'payment-notification',
      body: card({ cvc: '12345' }),
      code: 'parameter_invalid',
      param: 'card.cvc',
    },
    {
      scenario: 'another payment method',
      member: 'customer',
      action: 'payment-notification',
      body: { ...card({}), method: 'sepa' },
      code: 'parameter_invalid',
      param: 'method',
    },
    {
      scenario: 'a dispute without a reason',
      member: 'seller',
      action: 'settlement-confirmation',
      body: { confirmed: false },
      code: 'parameter_missing',
      param: 'reason',
    },
    {
      scenario: 'an unknown shipment event',
      member: 'carrierA',
      action: 'shipment-events',
      body: { type: 'lost' },
      code: 'parameter_invalid',
      param: 'type',
    },
    {
      scenario: 'a malformed pickup date',
      member: 'carrierA',
      action: 'carrier-answer',
      body: { accepted: true, pickupDate: '01.12.2026' },
      code: 'parameter_invalid',
      param: 'pickupDate',
    },
    {
      scenario: 'a string for available',
      member: 'supplier',
      action: 'supplier-answer',
      body: { available: 'yes' },
      code: 'parameter_invalid',
      param: 'available',
    },
    {
      scenario: 'an unknown resolution',
      member: 'operator',
      action: 'dispute-resolution',
      body: { resolution: 'SPLIT' },
      code: 'parameter_invalid',
      param: 'resolution',
    },
    {
      scenario: 'an unknown cancel field',
      member: 'customer',
      action: 'cancel',
      body: { reason: 'x', force: true },
      code: 'parameter_unknown',
      param: 'force',
    },
  ];

  test.each(cases)(
    '$action › $scenario › answers $status $code naming $param',
    async ({ member, action, body, code, param, status = 400 }) => {
      const response = await h.api('POST', `/v1/orders/${orderId}/${action}`, { key: h.key(member), body });

      expect(response.status).toBe(status);
      expectStripeError(response.body, { type: 'invalid_request_error', code, param });
    },
  );

  test('payment notification › a refused card › is never logged', async () => {
    await h.api('POST', `/v1/orders/${orderId}/payment-notification`, {
      key: h.key('customer'),
      body: card({ number: '4242424242424241', cvc: '8642' }),
    });

    // Request ids, timings and pids are random digits: a CVC's four digits can turn up in them by chance.
    const volatile = new Set(['requestId', 'durationMs', 'time', 'pid']);
    const logged = JSON.stringify(
      h.logs.map((line) => {
        try {
          return Object.fromEntries(
            Object.entries(JSON.parse(line) as Record<string, unknown>).filter(([key]) => !volatile.has(key)),
          );
        } catch {
          return line;
        }
      }),
    );
    expect(logged).not.toContain('4242424242424241');
    expect(logged).not.toContain('8642');
  });
});

describe('request parsing', () => {
  test('request body › malformed JSON › answers 400 invalid_json without echoing the body', async () => {
    const response = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      rawBody: '{"orderId": "a", "card": 4242',
    });

    expect(response.status).toBe(400);
    expectStripeError(response.body, { type: 'invalid_request_error', code: 'invalid_json', param: null });
    expect(JSON.stringify(response.body)).not.toContain('4242');
  });

  test('request body › larger than the limit › answers 413', async () => {
    const response = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body: orderWith('shipTo.name', 'x'.repeat(200 * 1024)),
    });

    expect(response.status).toBe(413);
    expectStripeError(response.body, { type: 'invalid_request_error', code: 'body_too_large', param: null });
  });

  test('request body › not JSON › answers 415', async () => {
    const response = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      rawBody: 'orderId=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

    expect(response.status).toBe(415);
    expect(response.body.error).toMatchObject({ code: 'unsupported_media_type' });
  });

  test('routing › an unknown route › answers 404 in the error shape', async () => {
    const response = await h.api('GET', '/v1/nothing-here', { key: h.key('seller') });

    expect(response.status).toBe(404);
    expectStripeError(response.body, { type: 'not_found_error', code: 'route_not_found', param: null });
  });

  test('routing › a malformed percent-encoding in the path › answers 400, not 500', async () => {
    const response = await h.api('GET', '/v1/orders/%E0%A4%A', { key: h.key('seller') });

    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.body.error.type).toBe('invalid_request_error');
  });

  test('get order › an id that cannot name an order › answers 404 order_not_found', async () => {
    const response = await h.api('GET', `/v1/orders/${'x'.repeat(65)}`, { key: h.key('operator') });

    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('order_not_found');
  });

  test('order action › on an unknown order › answers 404 order_not_found', async () => {
    const response = await h.api('POST', '/v1/orders/no-such-order/cancel', { key: h.key('operator'), body: {} });

    expect(response.status).toBe(404);
    expectStripeError(response.body, { type: 'not_found_error', code: 'order_not_found', param: 'orderId' });
  });
});

describe('query validation', () => {
  test('list orders › a cursor this API did not issue › answers 422 invalid_cursor', async () => {
    const response = await h.api('GET', '/v1/orders?cursor=bm90LWEtY3Vyc29y', { key: h.key('seller') });

    expect(response.status).toBe(422);
    expectStripeError(response.body, { type: 'invalid_request_error', code: 'invalid_cursor', param: 'cursor' });
  });

  test.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['status=SHIPPED', 'status'],
    ['colour=red', 'colour'],
    ['sellerId=a&sellerId=b', 'sellerId'],
  ])('list orders › query %s › answers 400 naming %s', async (query, param) => {
    const response = await h.api('GET', `/v1/orders?${query}`, { key: h.key('operator') });

    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ type: 'invalid_request_error', param });
  });

  test('inbox › open=yes › answers 400 naming open', async () => {
    const response = await h.api('GET', '/v1/inbox?open=yes', { key: h.key('supplier') });

    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ type: 'invalid_request_error', param: 'open' });
  });

  test('validation › every refusal above › logged no server error', () => {
    expect(h.logs.length).toBeGreaterThan(0);
    expect(errorLines(h.logs)).toEqual([]);
  });
});
