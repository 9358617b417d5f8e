// The bank connector against the real bank host process: many authorizations in flight on one connection, each
// answer reaching its own request; capture, partial capture, void, refunds; every fault rule of the bank host (late,
// none, disconnect after the request, malformed frame, duplicate answer, wrong STAN) followed by the comparison of
// the bank's own books (balance, holds of the card) with settleflow's ledger: nothing charged twice, nothing lost,
// nothing left unknown. Each test pays with a fresh card of its own, so the bank's view of it is the test's alone.

import { randomUUID } from 'node:crypto';
import type { PaymentSummary } from '../../src/gateway/card-payments';
import { cardAccounts } from '../../src/gateway/card-payments';
import type { GatewayRuntime } from '../../src/gateway/gateway-runtime';
import { DEFAULT_GATEWAY_SETTINGS, startGatewayRuntime } from '../../src/gateway/gateway-runtime';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import { balances, journalsForOrder } from '../../src/persistence/ledger-store';
import { Vault } from '../../src/security/vault';
import type { TestCard } from '../support/bank-control';
import { addFault, bankEntries, bankHostEnv, cardAtBank, openTestCard, removeFault } from '../support/bank-control';
import { testServers, uniqueDatabaseUri } from '../support/workflow-env';

const OPENING = 10_000_000;
let db: Database;
let vault: Vault;
let gateway: GatewayRuntime;
const logs: string[] = [];

beforeAll(async () => {
  const servers = testServers();
  db = await connectDatabase(uniqueDatabaseUri(servers.mongoUri, 'gw'));
  vault = new Vault(servers.vaultKey);
  gateway = await startGatewayRuntime({
    db,
    vault,
    settings: {
      ...DEFAULT_GATEWAY_SETTINGS,
      bankHostAddress: bankHostEnv().address,
      requestTimeoutMs: 1_000,
      reversalRetryInitialMs: 50,
      reversalRetryMaxMs: 400,
      reversalHorizonMs: 30_000,
    },
    log: (line) => logs.push(line),
  });
  await gateway.connection.ready();
});

afterAll(async () => {
  await gateway?.close();
  await db?.connection.dropDatabase();
  await db?.close();
});

const seal = (card: TestCard) => vault.seal(JSON.stringify(card));

function authorize(
  card: TestCard,
  amount: number,
  options: { immediate?: boolean; orderId?: string; via?: typeof gateway } = {},
) {
  return (options.via ?? gateway).payments.authorize({
    orderId: options.orderId ?? `ord-${randomUUID()}`,
    attempt: 1,
    sellerId: 'seller-gw',
    amount: { amount, currency: 'EUR' },
    captureMode: options.immediate ? 'immediate' : 'at_delivery',
    sealedCard: seal(card),
  });
}

const orderOf = (payment: PaymentSummary) => payment.paymentId.replace(/^payment-/, '').replace(/-1$/, '');

/** The card's books at the bank equal what the ledger says of the card's payments, and none is unknown. */
async function expectBooksAgree(card: TestCard, payments: PaymentSummary[]): Promise<void> {
  const journals = (await Promise.all(payments.map((p) => journalsForOrder(db, orderOf(p))))).flat();
  const ledger = balances(journals);
  const bank = await cardAtBank(card.number);
  const holds = ledger.get(`${cardAccounts.cardHolds} EUR`) ?? 0;
  const charged = ledger.get(`${cardAccounts.clearing} EUR`) ?? 0;
  expect({ held: bank.held, charged: OPENING - bank.balance }).toEqual({ held: holds, charged });
  for (const payment of payments) {
    expect((await gateway.payments.find(payment.paymentId))?.status).not.toBe('unknown');
  }
}

describe('bank connector against the bank host', () => {
  it('connector › 64 authorizations in flight on one connection › each answer reaches its own payment', async () => {
    // A connection of its own with a patient timeout: on a loaded machine 64 at once may take over the suite's 1 s,
    // and a timed-out one is reversed, which is another test's subject.
    const patient = await startGatewayRuntime({
      db,
      vault,
      settings: { ...DEFAULT_GATEWAY_SETTINGS, bankHostAddress: bankHostEnv().address, requestTimeoutMs: 30_000 },
      log: (line) => logs.push(line),
    });
    try {
      await patient.connection.ready();
      const cards = await Promise.all(Array.from({ length: 8 }, () => openTestCard()));
      const amounts = Array.from({ length: 64 }, (_, i) => 1_000 + i);
      const results = await Promise.all(amounts.map((amount, i) => authorize(cards[i % 8]!, amount, { via: patient })));
      expect(results.map((r) => [r.status, r.authorizedMinor])).toEqual(amounts.map((a) => ['requires_capture', a]));
      for (const [i, card] of cards.entries()) {
        const mine = results.filter((_, n) => n % 8 === i);
        expect((await cardAtBank(card.number)).held).toBe(mine.reduce((sum, r) => sum + r.authorizedMinor, 0));
        await expectBooksAgree(card, mine);
      }
      expect(patient.connection.stats().unmatched).toBe(0);
    } finally {
      await patient.close();
    }
  });

  it('connector › authorize, partial capture, partial then full refund › bank and ledger agree at each step', async () => {
    const card = await openTestCard();
    const sealed = seal(card);
    const authorized = await authorize(card, 20_000);
    expect(authorized.status).toBe('requires_capture');
    const captured = await gateway.payments.capture({
      paymentId: authorized.paymentId,
      amountMinor: 15_000,
      sealedCard: sealed,
    });
    expect([captured.status, captured.capturedMinor]).toEqual(['succeeded', 15_000]);
    await expectBooksAgree(card, [captured]);
    const partly = await gateway.payments.refund({
      paymentId: captured.paymentId,
      refundNo: 1,
      amountMinor: 5_000,
      settled: false,
      sealedCard: sealed,
    });
    expect([partly.status, partly.refundedMinor]).toEqual(['partially_refunded', 5_000]);
    const again = await gateway.payments.refund({
      paymentId: captured.paymentId,
      refundNo: 1,
      amountMinor: 5_000,
      settled: false,
      sealedCard: sealed,
    });
    expect(again.refundedMinor).toBe(5_000);
    const whole = await gateway.payments.refund({
      paymentId: captured.paymentId,
      refundNo: 2,
      settled: false,
      sealedCard: sealed,
    });
    expect([whole.status, whole.refundedMinor]).toEqual(['refunded', 15_000]);
    await expectBooksAgree(card, [whole]);
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING, held: 0 });
  });

  it('connector › void of an authorization › hold released at the bank, payment canceled', async () => {
    const card = await openTestCard();
    const authorized = await authorize(card, 7_000);
    const voided = await gateway.payments.void({ paymentId: authorized.paymentId, sealedCard: seal(card) });
    expect(voided.status).toBe('canceled');
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING, held: 0 });
    await expectBooksAgree(card, [voided]);
  });

  it('connector › immediate capture seller › one 0200, succeeded, charged once', async () => {
    const card = await openTestCard();
    const paid = await authorize(card, 4_200, { immediate: true });
    expect([paid.status, paid.capturedMinor]).toEqual(['succeeded', 4_200]);
    await expectBooksAgree(card, [paid]);
  });

  it('connector › an order id of 100 characters › authorized (field 60 stays within 64 characters)', async () => {
    const card = await openTestCard();
    const orderId = `ord-${'x'.repeat(96)}`;
    const payment = await authorize(card, 1_234, { orderId });
    expect(payment.status).toBe('requires_capture');
    await expectBooksAgree(card, [payment]);
  });

  it('connector › declined card › failed with the bank reason, nothing held', async () => {
    const declined = await gateway.payments.authorize({
      orderId: `ord-${randomUUID()}`,
      attempt: 1,
      sellerId: 'seller-gw',
      amount: { amount: 1_000, currency: 'EUR' },
      captureMode: 'at_delivery',
      sealedCard: vault.seal(JSON.stringify({ number: '4000000000000002', expMonth: 12, expYear: 2034, cvc: '123' })),
    });
    expect([declined.status, declined.declineCode]).toEqual(['failed', 'do_not_honor']);
  });

  const faults = [
    { action: 'delay', delayMs: 2_000 },
    { action: 'no_answer' },
    { action: 'disconnect' },
    { action: 'malformed' },
    { action: 'wrong_stan' },
  ] as const;
  for (const fault of faults) {
    it(`connector › fault ${fault.action} on the authorization › reversed (0420), failed, nothing held, books agree`, async () => {
      const card = await openTestCard();
      const rule = await addFault({ ...fault, pan: card.number, mti: '0100', times: 1 });
      try {
        const connectsBefore = gateway.connection.stats().connects;
        const payment = await authorize(card, 3_300);
        expect([payment.status, payment.declineCode]).toEqual(['failed', 'reversed']);
        // A dropped connection is reconnected (and signed on again) before the reversal goes out.
        if (fault.action === 'disconnect') expect(gateway.connection.stats().connects).toBe(connectsBefore + 1);
        const reversal = (await gateway.reversals.forPayment(payment.paymentId))[0];
        expect(reversal?.state).toBe('acknowledged');
        const entries = await bankEntries(reversal!.rrn);
        expect(entries.filter((e) => e.mti === '0420').map((e) => e.responseCode)).toEqual(['00']);
        expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING, held: 0 });
        await expectBooksAgree(card, [payment]);
        // A second call (the activity retried) does not send the authorization again.
        expect((await authorize(card, 3_300, { orderId: orderOf(payment) })).status).toBe('failed');
        expect((await bankEntries(reversal!.rrn)).filter((e) => e.mti === '0100')).toHaveLength(1);
      } finally {
        await removeFault(rule);
      }
    });
  }

  it('connector › duplicate answer › the payment is authorized once, the copy logged and ignored', async () => {
    const card = await openTestCard();
    const rule = await addFault({ action: 'duplicate', pan: card.number, mti: '0100', times: 1 });
    try {
      const unmatchedBefore = gateway.connection.stats().unmatched;
      const payment = await authorize(card, 2_500);
      expect(payment.status).toBe('requires_capture');
      await gateway.payments.capture({ paymentId: payment.paymentId, sealedCard: seal(card) });
      expect(gateway.connection.stats().unmatched).toBe(unmatchedBefore + 1);
      expect(logs.some((line) => line.includes('ignored an answer that matches no request'))).toBe(true);
      await expectBooksAgree(card, [payment]);
      expect((await cardAtBank(card.number)).balance).toBe(OPENING - 2_500);
    } finally {
      await removeFault(rule);
    }
  });

  it('connector › a late answer to a reversed authorization › recorded as unmatched, ignored', async () => {
    const card = await openTestCard();
    const rule = await addFault({ action: 'delay', delayMs: 1_600, pan: card.number, mti: '0100', times: 1 });
    try {
      const payment = await authorize(card, 1_100);
      expect(payment.status).toBe('failed');
      const rrn = (await gateway.reversals.forPayment(payment.paymentId))[0]!.rrn;
      for (let i = 0; i < 50; i += 1) {
        const records = await gateway.messages.forRrns([rrn]);
        if (records.some((r) => r.mti === '0110' && !r.matched)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const records = await gateway.messages.forRrns([rrn]);
      expect(records.filter((r) => r.mti === '0110').map((r) => r.matched)).toEqual([false]);
      expect((await gateway.payments.find(payment.paymentId))?.status).toBe('failed');
      await expectBooksAgree(card, [payment]);
    } finally {
      await removeFault(rule);
    }
  });

  it('connector › the bank messages record › every field masked, no PAN or CVC in clear', async () => {
    const card = await openTestCard();
    const payment = await authorize(card, 900);
    const stored = JSON.stringify(await db.connection.collection('bank_messages').find({}).toArray());
    expect(stored).not.toContain(card.number);
    expect(stored).not.toContain(card.number.slice(6, 12));
    const record = await gateway.payments.find(payment.paymentId);
    const mine = await gateway.messages.forRrns(gateway.payments.rrnsOf(record!));
    expect(mine.map((m) => `${m.direction} ${m.mti}`)).toEqual(['out 0100', 'in 0110']);
    expect(mine[0]!.fields['2']).toBe(`${card.number.slice(0, 6)}******${card.number.slice(-4)}`);
    expect(mine[0]!.fields['61']).toBe('[masked]');
    expect(logs.join('\n')).not.toContain(card.number);
  });
});
