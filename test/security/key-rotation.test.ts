// Rotating every key purpose while orders are in flight, on the real servers (Temporal, FerretDB, the bank host)
// through the API over HTTP, with the API, the order worker and the gateway worker each on its own key ring as in
// production: a scheduled rotation (a pending key every process loads before it seals) and an emergency one (active
// at once, met as an unknown key id by the processes that have not reloaded). No order fails, every webhook arrives
// signed with the secret its party was given, every Idempotency-Key replay answers as before, old values open; the
// orders' Temporal payloads are sealed under each `temporal-payloads` key in turn (the codec takes them from the key
// ring) and every history still decodes; the seller's signed notices verify with the JWKS under the newest signing key.

import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compactVerify, createLocalJWKSet, createRemoteJWKSet } from 'jose';
import type { Payload } from '@temporalio/common';
import { AesGcmPayloadCodec, KEY_ID_METADATA, isEncryptedPayload } from '../../src/temporal/codec';
import { configuredPayloadKeys } from '../../src/temporal/payload-keys';
import { orderWorkflowId } from '../../src/contracts/order-contract';
import type { OrderView } from '../../src/domain/order';
import { KeyRing } from '../../src/security/key-ring';
import { databaseKeyStore } from '../../src/security/key-store';
import { signCompact } from '../../src/security/jose-keys';
import { KEY_PURPOSES, SYMMETRIC_PURPOSES } from '../../src/security/purpose-keys';
import type { ApiHarness, ApiResponse, Json } from '../support/harness';
import { startApiHarness } from '../support/harness';

const VISA_OK = '4242424242424242';

const card = (number: string) => ({ method: 'card', card: { number, expMonth: 12, expYear: 2034, cvc: '123' } });

const acceptance = (amount: number) => ({
  accepted: true,
  pickupDate: '2026-12-01',
  deliveryDate: '2026-12-10',
  route: 'MUC-HAM',
  method: 'road',
  price: { amount, currency: 'EUR' },
});

/** A webhook receiver on 127.0.0.1 that checks each delivery's Standard Webhooks signature with the party's secret. */
interface CheckingReceiver {
  url: string;
  secret: string | undefined;
  valid: string[];
  invalid: string[];
  close(): Promise<void>;
}

async function checkingReceiver(): Promise<CheckingReceiver> {
  const state: Omit<CheckingReceiver, 'url' | 'close'> = { secret: undefined, valid: [], invalid: [] };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(request.headers['webhook-id']);
      const timestamp = String(request.headers['webhook-timestamp']);
      const key = Buffer.from((state.secret ?? '').replace(/^whsec_/, ''), 'base64');
      const expected = `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
      (request.headers['webhook-signature'] === expected ? state.valid : state.invalid).push(id);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every payload of a history (objects with `data` bytes and a `metadata` map). */
function payloadsOf(node: unknown, out: Payload[] = []): Payload[] {
  if (Array.isArray(node)) node.forEach((item) => payloadsOf(item, out));
  else if (node && typeof node === 'object' && !(node instanceof Uint8Array)) {
    const candidate = node as Payload;
    if (candidate.data instanceof Uint8Array && candidate.metadata && typeof candidate.metadata === 'object') {
      out.push(candidate);
    } else Object.values(node).forEach((value) => payloadsOf(value, out));
  }
  return out;
}

describe('key rotation with orders in flight', () => {
  let h: ApiHarness;
  let receiver: CheckingReceiver;
  let supplier: { id: string; apiKey: string };
  let admin: KeyRing;

  beforeAll(async () => {
    // Temporal payloads under each process's key ring, as in production, so rotating `temporal-payloads` reaches them.
    h = await startApiHarness({}, { payloadKeysFromKeyRing: true });
    receiver = await checkingReceiver();
    // What `npm run keys -- rotate` opens: a ring of its own on the same collection.
    admin = await KeyRing.open({
      store: databaseKeyStore(h.db.connection),
      kek: h.config.keys.kek,
      refreshMs: 0,
      // Long enough that the six keys (an RSA pair among them) are made, stored and read back while still pending on
      // a loaded machine; the test waits for them to take over.
      activationDelayMs: 10_000,
      jwksGraceMs: 3_600_000,
    });
  });

  afterAll(async () => {
    admin?.close();
    await receiver?.close();
    await h?.close();
  });

  const api = (method: string, path: string, options: Parameters<ApiHarness['api']>[2]) => h.api(method, path, options);

  async function place(idempotencyKey: string): Promise<ApiResponse> {
    const body = { ...h.orderBody({ supplierId: supplier.id }) } as Record<string, unknown>;
    delete body.orderId; // the id follows from the Idempotency-Key
    return api('POST', '/v1/orders', { key: h.key('seller'), body, headers: { 'idempotency-key': idempotencyKey } });
  }

  async function confirm(order: OrderView): Promise<void> {
    await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
    const answer = await api('POST', `/v1/orders/${order.orderId}/supplier-answer`, {
      key: supplier.apiKey,
      body: {
        available: true,
        reservationId: 'res-1',
        items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
      },
    });
    expect([order.orderId, answer.status]).toEqual([order.orderId, 200]);
    await h.waitForStatus(order.orderId, 'AWAITING_CARRIER');
    for (const [member, amount] of [
      ['carrierA', 9000],
      ['carrierB', 8000],
    ] as const) {
      const carrier = await api('POST', `/v1/orders/${order.orderId}/carrier-answer`, {
        key: h.key(member),
        body: acceptance(amount),
      });
      expect([order.orderId, member, carrier.status]).toEqual([order.orderId, member, 200]);
    }
    await h.waitForStatus(order.orderId, 'CONFIRMED');
  }

  async function pay(order: OrderView): Promise<void> {
    const paid = await api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
      key: h.key('customer'),
      body: card(VISA_OK),
    });
    expect([order.orderId, paid.status, paid.body?.payment?.status]).toEqual([order.orderId, 200, 'AUTHORIZED']);
  }

  async function deliverAndClose(order: OrderView): Promise<void> {
    for (const type of ['picked_up', 'delivered']) {
      const event = await api('POST', `/v1/orders/${order.orderId}/shipment-events`, {
        key: h.key('carrierB'),
        body: { type },
      });
      expect([order.orderId, type, event.status]).toEqual([order.orderId, type, 200]);
    }
    await h.waitForStatus(order.orderId, 'AWAITING_SELLER_CONFIRMATION');
    const closed = await api('POST', `/v1/orders/${order.orderId}/settlement-confirmation`, {
      key: h.key('seller'),
      body: { confirmed: true },
    });
    expect([order.orderId, closed.status, closed.body?.status]).toEqual([order.orderId, 200, 'CLOSED']);
  }

  /** The kid each purpose's current key has in a ring. */
  const currentKids = (ring: KeyRing) =>
    Object.fromEntries(ring.list().flatMap((key) => (key.state === 'active' ? [[key.purpose, key.kid]] : [])));

  it('key rotation › every purpose rotated twice during a run of orders › no order, webhook or replay breaks', async () => {
    // Before any rotation: a supplier with a webhook (its registration answer, holding its API key and webhook
    // secret, is kept sealed for replays), a legacy v1 value, orders at every step.
    const registration = {
      id: `hooked-supplier-${randomUUID().slice(0, 8)}`,
      role: 'supplier',
      name: 'Hooked supplier',
      webhookUrl: receiver.url,
    };
    const registered = await api('POST', '/v1/parties', {
      key: h.key('operator'),
      body: registration,
      headers: { 'idempotency-key': 'register-hooked-supplier' },
    });
    expect(registered.status).toBe(201);
    supplier = { id: registration.id, apiKey: registered.body.apiKey };
    receiver.secret = registered.body.webhookSecret;
    const legacySealed = h.vault.seal('sealed before the key ring');
    const kidsAtStart = currentKids(admin);

    const first = await place('order-1');
    const second = await place('order-2');
    const third = await place('order-3');
    expect([first.status, second.status, third.status]).toEqual([201, 201, 201]);
    const [o1, o2, o3] = [first.body, second.body, third.body] as OrderView[];
    await confirm(o1 as OrderView);
    await pay(o1 as OrderView); // paid under the first card key, delivered and captured after both rotations
    await confirm(o2 as OrderView); // confirmed before, paid between the rotations
    // o3 waits for its supplier across the rotations.
    const signedBefore = await signCompact(h.keyRings.gateway, { notice: 'before' });

    // Rotation 1, as scheduled: a pending key per purpose, loaded by every process (their timers' reload) before it
    // seals.
    const scheduled = await Promise.all(KEY_PURPOSES.map((purpose) => admin.rotate(purpose)));
    expect(scheduled.map((key) => key.state)).toEqual(KEY_PURPOSES.map(() => 'pending'));
    await Promise.all(Object.values(h.keyRings).map((ring) => ring.refresh()));
    await until('the scheduled keys take over', () => {
      const kids = currentKids(h.keyRings.api);
      return scheduled.every((key) => kids[key.purpose] === key.kid) ? kids : undefined;
    });

    await pay(o2 as OrderView);
    await confirm(o3 as OrderView);
    const fourth = await place('order-4');
    expect(fourth.status).toBe(201);
    await confirm(fourth.body as OrderView);

    // Rotation 2, an emergency: active at once; only the API reloads, the workers meet the new ids unannounced.
    const emergency = await Promise.all(KEY_PURPOSES.map((purpose) => admin.rotate(purpose, { activateNow: true })));
    await h.keyRings.api.refresh();
    expect(currentKids(h.keyRings.api)).toEqual(Object.fromEntries(emergency.map((key) => [key.purpose, key.kid])));

    await pay(o3 as OrderView); // the gateway opens a card sealed under a card key it has not loaded yet
    await pay(fourth.body as OrderView);
    for (const order of [o1, o2, o3, fourth.body] as OrderView[]) await deliverAndClose(order);

    // Idempotency-Key replays across both rotations answer as the first time; another body is still refused.
    const replayedOrder = await place('order-1');
    expect(replayedOrder.status).toBe(201);
    expect(replayedOrder.headers.get('idempotent-replayed')).toBe('true');
    expect(replayedOrder.body.orderId).toBe((o1 as OrderView).orderId);
    const replayedParty = await api('POST', '/v1/parties', {
      key: h.key('operator'),
      body: registration,
      headers: { 'idempotency-key': 'register-hooked-supplier' },
    });
    expect(replayedParty.status).toBe(201);
    expect(replayedParty.headers.get('idempotent-replayed')).toBe('true');
    expect(replayedParty.body.webhookSecret).toBe(receiver.secret);
    expect(replayedParty.body.apiKey).toBe(supplier.apiKey);
    const reused = await api('POST', '/v1/parties', {
      key: h.key('operator'),
      body: { ...registration, name: 'Another name' },
      headers: { 'idempotency-key': 'register-hooked-supplier' },
    });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');

    // A request whose first answer was lost before the rotations (its record released for a retry) places no second
    // order: its id is derived under the key its record's fingerprint names.
    const lost = await place('order-lost');
    expect(lost.status).toBe(201);
    await h.db.idempotency.updateOne(
      { _id: `${h.parties.seller.id}:order-lost` },
      { $set: { state: 'RETRYABLE' }, $unset: { statusCode: '', body: '' } },
    );
    const thirdRotation = await admin.rotate('idempotency', { activateNow: true });
    await h.keyRings.api.refresh();
    const retried = await place('order-lost');
    expect(retried.status).toBe(409);
    expect(retried.body.error).toMatchObject({
      code: 'order_exists',
      message: expect.stringContaining(lost.body.orderId),
    });
    expect(thirdRotation.state).toBe('active');

    // No order failed: every one closed, paid once.
    for (const order of [o1, o2, o3, fourth.body] as OrderView[]) {
      const view = await h.waitForStatus(order.orderId, 'CLOSED');
      expect(view.payments.map((payment) => payment.status)).toEqual([expect.stringMatching(/CAPTURED|SETTLED/)]);
    }

    // Every webhook to the supplier arrived signed with the secret it was given (sealed under the first key).
    const notices = await h.db.notices.find({ recipientId: supplier.id }).lean();
    expect(notices.length).toBeGreaterThanOrEqual(5);
    await until('every notice to the supplier delivered', () =>
      notices.every((notice) => receiver.valid.includes(notice._id)) ? true : undefined,
    );
    expect(receiver.invalid).toEqual([]);

    // Old values still open in every process; the first keys are superseded, not gone.
    for (const ring of Object.values(h.keyRings)) {
      await ring.refresh();
      expect(ring.open('card-vault', legacySealed)).toBe('sealed before the key ring');
    }
    const states = Object.fromEntries(h.keyRings.worker.list().map((key) => [key.kid, key.state]));
    for (const purpose of SYMMETRIC_PURPOSES) expect(states[kidsAtStart[purpose] as string]).toBe('retiring');

    // The JWKS lists the current signing and payment-instruction keys and the superseded ones in their grace period,
    // public parts only; a notice signed before the rotations still verifies with it.
    const jwks = await api('GET', '/.well-known/jwks.json', {});
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get('cache-control')).toBe(`public, max-age=${h.config.keys.jwksMaxAgeSeconds}`);
    const published = (jwks.body.keys as Json[]).map((key) => `${key.use} ${key.alg} ${key.kid}`);
    for (const purpose of ['signing', 'payment-instructions'] as const) {
      const kids = [
        kidsAtStart[purpose],
        ...[scheduled, emergency].map((keys) => keys.find((k) => k.purpose === purpose)?.kid),
      ];
      const use = purpose === 'signing' ? 'sig ES256' : 'enc RSA-OAEP-256';
      for (const kid of kids) expect(published).toContain(`${use} ${kid}`);
    }
    expect(JSON.stringify(jwks.body)).not.toMatch(/"(d|p|q|dp|dq|qi|k)":/);
    const verified = await compactVerify(signedBefore, createLocalJWKSet(jwks.body));
    expect(verified.protectedHeader.kid).toBe(kidsAtStart.signing);

    // The seller's transfer notices and settlement notes, signed at step 8 after both rotations, verify with the JWKS
    // fetched over HTTP, under a rotated signing key (the scheduled one, or the emergency one once the worker has
    // reloaded: it meets no unknown signing key id, so it may sign under the scheduled key until its next reload).
    const rotatedSigning = [scheduled, emergency].map((keys) => keys.find((key) => key.purpose === 'signing')?.kid);
    const remote = createRemoteJWKSet(new URL(`${h.baseUrl}/.well-known/jwks.json`));
    for (const order of [o1, o2, o3, fourth.body] as OrderView[]) {
      const inbox = await api('GET', `/v1/inbox?orderId=${order.orderId}`, { key: h.key('seller') });
      const signed = (inbox.body.data as Json[]).filter((n) => ['TRANSFER_NOTICE', 'SETTLEMENT_NOTE'].includes(n.kind));
      expect(signed.map((n) => n.kind).sort()).toEqual(['SETTLEMENT_NOTE', 'TRANSFER_NOTICE']);
      for (const notice of signed) {
        const checked = await compactVerify(notice.signature, remote);
        expect([order.orderId, notice.kind, rotatedSigning.includes(checked.protectedHeader.kid)]).toEqual([
          order.orderId,
          notice.kind,
          true,
        ]);
      }
    }

    // The orders' histories hold payloads sealed under the first, the scheduled and the emergency temporal-payloads
    // keys (the codec took each from the key ring in turn), and every payload still decodes with the API's keys.
    const payloadKids = new Set<string>();
    const codec = new AesGcmPayloadCodec(configuredPayloadKeys(h.config, h.keyRings.api));
    for (const order of [o1, o2, o3, fourth.body] as OrderView[]) {
      const payloads = payloadsOf(await h.client.workflow.getHandle(orderWorkflowId(order.orderId)).fetchHistory());
      for (const payload of payloads) {
        const kid = payload.metadata?.[KEY_ID_METADATA];
        if (kid) payloadKids.add(Buffer.from(kid).toString('utf8'));
      }
      const opened = await codec.decode(payloads);
      expect(opened.filter(isEncryptedPayload)).toEqual([]);
    }
    const payloadRotations = [
      kidsAtStart['temporal-payloads'],
      ...[scheduled, emergency].map((keys) => keys.find((k) => k.purpose === 'temporal-payloads')?.kid),
    ];
    expect([...payloadKids].sort()).toEqual([...payloadRotations].sort());
  });
});
