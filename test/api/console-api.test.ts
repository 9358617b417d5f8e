// The console's API: sign-in sessions (cookie flags, CSRF, expiry, sign-out, revoked keys, role rules), the party
// list and edit, the settings with their audit trail and their effect on new orders, the monitoring summary from the
// metrics (with a real bank link's gauges, and an unreachable worker), an order's ledger, and the static console
// (cache headers and CSP).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/api/app';
import { orderWorkflowId } from '../../src/contracts/order-contract';
import { GATEWAY_REVERSALS } from '../../src/gateway/bank-connector/reversal-queue';
import type { GatewayRuntime } from '../../src/gateway/gateway-runtime';
import { DEFAULT_GATEWAY_SETTINGS, startGatewayRuntime } from '../../src/gateway/gateway-runtime';
import type { MetricsServer } from '../../src/observability/metrics';
import { createGatewayMetrics, serveMetrics } from '../../src/observability/metrics';
import { hashSessionId, sessionModel } from '../../src/persistence/session-store';
import { bankHostEnv } from '../support/bank-control';
import type { ApiHarness, ApiResponse, CastMember, Json } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { testPayloadKeys } from '../support/workflow-env';
import { AesGcmPayloadCodec } from '../../src/temporal/codec';
import { silentLogger } from '../support/log-capture';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
});

afterAll(async () => {
  await h?.close();
});

interface Session {
  cookie: string;
  sessionId: string;
  csrf: string;
  signIn: ApiResponse;
}

async function signIn(member: CastMember): Promise<Session> {
  const response = await h.api('POST', '/v1/session', { body: { apiKey: h.key(member) } });
  expect(response.status).toBe(201);
  const setCookie = response.headers.get('set-cookie') ?? '';
  const sessionId = /sf_session=([^;]+)/.exec(setCookie)?.[1] ?? '';
  return { cookie: `sf_session=${sessionId}`, sessionId, csrf: response.body.csrfToken, signIn: response };
}

function withSession(
  session: Session,
  method: string,
  url: string,
  options: { body?: unknown; csrf?: string | null } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { cookie: session.cookie };
  const csrf = options.csrf === undefined ? session.csrf : options.csrf;
  if (csrf !== null) headers['x-csrf-token'] = csrf;
  return h.api(method, url, { headers, body: options.body });
}

describe('console session', () => {
  test('console session › sign-in with a key › sets an HttpOnly SameSite=Strict cookie and answers the CSRF token', async () => {
    const session = await signIn('operator');
    const setCookie = session.signIn.headers.get('set-cookie') ?? '';

    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/i);
    expect(session.sessionId).toMatch(/^sfs_/);
    expect(session.signIn.body.party).toEqual({
      id: h.parties.operator.id,
      role: 'operator',
      name: expect.any(String),
    });
    expect(JSON.stringify(session.signIn.body)).not.toContain(session.sessionId);
    expect(JSON.stringify(session.signIn.body)).not.toContain(h.key('operator'));
  });

  test('console session › stored › holds the digest and the party, never the session id or the key', async () => {
    const session = await signIn('seller');
    const model = await sessionModel(h.db);
    const stored = await model.findById(hashSessionId(session.sessionId)).lean();

    expect(stored?.partyId).toBe(h.parties.seller.id);
    expect(stored?.expiresAt.getTime()).toBeGreaterThan(Date.now() + 59 * 60_000);
    const all = JSON.stringify(await model.find({}).lean());
    expect(all).not.toContain(session.sessionId);
    expect(all).not.toContain(h.key('seller'));
  });

  test('console session › GET /v1/session with the cookie › answers the party and the same CSRF token', async () => {
    const session = await signIn('customer');
    const read = await withSession(session, 'GET', '/v1/session', { csrf: null });

    expect(read.status).toBe(200);
    expect(read.body.party.id).toBe(h.parties.customer.id);
    expect(read.body.csrfToken).toBe(session.csrf);
  });

  test('console session › a change with the cookie › needs the CSRF token', async () => {
    const order = await h.placeOrder();
    const session = await signIn('seller');
    const cancel = (csrf: string | null) =>
      withSession(session, 'POST', `/v1/orders/${order.orderId}/cancel`, { body: { reason: 'test' }, csrf });

    const without = await cancel(null);
    const wrong = await cancel(`${session.csrf.slice(0, -2)}xx`);
    const other = await cancel((await signIn('seller')).csrf);
    expect([without.status, wrong.status, other.status]).toEqual([403, 403, 403]);
    expect(without.body.error.code).toBe('csrf_token_invalid');
    expect((await h.api('GET', `/v1/orders/${order.orderId}`, { key: h.key('seller') })).body.status).not.toBe(
      'CANCELLED',
    );

    const right = await cancel(session.csrf);
    expect(right.status).toBe(200);
    expect(right.body.status).toBe('CANCELLED');
    expect(right.body.cancellationReason).toBe('CANCELLED_BY_SELLER');
  });

  test('console session › role rules › are the key’s: a seller’s session cannot list parties or read another seller’s order', async () => {
    const order = await h.placeOrder();
    const otherSeller = await signIn('otherSeller');

    expect((await withSession(otherSeller, 'GET', '/v1/parties')).status).toBe(403);
    expect((await withSession(otherSeller, 'GET', `/v1/orders/${order.orderId}`)).status).toBe(403);
    const own = await withSession(otherSeller, 'GET', '/v1/orders');
    expect(own.status).toBe(200);
    expect(own.body.data.map((o: Json) => o.orderId)).not.toContain(order.orderId);
  });

  test('console session › bearer key with a cookie › the key decides and needs no CSRF token', async () => {
    const operator = await signIn('operator');
    const response = await h.api('GET', '/v1/parties/me', {
      key: h.key('seller'),
      headers: { cookie: operator.cookie },
    });

    expect(response.body.id).toBe(h.parties.seller.id);
  });

  test('console session › sign-out › ends the session and clears the cookie', async () => {
    const session = await signIn('supplier');
    const refused = await withSession(session, 'DELETE', '/v1/session', { csrf: null });
    expect(refused.status).toBe(403);

    const out = await withSession(session, 'DELETE', '/v1/session');
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/sf_session=;/);
    const after = await withSession(session, 'GET', '/v1/parties/me');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('session_expired');
  });

  test('console session › past its expiry › is refused and deleted', async () => {
    const session = await signIn('carrierA');
    const model = await sessionModel(h.db);
    await model.updateOne({ _id: hashSessionId(session.sessionId) }, { $set: { expiresAt: new Date(0) } });

    const after = await withSession(session, 'GET', '/v1/parties/me');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('session_expired');
    expect(await model.findById(hashSessionId(session.sessionId)).lean()).toBeNull();
  });

  test('console session › its key revoked or its party disabled › is refused', async () => {
    const created = await h.api('POST', '/v1/parties', {
      key: h.key('operator'),
      body: { role: 'customer', name: 'Session Customer' },
    });
    const login = await h.api('POST', '/v1/session', { body: { apiKey: created.body.apiKey } });
    const cookie = `sf_session=${/sf_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1]}`;
    const me = () => h.api('GET', '/v1/parties/me', { headers: { cookie } });
    expect((await me()).status).toBe(200);

    await h.api('POST', `/v1/parties/${created.body.id}/disable`, { key: h.key('operator') });
    expect((await me()).body.error.code).toBe('party_disabled');
    await h.api('POST', `/v1/parties/${created.body.id}/enable`, { key: h.key('operator') });
    expect((await me()).status).toBe(200);

    await h.api('DELETE', `/v1/parties/${created.body.id}/keys/${created.body.apiKeyId}`, { key: h.key('operator') });
    expect((await me()).status).toBe(401);
  });

  test('console session › a wrong key or body › 401 or 400, and no cookie', async () => {
    const wrong = await h.api('POST', '/v1/session', { body: { apiKey: 'sf_operator_nope' } });
    const missing = await h.api('POST', '/v1/session', { body: {} });
    const extra = await h.api('POST', '/v1/session', { body: { apiKey: h.key('operator'), role: 'operator' } });

    expect([wrong.status, missing.status, extra.status]).toEqual([401, 400, 400]);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(missing.body.error.param).toBe('apiKey');
  });

  test('console session › GET /v1/session without a cookie or with a bearer key › 204, not signed in', async () => {
    const bearer = await h.api('GET', '/v1/session', { key: h.key('operator') });
    const none = await h.api('GET', '/v1/session');
    const signOut = await h.api('DELETE', '/v1/session');

    expect([bearer.status, none.status, signOut.status]).toEqual([204, 204, 204]);
    expect(none.headers.get('set-cookie')).toBeNull();
  });
});

describe('console parties', () => {
  test('console parties › list by role › pages through the sellers, operators only', async () => {
    const first = await h.api('GET', '/v1/parties?role=seller&limit=1', { key: h.key('operator') });
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(1);
    const second = await h.api('GET', `/v1/parties?role=seller&limit=100&cursor=${first.body.nextCursor}`, {
      key: h.key('operator'),
    });
    const ids = [...first.body.data, ...second.body.data].map((p: Json) => p.id);
    expect(ids).toEqual(expect.arrayContaining([h.parties.seller.id, h.parties.otherSeller.id]));
    expect([...first.body.data, ...second.body.data].every((p: Json) => p.role === 'seller')).toBe(true);
    expect((await h.api('GET', '/v1/parties', { key: h.key('seller') })).status).toBe(403);
  });

  test('console parties › first webhook URL › issues a secret once; a later URL keeps it', async () => {
    const id = h.parties.otherSupplier.id;
    const first = await h.api('PATCH', `/v1/parties/${id}`, {
      key: h.key('operator'),
      body: { webhookUrl: 'http://127.0.0.1:9/hook', name: 'Renamed Supplier' },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id, name: 'Renamed Supplier', webhookUrl: 'http://127.0.0.1:9/hook' });
    expect(first.body.webhookSecret).toMatch(/^whsec_/);

    const second = await h.api('PATCH', `/v1/parties/${id}`, {
      key: h.key('operator'),
      body: { webhookUrl: 'http://127.0.0.1:9/other' },
    });
    expect(second.body.webhookUrl).toBe('http://127.0.0.1:9/other');
    expect(second.body.webhookSecret).toBeUndefined();
    expect((await h.api('PATCH', `/v1/parties/${id}`, { key: h.key('operator'), body: {} })).status).toBe(422);
    expect((await h.api('PATCH', `/v1/parties/${id}`, { key: h.key('seller'), body: { name: 'x' } })).status).toBe(403);
  });
});

describe('console settings', () => {
  test('console settings › changed by an operator › new orders take them and the audit names who and what', async () => {
    const before = await h.api('GET', '/v1/settings', { key: h.key('operator') });
    expect(before.status).toBe(200);
    expect(before.body.version).toBe(0);
    expect(before.body.effective.paymentMaxAttempts).toBe(h.config.paymentMaxAttempts);

    const put = await h.api('PUT', '/v1/settings', {
      key: h.key('operator'),
      body: {
        version: 0,
        settings: {
          defaultDeadlines: { supplierAnswerMs: 123_000 },
          paymentMaxAttempts: 2,
          sellers: { [h.parties.seller.id]: { fee: { bps: 275, fixedMinor: 10 }, capture: 'ON_SHIPMENT' } },
        },
      },
    });
    expect(put.status).toBe(200);
    expect(put.body.version).toBe(1);
    expect(put.body.effective.defaultDeadlines.supplierAnswerMs).toBe(123_000);
    expect(put.body.storedOnly).toEqual([]);

    const audit = await h.api('GET', '/v1/settings/audit', { key: h.key('operator') });
    expect(audit.body.data[0]).toMatchObject({ version: 1, operatorId: h.parties.operator.id });
    expect(audit.body.data[0].changes).toEqual(
      expect.arrayContaining([
        { path: 'defaultDeadlines.supplierAnswerMs', to: 123_000 },
        { path: 'paymentMaxAttempts', to: 2 },
        { path: `sellers.${h.parties.seller.id}.fee.bps`, to: 275 },
      ]),
    );

    // The change cleared this process's settings cache: the next order is placed with the stored settings.
    const body = h.orderBody({ deadlines: undefined });
    const placed = await h.api('POST', '/v1/orders', { key: h.key('seller'), body });
    expect(placed.status).toBe(201);
    expect(placed.body.deadlines.supplierAnswerMs).toBe(123_000);
    expect(placed.body.deadlines.carrierAnswerMs).toBe(h.config.defaultDeadlines.carrierAnswerMs);
    const history = await h.client.workflow.getHandle(orderWorkflowId(body.orderId)).fetchHistory();
    const [payload] = await new AesGcmPayloadCodec(testPayloadKeys()).decode(
      history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [],
    );
    const input = JSON.parse(Buffer.from(payload?.data ?? []).toString('utf8'));
    expect(input.paymentMaxAttempts).toBe(2);
    expect(input.gatewayFee).toEqual({ bps: 275, fixedMinor: 10 });
  });

  test('console settings › a stale version, a bad value, an unknown seller or a seller › refused, nothing stored', async () => {
    const current = (await h.api('GET', '/v1/settings', { key: h.key('operator') })).body;
    const put = (key: string, body: unknown) => h.api('PUT', '/v1/settings', { key, body });
    const operator = h.key('operator');

    const stale = await put(operator, { version: current.version + 5, settings: { paymentMaxAttempts: 3 } });
    const bad = await put(operator, { version: current.version, settings: { paymentMaxAttempts: 0 } });
    const unknown = await put(operator, {
      version: current.version,
      settings: { sellers: { [h.parties.customer.id]: { capture: 'IMMEDIATE' } } },
    });
    const seller = await put(h.key('seller'), { version: current.version, settings: {} });

    expect([stale.status, bad.status, unknown.status, seller.status]).toEqual([409, 400, 422, 403]);
    expect(stale.body.error.code).toBe('settings_version_conflict');
    expect(bad.body.error.param).toBe('settings.paymentMaxAttempts');
    expect(unknown.body.error.code).toBe('unknown_party');
    expect((await h.api('GET', '/v1/settings', { key: operator })).body.version).toBe(current.version);
  });

  test('console settings › operators change the same version at once › one wins, the others get 409', async () => {
    // From a version after the first (a change of an existing version, not the first one), as in a full run.
    const first = (await h.api('GET', '/v1/settings', { key: h.key('operator') })).body;
    const base = { ...first.settings, paymentMaxAttempts: first.settings.paymentMaxAttempts === 7 ? 8 : 7 };
    await h.api('PUT', '/v1/settings', { key: h.key('operator'), body: { version: first.version, settings: base } });
    const current = (await h.api('GET', '/v1/settings', { key: h.key('operator') })).body;
    expect(current.version).toBeGreaterThanOrEqual(1);
    const answers = await Promise.all(
      [3, 4, 5, 6].map((attempts) =>
        h.api('PUT', '/v1/settings', {
          key: h.key('operator'),
          body: { version: current.version, settings: { ...current.settings, paymentMaxAttempts: attempts } },
        }),
      ),
    );

    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
    const audit = await h.api('GET', '/v1/settings/audit?limit=100', { key: h.key('operator') });
    expect(audit.body.data.filter((entry: Json) => entry.version === current.version + 1)).toHaveLength(1);
  });
});

/** Serves an app of its own on a socket (for a configuration or metrics registry the harness's app lacks). */
async function serveApp(app: ReturnType<typeof createApp>): Promise<{ base: string; close: () => Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function call(
  base: string,
  member: CastMember,
  method: string,
  url: string,
  body?: unknown,
): Promise<ApiResponse> {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${h.key(member)}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe('console monitoring', () => {
  let gateway: GatewayRuntime;
  let gatewayMetrics: MetricsServer;
  let served: { base: string; close: () => Promise<void> };

  beforeAll(async () => {
    // A real bank link to the test bank host, echoing every 200 ms, with its gauges on a metrics server of its own.
    gateway = await startGatewayRuntime({
      db: h.db,
      vault: h.vault,
      settings: { ...DEFAULT_GATEWAY_SETTINGS, bankHostAddress: bankHostEnv().address, echoIntervalMs: 200 },
      log: () => undefined,
    });
    await gateway.connection.ready();
    const registry = createGatewayMetrics({
      link: () => gateway.connection.stats(),
      reversalsPending: () => h.db.connection.collection(GATEWAY_REVERSALS).countDocuments({ state: 'pending' }),
      refreshMs: 1000,
      logger: silentLogger(),
    }).registry;
    gatewayMetrics = await serveMetrics(registry, {
      host: '127.0.0.1',
      port: 0,
      token: undefined,
      logger: silentLogger(),
    });
    const config = {
      ...h.config,
      metrics: {
        ...h.config.metrics,
        refreshMs: 1000,
        // Nothing listens on port 9: the order worker's metrics are unreachable and must show as such.
        workerUrl: 'http://127.0.0.1:9/metrics',
        gatewayUrl: `http://127.0.0.1:${gatewayMetrics.port}/metrics`,
      },
    };
    served = await serveApp(
      createApp({ db: h.db, temporal: h.client, config, vault: h.vault, logger: silentLogger() }),
    );
  });

  afterAll(async () => {
    await served?.close();
    await gatewayMetrics?.close();
    await gateway?.close();
  });

  const summary = async () => {
    const response = await call(served.base, 'operator', 'GET', '/v1/monitoring/summary');
    expect(response.status).toBe(200);
    return response.body;
  };
  const until = async (check: (body: Json) => boolean): Promise<Json> => {
    for (;;) {
      const body = await summary();
      if (check(body)) return body;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  test('console monitoring › summary from the metrics › orders by status, throughput and supplier answer times grow with an order', async () => {
    const before = await summary();
    const placed = await call(served.base, 'seller', 'POST', '/v1/orders', h.orderBody());
    expect(placed.status).toBe(201);
    await h.waitForStatus(placed.body.orderId, 'AWAITING_SUPPLIER');
    const answered = await call(served.base, 'supplier', 'POST', `/v1/orders/${placed.body.orderId}/supplier-answer`, {
      available: true,
      reservationId: 'res-monitoring',
      items: placed.body.items.map(({ sku, quantity }: Json) => ({ sku, quantity })),
    });
    expect(answered.status).toBe(200);

    const after = await until((body) => body.throughput.reduce((sum: number, b: Json) => sum + b.placed, 0) >= 1);
    const count = (body: Json, status: string) => body.byStatus.find((row: Json) => row.status === status).count;
    expect(count(after, 'AWAITING_CARRIER')).toBeGreaterThanOrEqual((count(before, 'AWAITING_CARRIER') ?? 0) + 1);
    expect(after.throughput).toHaveLength(60);
    expect(after.throughputSince).not.toBeNull();
    expect(after.answerLatency.supplier.count).toBe(1);
    expect(after.answerLatency.supplier.p50Ms).toEqual(expect.any(Number));
    expect(after.answerLatency.carrier).toEqual({ count: 0, p50Ms: null, p99Ms: null });
  });

  test('console monitoring › the bank link from the gateway worker’s gauges › up, signed on, echoed; the unreachable worker is unknown', async () => {
    const body = await until((summaryBody) => summaryBody.bankLink.lastEchoAt !== null);

    expect(body.bankLink).toEqual({
      state: 'up',
      connection: 'ready',
      signedOn: true,
      signedOnAt: expect.any(String),
      lastEchoAt: expect.any(String),
      inFlight: expect.any(Number),
      reversalsPending: 0,
    });
    expect(body.sources).toEqual([
      { name: 'api', state: 'up' },
      { name: 'worker', state: 'unreachable', error: expect.any(String) },
      { name: 'gateway', state: 'up' },
    ]);
    expect(body.webhookAttempts).toBeNull();
    expect((await call(served.base, 'seller', 'GET', '/v1/monitoring/summary')).status).toBe(403);
  });

  test('console monitoring › the bank link closed, then its metrics gone › down, then unknown, and still 200', async () => {
    await gateway.connection.close();
    const down = await summary();
    expect(down.bankLink.state).toBe('down');
    expect(down.bankLink.connection).toBe('closed');
    expect(down.bankLink.signedOn).toBe(false);

    await gatewayMetrics.close();
    const gone = await summary();
    expect(gone.bankLink).toEqual({
      state: 'unknown',
      connection: null,
      signedOn: null,
      signedOnAt: null,
      lastEchoAt: null,
      inFlight: null,
      reversalsPending: null,
    });
    expect(gone.sources.find((source: Json) => source.name === 'gateway').state).toBe('unreachable');
  });
});

describe('order ledger', () => {
  const card = (number: string) => ({ method: 'card', card: { number, expMonth: 12, expYear: 2034, cvc: '123' } });

  test('order ledger › a paid order › its journals balance, for operators and its seller only', async () => {
    const order = await h.placeOrder();
    await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
    const items = order.items.map(({ sku, quantity }) => ({ sku, quantity }));
    const supplier = await h.api('POST', `/v1/orders/${order.orderId}/supplier-answer`, {
      key: h.key('supplier'),
      body: { available: true, reservationId: 'res-ledger', items },
    });
    expect(supplier.status).toBe(200);
    await h.waitForStatus(order.orderId, 'AWAITING_CARRIER');
    for (const [member, amount] of [
      ['carrierA', 9000],
      ['carrierB', 8000],
    ] as const) {
      const quote = await h.api('POST', `/v1/orders/${order.orderId}/carrier-answer`, {
        key: h.key(member),
        body: {
          accepted: true,
          pickupDate: '2026-12-01',
          deliveryDate: '2026-12-10',
          route: 'MUC-HAM',
          method: 'road',
          price: { amount, currency: 'EUR' },
        },
      });
      expect(quote.status).toBe(200);
    }
    await h.waitForStatus(order.orderId, 'CONFIRMED');
    const paid = await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
      key: h.key('customer'),
      body: card('4242424242424242'),
    });
    expect(paid.status).toBe(200);
    const total = paid.body.order.total;

    const operator = await h.api('GET', `/v1/orders/${order.orderId}/ledger`, { key: h.key('operator') });
    const seller = await h.api('GET', `/v1/orders/${order.orderId}/ledger`, { key: h.key('seller') });

    expect(operator.status).toBe(200);
    expect(operator.body.orderId).toBe(order.orderId);
    expect(operator.body.journals.length).toBeGreaterThanOrEqual(1);
    // Paid through the bank host and captured at delivery: the payment notification books the authorization.
    const authorization = operator.body.journals.find((journal: Json) => journal.kind === 'AUTHORIZATION');
    expect(authorization.legs).toEqual([
      { account: 'bank:card-holds', direction: 'DEBIT', amount: total },
      { account: 'gateway:authorizations', direction: 'CREDIT', amount: total },
    ]);
    expect(operator.body.journals.find((journal: Json) => journal.kind === 'CAPTURE')).toBeUndefined();
    for (const journal of operator.body.journals) {
      const net = journal.legs.reduce(
        (sum: number, leg: Json) => sum + (leg.direction === 'DEBIT' ? leg.amount.amount : -leg.amount.amount),
        0,
      );
      expect(net).toBe(0);
    }
    expect(operator.body.balances.reduce((sum: number, row: Json) => sum + row.balanceMinor, 0)).toBe(0);
    expect(seller.status).toBe(200);
    expect(seller.body).toEqual(operator.body);
    expect(JSON.stringify(operator.body)).not.toContain('4242424242424242');
    for (const member of ['otherSeller', 'customer', 'supplier', 'carrierA'] as const) {
      const refused = await h.api('GET', `/v1/orders/${order.orderId}/ledger`, { key: h.key(member) });
      expect([member, refused.status]).toEqual([member, 403]);
    }
    expect((await h.api('GET', '/v1/orders/no-such-order/ledger', { key: h.key('operator') })).status).toBe(404);
  });
});

describe('console static', () => {
  test('console static › the built console › index never cached with a strict CSP, hashed assets cached a year', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-dist-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>settleflow console</title>');
    fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    const app = createApp({
      db: h.db,
      temporal: h.client,
      config: { ...h.config, consoleDir: dir },
      vault: h.vault,
      logger: silentLogger(),
    });
    const server: Server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const bare = await fetch(`${base}/console`, { redirect: 'manual' });
      const index = await fetch(`${base}/console/`);
      const deep = await fetch(`${base}/console/orders/ord-1`);
      const asset = await fetch(`${base}/console/assets/index-abc123.js`);
      const missing = await fetch(`${base}/console/assets/nope.js`);

      expect(bare.status).toBe(301);
      expect(bare.headers.get('location')).toBe('/console/');
      expect(index.status).toBe(200);
      expect(index.headers.get('cache-control')).toBe('no-store');
      const csp = index.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(await deep.text()).toContain('settleflow console');
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(missing.status).toBe(404);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('console static › not built › 503 console_not_built', async () => {
    const app = createApp({
      db: h.db,
      temporal: h.client,
      config: { ...h.config, consoleDir: path.join(os.tmpdir(), 'no-such-console') },
      vault: h.vault,
      logger: silentLogger(),
    });
    const server: Server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/console/`);
      expect(response.status).toBe(503);
      expect(((await response.json()) as Json).error.code).toBe('console_not_built');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('orders list filters', () => {
  test('orders list › by total and placing time › finds only the matching orders; a supplier may not filter by total', async () => {
    const small = await h.placeOrder({
      items: [{ sku: 'BOLT', description: 'bolt', quantity: 1, unitPrice: { amount: 101, currency: 'EUR' } }],
    });
    const large = await h.placeOrder({
      items: [{ sku: 'LATHE', description: 'lathe', quantity: 1, unitPrice: { amount: 9_900_001, currency: 'EUR' } }],
    });
    await h.waitForStatus(small.orderId, 'AWAITING_SUPPLIER');
    await h.waitForStatus(large.orderId, 'AWAITING_SUPPLIER');
    const list = async (query: string, member: CastMember = 'operator') =>
      h.api('GET', `/v1/orders?limit=100&${query}`, { key: h.key(member) });

    const ids = (response: ApiResponse) => response.body.data.map((order: Json) => order.orderId);
    expect(ids(await list('minTotal=9900000'))).toEqual([large.orderId]);
    expect(ids(await list('maxTotal=101'))).toEqual([small.orderId]);
    expect(ids(await list(`placedFrom=${encodeURIComponent(large.placedAt)}&minTotal=9900000`))).toEqual([
      large.orderId,
    ]);
    expect(ids(await list(`placedTo=${encodeURIComponent(small.placedAt)}&maxTotal=101`))).toEqual([]);
    expect((await list('minTotal=1', 'supplier')).status).toBe(403);
    expect((await list('placedFrom=yesterday')).status).toBe(400);
  });
});

describe('order notices', () => {
  test('order notices › operator and supplier › all recipients for the operator, only its own for the supplier', async () => {
    const order = await h.placeOrder();
    await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
    let all: ApiResponse;
    for (;;) {
      all = await h.api('GET', `/v1/orders/${order.orderId}/notices`, { key: h.key('operator') });
      if (all.body.data.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const own = await h.api('GET', `/v1/orders/${order.orderId}/notices`, { key: h.key('supplier') });
    const stranger = await h.api('GET', `/v1/orders/${order.orderId}/notices`, { key: h.key('otherSupplier') });

    expect(all.body.data.map((n: Json) => n.kind)).toContain('SUPPLIER_INQUIRY');
    expect(own.body.data.every((n: Json) => n.recipientId === h.parties.supplier.id)).toBe(true);
    expect(own.body.data.map((n: Json) => n.kind)).toContain('SUPPLIER_INQUIRY');
    expect(stranger.status).toBe(403);
  });
});

describe('console routes in the registry', () => {
  test('OPTIONS › a path two routers serve › lists the methods of both; a literal path only its own', async () => {
    const party = await h.api('OPTIONS', `/v1/parties/${h.parties.seller.id}`);
    const me = await h.api('OPTIONS', '/v1/parties/me');
    const session = await h.api('OPTIONS', '/v1/session');

    expect(party.status).toBe(200);
    expect(party.headers.get('allow')).toBe('GET, HEAD, PATCH');
    expect(me.headers.get('allow')).toBe('GET, HEAD');
    expect(session.headers.get('allow')).toBe('DELETE, GET, HEAD, POST');
  });
});
