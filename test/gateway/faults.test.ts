// Fault scenarios beyond the authorization (test/gateway/connector.test.ts covers each fault on the 0100): every
// fault rule of the bank host (answer late, never answer, drop the connection after the request, malformed frame,
// answer twice, answer with another STAN) on the capture (0220), the void (0400), the refund (0200, code 20), the
// purchase of an immediate-capture seller (0200) and on the reversal advice itself (0420). After each one the bank's
// own books of the test's card are compared with settleflow's ledger: nothing charged twice, nothing lost, nothing left
// `unknown`. An operation whose answer does not come is repeated under the same RRN, as the payment activity does.

import { randomUUID } from 'node:crypto';
import type { PaymentSummary } from '../../src/gateway/card-payments';
import type { FaultRule, TestCard } from '../support/bank-control';
import { bankEntries } from '../support/bank-control';
import type { TestGateway } from './faults-support';
import {
  addOwnFault,
  agreeing,
  compareBooks,
  openCardIn,
  removeOwnFaults,
  startTestGateway,
  withRetries,
} from './faults-support';

const OPENING = { EUR: 10_000_000 };
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway('gwfault');
});

afterEach(async () => {
  await removeOwnFaults();
});

afterAll(async () => {
  await gateway?.close();
});

const seal = (card: TestCard) => gateway.vault.seal(JSON.stringify(card));

function authorize(card: TestCard, amount: number, immediate = false): Promise<PaymentSummary> {
  return gateway.runtime.payments.authorize({
    orderId: `ord-${randomUUID()}`,
    attempt: 1,
    sellerId: 'seller-faults',
    amount: { amount, currency: 'EUR' },
    captureMode: immediate ? 'immediate' : 'at_delivery',
    sealedCard: seal(card),
  });
}

/** Every fault action, each as one rule applied to the next matching request only. */
const FAULTS: readonly Omit<FaultRule, 'pan' | 'mti'>[] = [
  { action: 'delay', delayMs: 2_000 },
  { action: 'no_answer' },
  { action: 'no_answer', apply: false },
  { action: 'disconnect' },
  { action: 'malformed' },
  { action: 'duplicate' },
  { action: 'wrong_stan' },
];
const nameOf = (fault: Omit<FaultRule, 'pan' | 'mti'>) => `${fault.action}${fault.apply === false ? ' (lost)' : ''}`;

describe('fault scenarios › authorization (0100), the one case test/gateway/connector.test.ts leaves out', () => {
  it('authorization › no_answer (lost) › reversed though the bank never saw it, nothing held, books agree', async () => {
    const card = await openCardIn(OPENING);
    await addOwnFault({ action: 'no_answer', apply: false, pan: card.number, mti: '0100', times: 1 });
    const payment = await authorize(card, 2_200);
    expect([payment.status, payment.declineCode]).toEqual(['failed', 'reversed']);
    const [reversal] = await gateway.runtime.reversals.forPayment(payment.paymentId);
    expect(reversal?.state).toBe('acknowledged');
    // The bank recorded the reversal of a request it never saw: the original, should it come late, is declined.
    expect((await bankEntries(reversal!.rrn)).map((e) => `${e.mti} ${e.responseCode}`)).toEqual(['0420 00']);
    const books = await compareBooks(gateway, [card], OPENING, [payment.paymentId]);
    expect(books).toEqual(agreeing(books));
    expect(books.bank.EUR).toEqual({ held: 0, charged: 0 });
  });
});

describe('fault scenarios › capture (0220)', () => {
  for (const fault of FAULTS) {
    it(`capture › ${nameOf(fault)} › captured once after the repeat, books agree`, async () => {
      const card = await openCardIn(OPENING);
      const payment = await authorize(card, 5_000);
      expect(payment.status).toBe('requires_capture');
      await addOwnFault({ ...fault, pan: card.number, mti: '0220', times: 1 });
      const result = await withRetries(() =>
        gateway.runtime.payments.capture({ paymentId: payment.paymentId, amountMinor: 4_000, sealedCard: seal(card) }),
      );
      expect([result.summary?.status, result.summary?.capturedMinor]).toEqual(['succeeded', 4_000]);
      const captures = (await bankEntries(rrnOf(payment))).filter((e) => e.mti === '0220');
      expect(captures.map((e) => e.responseCode)).toEqual(['00']);
      const books = await compareBooks(gateway, [card], OPENING, [payment.paymentId]);
      expect(books).toEqual(agreeing(books));
      expect(books.bank.EUR).toEqual({ held: 0, charged: 4_000 });
    });
  }
});

describe('fault scenarios › void (0400)', () => {
  for (const fault of FAULTS) {
    it(`void › ${nameOf(fault)} › canceled after the repeat, hold released once, books agree`, async () => {
      const card = await openCardIn(OPENING);
      const payment = await authorize(card, 6_000);
      await addOwnFault({ ...fault, pan: card.number, mti: '0400', times: 1 });
      const result = await withRetries(() =>
        gateway.runtime.payments.void({ paymentId: payment.paymentId, sealedCard: seal(card) }),
      );
      expect(result.summary?.status).toBe('canceled');
      const books = await compareBooks(gateway, [card], OPENING, [payment.paymentId]);
      expect(books).toEqual(agreeing(books));
      expect(books.bank.EUR).toEqual({ held: 0, charged: 0 });
    });
  }
});

describe('fault scenarios › refund (0200, processing code 20)', () => {
  for (const fault of FAULTS) {
    it(`refund › ${nameOf(fault)} › credited once after the repeat, books agree`, async () => {
      const card = await openCardIn(OPENING);
      const payment = await authorize(card, 8_000);
      await gateway.runtime.payments.capture({ paymentId: payment.paymentId, sealedCard: seal(card) });
      await addOwnFault({ ...fault, pan: card.number, mti: '0200', times: 1 });
      const result = await withRetries(() =>
        gateway.runtime.payments.refund({
          paymentId: payment.paymentId,
          refundNo: 1,
          amountMinor: 3_000,
          settled: false,
          sealedCard: seal(card),
        }),
      );
      expect([result.summary?.status, result.summary?.refundedMinor]).toEqual(['partially_refunded', 3_000]);
      const books = await compareBooks(gateway, [card], OPENING, [payment.paymentId]);
      expect(books).toEqual(agreeing(books));
      expect(books.bank.EUR).toEqual({ held: 0, charged: 5_000 });
    });
  }
});

describe('fault scenarios › purchase of an immediate-capture seller (0200)', () => {
  for (const fault of FAULTS) {
    it(`purchase › ${nameOf(fault)} › charged once or reversed, never unknown, books agree`, async () => {
      const card = await openCardIn(OPENING);
      await addOwnFault({ ...fault, pan: card.number, mti: '0200', times: 1 });
      const payment = await authorize(card, 2_500, true);
      // An answered purchase (duplicate answer) succeeds; one whose answer did not come is reversed (0420).
      const expected = fault.action === 'duplicate' ? ['succeeded', undefined] : ['failed', 'reversed'];
      expect([payment.status, payment.declineCode]).toEqual(expected);
      if (payment.status === 'failed') {
        const [reversal] = await gateway.runtime.reversals.forPayment(payment.paymentId);
        expect(reversal?.state).toBe('acknowledged');
      }
      if (fault.action === 'delay') {
        // The late 0210 of the reversed purchase arrives after the reversal: recorded as unmatched and ignored.
        const rrns = [(await gateway.runtime.reversals.forPayment(payment.paymentId))[0]!.rrn];
        const late = () => gateway.runtime.messages.forRrns(rrns).then((r) => r.filter((m) => m.mti === '0210'));
        for (let i = 0; i < 50 && (await late()).length === 0; i += 1) await sleep(100);
        expect((await late()).map((m) => m.matched)).toEqual([false]);
        expect((await gateway.runtime.payments.find(payment.paymentId))?.status).toBe('failed');
      }
      const books = await compareBooks(gateway, [card], OPENING, [payment.paymentId]);
      expect(books).toEqual(agreeing(books));
      expect(books.bank.EUR).toEqual({ held: 0, charged: payment.status === 'succeeded' ? 2_500 : 0 });
    });
  }
});

describe('fault scenarios › the reversal advice itself (0420)', () => {
  for (const fault of FAULTS) {
    it(`reversal › ${nameOf(fault)} on the first 0420 › repeated until acknowledged, nothing held, books agree`, async () => {
      const card = await openCardIn(OPENING);
      await addOwnFault({ action: 'no_answer', pan: card.number, mti: '0100', times: 1 });
      await addOwnFault({ ...fault, pan: card.number, mti: '0420', times: 1 });
      const payment = await authorize(card, 1_700);
      expect([payment.status, payment.declineCode]).toEqual(['failed', 'reversed']);
      const [reversal] = await gateway.runtime.reversals.forPayment(payment.paymentId);
      expect(reversal?.state).toBe('acknowledged');
      // A duplicated answer acknowledges at once; every other fault costs the first attempt.
      expect(reversal?.attempts).toBe(fault.action === 'duplicate' ? 1 : 2);
      const books = await compareBooks(gateway, [card], OPENING, [payment.paymentId]);
      expect(books).toEqual(agreeing(books));
      expect(books.bank.EUR).toEqual({ held: 0, charged: 0 });
    });
  }
});

describe('fault scenarios › amounts the bank cannot check', () => {
  it('refund › above what is left refundable › refused before the bank moves money; books agree', async () => {
    const card = await openCardIn(OPENING);
    const payment = await authorize(card, 5_000);
    await gateway.runtime.payments.capture({ paymentId: payment.paymentId, sealedCard: seal(card) });
    const refund = (refundNo: number, amountMinor: number) =>
      withRetries(() =>
        gateway.runtime.payments.refund({
          paymentId: payment.paymentId,
          refundNo,
          amountMinor,
          settled: false,
          sealedCard: seal(card),
        }),
      );
    expect((await refund(1, 4_000)).summary?.refundedMinor).toBe(4_000);
    const second = await refund(2, 4_000);
    expect(second.refused).toEqual(expect.objectContaining({ code: 'amount_invalid' }));
    const stored = await gateway.runtime.payments.find(payment.paymentId);
    expect([stored?.status, stored?.refundedMinor]).toEqual(['partially_refunded', 4_000]);
    const books = await compareBooks(gateway, [card], OPENING, [payment.paymentId]);
    expect(books).toEqual(agreeing(books));
    expect(books.bank.EUR).toEqual({ held: 0, charged: 1_000 });
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The RRN of a payment's authorization (a capture and a void reuse it). */
function rrnOf(payment: PaymentSummary): string {
  return gateway.runtime.payments.rrnsOf({ _id: payment.paymentId, refunds: [] } as never)[0]!;
}
