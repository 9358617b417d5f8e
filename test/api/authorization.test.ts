// The authorization matrix: for every endpoint, a call without a key, with a bad key, in the wrong role and as a
// party not on the order, each refused with the right status and error shape, and nothing changed by them.

import type { OrderView } from '../../src/domain/order';
import type { ApiHarness, CastMember } from '../support/harness';
import { startApiHarness } from '../support/harness';

let h: ApiHarness;
let order: OrderView;

beforeAll(async () => {
  h = await startApiHarness();
  order = await h.placeOrder();
  await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
});

afterAll(async () => {
  await h?.close();
});

/** One endpoint of the matrix; `wrongRole` and `wrongParty` name a caller that must be refused with 403. */
interface Endpoint {
  name: string;
  method: 'GET' | 'POST';
  path: () => string;
  body?: () => unknown;
  wrongRole?: CastMember;
  wrongParty?: CastMember;
}

const orderPath =
  (action = '') =>
  () =>
    `/v1/orders/${order.orderId}${action}`;

const ENDPOINTS: Endpoint[] = [
  {
    name: 'create party',
    method: 'POST',
    path: () => '/v1/parties',
    body: () => ({ role: 'customer', name: 'Initech' }),
    wrongRole: 'seller',
  },
  { name: 'current party', method: 'GET', path: () => '/v1/parties/me' },
  { name: 'place order', method: 'POST', path: () => '/v1/orders', body: () => h.orderBody(), wrongRole: 'customer' },
  {
    name: 'list orders',
    method: 'GET',
    path: () => `/v1/orders?sellerId=${h.parties.seller.id}`,
    wrongParty: 'otherSeller',
  },
  { name: 'get order', method: 'GET', path: orderPath(), wrongParty: 'otherCustomer' },
  { name: 'inbox', method: 'GET', path: () => '/v1/inbox' },
  {
    name: 'supplier answer',
    method: 'POST',
    path: orderPath('/supplier-answer'),
    body: () => ({ available: false }),
    wrongRole: 'carrierA',
    wrongParty: 'otherSupplier',
  },
  {
    name: 'carrier answer',
    method: 'POST',
    path: orderPath('/carrier-answer'),
    body: () => ({ accepted: false }),
    wrongRole: 'supplier',
    wrongParty: 'otherCarrier',
  },
  {
    name: 'shipment event',
    method: 'POST',
    path: orderPath('/shipment-events'),
    body: () => ({ type: 'picked_up' }),
    wrongRole: 'customer',
    wrongParty: 'otherCarrier',
  },
  {
    name: 'payment notification',
    method: 'POST',
    path: orderPath('/payment-notification'),
    body: () => ({ method: 'card', card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' } }),
    wrongRole: 'seller',
    wrongParty: 'otherCustomer',
  },
  {
    name: 'settlement confirmation',
    method: 'POST',
    path: orderPath('/settlement-confirmation'),
    body: () => ({ confirmed: true }),
    wrongRole: 'customer',
    wrongParty: 'otherSeller',
  },
  {
    name: 'cancel',
    method: 'POST',
    path: orderPath('/cancel'),
    body: () => ({ reason: 'not mine' }),
    wrongRole: 'supplier',
    wrongParty: 'otherCustomer',
  },
  {
    name: 'dispute resolution',
    method: 'POST',
    path: orderPath('/dispute-resolution'),
    body: () => ({ resolution: 'CLOSE' }),
    wrongRole: 'seller',
  },
];

const call = (endpoint: Endpoint, options: { key?: string; headers?: Record<string, string> }) =>
  h.api(endpoint.method, endpoint.path(), { ...options, body: endpoint.body?.() });

describe('authorization matrix', () => {
  test.each(ENDPOINTS)('$name › without a key › answers 401 with WWW-Authenticate', async (endpoint) => {
    const response = await call(endpoint, {});

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(response.body).toEqual({
      error: { type: 'authentication_error', code: 'missing_api_key', message: expect.any(String), param: null },
    });
  });

  test.each(ENDPOINTS)('$name › with an unknown key › answers 401 invalid_api_key', async (endpoint) => {
    const response = await call(endpoint, { key: 'sf_seller_not-a-real-key' });

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('invalid_token');
    expect(response.body.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
  });

  test.each(ENDPOINTS)('$name › with a non-bearer Authorization header › answers 401', async (endpoint) => {
    const response = await call(endpoint, { headers: { authorization: `Basic ${btoa('seller:secret')}` } });

    expect(response.status).toBe(401);
    expect(response.body.error).toMatchObject({ type: 'authentication_error', code: 'invalid_authorization_header' });
  });

  test.each(ENDPOINTS.filter((e) => e.wrongRole))(
    '$name › in the wrong role ($wrongRole) › answers 403',
    async (endpoint) => {
      const response = await call(endpoint, { key: h.key(endpoint.wrongRole as CastMember) });

      expect(response.status).toBe(403);
      expect(response.body.error).toMatchObject({ type: 'permission_error', code: 'forbidden', param: null });
    },
  );

  test.each(ENDPOINTS.filter((e) => e.wrongParty))(
    '$name › as a party not on the order ($wrongParty) › answers 403',
    async (endpoint) => {
      const response = await call(endpoint, { key: h.key(endpoint.wrongParty as CastMember) });

      expect(response.status).toBe(403);
      expect(response.body.error).toMatchObject({ type: 'permission_error', code: 'forbidden' });
    },
  );

  test('public routes › without a key › answer 200', async () => {
    const health = await h.api('GET', '/health');
    const openapi = await h.api('GET', '/openapi.json');

    expect([health.status, openapi.status]).toEqual([200, 200]);
  });

  test('get order › by each party on the order and an operator › answers 200', async () => {
    const members: CastMember[] = ['seller', 'customer', 'supplier', 'carrierA', 'carrierB', 'operator'];

    const statuses = await Promise.all(
      members.map(async (member) => (await h.api('GET', `/v1/orders/${order.orderId}`, { key: h.key(member) })).status),
    );

    expect(statuses).toEqual(members.map(() => 200));
  });

  test('list orders › an operator filtering by any party › sees the order', async () => {
    const response = await h.api('GET', `/v1/orders?customerId=${h.parties.customer.id}`, { key: h.key('operator') });

    expect(response.status).toBe(200);
    expect(response.body.data.map((o: OrderView) => o.orderId)).toContain(order.orderId);
  });

  test('list orders › another seller without filters › does not see the order', async () => {
    const response = await h.api('GET', '/v1/orders', { key: h.key('otherSeller') });

    expect(response.status).toBe(200);
    expect(response.body.data.map((o: OrderView) => o.orderId)).not.toContain(order.orderId);
  });

  test('current party › with a valid key › answers the caller without credentials', async () => {
    const response = await h.api('GET', '/v1/parties/me', { key: h.key('carrierA') });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: h.parties.carrierA.id,
      role: 'carrier',
      name: h.parties.carrierA.name,
      disabled: false,
    });
  });

  test('create party › by an operator › answers 201 with a working API key shown once', async () => {
    const created = await h.api('POST', '/v1/parties', {
      key: h.key('operator'),
      body: { role: 'carrier', name: 'Fast Freight', webhookUrl: 'https://example.com/hooks' },
    });
    const me = await h.api('GET', '/v1/parties/me', { key: created.body.apiKey });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^pty_/), role: 'carrier', name: 'Fast Freight' });
    expect(created.body.webhookSecret).toMatch(/^whsec_/);
    expect(me.body).toMatchObject({ id: created.body.id, role: 'carrier' });
  });

  test('create party › with a taken id › answers 409 party_exists', async () => {
    const response = await h.api('POST', '/v1/parties', {
      key: h.key('operator'),
      body: { id: h.parties.seller.id, role: 'seller', name: 'Impostor' },
    });

    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ type: 'conflict_error', code: 'party_exists', param: 'id' });
  });

  test('authorization matrix › after every refused call › the order is unchanged', async () => {
    const response = await h.api('GET', `/v1/orders/${order.orderId}`, { key: h.key('operator') });

    expect(response.body).toMatchObject({
      status: 'AWAITING_SUPPLIER',
      quotes: [],
      payments: [],
      shipment: { events: [] },
    });
    expect(response.body.supplierAnswer).toBeUndefined();
  });
});
