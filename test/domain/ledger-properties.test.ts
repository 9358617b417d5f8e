// Properties of the pure ledger (src/domain/ledger.ts) with fast-check, without servers: random sequences of card
// payment operations (authorize or purchase at once, capture, partial capture, void, refund, partial refund, an
// unknown outcome reversed, retries posting the same journals again) in currencies of exponent 0, 2 and 3, booked the
// way the gateway books them. Debits equal credits per currency, captured ≤ authorized and refunded ≤ captured, the
// ledger's accounts equal what the payments say, a replay gives the same ledger, and a different journal under a used
// id is refused. test/gateway/faults-ledger-properties.test.ts proves the same against the bank host and FerretDB.

import fc from 'fast-check';
import type { Journal, JournalLeg } from '../../src/domain/ledger';
import { LEDGER_ACCOUNTS, LedgerBook, assertBalanced, flatLegs, trialBalance } from '../../src/domain/ledger';
import { formatMoney, minorDigits } from '../../src/domain/money';
import type { PaymentEvent, PaymentState } from '../../src/domain/payment';
import { applyPaymentEvent, newPayment, refundableMinor } from '../../src/domain/payment';
import { CURRENCIES as ISO8583_CURRENCIES } from '../../src/iso8583/currencies';

const CURRENCIES = ['JPY', 'EUR', 'KWD', 'USD', 'BHD', 'CLP'] as const;
const SELLER = 'seller-p';

type Op =
  | { kind: 'authorize'; slot: number; amount: number; currency: string; immediate: boolean; unknown: boolean }
  | { kind: 'capture'; slot: number; amount: number | undefined }
  | { kind: 'void'; slot: number }
  | { kind: 'refund'; slot: number; refundNo: number; amount: number | undefined }
  | { kind: 'retry' };

const slotArb = fc.integer({ min: 0, max: 3 });
const amountArb = fc.integer({ min: 1, max: 5_000_000 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc
    .record({
      slot: slotArb,
      amount: amountArb,
      currency: fc.constantFrom(...CURRENCIES),
      immediate: fc.boolean(),
      unknown: fc.boolean(),
    })
    .map((op) => ({ kind: 'authorize' as const, ...op })),
  fc
    .record({ slot: slotArb, amount: fc.option(amountArb, { nil: undefined }) })
    .map((op) => ({ kind: 'capture' as const, ...op })),
  slotArb.map((slot) => ({ kind: 'void' as const, slot })),
  fc
    .record({
      slot: slotArb,
      refundNo: fc.integer({ min: 1, max: 4 }),
      amount: fc.option(amountArb, { nil: undefined }),
    })
    .map((op) => ({ kind: 'refund' as const, ...op })),
  fc.constant<Op>({ kind: 'retry' }),
);

const leg = (account: string, direction: JournalLeg['direction'], amount: number, currency: string): JournalLeg => ({
  account,
  direction,
  amount: { amount, currency },
});

/** The gateway's payments and ledger in memory: the same journals, ids and accounts as src/gateway/card-payments.ts. */
class Model {
  readonly book = new LedgerBook();
  readonly payments = new Map<number, PaymentState>();
  private readonly refunds = new Map<number, Set<number>>();
  private lastPosted: Journal[] = [];

  run(ops: readonly Op[]): this {
    for (const op of ops) this.step(op);
    return this;
  }

  private post(journals: Journal[]): void {
    for (const journal of journals) this.book.post(journal);
    this.lastPosted = journals;
  }

  private event(slot: number, event: PaymentEvent): boolean {
    const payment = this.payments.get(slot);
    if (!payment) return false;
    try {
      this.payments.set(slot, applyPaymentEvent(payment, event));
      return true;
    } catch {
      return false;
    }
  }

  private journal(slot: number, suffix: string, kind: Journal['kind'], legs: JournalLeg[]): Journal {
    return { journalId: `payment-o${slot}-1:${suffix}`, orderId: `o${slot}`, kind, at: '2026-11-27T00:00:00Z', legs };
  }

  private step(op: Op): void {
    if (op.kind === 'retry') {
      // A retried activity posts what it posted before: nothing new may appear.
      for (const journal of this.lastPosted) expect(this.book.post(journal)).toBe('duplicate');
      return;
    }
    const payment = this.payments.get(op.slot);
    switch (op.kind) {
      case 'authorize': {
        if (payment) return;
        const fresh = newPayment(
          `payment-o${op.slot}-1`,
          { amount: op.amount, currency: op.currency },
          op.immediate ? 'immediate' : 'at_delivery',
        );
        this.payments.set(op.slot, applyPaymentEvent(fresh, { type: 'SUBMITTED' }));
        if (op.unknown) {
          // No answer: the request is reversed (0420) and nothing is booked.
          this.event(op.slot, { type: 'OUTCOME_UNKNOWN', operation: op.immediate ? 'purchase' : 'authorization' });
          this.event(op.slot, { type: 'REVERSED' });
          return;
        }
        const { currency } = fresh.amount;
        if (op.immediate) {
          this.event(op.slot, { type: 'PURCHASED', amountMinor: op.amount });
          this.post([
            this.journal(op.slot, 'capture', 'CAPTURE', [
              leg(LEDGER_ACCOUNTS.bankClearing, 'DEBIT', op.amount, currency),
              leg(LEDGER_ACCOUNTS.merchantPayable(SELLER), 'CREDIT', op.amount, currency),
            ]),
          ]);
        } else {
          this.event(op.slot, { type: 'AUTHORIZED', amountMinor: op.amount });
          this.post([
            this.journal(op.slot, 'authorization', 'AUTHORIZATION', [
              leg(LEDGER_ACCOUNTS.customerFunds, 'DEBIT', op.amount, currency),
              leg(LEDGER_ACCOUNTS.authorizations, 'CREDIT', op.amount, currency),
            ]),
          ]);
        }
        return;
      }
      case 'capture': {
        if (payment?.status !== 'requires_capture') return;
        const amount = op.amount ?? payment.authorizedMinor;
        if (!this.event(op.slot, { type: 'CAPTURED', amountMinor: amount })) return;
        const { currency } = payment.amount;
        this.post([
          this.journal(op.slot, 'capture', 'CAPTURE', [
            leg(LEDGER_ACCOUNTS.authorizations, 'DEBIT', payment.authorizedMinor, currency),
            leg(LEDGER_ACCOUNTS.customerFunds, 'CREDIT', payment.authorizedMinor, currency),
            leg(LEDGER_ACCOUNTS.bankClearing, 'DEBIT', amount, currency),
            leg(LEDGER_ACCOUNTS.merchantPayable(SELLER), 'CREDIT', amount, currency),
          ]),
        ]);
        return;
      }
      case 'void': {
        if (payment?.status !== 'requires_capture') return;
        this.event(op.slot, { type: 'VOIDED' });
        const { currency } = payment.amount;
        this.post([
          this.journal(op.slot, 'void', 'VOID', [
            leg(LEDGER_ACCOUNTS.authorizations, 'DEBIT', payment.authorizedMinor, currency),
            leg(LEDGER_ACCOUNTS.customerFunds, 'CREDIT', payment.authorizedMinor, currency),
          ]),
        ]);
        return;
      }
      case 'refund': {
        if (!payment) return;
        const done = this.refunds.get(op.slot) ?? new Set<number>();
        if (done.has(op.refundNo)) return;
        const amount = op.amount ?? refundableMinor(payment);
        if (!this.event(op.slot, { type: 'REFUNDED', amountMinor: amount })) return;
        done.add(op.refundNo);
        this.refunds.set(op.slot, done);
        const { currency } = payment.amount;
        this.post([
          this.journal(op.slot, `refund:${op.refundNo}`, 'REFUND', [
            leg(LEDGER_ACCOUNTS.merchantPayable(SELLER), 'DEBIT', amount, currency),
            leg(LEDGER_ACCOUNTS.bankClearing, 'CREDIT', amount, currency),
          ]),
        ]);
        return;
      }
    }
  }
}

const sequences = fc.array(opArb, { minLength: 1, maxLength: 30 });

describe('ledger properties', () => {
  it('any sequence › debits equal credits in every currency and every journal', () => {
    fc.assert(
      fc.property(sequences, (ops) => {
        const { book } = new Model().run(ops);
        for (const journal of book.journals()) {
          for (const [, side] of trialBalance([journal])) expect(side.debits).toBe(side.credits);
        }
        for (const [, side] of trialBalance(book.journals())) expect(side.debits).toBe(side.credits);
      }),
    );
  });

  it('any sequence › captured ≤ authorized, refunded ≤ captured, and the accounts say what the payments say', () => {
    fc.assert(
      fc.property(sequences, (ops) => {
        const model = new Model().run(ops);
        const balances = model.book.balances();
        const expected = new Map<string, { held: number; charged: number }>();
        for (const payment of model.payments.values()) {
          expect(payment.capturedMinor).toBeLessThanOrEqual(payment.authorizedMinor);
          expect(payment.refundedMinor).toBeLessThanOrEqual(payment.capturedMinor);
          expect(payment.status).not.toBe('unknown');
          const totals = expected.get(payment.amount.currency) ?? { held: 0, charged: 0 };
          if (payment.status === 'requires_capture') totals.held += payment.authorizedMinor;
          totals.charged += payment.capturedMinor - payment.refundedMinor;
          expected.set(payment.amount.currency, totals);
        }
        for (const [currency, totals] of expected) {
          expect({
            held: balances.get(`${LEDGER_ACCOUNTS.customerFunds} ${currency}`) ?? 0,
            charged: balances.get(`${LEDGER_ACCOUNTS.bankClearing} ${currency}`) ?? 0,
          }).toEqual(totals);
        }
      }),
    );
  });

  it('the same sequence replayed › the same ledger; posting it all again › nothing new', () => {
    fc.assert(
      fc.property(sequences, (ops) => {
        const first = new Model().run(ops).book;
        const replay = new Model().run(ops).book;
        expect(replay.journals()).toEqual(first.journals());
        expect([...replay.balances()]).toEqual([...first.balances()]);
        for (const stored of first.journals()) {
          const journal: Journal = {
            journalId: stored.journalId,
            orderId: stored.orderId,
            kind: stored.kind,
            at: '2027-01-01T00:00:00Z',
            legs: stored.legs.map((l) => leg(l.account, l.direction, l.amount, l.currency)),
          };
          expect(replay.post(journal)).toBe('duplicate');
        }
        expect(replay.journals()).toEqual(first.journals());
      }),
    );
  });

  it('a different journal under a used id › refused as journal_conflict and the ledger is unchanged', () => {
    fc.assert(
      fc.property(sequences, fc.nat(), fc.integer({ min: 1, max: 1_000 }), (ops, pick, extra) => {
        const { book } = new Model().run(ops);
        const journals = book.journals();
        fc.pre(journals.length > 0);
        const target = journals[pick % journals.length]!;
        const before = book.journals();
        const legs = target.legs.map((l) => leg(l.account, l.direction, l.amount + extra, l.currency));
        expect(() =>
          book.post({ journalId: target.journalId, orderId: target.orderId, kind: target.kind, at: 'x', legs }),
        ).toThrow(expect.objectContaining({ code: 'journal_conflict' }));
        expect(book.journals()).toEqual(before);
      }),
    );
  });

  it('assertBalanced › any leg changed by a nonzero amount › unbalanced_journal or invalid_leg, never accepted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ amount: amountArb, currency: fc.constantFrom(...CURRENCIES) }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.nat(),
        fc.integer({ min: -1_000, max: 1_000 }).filter((k) => k !== 0),
        (amounts, pick, k) => {
          const legs = amounts.flatMap(({ amount, currency }, i) => [
            leg(`a${i}`, 'DEBIT' as const, amount, currency),
            leg(`b${i}`, 'CREDIT' as const, amount, currency),
          ]);
          const journal: Journal = { journalId: 'j', orderId: 'o', kind: 'CAPTURE', at: 'x', legs };
          expect(() => assertBalanced(journal)).not.toThrow();
          const at = pick % legs.length;
          const changed = legs.map((l, i) =>
            i === at ? leg(l.account, l.direction, l.amount.amount + k, l.amount.currency) : l,
          );
          expect(() => assertBalanced({ ...journal, legs: changed })).toThrow(
            expect.objectContaining({ code: expect.stringMatching(/^(unbalanced_journal|invalid_leg)$/) }),
          );
        },
      ),
    );
  });

  it('flatLegs › the stored form keeps every amount and currency exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ amount: amountArb, currency: fc.constantFrom(...CURRENCIES) })), (amounts) => {
        const legs = amounts.map(({ amount, currency }, i) => leg(`a${i}`, 'DEBIT', amount, currency));
        expect(flatLegs({ legs })).toEqual(
          amounts.map(({ amount, currency }, i) => ({ account: `a${i}`, direction: 'DEBIT', amount, currency })),
        );
      }),
    );
  });
});

describe('money › ISO 4217 exponents', () => {
  it('minorDigits › JPY 0, EUR 2, KWD 3', () => {
    expect(['JPY', 'EUR', 'KWD'].map(minorDigits)).toEqual([0, 2, 3]);
  });

  it('minorDigits › agrees with the exponent of every currency the ISO 8583 channel carries', () => {
    for (const currency of ISO8583_CURRENCIES)
      expect([currency.alpha, minorDigits(currency.alpha)]).toEqual([currency.alpha, currency.exponent]);
  });

  it('formatMoney › any amount › exactly the exponent in decimals, and the digits read back give the amount', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CURRENCIES), fc.nat({ max: Number.MAX_SAFE_INTEGER }), (currency, amount) => {
        const text = formatMoney({ amount, currency });
        const [number, code] = text.split(' ');
        expect(code).toBe(currency);
        const decimals = number!.includes('.') ? number!.split('.')[1]!.length : 0;
        expect(decimals).toBe(minorDigits(currency));
        expect(BigInt(number!.replace('.', ''))).toBe(BigInt(amount));
      }),
    );
  });
});
