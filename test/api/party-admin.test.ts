// Operators disabling parties and rotating and revoking their API keys, how soon that takes effect in another API
// process, per-key rate limits, and the security headers on every answer.

import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/api/app';
import type { Config } from '../../src/config';
import { connectDatabase } from '../../src/persistence/database';
import { findKeyHolder, registerParty } from '../../src/persistence/party-store';
import { hashApiKey } from '../../src/security/vault';
import type { ApiHarness, ApiResponse } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { silentLogger } from '../support/log-capture';
import { uniqueDatabaseUri } from '../support/workflow-env';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
});

afterAll(async () => {
  await h?.close();
});

/** Registers a fresh customer through the API and returns its id, first key and key id. */
async function newCustomer(): Promise<{ id: string; apiKey: string; apiKeyId: string }> {
  const created = await h.api('POST', '/v1/parties', {
    key: h.key('operator'),
    body: { role: 'customer', name: `Customer ${randomUUID()}` },
  });
  expect(created.status).toBe(201);
  return { id: created.body.id, apiKey: created.body.apiKey, apiKeyId: created.body.apiKeyId };
}

const me = (key: string) => h.api('GET', '/v1/parties/me', { key });

/** Another API process on the same database and Temporal, with its own configuration and clock. */
async function startOtherApi(
  overrides: Partial<Config>,
  now: () => Date = () => new Date(),
): Promise<{ get(path: string, key: string): Promise<ApiResponse>; close(): Promise<void> }> {
  const app = createApp({
    db: h.db,
    temporal: h.client,
    config: { ...h.config, ...overrides },
    vault: h.vault,
    now,
    logger: silentLogger(),
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    async get(path, key) {
      const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('api key rotation', () => {
  test('issue key › by an operator › answers 201 with a new key_ id and the key once; the old key stops at once', async () => {
    const party = await newCustomer();

    const idempotencyKey = `rotate-${randomUUID()}`;
    const issued = await h.api('POST', `/v1/parties/${party.id}/keys`, {
      key: h.key('operator'),
      body: {},
      headers: { 'idempotency-key': idempotencyKey },
    });
    const withNew = await me(issued.body.apiKey);
    const withOld = await me(party.apiKey);
    const record = await h.db.idempotency.findById(`${h.parties.operator.id}:${idempotencyKey}`).lean();

    expect(issued.status).toBe(201);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    expect(issued.body).toMatchObject({
      id: expect.stringMatching(/^key_/),
      partyId: party.id,
      apiKey: expect.stringMatching(/^sf_customer_/),
      active: true,
    });
    expect(issued.body.id).not.toBe(party.apiKeyId);
    expect(withNew.status).toBe(200);
    expect(withNew.body.id).toBe(party.id);
    expect(withOld.status).toBe(401);
    expect(withOld.body.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
    expect(record?.state).toBe('DONE');
    expect(JSON.stringify(record)).not.toContain(issued.body.apiKey);
  });

  test('issue key › with graceSeconds › the old key keeps working until it is revoked, then 401', async () => {
    const party = await newCustomer();
    expect((await me(party.apiKey)).status).toBe(200);

    const issued = await h.api('POST', `/v1/parties/${party.id}/keys`, {
      key: h.key('operator'),
      body: { graceSeconds: 3600 },
    });
    const oldDuringGrace = await me(party.apiKey);
    const listed = await h.api('GET', `/v1/parties/${party.id}/keys`, { key: h.key('operator') });
    const revoked = await h.api('DELETE', `/v1/parties/${party.id}/keys/${party.apiKeyId}`, {
      key: h.key('operator'),
    });
    const oldAfterRevoke = await me(party.apiKey);
    const newAfterRevoke = await me(issued.body.apiKey);

    expect(oldDuringGrace.status).toBe(200);
    const old = listed.body.data.find((key: { id: string }) => key.id === party.apiKeyId);
    expect(old).toMatchObject({ active: true, expiresAt: expect.any(String) });
    expect(Date.parse(old.expiresAt) - Date.now()).toBeGreaterThan(3_000_000);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: party.apiKeyId, active: false, revokedAt: expect.any(String) });
    expect(oldAfterRevoke.status).toBe(401);
    expect(newAfterRevoke.status).toBe(200);
  });

  test('list keys › by an operator › shows ids and prefixes, never a key or its digest', async () => {
    const party = await newCustomer();
    const issued = await h.api('POST', `/v1/parties/${party.id}/keys`, { key: h.key('operator'), body: {} });

    const listed = await h.api('GET', `/v1/parties/${party.id}/keys`, { key: h.key('operator') });
    const stored = await h.db.apiKeys.find({ partyId: party.id }).lean();

    expect(listed.status).toBe(200);
    const byId = Object.fromEntries(
      listed.body.data.map((key: { id: string; active: boolean }) => [key.id, key.active]),
    );
    expect(byId).toEqual({ [issued.body.id]: true, [party.apiKeyId]: false });
    const text = JSON.stringify(listed.body);
    for (const secret of [party.apiKey, issued.body.apiKey, ...stored.map((key) => key.hash)]) {
      expect(text).not.toContain(secret);
    }
    expect(JSON.stringify(stored)).not.toContain(issued.body.apiKey);
  });

  test('revoke key › another party of the same role › still works; an unknown key id › 404', async () => {
    const party = await newCustomer();

    const revoked = await h.api('DELETE', `/v1/parties/${party.id}/keys/${party.apiKeyId}`, {
      key: h.key('operator'),
    });
    const unknown = await h.api('DELETE', `/v1/parties/${party.id}/keys/key_doesnotexist`, {
      key: h.key('operator'),
    });
    const othersKey = await h.api('DELETE', `/v1/parties/${h.parties.customer.id}/keys/${party.apiKeyId}`, {
      key: h.key('operator'),
    });

    expect(revoked.status).toBe(200);
    expect((await me(party.apiKey)).status).toBe(401);
    expect((await me(h.key('customer'))).status).toBe(200);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ type: 'not_found_error', code: 'api_key_not_found', param: 'keyId' });
    expect(othersKey.status).toBe(404);
  });

  test('key routes › called by a seller, or for an unknown party › 403 and 404', async () => {
    const party = await newCustomer();

    const bySeller = await h.api('POST', `/v1/parties/${party.id}/keys`, { key: h.key('seller'), body: {} });
    const revokeBySeller = await h.api('DELETE', `/v1/parties/${party.id}/keys/${party.apiKeyId}`, {
      key: h.key('seller'),
    });
    const unknownParty = await h.api('POST', '/v1/parties/nobody-here/keys', { key: h.key('operator'), body: {} });
    const badGrace = await h.api('POST', `/v1/parties/${party.id}/keys`, {
      key: h.key('operator'),
      body: { graceSeconds: -1 },
    });

    expect(bySeller.status).toBe(403);
    expect(revokeBySeller.status).toBe(403);
    expect((await me(party.apiKey)).status).toBe(200);
    expect(unknownParty.status).toBe(404);
    expect(unknownParty.body.error).toMatchObject({ code: 'party_not_found', param: 'partyId' });
    expect(badGrace.status).toBe(400);
    expect(badGrace.body.error).toMatchObject({ code: 'parameter_invalid', param: 'graceSeconds' });
  });
});

describe('party disable', () => {
  test('disable party › its key › answers 403 party_disabled; after enable › works again', async () => {
    const party = await newCustomer();
    expect((await me(party.apiKey)).status).toBe(200);

    const disabled = await h.api('POST', `/v1/parties/${party.id}/disable`, { key: h.key('operator') });
    const whileDisabled = await me(party.apiKey);
    const account = await h.api('GET', `/v1/parties/${party.id}`, { key: h.key('operator') });
    const enabled = await h.api('POST', `/v1/parties/${party.id}/enable`, { key: h.key('operator') });
    const afterEnable = await me(party.apiKey);

    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id: party.id, disabled: true, disabledAt: expect.any(String) });
    expect(whileDisabled.status).toBe(403);
    expect(whileDisabled.body.error).toEqual({
      type: 'permission_error',
      code: 'party_disabled',
      message: expect.any(String),
      param: null,
    });
    expect(account.body).toMatchObject({ id: party.id, role: 'customer', disabled: true });
    expect(enabled.body).toMatchObject({ id: party.id, disabled: false });
    expect(afterEnable.status).toBe(200);
  });

  test('disable party › by a non-operator, or an operator itself › 403 and 409', async () => {
    const party = await newCustomer();

    const bySeller = await h.api('POST', `/v1/parties/${party.id}/disable`, { key: h.key('seller') });
    const self = await h.api('POST', `/v1/parties/${h.parties.operator.id}/disable`, { key: h.key('operator') });

    expect(bySeller.status).toBe(403);
    expect((await me(party.apiKey)).status).toBe(200);
    expect(self.status).toBe(409);
    expect(self.body.error).toMatchObject({ code: 'cannot_disable_self' });
    expect((await me(h.key('operator'))).status).toBe(200);
  });

  test('revoke and disable › in another API process that cached the key › refused once API_KEY_CACHE_MS has passed', async () => {
    const revokedParty = await newCustomer();
    const disabledParty = await newCustomer();
    let clock = Date.now();
    const other = await startOtherApi({ apiKeyCacheMs: 5000 }, () => new Date(clock));
    try {
      expect((await other.get('/v1/parties/me', revokedParty.apiKey)).status).toBe(200);
      expect((await other.get('/v1/parties/me', disabledParty.apiKey)).status).toBe(200);

      await h.api('DELETE', `/v1/parties/${revokedParty.id}/keys/${revokedParty.apiKeyId}`, {
        key: h.key('operator'),
      });
      await h.api('POST', `/v1/parties/${disabledParty.id}/disable`, { key: h.key('operator') });
      clock += 5000;

      const revoked = await other.get('/v1/parties/me', revokedParty.apiKey);
      const disabled = await other.get('/v1/parties/me', disabledParty.apiKey);
      expect(revoked.status).toBe(401);
      expect(disabled.status).toBe(403);
      expect(disabled.body.error.code).toBe('party_disabled');
    } finally {
      await other.close();
    }
  });
});

describe('rate limits', () => {
  test('rate limit › past API_RATE_PER_MINUTE for one key › 429 rate_limited with Retry-After; other keys unaffected', async () => {
    const other = await startOtherApi({ apiRatePerMinute: 3 });
    try {
      const answers: ApiResponse[] = [];
      for (let i = 0; i < 4; i += 1) answers.push(await other.get('/v1/parties/me', h.key('carrierB')));
      const otherKey = await other.get('/v1/parties/me', h.key('otherCarrier'));

      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
      expect(answers[0]?.headers.get('ratelimit-limit')).toBe('3');
      expect(answers[0]?.headers.get('ratelimit-remaining')).toBe('2');
      const limited = answers[3];
      expect(limited?.body).toEqual({
        error: { type: 'invalid_request_error', code: 'rate_limited', message: expect.any(String), param: null },
      });
      const retryAfter = Number(limited?.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(otherKey.status).toBe(200);
    } finally {
      await other.close();
    }
  });

  test('rate limit › by default › allows 600 requests a minute per key', () => {
    expect(h.config.apiRatePerMinute).toBe(600);
  });
});

describe('security headers', () => {
  test('security headers › a /v1 answer, an error and the health check › no-store and helmet headers', async () => {
    const answers = [
      await me(h.key('seller')),
      await h.api('GET', '/v1/orders/nope', { key: h.key('seller') }),
      await h.api('GET', '/v1/orders'),
      await h.api('GET', '/health'),
    ];

    for (const answer of answers) {
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
      expect(answer.headers.get('x-powered-by')).toBeNull();
    }
  });

  test('security headers › a new party with its API key › is not cacheable', async () => {
    const created = await h.api('POST', '/v1/parties', {
      key: h.key('operator'),
      body: { role: 'carrier', name: 'Headers Carrier' },
    });

    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
  });
});

describe('api keys stored before key records', () => {
  test('legacy keys › a database whose parties hold their key digest › keys keep working and new parties register', async () => {
    const uri = uniqueDatabaseUri(h.config.mongodbUri, 'legacy_keys');
    const first = await connectDatabase(uri);
    const legacyKey = `sf_seller_${randomUUID()}`;
    try {
      await first.parties.collection.createIndex({ apiKeyHash: 1 }, { unique: true });
      await first.parties.collection.insertOne({
        _id: 'legacy-seller' as never,
        role: 'seller',
        name: 'Legacy Seller',
        apiKeyHash: hashApiKey(legacyKey),
        apiKeyPrefix: legacyKey.slice(0, 12),
        createdAt: new Date(),
      });
    } finally {
      await first.close();
    }

    const db = await connectDatabase(uri);
    try {
      const holder = await findKeyHolder(db, legacyKey);
      const registered = await Promise.all(
        ['new-a', 'new-b'].map((id) => registerParty(db, h.vault, { id, role: 'carrier', name: id })),
      );
      const party = await db.parties.findById('legacy-seller').lean();

      expect(holder).toMatchObject({
        party: { id: 'legacy-seller', role: 'seller' },
        keyId: expect.stringMatching(/^key_/),
      });
      expect(party?.apiKeyHash).toBeUndefined();
      expect(await Promise.all(registered.map(async (r) => (await findKeyHolder(db, r.apiKey))?.party.id))).toEqual([
        'new-a',
        'new-b',
      ]);
    } finally {
      await db.connection.dropDatabase();
      await db.close();
    }
  });
});
