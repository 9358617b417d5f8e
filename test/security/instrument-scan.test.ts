// Tokens, not cards: orders are paid by every method over HTTP (a card captured at delivery, a card voided by a
// cancellation, a declined card, an e-check, e-cash after a top-up by card, a card micropayment, a signed
// notification; one refused by its order), then every Temporal
// history of the run (decoded with the codec), every collection of settleflow's database (the gateway's vault
// included), the bank host's own store and every log line the processes wrote are searched for the test PANs, CVCs
// and IBANs. Sealed values and JWEs found on the way are opened with the gateway's keys and searched too: only the
// vault may hold a PAN or IBAN (sealed under the card-vault key), and no CVC is left anywhere once the authorizations
// are answered.

import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { temporal } from '@temporalio/proto';
import mongoose from 'mongoose';
import type { OrderView } from '../../src/domain/order';
import { PAYMENT_INSTRUCTIONS } from '../../src/gateway/vault/payment-instructions';
import {
  buildSignedNotification,
  fetchGatewayJwks,
  gatewayEncryptionKey,
  generateCustomerKey,
} from '../../src/client-sdk';
import { decryptCompact } from '../../src/security/jose-keys';
import type { ApiHarness, CastMember } from '../support/harness';
import { startApiHarness } from '../support/harness';
import type { TestCard } from '../support/bank-control';
import { openTestCard } from '../support/bank-control';
import { openCurrentAccount } from '../support/methods-env';
import { decodedHistoryText } from '../support/workflow-env';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ ECHECK_CLEARING_MS: '200', MICROPAYMENT_MAX_AGE_MS: '300' });
});

afterAll(async () => {
  await h?.close();
});

const cardBody = (card: TestCard) => ({
  method: 'card',
  card: { number: card.number, expMonth: card.expMonth, expYear: card.expYear, cvc: card.cvc },
});

async function deliver(order: OrderView): Promise<OrderView> {
  const carrier: CastMember = order.carrierId === h.parties.carrierA.id ? 'carrierA' : 'carrierB';
  for (const type of ['picked_up', 'in_transit', 'delivered']) {
    const event = await h.api('POST', `/v1/orders/${order.orderId}/shipment-events`, {
      key: h.key(carrier),
      body: { type },
    });
    expect(event.status).toBe(200);
  }
  return h.waitForStatus(order.orderId, 'AWAITING_SELLER_CONFIRMATION');
}

async function pay(order: OrderView, body: unknown) {
  return h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, { key: h.key('customer'), body });
}

const SEALED = /v1\.[A-Za-z0-9+/=]+|v2\.[^.\s"]+\.[A-Za-z0-9+/=]+/g;
const JWE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;

/** `text` and, after it, the plaintext of every sealed value and JWE in it that the gateway's keys open. */
async function opened(text: string): Promise<string[]> {
  const ring = h.keyRings.gateway;
  const found: string[] = [];
  for (const sealed of text.match(SEALED) ?? []) {
    try {
      found.push(ring.keys('card-vault').open(sealed));
    } catch {
      // Not a card-vault value (another purpose's, or a look-alike): nothing of a card in it.
    }
  }
  for (const jwe of text.match(JWE) ?? []) {
    try {
      found.push(Buffer.from((await decryptCompact(ring, jwe)).plaintext).toString('utf8'));
    } catch {
      // Not a payment instruction.
    }
  }
  return found;
}

/** Where each needle occurs among `places` (name → text). */
function occurrences(places: Map<string, string>, needles: readonly string[]): string[] {
  const hits: string[] = [];
  for (const [place, text] of places) {
    for (const needle of needles) if (text.includes(needle)) hits.push(`${needle} in ${place}`);
  }
  return hits;
}

/** Every workflow of the run (both task queues) with its history decoded by the codec. */
async function histories(expectedIds: readonly string[]): Promise<Map<string, string>> {
  const query = `TaskQueue = '${h.config.temporal.taskQueue}' OR TaskQueue = '${h.config.gateway.taskQueue}'`;
  const ids = new Set<string>();
  // Visibility follows the histories: read until every workflow the test knows of is listed.
  for (;;) {
    for await (const execution of h.client.workflow.list({ query })) ids.add(execution.workflowId);
    if (expectedIds.every((id) => ids.has(id))) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const texts = new Map<string, string>();
  for (const id of ids) {
    const history = (await h.client.workflow.getHandle(id).fetchHistory()) as temporal.api.history.v1.IHistory;
    texts.set(`history ${id}`, await decodedHistoryText(history));
  }
  return texts;
}

/** Every document of every collection of the database at `connection`, as JSON text by collection. */
async function collections(connection: mongoose.Connection, label: string): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const { name } of await connection.db!.listCollections().toArray()) {
    const documents = await connection.db!.collection(name).find({}).toArray();
    texts.set(`${label}.${name}`, JSON.stringify(documents));
  }
  return texts;
}

describe('tokens, not cards', () => {
  it('orders paid by every method › histories, databases and logs searched › no PAN, CVC or IBAN but the vault', async () => {
    const cvcs = ['4817', '5926', '6035', '7144', '8253'];
    const cards = await Promise.all(cvcs.map(() => openTestCard(5_000_000)));
    // The bank host checks the CVC it was told at account opening ('123'): distinct CVCs here would be declined, so
    // the searched CVC is the one each card carries, in the instruction's JSON (`"cvc":"123"`).
    const [captured, voided, micro, topUp, signedCard] = cards as [TestCard, TestCard, TestCard, TestCard, TestCard];
    const declined: TestCard = { ...captured, number: '4000000000009995' };
    const account = await openCurrentAccount(5_000_000);

    // A card authorized, captured at delivery.
    const cardOrder = await h.confirmedOrder({ carrierPrices: [900, 800] });
    expect((await pay(cardOrder, cardBody(captured))).status).toBe(200);
    await deliver(cardOrder);

    // A card declined, then a card authorized and voided by the order's cancellation.
    const voidOrder = await h.confirmedOrder({ carrierPrices: [900, 800] });
    expect((await pay(voidOrder, cardBody(declined))).status).toBe(402);
    expect((await pay(voidOrder, cardBody(voided))).status).toBe(200);
    const cancel = await h.api('POST', `/v1/orders/${voidOrder.orderId}/cancel`, {
      key: h.key('customer'),
      body: { reason: 'changed our mind' },
    });
    expect(cancel.status).toBe(200);
    await h.waitForStatus(voidOrder.orderId, 'CANCELLED');

    // An e-check.
    const echeckOrder = await h.confirmedOrder({ carrierPrices: [900, 800] });
    const echeck = await pay(echeckOrder, {
      method: 'echeck',
      echeck: { iban: account.iban, accountHolder: 'Globex Corporation' },
    });
    expect(echeck.status).toBe(200);

    // E-cash from a wallet topped up by card.
    const wallet = await h.api('POST', '/v1/wallets', { key: h.key('customer'), body: { currency: 'EUR' } });
    expect(wallet.status).toBe(201);
    const walletId = wallet.body.walletId as string;
    const topped = await h.api('POST', `/v1/wallets/${walletId}/top-ups`, {
      key: h.key('customer'),
      body: { amountMinor: 1_000_000, card: cardBody(topUp).card, reference: `top-${randomUUID()}` },
    });
    expect(topped.status).toBe(200);
    const ecashOrder = await h.confirmedOrder({ carrierPrices: [900, 800] });
    expect((await pay(ecashOrder, { method: 'ecash', ecash: { walletId } })).status).toBe(200);

    // A card micropayment (under the threshold), captured from its aggregate at delivery.
    const microOrder = await h.confirmedOrder({
      carrierPrices: [900, 800],
      order: {
        items: [{ sku: 'CLIP-1', description: 'clip', quantity: 1, unitPrice: { amount: 450, currency: 'EUR' } }],
      },
    });
    expect((await pay(microOrder, cardBody(micro))).status).toBe(200);
    const microDelivered = await deliver(microOrder);
    expect(microDelivered.payments.map((p) => p.status)).toEqual(['CAPTURED']);

    // A signed notification (the client SDK): the customer's own JWE goes to the vault unopened by the API.
    const pair = await generateCustomerKey();
    expect(
      (await h.api('POST', '/v1/parties/me/keys', { key: h.key('customer'), body: { jwk: pair.publicJwk } })).status,
    ).toBe(201);
    await h.keyRings.api.refresh();
    const signedOrder = await h.confirmedOrder({ carrierPrices: [900, 800] });
    const signed = await buildSignedNotification({
      orderInformation: { orderId: signedOrder.orderId, amount: signedOrder.total, method: 'card' },
      instruction: { method: 'card', card: cardBody(signedCard).card },
      customerKey: pair,
      gatewayKey: gatewayEncryptionKey(await fetchGatewayJwks(h.baseUrl)),
    });
    expect((await pay(signedOrder, signed)).status).toBe(200);

    // A notification the order refuses (not at the payment step yet): its instrument is not kept.
    const early = await h.api<OrderView>('POST', '/v1/orders', { key: h.key('seller'), body: h.orderBody() });
    expect((await pay(early.body, cardBody(captured))).status).toBe(409);

    const orders = [cardOrder, voidOrder, echeckOrder, ecashOrder, microOrder, signedOrder];
    const pans = [captured, voided, micro, topUp, declined, signedCard].map((card) => card.number);
    const ibans = [account.iban];
    const cvcNeedles = ['"cvc":'];

    const historyTexts = await histories(orders.map((order) => `order-${order.orderId}`));
    const settleflow = await collections(h.db.connection, 'settleflow');
    const bankConnection = await mongoose
      .createConnection(
        (() => {
          const url = new URL(process.env.MONGODB_URI as string);
          url.pathname = '/settleflow_bank_test';
          return url.toString();
        })(),
      )
      .asPromise();
    const bank = await collections(bankConnection, 'bank');
    await bankConnection.close();
    const bankLog = process.env.BANK_HOST_LOG_FILE ? readFileSync(process.env.BANK_HOST_LOG_FILE, 'utf8') : '';
    const logs = new Map<string, string>([
      ['api log', h.logs.join('\n')],
      ['worker log', h.workerLogs.join('\n')],
      ['gateway log', h.gatewayLogs.join('\n')],
      ['bank host log', bankLog],
    ]);

    // In clear: nowhere, not even in the vault (the bank host keeps keyed hashes of its cards; its accounts' IBANs are
    // the bank's own, so only PANs and CVCs are searched there).
    expect(occurrences(historyTexts, [...pans, ...ibans, ...cvcNeedles])).toEqual([]);
    expect(occurrences(settleflow, [...pans, ...ibans, ...cvcNeedles])).toEqual([]);
    expect(occurrences(bank, [...pans, ...cvcNeedles])).toEqual([]);
    expect(occurrences(logs, [...pans, ...ibans, ...cvcNeedles])).toEqual([]);

    // Opened with the gateway's keys: histories hold only tokens; the vault alone holds PANs and IBANs, sealed; no CVC.
    const deep = async (places: Map<string, string>) =>
      new Map(
        await Promise.all(
          [...places].map(async ([place, text]) => [place, (await opened(text)).join('\n')] as [string, string]),
        ),
      );
    expect(occurrences(await deep(historyTexts), [...pans, ...ibans, ...cvcNeedles])).toEqual([]);
    const deepDatabase = await deep(settleflow);
    expect(occurrences(deepDatabase, cvcNeedles)).toEqual([]);
    expect(
      occurrences(deepDatabase, [...pans, ...ibans]).filter(
        (hit) => !hit.endsWith(`settleflow.${PAYMENT_INSTRUCTIONS}`),
      ),
    ).toEqual([]);
    expect(occurrences(await deep(logs), [...pans, ...ibans, ...cvcNeedles])).toEqual([]);

    // The vault: one token per instrument given, none holding a JWE any more, each PAN sealed with its key id.
    const vault = await h.db.connection.collection(PAYMENT_INSTRUCTIONS).find({}).toArray();
    expect(vault.length).toBe(8);
    expect(vault.filter((record) => record.jwe !== undefined)).toEqual([]);
    const cardRecords = vault.filter((record) => record.method === 'card');
    expect(cardRecords.map((record) => record.sealed.startsWith(`v2.${record.kid}.`))).toEqual(
      cardRecords.map(() => true),
    );
    expect(cardRecords.map((record) => record.display.last4).sort()).toEqual(pans.map((pan) => pan.slice(-4)).sort());
    expect(cardRecords.map((record) => record.display.bin).sort()).toEqual(pans.map((pan) => pan.slice(0, 6)).sort());
  });
});
