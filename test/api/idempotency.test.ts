// Idempotency-Key on POSTs: replays, reuse with another body, requests still in progress, duplicate orders and
// duplicated party answers; and what the stored records never contain.

import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../src/api/app';
import { requestHash } from '../../src/api/idempotency';
import {
  completeIdempotencyKey,
  reserveIdempotencyKey,
  startIdempotencySweeper,
} from '../../src/persistence/idempotency-store';
import type { OrderView } from '../../src/domain/order';
import type { ApiHarness, Json } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { silentLogger } from '../support/log-capture';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
});

afterAll(async () => {
  await h?.close();
});

const newKey = () => `key-${randomUUID()}`;

async function orderAwaitingCarriers(): Promise<OrderView> {
  const order = await h.placeOrder();
  await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
  const answer = await h.api('POST', `/v1/orders/${order.orderId}/supplier-answer`, {
    key: h.key('supplier'),
    body: { available: true, reservationId: 'r-1', items: order.items.map(({ sku, quantity }) => ({ sku, quantity })) },
  });
  expect(answer.status).toBe(200);
  await h.waitForStatus(order.orderId, 'AWAITING_CARRIER');
  return order;
}

describe('idempotency', () => {
  test('place order › same key and same body › replays the first answer', async () => {
    const key = newKey();
    const body = h.orderBody();

    const first = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body,
      headers: { 'idempotency-key': key },
    });
    const second = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body,
      headers: { 'idempotency-key': key },
    });

    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
  });

  test('place order › same key, same body with keys reordered › replays', async () => {
    const key = newKey();
    const body = h.orderBody();
    const reordered = Object.fromEntries(Object.entries(body).reverse());

    const first = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body,
      headers: { 'idempotency-key': key },
    });
    const second = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body: reordered,
      headers: { 'idempotency-key': key },
    });

    expect(second.status).toBe(first.status);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
  });

  test('place order › without orderId, same key twice › creates one order', async () => {
    const key = newKey();
    const { orderId: _orderId, ...body } = h.orderBody();

    const first = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body,
      headers: { 'idempotency-key': key },
    });
    const second = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body,
      headers: { 'idempotency-key': key },
    });

    expect(first.status).toBe(201);
    expect(second.body.orderId).toBe(first.body.orderId);
  });

  test('place order › same key with another body › answers 422 idempotency_key_reused', async () => {
    const key = newKey();
    await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body: h.orderBody(),
      headers: { 'idempotency-key': key },
    });

    const response = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body: h.orderBody(),
      headers: { 'idempotency-key': key },
    });

    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      error: {
        type: 'idempotency_error',
        code: 'idempotency_key_reused',
        message: expect.any(String),
        param: 'Idempotency-Key',
      },
    });
  });

  test('idempotency key › the same key from another party › is a separate request', async () => {
    const key = newKey();
    const asOperator = await h.api('POST', '/v1/parties', {
      key: h.key('operator'),
      body: { role: 'customer', name: 'Umbrella' },
      headers: { 'idempotency-key': key },
    });

    const asSeller = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body: h.orderBody(),
      headers: { 'idempotency-key': key },
    });

    expect(asOperator.status).toBe(201);
    expect(asSeller.status).toBe(201);
    expect(asSeller.headers.get('idempotent-replayed')).toBeNull();
  });

  test('idempotency key › while the first request is in progress › answers 409 idempotency_key_in_progress', async () => {
    const key = newKey();
    const body = h.orderBody();
    await h.db.idempotency.create({
      _id: `${h.parties.seller.id}:${key}`,
      requestHash: requestHash(h.vault, 'POST', '/v1/orders', body),
      state: 'IN_PROGRESS',
      createdAt: new Date(),
    });

    const response = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body,
      headers: { 'idempotency-key': key },
    });

    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_in_progress' });
  });

  test('idempotency key › longer than 255 characters › answers 400 invalid_idempotency_key', async () => {
    const response = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body: h.orderBody(),
      headers: { 'idempotency-key': 'k'.repeat(256) },
    });

    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'invalid_idempotency_key', param: 'Idempotency-Key' });
  });

  test('idempotency key › a validation failure › is stored and replayed', async () => {
    const key = newKey();
    const body = h.orderBody({ items: [] });

    const first = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body,
      headers: { 'idempotency-key': key },
    });
    const second = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body,
      headers: { 'idempotency-key': key },
    });

    expect(first.status).toBe(400);
    expect(second.status).toBe(400);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
  });

  test('place order › the same orderId under two keys › answers 409 order_exists', async () => {
    const body = h.orderBody();
    await h.api('POST', '/v1/orders', { key: h.key('seller'), body, headers: { 'idempotency-key': newKey() } });

    const response = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body,
      headers: { 'idempotency-key': newKey() },
    });

    expect(response.status).toBe(409);
    expect(response.body.error).toEqual({
      type: 'conflict_error',
      code: 'order_exists',
      message: expect.any(String),
      param: 'orderId',
    });
  });

  test('carrier answer › sent twice without a key › the second answers 409 already_answered', async () => {
    const order = await orderAwaitingCarriers();
    const path = `/v1/orders/${order.orderId}/carrier-answer`;

    const first = await h.api('POST', path, { key: h.key('carrierA'), body: { accepted: false } });
    const second = await h.api('POST', path, { key: h.key('carrierA'), body: { accepted: false } });

    expect(first.status).toBe(200);
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ type: 'conflict_error', code: 'already_answered' });
  });

  test('carrier answer › sent twice with one key › replays the first answer instead of a 409', async () => {
    const order = await orderAwaitingCarriers();
    const path = `/v1/orders/${order.orderId}/carrier-answer`;
    const key = newKey();

    const first = await h.api('POST', path, {
      key: h.key('carrierA'),
      body: { accepted: false },
      headers: { 'idempotency-key': key },
    });
    const second = await h.api('POST', path, {
      key: h.key('carrierA'),
      body: { accepted: false },
      headers: { 'idempotency-key': key },
    });

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
  });

  test('supplier answer › sent twice › the second answers 409', async () => {
    const order = await orderAwaitingCarriers();

    const again = await h.api('POST', `/v1/orders/${order.orderId}/supplier-answer`, {
      key: h.key('supplier'),
      body: { available: false },
    });

    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ type: 'conflict_error', code: 'order_not_at_step' });
  });

  test('payment notification › with a key › stores the answer but never the card', async () => {
    const order = await orderAwaitingCarriers();
    for (const member of ['carrierA', 'carrierB'] as const) {
      await h.api('POST', `/v1/orders/${order.orderId}/carrier-answer`, {
        key: h.key(member),
        body: {
          accepted: true,
          pickupDate: '2026-12-01',
          deliveryDate: '2026-12-10',
          route: 'MUC-HAM',
          method: 'road',
          price: { amount: 7000, currency: 'EUR' },
        },
      });
    }
    await h.waitForStatus(order.orderId, 'CONFIRMED');
    const key = newKey();
    const number = '5555555555554444';

    const paid = await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
      key: h.key('customer'),
      body: { method: 'card', card: { number, expMonth: 11, expYear: 2033, cvc: '987' } },
      headers: { 'idempotency-key': key },
    });
    const record = await h.db.idempotency.findById(`${h.parties.customer.id}:${key}`).lean();

    expect(paid.status).toBe(200);
    expect(paid.body.payment).toMatchObject({ status: 'AUTHORIZED', brand: 'mastercard', last4: '4444' });
    expect(record?.state).toBe('DONE');
    const stored = JSON.stringify(record);
    expect(stored).not.toContain(number);
    // The CVC neither as a field nor as a value, in the record or in a body stored as JSON text inside it (a bare
    // '987' may occur by chance inside a hex digest or a sealed value, which is no leak).
    expect(stored).not.toMatch(/\\?"cvc\\?"/i);
    expect(stored).not.toMatch(/\\?"987\\?"/);
    expect(JSON.stringify(paid.body)).not.toContain(number);
  });
});

describe('idempotency secrets and limits', () => {
  test('idempotency key › a new party registered with a key › its API key is not stored in clear', async () => {
    const key = newKey();
    const created = await h.api('POST', '/v1/parties', {
      key: h.key('operator'),
      body: { role: 'carrier', name: 'Sealed Carrier' },
      headers: { 'idempotency-key': key },
    });
    const replay = await h.api('POST', '/v1/parties', {
      key: h.key('operator'),
      body: { role: 'carrier', name: 'Sealed Carrier' },
      headers: { 'idempotency-key': key },
    });
    const record = await h.db.idempotency.findById(`${h.parties.operator.id}:${key}`).lean();

    expect(created.status).toBe(201);
    expect(replay.body.apiKey).toBe(created.body.apiKey);
    expect(JSON.stringify(record)).not.toContain(created.body.apiKey);
  });

  test('idempotency key › a body nested 5000 levels deep › answers 400, never 500', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const response = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      rawBody: `{"items":${deep}}`,
      headers: { 'idempotency-key': newKey() },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('body_too_deep');
  });
});

/**
 * A second API process on the same database whose Temporal connection is closed, so every call it makes to Temporal
 * fails: the real way a request ends in a 5xx after its key was reserved.
 */
async function startBrokenApi(): Promise<{
  call(path: string, key: string, body: unknown, idempotencyKey: string): Promise<{ status: number; body: Json }>;
  close(): Promise<void>;
}> {
  const connection = await Connection.connect({ address: h.config.temporal.address });
  const temporal = new Client({ connection, namespace: h.config.temporal.namespace });
  await connection.close();
  const app = createApp({ db: h.db, temporal, config: h.config, vault: h.vault, logger: silentLogger() });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    async call(path, key, body, idempotencyKey) {
      const response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('idempotency under concurrency', () => {
  test('create party › 10 concurrent copies with one key › one party and one API key, the others 409 or the same answer', async () => {
    const key = newKey();
    const name = `Concurrent ${randomUUID()}`;

    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        h.api('POST', '/v1/parties', {
          key: h.key('operator'),
          body: { role: 'customer', name },
          headers: { 'idempotency-key': key },
        }),
      ),
    );
    const parties = await h.db.parties.find({ name }).lean();
    const created = answers.filter((answer) => answer.status === 201);
    const others = answers.filter((answer) => answer.status !== 201);

    expect(parties).toHaveLength(1);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((answer) => answer.body.apiKey)).size).toBe(1);
    expect(created.every((answer) => answer.body.id === parties[0]?._id)).toBe(true);
    for (const answer of others) {
      expect(answer.status).toBe(409);
      expect(answer.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_in_progress' });
    }
    expect(await h.db.apiKeys.countDocuments({ partyId: parties[0]?._id })).toBe(1);
    const keyWorks = await h.api('GET', '/v1/parties/me', { key: created[0]?.body.apiKey });
    expect(keyWorks.body.id).toBe(parties[0]?._id);
  });

  test('place order › 10 concurrent copies with one key › one order, the others 409 in progress or the same answer', async () => {
    const key = newKey();
    const { orderId: _orderId, ...body } = h.orderBody();

    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        h.api('POST', '/v1/orders', { key: h.key('seller'), body, headers: { 'idempotency-key': key } }),
      ),
    );
    const placed = answers.filter((answer) => answer.status === 201);
    const others = answers.filter((answer) => answer.status !== 201);

    expect(placed.length).toBeGreaterThanOrEqual(1);
    expect(new Set(placed.map((answer) => answer.body.orderId)).size).toBe(1);
    for (const answer of others) {
      expect(answer.status).toBe(409);
      expect(answer.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_in_progress' });
    }
  });

  test('place order › retry after a 5xx with another body › answers 422 idempotency_key_reused', async () => {
    const broken = await startBrokenApi();
    const key = newKey();
    try {
      const failed = await broken.call('/v1/orders', h.key('seller'), h.orderBody(), key);

      const retry = await h.api('POST', '/v1/orders', {
        key: h.key('seller'),
        body: h.orderBody(),
        headers: { 'idempotency-key': key },
      });

      expect(failed.status).toBeGreaterThanOrEqual(500);
      expect(retry.status).toBe(422);
      expect(retry.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_reused' });
    } finally {
      await broken.close();
    }
  });

  test('place order › 5 concurrent retries after a 5xx with the same body › exactly one runs and places the order', async () => {
    const broken = await startBrokenApi();
    const key = newKey();
    const body = h.orderBody();
    try {
      const failed = await broken.call('/v1/orders', h.key('seller'), body, key);

      const retries = await Promise.all(
        Array.from({ length: 5 }, () =>
          h.api('POST', '/v1/orders', { key: h.key('seller'), body, headers: { 'idempotency-key': key } }),
        ),
      );

      expect(failed.status).toBeGreaterThanOrEqual(500);
      const ran = retries.filter((retry) => retry.status === 201 && retry.headers.get('idempotent-replayed') === null);
      expect(ran).toHaveLength(1);
      expect(ran[0]?.body.orderId).toBe(body.orderId);
      for (const retry of retries.filter((r) => r.status !== 201)) {
        expect(retry.status).toBe(409);
        expect(retry.body.error.code).toBe('idempotency_key_in_progress');
      }
    } finally {
      await broken.close();
    }
  });

  test('idempotency key › a reservation left by a crash, past its lock › is taken over by exactly one copy', async () => {
    const key = newKey();
    const name = `Takeover ${randomUUID()}`;
    const body = { role: 'supplier', name };
    const past = new Date(Date.now() - 10 * 60_000);
    await h.db.idempotency.create({
      _id: `${h.parties.operator.id}:${key}`,
      requestHash: requestHash(h.vault, 'POST', '/v1/parties', body),
      state: 'IN_PROGRESS',
      lockedUntil: past,
      createdAt: past,
    });

    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        h.api('POST', '/v1/parties', { key: h.key('operator'), body, headers: { 'idempotency-key': key } }),
      ),
    );
    const parties = await h.db.parties.find({ name }).lean();
    const record = await h.db.idempotency.findById(`${h.parties.operator.id}:${key}`).lean();

    expect(parties).toHaveLength(1);
    expect(
      answers.filter((answer) => answer.status === 201 && answer.headers.get('idempotent-replayed') === null),
    ).toHaveLength(1);
    expect(answers.every((answer) => answer.status === 201 || answer.status === 409)).toBe(true);
    expect(record?.state).toBe('DONE');
  });

  test('idempotency key › a live reservation with another body › answers 422 idempotency_key_reused', async () => {
    const key = newKey();
    await h.db.idempotency.create({
      _id: `${h.parties.seller.id}:${key}`,
      requestHash: requestHash(h.vault, 'POST', '/v1/orders', h.orderBody()),
      state: 'IN_PROGRESS',
      lockedUntil: new Date(Date.now() + 60_000),
      createdAt: new Date(),
    });

    const response = await h.api('POST', '/v1/orders', {
      key: h.key('seller'),
      body: h.orderBody(),
      headers: { 'idempotency-key': key },
    });

    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({ code: 'idempotency_key_reused' });
  });
});

describe('idempotency completion', () => {
  const answer = (text: string) => ({ statusCode: 200, body: JSON.stringify({ text }), sealed: false });
  // Near the real clock: the expiry tests below sweep every record older than a day.
  const base = Date.now();
  const at = (ms: number) => new Date(base + ms);

  test('idempotency completion › a holder past its lock, taken over › stores nothing; the new holder answer stands', async () => {
    const scope = `store-${randomUUID()}`;
    const lockMs = 1000;
    const first = await reserveIdempotencyKey(h.db, { scope, requestHash: 'h', now: at(0), lockMs });
    const second = await reserveIdempotencyKey(h.db, { scope, requestHash: 'h', now: at(lockMs + 1), lockMs });
    if (first.kind !== 'reserved' || second.kind !== 'reserved') throw new Error('both copies must reserve in turn');

    const late = await completeIdempotencyKey(h.db, scope, first.lockToken, answer('late'), {
      reservedAt: at(0),
      now: at(lockMs + 2),
      lockMs,
    });
    const current = await completeIdempotencyKey(h.db, scope, second.lockToken, answer('current'), {
      reservedAt: at(lockMs + 1),
      now: at(lockMs + 3),
      lockMs,
    });
    const record = await h.db.idempotency.findById(scope).lean();

    expect(late).toBe(false);
    expect(current).toBe(true);
    expect(record).toMatchObject({ state: 'DONE', body: JSON.stringify({ text: 'current' }) });
  });

  test('idempotency completion › a holder within its lock › stores its answer, then a copy replays it', async () => {
    const scope = `store-${randomUUID()}`;
    const lockMs = 60_000;
    const held = await reserveIdempotencyKey(h.db, { scope, requestHash: 'h', now: at(0), lockMs });
    if (held.kind !== 'reserved') throw new Error('the first copy must reserve');

    const stored = await completeIdempotencyKey(h.db, scope, held.lockToken, answer('first'), {
      reservedAt: at(0),
      now: at(10),
      lockMs,
    });
    const copy = await reserveIdempotencyKey(h.db, { scope, requestHash: 'h', now: at(20), lockMs });

    expect(stored).toBe(true);
    expect(copy).toEqual({ kind: 'replay', answer: answer('first') });
  });
});

describe('idempotency record expiry', () => {
  test('idempotency sweep › records past the TTL › are deleted in batches, fresh ones and live locks kept', async () => {
    const run = randomUUID();
    const now = new Date();
    const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000);
    const record = (id: string, state: 'DONE' | 'RETRYABLE' | 'IN_PROGRESS', createdAt: Date, lockedUntil?: Date) => ({
      _id: `${run}:${id}`,
      requestHash: 'h',
      state,
      createdAt,
      lockedUntil,
    });
    await h.db.idempotency.insertMany([
      record('old-done-1', 'DONE', hoursAgo(25)),
      record('old-done-2', 'DONE', hoursAgo(30)),
      record('old-done-3', 'DONE', hoursAgo(48)),
      record('old-retryable', 'RETRYABLE', hoursAgo(25)),
      record('old-stale-lock', 'IN_PROGRESS', hoursAgo(25), hoursAgo(24.9)),
      record('old-live-lock', 'IN_PROGRESS', hoursAgo(25), new Date(now.getTime() + 60_000)),
      record('fresh-done', 'DONE', hoursAgo(23)),
      record('fresh-progress', 'IN_PROGRESS', hoursAgo(0), new Date(now.getTime() + 60_000)),
    ]);
    const sweeper = startIdempotencySweeper(h.db, {
      ttlHours: 24,
      intervalMs: 3_600_000,
      batchSize: 2,
      now: () => now,
    });

    const deleted = await sweeper.sweepOnce();
    await sweeper.stop();
    const left = await h.db.idempotency.find({ _id: { $regex: `^${run}:` } }, { _id: 1 }).lean();

    expect(deleted).toBe(5);
    expect(left.map((item) => item._id.slice(run.length + 1)).sort()).toEqual([
      'fresh-done',
      'fresh-progress',
      'old-live-lock',
    ]);
  });

  test('idempotency records › their collection › has an index on createdAt for the sweep', async () => {
    const indexes = await h.db.idempotency.collection.indexes();

    expect(indexes.map((index) => index.key)).toContainEqual({ createdAt: 1 });
  });

  test('idempotency sweep › with the default configuration › keeps records for 24 hours', () => {
    expect(h.config.idempotency.ttlHours).toBe(24);
    expect(h.config.idempotency.lockMs).toBeGreaterThan(30_000);
  });
});
