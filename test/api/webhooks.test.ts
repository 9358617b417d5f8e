// Webhooks through the API over HTTP: URLs refused at registration, failed deliveries listed for operators (and each
// party's own), redelivery to a receiver that came back, and no trace of what a failing receiver answered.

import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { webhookDeliveryWorkflowId } from '../../src/contracts/webhook-delivery-contract';
import { recordWebhookDelivery } from '../../src/persistence/webhook-delivery-store';
import type { ApiHarness, Json } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { decodedHistoryText } from '../support/workflow-env';

const SECRET_BODY = 'receiver-secret-9b1d04-never-echo';

/** A receiver on 127.0.0.1 that fails (500 with a secret body) until told to be healthy. */
interface SwitchableReceiver {
  url: string;
  healthy: boolean;
  failures: number;
  successes: number;
  close(): Promise<void>;
}

async function switchableReceiver(): Promise<SwitchableReceiver> {
  const state = { healthy: false, failures: 0, successes: 0 };
  const server: Server = createServer((request, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      if (state.healthy) {
        state.successes += 1;
        response.writeHead(204).end();
      } else {
        state.failures += 1;
        response.writeHead(500, { 'content-type': 'text/plain' }).end(SECRET_BODY);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return Object.assign(state, {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}

async function registerWith(h: ApiHarness, webhookUrl: string, role = 'supplier') {
  return h.api('POST', '/v1/parties', {
    key: h.key('operator'),
    body: { id: `hooked-${randomUUID().slice(0, 8)}`, role, name: 'Hooked party', webhookUrl },
  });
}

/** Polls the operator's list until the delivery is in `state`. */
async function waitForDelivery(h: ApiHarness, noticeId: string, state: string): Promise<Json> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await h.api('GET', `/v1/webhook-deliveries?state=${state}&limit=100`, { key: h.key('operator') });
    const found = (response.body?.data ?? []).find((d: Json) => d.noticeId === noticeId);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`delivery ${noticeId} never reached ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A workflow's history with every payload decoded (as an operator sees it). */
async function historyText(h: ApiHarness, workflowId: string): Promise<string> {
  return decodedHistoryText(await h.client.workflow.getHandle(workflowId).fetchHistory());
}

describe('webhook registration without WEBHOOK_ALLOW_PRIVATE', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness({ WEBHOOK_ALLOW_PRIVATE: 'false' });
  });

  afterAll(async () => {
    await h?.close();
  });

  test.each([
    ['https://169.254.169.254/latest/meta-data/', 'address refused: cloud metadata address'],
    ['https://0x7f000001/hooks', 'address refused: loopback address'],
    ['https://2130706433:27017/', 'address refused: loopback address'],
    ['https://[::ffff:127.0.0.1]:7233/', 'address refused: loopback address'],
    ['https://[::1]:7233/', 'address refused: loopback address'],
    ['https://10.0.0.8/hooks', 'address refused: private address'],
    ['https://metadata.google.internal/computeMetadata/v1/', 'address refused: cloud metadata host'],
    ['http://93.184.215.14/hooks', 'https is required'],
  ])('party registration › webhookUrl %s › is 422 webhook_url_refused and no party is made', async (url, reason) => {
    const id = `refused-${randomUUID().slice(0, 8)}`;

    const response = await h.api('POST', '/v1/parties', {
      key: h.key('operator'),
      body: { id, role: 'carrier', name: 'Refused', webhookUrl: url },
    });

    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'webhook_url_refused',
      param: 'webhookUrl',
    });
    expect(response.body.error.message).toContain(reason);
    expect(await h.db.parties.countDocuments({ _id: id })).toBe(0);
  });

  test('party registration › a public https webhookUrl › is accepted with a signing secret', async () => {
    const response = await registerWith(h, 'https://93.184.215.14/hooks');

    expect(response.status).toBe(201);
    expect(response.body.webhookSecret).toMatch(/^whsec_/);
  });
});

describe('webhook deliveries with WEBHOOK_ALLOW_PRIVATE (the tests receive on 127.0.0.1)', () => {
  let h: ApiHarness;
  const receivers: SwitchableReceiver[] = [];

  beforeAll(async () => {
    h = await startApiHarness();
  });

  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await h?.close();
  });

  test.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]:8080/',
    'http://0.0.0.0:3000/',
  ])('party registration › %s › is refused even with the flag', async (url) => {
    const response = await registerWith(h, url);

    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({ code: 'webhook_url_refused', param: 'webhookUrl' });
  });

  test('failed delivery › a receiver that always fails, then recovers › is listed FAILED, redelivered once and DELIVERED', async () => {
    const receiver = await switchableReceiver();
    receivers.push(receiver);
    const registered = await registerWith(h, receiver.url);
    expect(registered.status).toBe(201);
    const supplier = registered.body;
    const order = await h.placeOrder({ supplierId: supplier.id });
    const noticeId = `${order.orderId}:SUPPLIER_INQUIRY:${supplier.id}`;

    // The harness gives deliveries a horizon of under two seconds.
    const failed = await waitForDelivery(h, noticeId, 'FAILED');
    expect(failed).toMatchObject({ recipientId: supplier.id, state: 'FAILED', lastError: 'HTTP 500', redeliveries: 0 });
    expect(failed.attempts).toBe(receiver.failures);
    expect(failed.attempts).toBeGreaterThanOrEqual(2);

    const own = await h.api('GET', '/v1/webhook-deliveries?state=FAILED', { key: supplier.apiKey });
    expect(own.body.data.map((d: Json) => d.noticeId)).toEqual([noticeId]);
    const stranger = await h.api('GET', '/v1/webhook-deliveries', { key: h.key('otherSupplier') });
    expect(stranger.status).toBe(200);
    expect(stranger.body.data.map((d: Json) => d.noticeId)).not.toContain(noticeId);
    const snooping = await h.api('GET', `/v1/webhook-deliveries?recipientId=${supplier.id}`, {
      key: h.key('otherSupplier'),
    });
    expect(snooping.status).toBe(403);
    const strangerRedelivery = await h.api('POST', `/v1/webhook-deliveries/${noticeId}/redeliver`, {
      key: h.key('otherSupplier'),
    });
    expect(strangerRedelivery.status).toBe(404);
    expect(strangerRedelivery.body.error.code).toBe('webhook_delivery_not_found');

    receiver.healthy = true;
    const [first, second] = await Promise.all([
      h.api('POST', `/v1/webhook-deliveries/${noticeId}/redeliver`, { key: supplier.apiKey }),
      h.api('POST', `/v1/webhook-deliveries/${noticeId}/redeliver`, { key: h.key('operator') }),
    ]);

    expect([first.status, second.status]).toEqual([202, 202]);
    expect(first.body).toMatchObject({ noticeId, state: 'PENDING', redeliveries: 1 });
    expect(second.body).toMatchObject({ noticeId, state: 'PENDING', redeliveries: 1 });
    const delivered = await waitForDelivery(h, noticeId, 'DELIVERED');
    expect(delivered).toMatchObject({
      state: 'DELIVERED',
      redeliveries: 1,
      attempts: failed.attempts + 1,
      lastError: null,
    });
    expect(receiver.successes).toBe(1);
    const again = await h.api('POST', `/v1/webhook-deliveries/${noticeId}/redeliver`, { key: h.key('operator') });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('webhook_already_delivered');

    const traces = [
      JSON.stringify(await h.api('GET', '/v1/webhook-deliveries?limit=100', { key: h.key('operator') })),
      JSON.stringify(await h.db.connection.collection('webhook_deliveries').find({}).toArray()),
      await historyText(h, webhookDeliveryWorkflowId(noticeId)),
      await historyText(h, webhookDeliveryWorkflowId(noticeId, 1)),
      h.logs.join('\n'),
    ];
    for (const trace of traces) expect(trace).not.toContain(SECRET_BODY);
  });

  test('delivery record › a late first attempt after a redelivery › leaves the redelivery record as it was', async () => {
    const noticeId = `o-late:SUPPLIER_INQUIRY:late-${randomUUID().slice(0, 8)}`;
    const write = { noticeId, recipientId: 'late-party', at: new Date(Date.UTC(2026, 0, 2)) };
    await recordWebhookDelivery(h.db, { ...write, redelivery: 1, attempts: 4, state: 'DELIVERED' });

    await recordWebhookDelivery(h.db, {
      ...write,
      redelivery: 0,
      attempts: 1,
      state: 'PENDING',
      lastError: 'HTTP 503',
    });
    const record = await h.db.connection.collection('webhook_deliveries').findOne({ _id: noticeId as never });

    expect(record).toMatchObject({ state: 'DELIVERED', attempts: 4, redeliveries: 1 });
    expect(record?.lastError).toBeUndefined();
  });

  test('delivery record › a first attempt › is inserted with its outcome', async () => {
    const noticeId = `o-first:SUPPLIER_INQUIRY:first-${randomUUID().slice(0, 8)}`;
    const at = new Date(Date.UTC(2026, 0, 3));

    await recordWebhookDelivery(h.db, {
      noticeId,
      recipientId: 'first-party',
      redelivery: 0,
      attempts: 1,
      state: 'PENDING',
      lastError: 'HTTP 503',
      at,
    });
    const record = await h.db.connection.collection('webhook_deliveries').findOne({ _id: noticeId as never });

    expect(record).toMatchObject({
      recipientId: 'first-party',
      state: 'PENDING',
      attempts: 1,
      redeliveries: 0,
      lastError: 'HTTP 503',
      createdAt: at,
      updatedAt: at,
    });
  });

  test('delivery list › more than a page › pages with a cursor and rejects a forged one', async () => {
    const recipientId = `paged-${randomUUID().slice(0, 8)}`;
    for (const n of [1, 2, 3]) {
      await recordWebhookDelivery(h.db, {
        noticeId: `o-paged:SUPPLIER_INQUIRY:${recipientId}-${n}`,
        recipientId,
        redelivery: 0,
        attempts: 3,
        state: 'FAILED',
        lastError: 'HTTP 503',
        at: new Date(Date.UTC(2026, 0, n)),
      });
    }

    const page1 = await h.api('GET', `/v1/webhook-deliveries?recipientId=${recipientId}&limit=2`, {
      key: h.key('operator'),
    });
    const page2 = await h.api(
      'GET',
      `/v1/webhook-deliveries?recipientId=${recipientId}&limit=2&cursor=${page1.body.nextCursor}`,
      { key: h.key('operator') },
    );
    const forged = await h.api('GET', '/v1/webhook-deliveries?cursor=bm90LWEtY3Vyc29y', { key: h.key('operator') });

    expect(page1.body.data.map((d: Json) => d.noticeId.slice(-1))).toEqual(['3', '2']);
    expect(page2.body.data.map((d: Json) => d.noticeId.slice(-1))).toEqual(['1']);
    expect(page2.body.nextCursor).toBeNull();
    expect(forged.status).toBe(422);
    expect(forged.body.error).toMatchObject({ code: 'invalid_cursor', param: 'cursor' });
  });

  test('delivery list › an unknown state › is 400 naming state', async () => {
    const response = await h.api('GET', '/v1/webhook-deliveries?state=LOST', { key: h.key('operator') });

    expect(response.status).toBe(400);
    expect(response.body.error.param).toBe('state');
  });

  test('redelivery › an unknown notice › is 404', async () => {
    const response = await h.api('POST', '/v1/webhook-deliveries/o-none:SUPPLIER_INQUIRY:nobody/redeliver', {
      key: h.key('operator'),
    });

    expect(response.status).toBe(404);
    expect(response.body.error).toMatchObject({ code: 'webhook_delivery_not_found', param: 'noticeId' });
  });
});
