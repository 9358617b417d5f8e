// Encrypted Temporal payloads end to end (issue 7 E): an order placed, answered and paid by card over HTTP (through the
// gateway worker and the bank host) leaves no order or payment data in clear in any history it wrote, read raw by a
// client without the codec; the same histories decoded with the codec hold that data (so the scan can fail) and replay.
// The codec endpoint decodes for operators only, from Temporal UI's origin only.

import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { orderWorkflowId } from '../../src/contracts/order-contract';
import { registerParty } from '../../src/persistence/party-store';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING } from '../../src/temporal/codec';
import { StaticPayloadKeys } from '../../src/temporal/payload-keys';
import type { ApiHarness } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { testDataConverter, testPayloadKeys } from '../support/workflow-env';

type History = temporal.api.history.v1.IHistory;

const UI_ORIGIN = 'http://127.0.0.1:48233';
let h: ApiHarness;
let raw: { client: Client; connection: Connection };

beforeAll(async () => {
  h = await startApiHarness({ TEMPORAL_UI_ORIGIN: UI_ORIGIN, CODEC_RATE_PER_MINUTE: '30' });
  // A client WITHOUT the codec: what anyone reading Temporal's history directly sees.
  const connection = await Connection.connect({ address: h.config.temporal.address });
  raw = { connection, client: new Client({ connection, namespace: h.config.temporal.namespace }) };
});

afterAll(async () => {
  await raw?.connection.close();
  await h?.close();
});

/** Every string and every byte field (as latin1) in a history, except search attributes (readable by design). */
function textsOf(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (node instanceof Uint8Array) out.push(Buffer.from(node).toString('latin1'));
  else if (Array.isArray(node)) node.forEach((item) => textsOf(item, out));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) if (key !== 'searchAttributes') textsOf(value, out);
  }
  return out;
}

/**
 * Every payload in a history (objects with `data` bytes and a `metadata` map) with its path, search attributes left
 * out, and headers (the request id and trace context the interceptors propagate: the SDK does not pass headers through
 * codecs; the scan of textsOf still covers them).
 */
function payloadsOf(node: unknown, path = '', out: { path: string; payload: Payload }[] = []) {
  if (Array.isArray(node)) node.forEach((item, index) => payloadsOf(item, `${path}[${index}]`, out));
  else if (node && typeof node === 'object' && !(node instanceof Uint8Array)) {
    const candidate = node as Payload;
    if (candidate.data instanceof Uint8Array && candidate.metadata && typeof candidate.metadata === 'object') {
      out.push({ path, payload: candidate });
      return out;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key !== 'searchAttributes' && key !== 'header') payloadsOf(value, `${path}.${key}`, out);
    }
  }
  return out;
}

/**
 * Where the SDK itself writes plain payloads, which never pass through codecs: a patch marker's id and a local
 * activity marker's bookkeeping (sequence, attempt, activity type, times). The local activity's result is encoded.
 */
const SDK_MARKER_DATA = /\.markerRecordedEventAttributes\.details\.(patch-data|data)\.payloads\[\d+\]$/;

/** The order's history and those of the child workflows it started (the gateway's payments), read without the codec. */
async function rawHistories(orderId: string): Promise<{ workflowId: string; history: History }[]> {
  const order = await raw.client.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
  const children = (order.events ?? [])
    .map((event) => event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
    .filter((id): id is string => Boolean(id));
  return [
    { workflowId: orderWorkflowId(orderId), history: order },
    ...(await Promise.all(
      children.map(async (workflowId) => ({
        workflowId,
        history: await raw.client.workflow.getHandle(workflowId).fetchHistory(),
      })),
    )),
  ];
}

const acceptance = (amount: number) => ({
  accepted: true,
  pickupDate: '2026-12-01',
  deliveryDate: '2026-12-10',
  route: 'ROUTE-SECRET-7',
  method: 'road',
  price: { amount, currency: 'EUR' },
});

describe('encrypted history', () => {
  it('an order paid by card › its histories read without the codec › no order or payment data in clear', async () => {
    const run = randomUUID().slice(0, 8);
    const customer = await registerParty(h.db, h.vault, { id: `cust-${run}`, role: 'customer', name: `Kundin ${run}` });
    const shipTo = {
      name: `Halle ${run}`,
      line1: `Geheimweg ${run}`,
      city: 'Augsburg',
      postalCode: '86150',
      country: 'DE',
    };
    const order = await h.placeOrder({
      customerId: customer.id,
      shipTo,
      items: [
        { sku: `SKU-${run}`, description: `valve ${run}`, quantity: 3, unitPrice: { amount: 13_579, currency: 'EUR' } },
      ],
    });
    await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
    const supplier = await h.api('POST', `/v1/orders/${order.orderId}/supplier-answer`, {
      key: h.key('supplier'),
      body: { available: true, reservationId: `RES-${run}`, items: [{ sku: `SKU-${run}`, quantity: 3 }] },
    });
    expect(supplier.status).toBe(200);
    for (const [member, amount] of [
      ['carrierA', 24_681],
      ['carrierB', 31_415],
    ] as const) {
      const answer = await h.api('POST', `/v1/orders/${order.orderId}/carrier-answer`, {
        key: h.key(member),
        body: acceptance(amount),
      });
      expect(answer.status).toBe(200);
    }
    await h.waitForStatus(order.orderId, 'CONFIRMED');
    const declined = await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
      key: customer.apiKey,
      body: { method: 'card', card: { number: '4000000000009995', expMonth: 12, expYear: 2034, cvc: '987' } },
    });
    const paid = await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
      key: customer.apiKey,
      body: { method: 'card', card: { number: '4242424242424242', expMonth: 11, expYear: 2033, cvc: '321' } },
    });
    expect(declined.status).toBe(402);
    expect(paid.status).toBe(200);

    const histories = await rawHistories(order.orderId);
    const secrets = [
      shipTo.name,
      shipTo.line1,
      '86150',
      `SKU-${run}`,
      `valve ${run}`,
      `RES-${run}`,
      'ROUTE-SECRET-7',
      '13579',
      '40737', // 3 × 13 579, the items' total
      '24681',
      '4242424242424242',
      '4000000000009995',
      '"last4":"4242"',
      '"last4":"9995"',
      'v1.', // a vault-sealed card
      `Kundin ${run}`,
      'declined',
    ];

    expect(histories.length).toBeGreaterThanOrEqual(2); // the order and at least one payment child workflow
    const rawText = histories.flatMap(({ history }) => textsOf(history)).join('\n');
    expect(secrets.filter((secret) => rawText.includes(secret))).toEqual([]);
    const found = histories.flatMap(({ history }) => payloadsOf(history));
    const payloads = found.map(({ payload }) => payload);
    const plain = found
      .filter(({ payload }) => Buffer.from(payload.metadata?.encoding ?? []).toString() !== ENCRYPTED_ENCODING)
      .map(({ path }) => path);
    expect(plain.filter((path) => !SDK_MARKER_DATA.test(path))).toEqual([]);
    expect(payloads.length - plain.length).toBeGreaterThan(10);

    // The same histories decoded: the data is there (the scan above would have found it in clear).
    const codec = new AesGcmPayloadCodec(testPayloadKeys());
    const decoded = (await codec.decode(payloads)).map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');
    for (const secret of [shipTo.line1, `SKU-${run}`, `RES-${run}`, 'ROUTE-SECRET-7', '13579', '"last4":"4242"']) {
      expect({ secret, decoded: decoded.includes(secret) }).toEqual({ secret, decoded: true });
    }
  });

  it('an encrypted history › replayed with the codec › replays; without the codec › cannot even read its input', async () => {
    const order = await h.placeOrder();
    await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
    const history = await raw.client.workflow.getHandle(orderWorkflowId(order.orderId)).fetchHistory();
    const bundle = { codePath: process.env.SETTLEFLOW_WORKFLOW_BUNDLE ?? '' };

    const withCodec = await Worker.runReplayHistory(
      { workflowBundle: bundle, dataConverter: testDataConverter(), replayName: `codec-${order.orderId}` },
      history,
      orderWorkflowId(order.orderId),
    ).then(
      () => 'replayed',
      (error: unknown) => String(error),
    );
    const withoutCodec = await Worker.runReplayHistory(
      { workflowBundle: bundle, replayName: `plain-${order.orderId}` },
      history,
      orderWorkflowId(order.orderId),
    ).then(
      () => 'replayed',
      (error: unknown) => String(error),
    );

    expect(withCodec).toBe('replayed');
    expect(withoutCodec).not.toBe('replayed');
  });
});

/** A payload of the codec server protocol (base64 JSON) holding `value`, sealed unless `plain`. */
async function protocolPayload(value: unknown, plain = false) {
  const payload = defaultPayloadConverter.toPayload(value);
  const [sealed] = plain ? [payload] : await new AesGcmPayloadCodec(testPayloadKeys()).encode([payload]);
  return {
    metadata: Object.fromEntries(
      Object.entries(sealed?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(sealed?.data ?? []).toString('base64'),
  };
}

const valueOf = (payload: { data: string }) => JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));

/** Signs in to the console with a key; answers the session cookie. */
async function sessionCookie(apiKey: string): Promise<string> {
  const response = await h.api('POST', '/v1/session', { body: { apiKey } });
  expect(response.status).toBe(201);
  const cookie = /sf_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0];
  if (!cookie) throw new Error('no session cookie');
  return cookie;
}

describe('codec endpoint', () => {
  it('decode › an operator key › sealed payloads opened, plain ones passed through, in order', async () => {
    const body = { payloads: [await protocolPayload({ line1: 'Geheimweg 1' }), await protocolPayload('plain', true)] };

    const response = await h.api('POST', '/v1/codec/decode', { key: h.key('operator'), body });

    expect(response.status).toBe(200);
    expect(response.body.payloads.map(valueOf)).toEqual([{ line1: 'Geheimweg 1' }, 'plain']);
    expect(Buffer.from(response.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
  });

  it('encode › an operator key › sealed under the current key, and decodes back', async () => {
    const response = await h.api('POST', '/v1/codec/encode', {
      key: h.key('operator'),
      body: { payloads: [await protocolPayload({ amount: 13_579 }, true)] },
    });
    const back = await h.api('POST', '/v1/codec/decode', { key: h.key('operator'), body: response.body });

    expect(response.status).toBe(200);
    const [sealed] = response.body.payloads;
    expect(Buffer.from(sealed.metadata.encoding, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(sealed.metadata['encryption-key-id'], 'base64').toString()).toBe(
      (await testPayloadKeys().current()).kid,
    );
    expect(Buffer.from(sealed.data, 'base64').toString('latin1')).not.toContain('13579');
    expect(back.body.payloads.map(valueOf)).toEqual([{ amount: 13_579 }]);
  });

  it.each(['seller', 'customer', 'supplier', 'carrierA'] as const)(
    'decode › a %s key › 403, nothing decoded',
    async (member) => {
      const response = await h.api('POST', '/v1/codec/decode', {
        key: h.key(member),
        body: { payloads: [await protocolPayload({ line1: 'Geheimweg 1' })] },
      });

      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe('forbidden');
      expect(JSON.stringify(response.body)).not.toContain('Geheimweg');
    },
  );

  it('decode › no credentials, or an unknown key › 401', async () => {
    const body = { payloads: [await protocolPayload({ line1: 'Geheimweg 1' })] };

    const none = await h.api('POST', '/v1/codec/decode', { body });
    const unknown = await h.api('POST', '/v1/codec/decode', { key: 'sf_operator_not-a-key', body });

    expect([none.status, unknown.status]).toEqual([401, 401]);
  });

  it("decode › an operator's session cookie from Temporal UI's origin › decoded, with CORS for that origin", async () => {
    const cookie = await sessionCookie(h.key('operator'));
    const body = { payloads: [await protocolPayload({ line1: 'Geheimweg 1' })] };

    const response = await h.api('POST', '/v1/codec/decode', {
      body,
      headers: { cookie, origin: UI_ORIGIN, 'x-namespace': h.config.temporal.namespace },
    });

    expect(response.status).toBe(200);
    expect(response.body.payloads.map(valueOf)).toEqual([{ line1: 'Geheimweg 1' }]);
    expect(response.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it("decode › a seller's session cookie from Temporal UI's origin › 403", async () => {
    const cookie = await sessionCookie(h.key('seller'));

    const response = await h.api('POST', '/v1/codec/decode', {
      body: { payloads: [await protocolPayload({ line1: 'Geheimweg 1' })] },
      headers: { cookie, origin: UI_ORIGIN },
    });

    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('forbidden');
  });

  it("decode › an operator's cookie from another origin, or with no origin › 403, no CORS headers", async () => {
    const cookie = await sessionCookie(h.key('operator'));
    const body = { payloads: [await protocolPayload({ line1: 'Geheimweg 1' })] };

    const foreign = await h.api('POST', '/v1/codec/decode', {
      body,
      headers: { cookie, origin: 'http://127.0.0.1:9999' },
    });
    const noOrigin = await h.api('POST', '/v1/codec/decode', { body, headers: { cookie } });
    const foreignKey = await h.api('POST', '/v1/codec/decode', {
      key: h.key('operator'),
      body,
      headers: { origin: 'https://evil.example' },
    });

    expect([foreign.status, noOrigin.status, foreignKey.status]).toEqual([403, 403, 403]);
    expect([foreign.body.error.code, noOrigin.body.error.code, foreignKey.body.error.code]).toEqual([
      'origin_not_allowed',
      'origin_required',
      'origin_not_allowed',
    ]);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(JSON.stringify([foreign.body, noOrigin.body, foreignKey.body])).not.toContain('Geheimweg');
  });

  it("preflight › from Temporal UI's origin › allowed with credentials; from another origin › no CORS grant", async () => {
    const preflight = (origin: string) =>
      fetch(`${h.baseUrl}/v1/codec/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace',
        },
      });

    const ui = await preflight(UI_ORIGIN);
    const other = await preflight('https://evil.example');

    expect(ui.status).toBe(204);
    expect(ui.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(ui.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ui.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('decode › another namespace › 403 namespace_not_served', async () => {
    const response = await h.api('POST', '/v1/codec/decode', {
      key: h.key('operator'),
      body: { payloads: [await protocolPayload('x')] },
      headers: { 'x-namespace': 'someone-else' },
    });

    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('namespace_not_served');
  });

  it('decode › a payload under a key id the API does not have › 422 payload_key_unknown naming the id', async () => {
    const foreign = new AesGcmPayloadCodec(new StaticPayloadKeys([{ kid: 'retired-2025', key: Buffer.alloc(32, 7) }]));
    const [sealed] = await foreign.encode([defaultPayloadConverter.toPayload('secret')]);
    const payload = {
      metadata: Object.fromEntries(
        Object.entries(sealed?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(sealed?.data ?? []).toString('base64'),
    };

    const response = await h.api('POST', '/v1/codec/decode', { key: h.key('operator'), body: { payloads: [payload] } });

    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('payload_key_unknown');
    expect(response.body.error.message).toContain('"retired-2025"');
  });

  it('decode › a body that is not the protocol › 400 naming the field; text/plain › 415', async () => {
    const bad = await h.api('POST', '/v1/codec/decode', {
      key: h.key('operator'),
      body: { payloads: [{ data: 'not base64!' }] },
    });
    const text = await h.api('POST', '/v1/codec/decode', {
      key: h.key('operator'),
      rawBody: '{"payloads":[]}',
      headers: { 'content-type': 'text/plain' },
    });

    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('payloads.0.data');
    expect(text.status).toBe(415);
  });

  it('rate limit › past CODEC_RATE_PER_MINUTE for one operator key › 429 with Retry-After', async () => {
    const operator = await registerParty(h.db, h.vault, {
      id: `op-${randomUUID().slice(0, 8)}`,
      role: 'operator',
      name: 'Op',
    });
    const statuses: number[] = [];
    for (let i = 0; i < 31; i += 1) {
      statuses.push((await h.api('POST', '/v1/codec/decode', { key: operator.apiKey, body: { payloads: [] } })).status);
    }

    expect(statuses.slice(0, 30).every((status) => status === 200)).toBe(true);
    expect(statuses[30]).toBe(429);
  });
});
