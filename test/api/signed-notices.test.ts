// Signed notices end to end, on the real servers (Temporal, FerretDB, the bank host) through the API over HTTP: an
// order paid by card and paid out by a settlement batch reaches step 8; its transfer notice and settlement note, as the
// seller's inbox serves them and as its webhook delivers them, carry the gateway's compact JWS, which a seller verifies
// with jose against /.well-known/jwks.json fetched over HTTP (createRemoteJWKSet). A tampered payload fails. After
// `keys rotate signing` the old notices still verify (the old key stays in the JWKS) and new ones name the new kid.

import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { compactVerify, createRemoteJWKSet, errors } from 'jose';
import type { OrderView } from '../../src/domain/order';
import { settlementCollections } from '../../src/gateway/settlement/settlement-store';
import { KeyRing } from '../../src/security/key-ring';
import { databaseKeyStore } from '../../src/security/key-store';
import type { ApiHarness, Json } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { openCurrentAccount } from '../support/methods-env';
import { claimCutoffSecond } from '../support/cutoff-second';

const card = { method: 'card', card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' } };

/** A webhook receiver on 127.0.0.1 keeping every body it was sent. */
async function receiver(): Promise<{ url: string; bodies: Json[]; close(): Promise<void> }> {
  const bodies: Json[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    bodies,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
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

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decoded = (part: string | undefined) => JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));

let h: ApiHarness;
let hooks: Awaited<ReturnType<typeof receiver>>;
let admin: KeyRing;
let seller: { id: string; apiKey: string };

beforeAll(async () => {
  h = await startApiHarness({ SETTLEMENT_ORDER_PAYOUT: 'batch', SETTLEMENT_CLEARING_MS: '500' });
  hooks = await receiver();
  // What `npm run keys -- rotate` opens: a ring of its own on the same collection.
  admin = await KeyRing.open({ store: databaseKeyStore(h.db.connection), kek: h.config.keys.kek, refreshMs: 0 });
  const id = `signed-seller-${randomUUID().slice(0, 8)}`;
  const registered = await h.api('POST', '/v1/parties', {
    key: h.key('operator'),
    body: { id, role: 'seller', name: 'Signed seller', webhookUrl: hooks.url },
  });
  expect(registered.status).toBe(201);
  seller = { id, apiKey: registered.body.apiKey };
  const account = await openCurrentAccount(0);
  const payout = await h.api('PUT', `/v1/settlement/payout-accounts/${id}`, {
    key: h.key('operator'),
    body: { iban: account.iban, accountHolder: 'Signed seller' },
  });
  expect(payout.status).toBe(200);
}, 120_000);

afterAll(async () => {
  admin?.close();
  await hooks?.close();
  await h?.close();
});

/** One order placed by the seller, confirmed, paid by card, delivered, paid out by a cut-off's batch. */
async function paidOutOrder(): Promise<OrderView> {
  const placed = await h.api('POST', '/v1/orders', { key: seller.apiKey, body: h.orderBody() });
  expect(placed.status).toBe(201);
  const order = placed.body as OrderView;
  await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
  const supplier = await h.api('POST', `/v1/orders/${order.orderId}/supplier-answer`, {
    key: h.key('supplier'),
    body: {
      available: true,
      reservationId: 'res-1',
      items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
    },
  });
  expect(supplier.status).toBe(200);
  await h.waitForStatus(order.orderId, 'AWAITING_CARRIER');
  for (const [member, amount] of [
    ['carrierA', 9000],
    ['carrierB', 8000],
  ] as const) {
    const answer = await h.api('POST', `/v1/orders/${order.orderId}/carrier-answer`, {
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
    expect(answer.status).toBe(200);
  }
  await h.waitForStatus(order.orderId, 'CONFIRMED');
  const paid = await h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
    key: h.key('customer'),
    body: card,
  });
  expect([paid.status, paid.body?.payment?.status]).toEqual([200, 'AUTHORIZED']);
  for (const type of ['picked_up', 'delivered']) {
    const event = await h.api('POST', `/v1/orders/${order.orderId}/shipment-events`, {
      key: h.key('carrierB'),
      body: { type },
    });
    expect(event.status).toBe(200);
  }
  // The order asks for its settlement; a cut-off after the request (the default cut-off is now, to the second).
  const request = await until('the settlement request', () =>
    settlementCollections(h.db)
      .requests.findOne({ orderId: order.orderId })
      .then((found) => found ?? undefined),
  );
  // A cut-off is to the second and takes what was asked for until then: a second after the request's.
  const cutoffAt = await claimCutoffSecond(request.requestedAt.getTime());
  const cutoff = await h.api('POST', '/v1/settlement/cutoffs', { key: h.key('operator'), body: { cutoffAt } });
  expect(cutoff.status).toBe(202);
  return h.waitForStatus(order.orderId, 'AWAITING_SELLER_CONFIRMATION', 60_000);
}

/** The order's transfer notice and settlement note as the seller's inbox serves them. */
async function stepEightNotices(orderId: string): Promise<{ transfer: Json; note: Json }> {
  const inbox = await h.api('GET', `/v1/inbox?orderId=${orderId}`, { key: seller.apiKey });
  expect(inbox.status).toBe(200);
  const byKind = (kind: string) => (inbox.body.data as Json[]).find((entry) => entry.kind === kind);
  return { transfer: byKind('TRANSFER_NOTICE'), note: byKind('SETTLEMENT_NOTE') };
}

describe('signed notices', () => {
  let first: OrderView;
  let firstNotices: { transfer: Json; note: Json };

  it('step 8 notices › inbox and webhook › a JWS the seller verifies with the JWKS over HTTP, naming the batch and amounts', async () => {
    first = await paidOutOrder();
    const settlement = first.settlement as NonNullable<OrderView['settlement']>;
    expect(settlement.batchId).toEqual(expect.stringMatching(/^batch-/));
    firstNotices = await stepEightNotices(first.orderId);
    const { transfer, note } = firstNotices;
    const jwks = createRemoteJWKSet(new URL(`${h.baseUrl}/.well-known/jwks.json`));
    const signingKid = h.keyRings.worker.signingKey().kid;

    const transferChecked = await compactVerify(transfer.signature, jwks, { algorithms: ['ES256'] });
    expect(transferChecked.protectedHeader).toEqual({ alg: 'ES256', kid: signingKid, typ: 'settleflow-notice+jws' });
    expect(JSON.parse(Buffer.from(transferChecked.payload).toString('utf8'))).toEqual({
      v: 1,
      kind: 'TRANSFER_NOTICE',
      noticeId: transfer.noticeId,
      orderId: first.orderId,
      sellerId: seller.id,
      transferNoticeId: settlement.transferNoticeId,
      batchId: settlement.batchId,
      lineId: settlement.lineId,
      currency: 'EUR',
      amountMinor: settlement.net.amount,
      issuedAt: transfer.at,
    });
    const noteChecked = await compactVerify(note.signature, jwks, { algorithms: ['ES256'] });
    expect(JSON.parse(Buffer.from(noteChecked.payload).toString('utf8'))).toMatchObject({
      kind: 'SETTLEMENT_NOTE',
      orderId: first.orderId,
      sellerId: seller.id,
      batchId: settlement.batchId,
      currency: 'EUR',
      grossMinor: settlement.gross.amount,
      feeMinor: settlement.fee.amount,
      netMinor: settlement.net.amount,
      issuedAt: note.at,
    });

    // The webhook delivers the same signed notices.
    const delivered = await until('both notices delivered to the webhook', () => {
      const found = [transfer.noticeId, note.noticeId].map((id) =>
        hooks.bodies.find((body) => body.data?.noticeId === id),
      );
      return found.every(Boolean) ? found : undefined;
    });
    expect(delivered.map((body) => body.data.signature)).toEqual([transfer.signature, note.signature]);
    // Other notices are not signed.
    const inbox = await h.api('GET', `/v1/inbox?orderId=${first.orderId}`, { key: seller.apiKey });
    const unsigned = (inbox.body.data as Json[]).filter(
      (entry) => !['TRANSFER_NOTICE', 'SETTLEMENT_NOTE'].includes(entry.kind),
    );
    expect(unsigned.map((entry) => entry.signature)).toEqual(unsigned.map(() => undefined));
  });

  it('step 8 notice › tampered (amount raised, batch changed, unknown kid) › verification fails', async () => {
    const jwks = createRemoteJWKSet(new URL(`${h.baseUrl}/.well-known/jwks.json`));
    const [header, payload, signature] = (firstNotices.transfer.signature as string).split('.');
    const raised = base64url({ ...decoded(payload), amountMinor: decoded(payload).amountMinor * 100 });
    await expect(compactVerify(`${header}.${raised}.${signature}`, jwks)).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
    const otherBatch = base64url({ ...decoded(payload), batchId: 'batch-20000101T000000Z' });
    await expect(compactVerify(`${header}.${otherBatch}.${signature}`, jwks)).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
    // A kid the JWKS does not publish.
    const unknownKid = base64url({ ...decoded(header), kid: 'signing-99-00000000' });
    await expect(compactVerify(`${unknownKid}.${payload}.${signature}`, jwks)).rejects.toBeInstanceOf(
      errors.JWKSNoMatchingKey,
    );
  });

  it('keys rotate signing › an old notice and a new one › both verify with the JWKS; the new one under the new kid', async () => {
    const oldKid = decoded((firstNotices.transfer.signature as string).split('.')[0]).kid;
    const rotated = await admin.rotate('signing', { activateNow: true });
    await h.keyRings.worker.refresh();
    const second = await paidOutOrder();
    const { transfer, note } = await stepEightNotices(second.orderId);
    // A fresh verifier (no cached key set), as a seller verifying an old notice after the rotation.
    const jwks = createRemoteJWKSet(new URL(`${h.baseUrl}/.well-known/jwks.json`));
    for (const signed of [transfer.signature, note.signature]) {
      const checked = await compactVerify(signed, jwks);
      expect(checked.protectedHeader.kid).toBe(rotated.kid);
    }
    for (const signed of [firstNotices.transfer.signature, firstNotices.note.signature]) {
      const checked = await compactVerify(signed, jwks);
      expect(checked.protectedHeader.kid).toBe(oldKid);
    }
    expect(oldKid).not.toBe(rotated.kid);
  });
});
