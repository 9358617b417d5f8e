// Signed payment notifications (SET's dual signature, with JOSE), over HTTP through the gateway worker and the bank
// host: a customer registers its public key, lists and revokes it; a notification built by the client SDK (the
// instruction encrypted to the gateway's JWKS key, the dual signature by the customer's key) pays the order. Each
// refusal (tampered signature, tampered ciphertext, unknown key id, another customer's key, a replay, a stale one, an
// expired or revoked key, order information that is not the order's, an instruction to an unknown gateway key, a plain
// card with ALLOW_PLAIN_CARD off) is a 4xx with its own code, and the bank host saw nothing: the card's balance and
// holds are unchanged and the order took no payment. The gateway checks the link again before opening an instruction.

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { loadConfig } from '../../src/config';
import type { OrderView } from '../../src/domain/order';
import type { CustomerKeyPair, PaymentInstructionInput } from '../../src/client-sdk';
import {
  buildSignedNotification,
  fetchGatewayJwks,
  gatewayEncryptionKey,
  generateCustomerKey,
  instructionHash,
} from '../../src/client-sdk';
import { instrumentOpener } from '../../src/gateway/vault/instruction-opener';
import type { PaymentInstructionRecord } from '../../src/gateway/vault/payment-instructions';
import { PAYMENT_INSTRUCTIONS } from '../../src/gateway/vault/payment-instructions';
import type { ApiHarness, CastMember, Json } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { startIdempotencySweeper } from '../../src/persistence/idempotency-store';
import { PAYMENT_NOTIFICATION_IDS, sweepNotificationIds } from '../../src/api/signed-notification';
import type { TestCard } from '../support/bank-control';
import { cardAtBank, openTestCard } from '../support/bank-control';

const OPENING = 5_000_000;
let h: ApiHarness;
let gatewayKey: JWK & { kid: string };

beforeAll(async () => {
  h = await startApiHarness({ ALLOW_PLAIN_CARD: 'false' });
  // The gateway's key ring created the payment-instruction key after the API's loaded: the API reloads (as it does
  // every SETTLEFLOW_KEYS_REFRESH_MS) before publishing it.
  await h.keyRings.api.refresh();
  gatewayKey = gatewayEncryptionKey(await fetchGatewayJwks(h.baseUrl));
});

afterAll(async () => {
  await h?.close();
});

/** An order of the seller's for `customer`, answered by the supplier and both carriers, waiting for the payment. */
const confirmedOrder = (customer: CastMember = 'customer'): Promise<OrderView> =>
  h.confirmedOrder({ order: { customerId: h.parties[customer].id }, carrierPrices: [900, 900] });

/** The gateway's vault of payment instructions in this run's database. */
const vault = () => h.db.connection.collection<PaymentInstructionRecord>(PAYMENT_INSTRUCTIONS);

async function registeredKey(member: CastMember = 'customer', expiresAt?: string): Promise<CustomerKeyPair> {
  const pair = await generateCustomerKey();
  const registered = await h.api('POST', '/v1/parties/me/keys', {
    key: h.key(member),
    body: { jwk: pair.publicJwk, ...(expiresAt ? { expiresAt } : {}) },
  });
  expect(registered.status).toBe(201);
  return pair;
}

const cardInstruction = (card: TestCard): PaymentInstructionInput => ({
  method: 'card',
  card: { number: card.number, expMonth: card.expMonth, expYear: card.expYear, cvc: card.cvc },
});

function notification(
  order: OrderView,
  card: TestCard,
  customerKey: CustomerKeyPair,
  options: { issuedAt?: Date } = {},
) {
  return buildSignedNotification({
    orderInformation: { orderId: order.orderId, amount: order.total, method: 'card' },
    instruction: cardInstruction(card),
    customerKey,
    gatewayKey,
    issuedAt: options.issuedAt,
  });
}

async function pay(order: OrderView, body: unknown, member: CastMember = 'customer') {
  return h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, { key: h.key(member), body });
}

/** Flips one character of a compact JOSE value's part `index`. */
function tamper(compact: string, index: number): string {
  const parts = compact.split('.');
  const part = parts[index] as string;
  const at = Math.floor(part.length / 2);
  parts[index] = `${part.slice(0, at)}${part[at] === 'A' ? 'B' : 'A'}${part.slice(at + 1)}`;
  return parts.join('.');
}

/** The refusal's status and code, and that nothing was charged: the card untouched, the order without a payment. */
async function refusalOf(order: OrderView, card: TestCard, response: { status: number; body: Json }) {
  const view = await h.api<OrderView>('GET', `/v1/orders/${order.orderId}`, { key: h.key('operator') });
  return {
    status: response.status,
    code: response.body?.error?.code,
    card: await cardAtBank(card.number),
    payments: view.body.payments.length,
    orderStatus: view.body.status,
  };
}

const untouched = { card: { balance: OPENING, held: 0, holds: [] }, payments: 0, orderStatus: 'CONFIRMED' };

describe('customer keys', () => {
  it('POST, GET and DELETE /v1/parties/me/keys › a public ES256 JWK › registered once, listed, revoked', async () => {
    const pair = await generateCustomerKey();
    const first = await h.api('POST', '/v1/parties/me/keys', { key: h.key('customer'), body: { jwk: pair.publicJwk } });
    const again = await h.api('POST', '/v1/parties/me/keys', { key: h.key('customer'), body: { jwk: pair.publicJwk } });
    const taken = await h.api('POST', '/v1/parties/me/keys', {
      key: h.key('otherCustomer'),
      body: { jwk: pair.publicJwk },
    });
    const withPrivate = await h.api('POST', '/v1/parties/me/keys', {
      key: h.key('customer'),
      body: { jwk: pair.privateJwk },
    });
    const listed = await h.api('GET', '/v1/parties/me/keys', { key: h.key('customer') });
    const revoked = await h.api('DELETE', `/v1/parties/me/keys/${pair.kid}`, { key: h.key('customer') });
    const notTheirs = await h.api('DELETE', `/v1/parties/me/keys/${pair.kid}`, { key: h.key('otherCustomer') });
    expect([first.status, first.body.kid, first.body.status]).toEqual([201, pair.kid, 'active']);
    expect([again.status, again.body.kid]).toEqual([200, pair.kid]);
    expect([taken.status, taken.body.error.code]).toEqual([409, 'customer_key_taken']);
    expect([withPrivate.status, withPrivate.body.error.code, withPrivate.body.error.param]).toEqual([
      400,
      'parameter_unknown',
      'jwk.d',
    ]);
    expect(listed.body.data.map((key: { kid: string }) => key.kid)).toContain(pair.kid);
    expect([revoked.status, revoked.body.status]).toEqual([200, 'revoked']);
    expect([notTheirs.status, notTheirs.body.error.code]).toEqual([404, 'customer_key_not_found']);
  });
});

describe('signed payment notifications', () => {
  it('a notification built by the SDK › paid › the vault holds the JWE linked to the dual signature until answered', async () => {
    const key = await registeredKey();
    const card = await openTestCard(OPENING);
    const order = await confirmedOrder();
    const body = await notification(order, card, key);
    const paid = await pay(order, body);
    expect([paid.status, paid.body.payment.status]).toEqual([200, 'AUTHORIZED']);
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING, held: order.total.amount });
    const record = (await vault().findOne({ 'link.dualSignature': body.dualSignature })) as PaymentInstructionRecord;
    expect([record.jwe, record.link?.kid, record.display.last4, record.display.bin]).toEqual([
      undefined,
      key.kid,
      card.number.slice(-4),
      card.number.slice(0, 6),
    ]);
    // The API never saw the card; the gateway did, and the order shows its last four to the customer.
    const view = await h.api<OrderView>('GET', `/v1/orders/${order.orderId}`, { key: h.key('customer') });
    expect(view.body.payments.map((p) => p.last4)).toEqual([card.number.slice(-4)]);
    const inbox = await h.api('GET', `/v1/inbox?orderId=${order.orderId}`, { key: h.key('customer') });
    const receipt = (inbox.body.data as Array<{ kind: string; payload: { last4?: string } }>).find(
      (notice) => notice.kind === 'PAYMENT_RECEIPT',
    );
    expect(receipt?.payload.last4).toBe(card.number.slice(-4));
  });

  it.each([
    ['tampered signature', 422, 'dual_signature_invalid'],
    ['tampered ciphertext', 422, 'dual_signature_mismatch'],
    ['unknown key id', 422, 'customer_key_unknown'],
    ["another customer's key", 403, 'customer_key_not_yours'],
    ['expired key', 422, 'customer_key_expired'],
    ['revoked key', 422, 'customer_key_revoked'],
    ['signed too long ago', 422, 'notification_expired'],
    ['order information not the order', 422, 'order_information_mismatch'],
    ['instruction to an unknown gateway key', 422, 'instruction_key_unknown'],
  ] as const)('refusal › %s › %i %s, nothing charged', async (scenario, status, code) => {
    const card = await openTestCard(OPENING);
    const order = await confirmedOrder();
    let body: Record<string, unknown>;
    switch (scenario) {
      case 'tampered signature': {
        const signed = await notification(order, card, await registeredKey());
        body = { ...signed, dualSignature: tamper(signed.dualSignature, 2) };
        break;
      }
      case 'tampered ciphertext': {
        const signed = await notification(order, card, await registeredKey());
        body = { ...signed, paymentInstruction: tamper(signed.paymentInstruction, 3) };
        break;
      }
      case 'unknown key id':
        body = { ...(await notification(order, card, await generateCustomerKey())) };
        break;
      case "another customer's key":
        body = { ...(await notification(order, card, await registeredKey('otherCustomer'))) };
        break;
      case 'expired key':
        body = { ...(await notification(order, card, await registeredKey('customer', '2026-01-01T00:00:00Z'))) };
        break;
      case 'revoked key': {
        const key = await registeredKey();
        expect((await h.api('DELETE', `/v1/parties/me/keys/${key.kid}`, { key: h.key('customer') })).status).toBe(200);
        body = { ...(await notification(order, card, key)) };
        break;
      }
      case 'signed too long ago':
        body = {
          ...(await notification(order, card, await registeredKey(), { issuedAt: new Date(Date.now() - 3_600_000) })),
        };
        break;
      case 'order information not the order':
        body = {
          ...(await buildSignedNotification({
            orderInformation: { orderId: order.orderId, amount: { ...order.total, amount: 1 }, method: 'card' },
            instruction: cardInstruction(card),
            customerKey: await registeredKey(),
            gatewayKey,
          })),
        };
        break;
      case 'instruction to an unknown gateway key':
        body = {
          ...(await buildSignedNotification({
            orderInformation: { orderId: order.orderId, amount: order.total, method: 'card' },
            instruction: cardInstruction(card),
            customerKey: await registeredKey(),
            gatewayKey: { ...gatewayKey, kid: 'not-a-gateway-key' },
          })),
        };
        break;
    }
    expect(await refusalOf(order, card, await pay(order, body))).toEqual({ status, code, ...untouched });
  });

  it('refusal › the same notification twice › the replay is 409 notification_replayed, charged once', async () => {
    const card = await openTestCard(OPENING);
    const order = await confirmedOrder();
    const body = await notification(order, card, await registeredKey());
    const first = await pay(order, body);
    const replay = await pay(order, body);
    expect([first.status, replay.status, replay.body.error.code]).toEqual([200, 409, 'notification_replayed']);
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING, held: order.total.amount });
    const view = await h.api<OrderView>('GET', `/v1/orders/${order.orderId}`, { key: h.key('operator') });
    expect(view.body.payments.map((p) => p.status)).toEqual(['AUTHORIZED']);
  });

  it('retry › the same notification under the same Idempotency-Key after a 504 › the same request, paid once', async () => {
    const card = await openTestCard(OPENING);
    const order = await confirmedOrder();
    const body = await notification(order, card, await registeredKey());
    const headers = { 'idempotency-key': randomUUID() };
    const send = () =>
      h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, { key: h.key('customer'), body, headers });
    const deadline = h.config.apiUpdateTimeoutMs;
    h.config.apiUpdateTimeoutMs = 1; // the API gives up on the Update at once: 504, as under load
    const first = await send().finally(() => {
      h.config.apiUpdateTimeoutMs = deadline;
    });
    const retry = await send();
    const replay = await pay(order, body); // the same notification without the key: another request, a replay
    expect([first.status, first.body.error?.code, retry.status, retry.body.payment?.status]).toEqual([
      504,
      'update_timeout',
      200,
      'AUTHORIZED',
    ]);
    expect([replay.status, replay.body.error.code]).toEqual([409, 'notification_replayed']);
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING, held: order.total.amount });
    const view = await h.api<OrderView>('GET', `/v1/orders/${order.orderId}`, { key: h.key('operator') });
    expect(view.body.payments.map((p) => p.status)).toEqual(['AUTHORIZED']);
    // One deposit: the retry paid with the first attempt's instruction, and left no second one in the vault.
    expect(await vault().countDocuments({ 'link.dualSignature': body.dualSignature })).toBe(1);
  });

  it('notification ids › taken more than twice the window ago › swept; newer ones kept, and still refuse a replay', async () => {
    const card = await openTestCard(OPENING);
    const order = await confirmedOrder();
    const body = await notification(order, card, await registeredKey());
    expect((await pay(order, body)).status).toBe(200);
    const ids = h.db.connection.collection<{ _id: string; at: Date }>(PAYMENT_NOTIFICATION_IDS);
    const window = h.config.paymentNotificationWindowSeconds * 1000;
    const old = `${h.parties.customer.id}:old-${randomUUID()}`;
    await ids.insertOne({ _id: old, at: new Date(Date.now() - 2 * window - 60_000) });
    const sweeper = startIdempotencySweeper(h.db, {
      ttlHours: 24,
      intervalMs: 3_600_000,
      batchSize: 100,
      alsoSweep: [(now) => sweepNotificationIds(h.db, new Date(now.getTime() - 2 * window))],
    });
    await sweeper.sweepOnce();
    await sweeper.stop();
    expect(await ids.findOne({ _id: old })).toBeNull();
    expect(await ids.countDocuments({ _id: { $regex: `^${h.parties.customer.id}:` } })).toBeGreaterThan(0);
    const replay = await pay(order, body);
    expect([replay.status, replay.body.error.code]).toEqual([409, 'notification_replayed']);
  });

  it('refusal › a plain card with ALLOW_PLAIN_CARD off › 422 signed_notification_required, nothing charged', async () => {
    const card = await openTestCard(OPENING);
    const order = await confirmedOrder();
    const plain = await pay(order, cardInstruction(card));
    expect(await refusalOf(order, card, plain)).toEqual({
      status: 422,
      code: 'signed_notification_required',
      ...untouched,
    });
  });

  /** A vault record, as the API deposits it, of `jwe` under the link of `signed` (another notification's JWE: swapped). */
  async function deposit(signed: Awaited<ReturnType<typeof notification>>, jwe: string): Promise<string> {
    const token = `pm_${randomUUID().replace(/-/g, '')}`;
    await vault().insertOne({
      _id: token,
      method: 'card',
      customerId: h.parties.customer.id,
      jwe,
      display: { brand: 'card', last4: '????' },
      link: {
        dualSignature: signed.dualSignature,
        oiHash: (await import('../../src/client-sdk')).orderInformationHash(signed.orderInformation),
        kid: JSON.parse(Buffer.from(signed.dualSignature.split('.')[0] as string, 'base64url').toString()).kid,
      },
      createdAt: new Date(),
    });
    return token;
  }

  /** The gateway's opener, on a key ring that counts the JWEs it is asked to decrypt. */
  function countingOpener() {
    let decryptions = 0;
    const ring = h.keyRings.gateway;
    const counting = new Proxy(ring, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (property === 'decryptionKey') decryptions += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const opener = instrumentOpener({ db: h.db, cardVault: ring.keys('card-vault'), ring: counting });
    return { opener, decryptions: () => decryptions };
  }

  it('gateway › an instruction swapped after the API checked the link › not opened', async () => {
    const card = await openTestCard(OPENING);
    const order = await confirmedOrder();
    const signed = await notification(order, card, await registeredKey());
    const other = await notification(order, { ...card, number: '4242424242424242' }, await registeredKey());
    const token = await deposit(signed, other.paymentInstruction);
    await expect(countingOpener().opener.open(token)).rejects.toMatchObject({ code: 'dual_signature_invalid' });
    expect(instructionHash(other.paymentInstruction)).not.toBe(instructionHash(signed.paymentInstruction));
  });

  it('gateway › opened, then answered › decrypted once; kept sealed without its CVC', async () => {
    const card = await openTestCard(OPENING);
    const order = await confirmedOrder();
    const signed = await notification(order, card, await registeredKey());
    const token = await deposit(signed, signed.paymentInstruction);
    const { opener, decryptions } = countingOpener();
    expect(JSON.parse(await opener.open(token))).toEqual({
      number: card.number,
      expMonth: card.expMonth,
      expYear: card.expYear,
      cvc: card.cvc,
    });
    await opener.answered(token);
    expect(decryptions()).toBe(1);
    const stored = await vault().findOne({ _id: token });
    expect(stored?.jwe).toBeUndefined();
    expect(stored?.display).toMatchObject({ last4: card.number.slice(-4) });
    expect(JSON.parse(h.keyRings.gateway.keys('card-vault').open(stored?.sealed ?? ''))).toEqual({
      number: card.number,
      expMonth: card.expMonth,
      expYear: card.expYear,
    });
  });

  it('gateway › its instruction swapped between open and answered › the stored one is opened again, not kept', async () => {
    const card = await openTestCard(OPENING);
    const order = await confirmedOrder();
    const signed = await notification(order, card, await registeredKey());
    const other = await notification(order, { ...card, number: '4242424242424242' }, await registeredKey());
    const token = await deposit(signed, signed.paymentInstruction);
    const { opener } = countingOpener();
    await opener.open(token);
    await vault().updateOne({ _id: token }, { $set: { jwe: other.paymentInstruction } });
    await opener.answered(token);
    // The swapped JWE fails its link: nothing of it is kept, and nothing of the instruction opened before either.
    const stored = await vault().findOne({ _id: token });
    expect(stored?.jwe).toBeUndefined();
    expect(stored?.sealed).toBeUndefined();
    expect(stored?.answeredAt).toBeInstanceOf(Date);
  });
});

describe('npm run pay', () => {
  const pay = async (...args: string[]) => {
    const root = path.join(__dirname, '..', '..');
    const env = { PATH: process.env.PATH ?? '', SETTLEFLOW_API_URL: h.baseUrl, SETTLEFLOW_API_KEY: h.key('customer') };
    const { stdout } = await promisify(execFile)('node', ['scripts/run-ts.js', 'scripts/pay.ts', ...args], {
      cwd: root,
      env,
    });
    return stdout;
  };

  it("keygen, register, notify › a card › the order is paid and the key file is the owner's only", async () => {
    const card = await openTestCard(OPENING);
    const order = await confirmedOrder();
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pay-cli-')), 'key.json');
    await pay('keygen', '--out', file);
    const kid = (JSON.parse(readFileSync(file, 'utf8')) as { kid: string }).kid;
    const registered = await pay('register', '--key', file);
    const sent = await pay(
      'notify',
      '--key',
      file,
      '--order',
      order.orderId,
      '--card',
      card.number,
      '--exp',
      `${card.expMonth}/${card.expYear}`,
      '--cvc',
      card.cvc,
    );
    expect([statSync(file).mode & 0o777, registered.startsWith('201'), sent.startsWith('200')]).toEqual([
      0o600,
      true,
      true,
    ]);
    expect(registered).toContain(kid);
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING, held: order.total.amount });
  });
});

describe('ALLOW_PLAIN_CARD', () => {
  it('configuration › NODE_ENV production, default, explicit › off, on, as set', () => {
    const base = { SETTLEFLOW_VAULT_KEY: Buffer.alloc(32, 1).toString('base64') };
    expect([
      loadConfig({ ...base, NODE_ENV: 'production' }).allowPlainCard,
      loadConfig({ ...base }).allowPlainCard,
      loadConfig({ ...base, NODE_ENV: 'production', ALLOW_PLAIN_CARD: 'true' }).allowPlainCard,
      loadConfig({ ...base, ALLOW_PLAIN_CARD: 'false' }).allowPlainCard,
    ]).toEqual([false, true, true, false]);
  });
});
