// The payment state machine: every allowed transition, refusals of the others, and amount invariants under random
// event sequences (fast-check): captured ≤ authorized, refunded ≤ captured, final statuses take nothing more.

import fc from 'fast-check';
import type { PaymentEvent, PaymentState } from '../../src/domain/payment';
import {
  PaymentStateConflict,
  applyPaymentEvent,
  isFinalPayment,
  newPayment,
  refundableMinor,
} from '../../src/domain/payment';

const EUR = (amount: number) => ({ amount, currency: 'EUR' });

function run(events: PaymentEvent[], mode: 'at_delivery' | 'immediate' = 'at_delivery'): PaymentState {
  return events.reduce(applyPaymentEvent, newPayment('pay-1', EUR(10_000), mode));
}

describe('payment state machine', () => {
  it('payment › authorized then captured at delivery › succeeded with the captured amount', () => {
    const payment = run([{ type: 'SUBMITTED' }, { type: 'AUTHORIZED', amountMinor: 10_000 }]);
    expect(payment.status).toBe('requires_capture');
    const captured = applyPaymentEvent(payment, { type: 'CAPTURED', amountMinor: 7_500 });
    expect([captured.status, captured.authorizedMinor, captured.capturedMinor]).toEqual(['succeeded', 10_000, 7_500]);
  });

  it('payment › immediate purchase › succeeded at once', () => {
    const payment = run([{ type: 'SUBMITTED' }, { type: 'PURCHASED', amountMinor: 10_000 }], 'immediate');
    expect([payment.status, payment.capturedMinor]).toEqual(['succeeded', 10_000]);
  });

  it('payment › partial then full refund › partially_refunded then refunded', () => {
    const paid = run([{ type: 'SUBMITTED' }, { type: 'PURCHASED', amountMinor: 10_000 }]);
    const partly = applyPaymentEvent(paid, { type: 'REFUNDED', amountMinor: 4_000 });
    expect([partly.status, refundableMinor(partly)]).toEqual(['partially_refunded', 6_000]);
    const whole = applyPaymentEvent(partly, { type: 'REFUNDED', amountMinor: 6_000 });
    expect(whole.status).toBe('refunded');
    expect(() => applyPaymentEvent(whole, { type: 'REFUNDED', amountMinor: 1 })).toThrow(PaymentStateConflict);
  });

  it('payment › refund above what is refundable › refused with amount_invalid', () => {
    const paid = run([{ type: 'SUBMITTED' }, { type: 'PURCHASED', amountMinor: 10_000 }]);
    expect(() => applyPaymentEvent(paid, { type: 'REFUNDED', amountMinor: 10_001 })).toThrow(
      expect.objectContaining({ code: 'amount_invalid' }),
    );
  });

  it('payment › unknown outcome then reversal › failed with declineCode reversed', () => {
    const unknown = run([{ type: 'SUBMITTED' }, { type: 'OUTCOME_UNKNOWN', operation: 'authorization' }]);
    expect([unknown.status, unknown.unknownOperation]).toEqual(['unknown', 'authorization']);
    const reversed = applyPaymentEvent(unknown, { type: 'REVERSED' });
    expect([reversed.status, reversed.declineCode, reversed.unknownOperation]).toEqual([
      'failed',
      'reversed',
      undefined,
    ]);
  });

  it('payment › void of an authorization › canceled; capture after it refused', () => {
    const voided = run([{ type: 'SUBMITTED' }, { type: 'AUTHORIZED', amountMinor: 10_000 }, { type: 'VOIDED' }]);
    expect(voided.status).toBe('canceled');
    expect(() => applyPaymentEvent(voided, { type: 'CAPTURED', amountMinor: 1 })).toThrow(PaymentStateConflict);
  });

  it('payment › capture above the authorization › refused', () => {
    const authorized = run([{ type: 'SUBMITTED' }, { type: 'AUTHORIZED', amountMinor: 5_000 }]);
    expect(() => applyPaymentEvent(authorized, { type: 'CAPTURED', amountMinor: 5_001 })).toThrow(
      expect.objectContaining({ code: 'amount_invalid' }),
    );
  });

  it('payment › a decline › failed with the bank reason; a second submission refused', () => {
    const declined = run([{ type: 'SUBMITTED' }, { type: 'DECLINED', declineCode: 'insufficient_funds' }]);
    expect([declined.status, declined.declineCode]).toEqual(['failed', 'insufficient_funds']);
    expect(() => applyPaymentEvent(declined, { type: 'SUBMITTED' })).toThrow(PaymentStateConflict);
  });

  it('payment › random event sequences › amounts stay ordered and final statuses never move', () => {
    const event = fc.oneof(
      fc.constant<PaymentEvent>({ type: 'SUBMITTED' }),
      fc.integer({ min: -5, max: 12_000 }).map<PaymentEvent>((amountMinor) => ({ type: 'AUTHORIZED', amountMinor })),
      fc.integer({ min: 1, max: 12_000 }).map<PaymentEvent>((amountMinor) => ({ type: 'PURCHASED', amountMinor })),
      fc.integer({ min: 0, max: 12_000 }).map<PaymentEvent>((amountMinor) => ({ type: 'CAPTURED', amountMinor })),
      fc.integer({ min: 0, max: 12_000 }).map<PaymentEvent>((amountMinor) => ({ type: 'REFUNDED', amountMinor })),
      fc.constant<PaymentEvent>({ type: 'DECLINED', declineCode: 'do_not_honor' }),
      fc.constant<PaymentEvent>({ type: 'OUTCOME_UNKNOWN', operation: 'authorization' }),
      fc.constant<PaymentEvent>({ type: 'REVERSED' }),
      fc.constant<PaymentEvent>({ type: 'VOIDED' }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), (events) => {
        let payment = newPayment('pay-p', EUR(10_000));
        for (const next of events) {
          const before = payment;
          try {
            payment = applyPaymentEvent(payment, next);
          } catch {
            expect(payment).toBe(before);
            continue;
          }
          if (isFinalPayment(before.status)) throw new Error(`${before.status} moved on ${next.type}`);
          expect(payment.capturedMinor).toBeLessThanOrEqual(payment.authorizedMinor);
          expect(payment.refundedMinor).toBeLessThanOrEqual(payment.capturedMinor);
          expect(payment.authorizedMinor).toBeLessThanOrEqual(payment.amount.amount);
        }
      }),
    );
  });
});
