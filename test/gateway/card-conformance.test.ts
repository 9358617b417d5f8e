// The card conformance suite, in the manner of Hyperswitch's per-connector suites: every card operation the gateway
// offers (authorize, capture, partial capture, purchase, void, refund, partial refund) and the declines the README
// lists (insufficient funds 51, expired 54, do not honor 05, issuer unavailable 91), run through settleflow's card
// payments and connector against the real bank host. Each case asserts three things: the PaymentIntent state, the
// messages recorded for the payment (MTIs, field 39, masked: no PAN, expiry or CVC in clear), and the bank host's own
// balance and holds of the card, compared with settleflow's ledger for the payment.

import { randomUUID } from 'node:crypto';
import type { Money } from '../../src/domain/money';
import type { PaymentRecord } from '../../src/gateway/card-payments';
import { cardAccounts } from '../../src/gateway/card-payments';
import type { GatewayRuntime } from '../../src/gateway/gateway-runtime';
import { DEFAULT_GATEWAY_SETTINGS, startGatewayRuntime } from '../../src/gateway/gateway-runtime';
import type { BankMessageRecord } from '../../src/gateway/bank-connector/message-log';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import { balances, journalsForOrder } from '../../src/persistence/ledger-store';
import { Vault } from '../../src/security/vault';
import type { TestCard } from '../support/bank-control';
import { bankHostEnv, cardAtBank, openTestCard } from '../support/bank-control';
import { testServers, uniqueDatabaseUri } from '../support/workflow-env';

const OPENING = 1_000_000;
const AMOUNT = 12_345;
let db: Database;
let vault: Vault;
let runtime: GatewayRuntime;

beforeAll(async () => {
  const servers = testServers();
  db = await connectDatabase(uniqueDatabaseUri(servers.mongoUri, 'conformance'));
  vault = new Vault(servers.vaultKey);
  runtime = await startGatewayRuntime({
    db,
    vault,
    settings: { ...DEFAULT_GATEWAY_SETTINGS, bankHostAddress: bankHostEnv().address, requestTimeoutMs: 3_000 },
    log: () => undefined,
  });
});

afterAll(async () => {
  await runtime?.close();
  await db?.connection.dropDatabase();
  await db?.close();
});

const eur = (amount: number): Money => ({ amount, currency: 'EUR' });

/** A payment of its own order: authorized (or purchased for `immediate`) with `card`. */
async function authorize(card: TestCard, captureMode: 'at_delivery' | 'immediate' = 'at_delivery') {
  const orderId = `conf-${randomUUID()}`;
  const summary = await runtime.payments.authorize({
    orderId,
    attempt: 1,
    sellerId: 'seller-conformance',
    amount: eur(AMOUNT),
    captureMode,
    sealedCard: vault.seal(JSON.stringify(card)),
  });
  return { orderId, paymentId: summary.paymentId, summary, sealedCard: vault.seal(JSON.stringify(card)) };
}

async function stored(paymentId: string): Promise<PaymentRecord> {
  const payment = await runtime.payments.find(paymentId);
  if (!payment) throw new Error(`no payment ${paymentId}`);
  return payment;
}

/** The payment's recorded messages as `MTI` or `MTI/39`, in order; and a check that none shows card data. */
async function messagesOf(paymentId: string, card: TestCard): Promise<string[]> {
  const records: BankMessageRecord[] = await runtime.messages.forRrns(runtime.payments.rrnsOf(await stored(paymentId)));
  const text = JSON.stringify(records);
  expect(text).not.toContain(card.number);
  const expiry = `${String(card.expYear % 100).padStart(2, '0')}${String(card.expMonth).padStart(2, '0')}`;
  for (const record of records) {
    // The expiry (field 14) is masked; no other field holds it. Ids (RRN, references, record ids) are random hex and
    // may contain its four digits by chance, so fields are compared whole, not searched as text.
    if (record.fields['14'] !== undefined) expect(record.fields['14']).toBe('[masked]');
    expect(Object.values(record.fields)).not.toContain(expiry);
    if (record.fields['2'] !== undefined) expect(record.fields['2']).toMatch(/^\d{6}\*+\d{4}$/);
    expect(record.matched).toBe(true);
  }
  return records.map((r) => (r.responseCode === undefined ? r.mti : `${r.mti}/${r.responseCode}`));
}

/** The bank's books of the card equal the ledger of the payment's order: what is held, and what was charged. */
async function expectBooksAgree(orderId: string, card: TestCard, expected: { held: number; charged: number }) {
  const ledger = balances(await journalsForOrder(db, orderId));
  const bank = await cardAtBank(card.number);
  const books = { held: bank.held, charged: OPENING - bank.balance };
  expect(books).toEqual(expected);
  expect(books).toEqual({
    held: ledger.get(`${cardAccounts.cardHolds} EUR`) ?? 0,
    charged: ledger.get(`${cardAccounts.clearing} EUR`) ?? 0,
  });
}

describe('card conformance', () => {
  it('card › authorize › requires_capture, 0100/0110 00, the bank holds the amount and charges nothing', async () => {
    const card = await openTestCard(OPENING);
    const { orderId, paymentId, summary } = await authorize(card);
    expect(summary).toMatchObject({ status: 'requires_capture', authorizedMinor: AMOUNT, capturedMinor: 0 });
    expect(await messagesOf(paymentId, card)).toEqual(['0100', '0110/00']);
    await expectBooksAgree(orderId, card, { held: AMOUNT, charged: 0 });
  });

  it('card › capture › succeeded, 0220/0230 00 under the authorization, the bank charges it and holds nothing', async () => {
    const card = await openTestCard(OPENING);
    const { orderId, paymentId, sealedCard } = await authorize(card);
    const captured = await runtime.payments.capture({ paymentId, sealedCard });
    expect(captured).toMatchObject({ status: 'succeeded', authorizedMinor: AMOUNT, capturedMinor: AMOUNT });
    expect(await messagesOf(paymentId, card)).toEqual(['0100', '0110/00', '0220', '0230/00']);
    await expectBooksAgree(orderId, card, { held: 0, charged: AMOUNT });
    // Captured again (a retried activity): the same state, no second message, nothing charged twice.
    expect((await runtime.payments.capture({ paymentId, sealedCard })).capturedMinor).toBe(AMOUNT);
    expect(await messagesOf(paymentId, card)).toHaveLength(4);
    await expectBooksAgree(orderId, card, { held: 0, charged: AMOUNT });
  });

  it('card › partial capture › succeeded for the part, the bank charges the part and releases the rest', async () => {
    const card = await openTestCard(OPENING);
    const { orderId, paymentId, sealedCard } = await authorize(card);
    const captured = await runtime.payments.capture({ paymentId, sealedCard, amountMinor: 10_000 });
    expect(captured).toMatchObject({ status: 'succeeded', authorizedMinor: AMOUNT, capturedMinor: 10_000 });
    expect(await messagesOf(paymentId, card)).toEqual(['0100', '0110/00', '0220', '0230/00']);
    await expectBooksAgree(orderId, card, { held: 0, charged: 10_000 });
  });

  it('card › capture at once (seller setting immediate) › succeeded by one 0200/0210, charged with no hold', async () => {
    const card = await openTestCard(OPENING);
    const { orderId, paymentId, summary } = await authorize(card, 'immediate');
    expect(summary).toMatchObject({ status: 'succeeded', authorizedMinor: AMOUNT, capturedMinor: AMOUNT });
    expect(await messagesOf(paymentId, card)).toEqual(['0200', '0210/00']);
    await expectBooksAgree(orderId, card, { held: 0, charged: AMOUNT });
  });

  it('card › void › canceled, 0400/0410 00 of the authorization, nothing held, nothing charged', async () => {
    const card = await openTestCard(OPENING);
    const { orderId, paymentId, sealedCard } = await authorize(card);
    expect(await runtime.payments.void({ paymentId, sealedCard })).toMatchObject({ status: 'canceled' });
    expect(await messagesOf(paymentId, card)).toEqual(['0100', '0110/00', '0400', '0410/00']);
    await expectBooksAgree(orderId, card, { held: 0, charged: 0 });
    // A void after the void changes nothing (the payment is final).
    expect((await runtime.payments.void({ paymentId, sealedCard })).status).toBe('canceled');
    expect(await messagesOf(paymentId, card)).toHaveLength(4);
  });

  it('card › refund › refunded, a 0200 refund (processing code 20) answered 00, the card has it all back', async () => {
    const card = await openTestCard(OPENING);
    const { orderId, paymentId, sealedCard } = await authorize(card);
    await runtime.payments.capture({ paymentId, sealedCard });
    const refunded = await runtime.payments.refund({ paymentId, refundNo: 1, settled: false, sealedCard });
    expect(refunded).toMatchObject({ status: 'refunded', capturedMinor: AMOUNT, refundedMinor: AMOUNT });
    expect(await messagesOf(paymentId, card)).toEqual(['0100', '0110/00', '0220', '0230/00', '0200', '0210/00']);
    const records = await runtime.messages.forRrns(runtime.payments.rrnsOf(await stored(paymentId)));
    expect(records.find((r) => r.mti === '0200')?.fields['3']).toMatch(/^20/);
    await expectBooksAgree(orderId, card, { held: 0, charged: 0 });
    // The same refund number again moves nothing.
    await runtime.payments.refund({ paymentId, refundNo: 1, settled: false, sealedCard });
    await expectBooksAgree(orderId, card, { held: 0, charged: 0 });
  });

  it('card › partial refund › partially_refunded, then refunded by a second refund of the rest', async () => {
    const card = await openTestCard(OPENING);
    const { orderId, paymentId, sealedCard } = await authorize(card);
    await runtime.payments.capture({ paymentId, sealedCard });
    const part = await runtime.payments.refund({
      paymentId,
      refundNo: 1,
      amountMinor: 2_345,
      settled: false,
      sealedCard,
    });
    expect(part).toMatchObject({ status: 'partially_refunded', refundedMinor: 2_345 });
    await expectBooksAgree(orderId, card, { held: 0, charged: AMOUNT - 2_345 });
    const rest = await runtime.payments.refund({ paymentId, refundNo: 2, settled: false, sealedCard });
    expect(rest).toMatchObject({ status: 'refunded', refundedMinor: AMOUNT });
    expect(await messagesOf(paymentId, card)).toEqual([
      '0100',
      '0110/00',
      '0220',
      '0230/00',
      '0200',
      '0210/00',
      '0200',
      '0210/00',
    ]);
    await expectBooksAgree(orderId, card, { held: 0, charged: 0 });
  });

  it('card › insufficient funds › failed insufficient_funds, 0110 51, nothing held or charged', async () => {
    const card = await openTestCard(AMOUNT - 1);
    const { orderId, paymentId, summary } = await authorize(card);
    expect(summary).toMatchObject({ status: 'failed', declineCode: 'insufficient_funds', authorizedMinor: 0 });
    expect(await messagesOf(paymentId, card)).toEqual(['0100', '0110/51']);
    const bank = await cardAtBank(card.number);
    expect({ balance: bank.balance, held: bank.held }).toEqual({ balance: AMOUNT - 1, held: 0 });
    expect((await journalsForOrder(db, orderId)).length).toBe(0);
  });

  it.each([
    ['expired', '4000000000000069', '54', 'expired_card'],
    ['do not honor', '4000000000000002', '05', 'do_not_honor'],
    ['issuer unavailable', '4000000000000911', '91', 'issuer_not_available'],
  ])(
    'card › %s (README card %s) › failed with field 39 %s as %s, the card untouched',
    async (_name, pan, code, why) => {
      const card: TestCard = { number: pan, expMonth: 12, expYear: new Date().getUTCFullYear() + 3, cvc: '123' };
      const before = await cardAtBank(pan);
      const { orderId, paymentId, summary } = await authorize(card);
      expect(summary).toMatchObject({ status: 'failed', declineCode: why, authorizedMinor: 0, capturedMinor: 0 });
      expect(await messagesOf(paymentId, card)).toEqual(['0100', `0110/${code}`]);
      const after = await cardAtBank(pan);
      expect({ balance: after.balance, held: after.held }).toEqual({ balance: before.balance, held: before.held });
      expect((await journalsForOrder(db, orderId)).length).toBe(0);
    },
  );
});
