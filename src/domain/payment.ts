// One card payment's state machine, in the manner of Stripe's PaymentIntent: which bank outcome moves a payment
// from which status to which, and the amounts authorized, captured and refunded that each status implies.
// Pure: no I/O, no clock (events carry their time). It never holds card data: a payment names its card by last 4.
// Amounts are integer minor units of the payment's currency; captured ≤ authorized and refunded ≤ captured always.

import { DomainError } from './errors';
import type { Money } from './money';

/** A payment's status (Stripe's names, plus `unknown` while a reversal of an unanswered request is pending). */
export type PaymentStatus =
  | 'requires_payment_method'
  | 'processing'
  | 'requires_capture'
  | 'succeeded'
  | 'canceled'
  | 'failed'
  | 'refunded'
  | 'partially_refunded'
  | 'unknown';

/** Every status, in lifecycle order. */
export const PAYMENT_STATUSES: readonly PaymentStatus[] = [
  'requires_payment_method',
  'processing',
  'requires_capture',
  'succeeded',
  'partially_refunded',
  'refunded',
  'canceled',
  'failed',
  'unknown',
];

/** When the authorized amount is taken: at the carrier's delivery (the default) or with the authorization. */
export type CaptureMode = 'at_delivery' | 'immediate';

/** A payment as the gateway keeps it. */
export interface PaymentState {
  readonly paymentId: string;
  readonly status: PaymentStatus;
  readonly captureMode: CaptureMode;
  /** What the customer pays. */
  readonly amount: Money;
  readonly authorizedMinor: number;
  readonly capturedMinor: number;
  readonly refundedMinor: number;
  /** The bank's reason for the last decline. */
  readonly declineCode?: string | undefined;
  /** Which request an unknown outcome belongs to (`authorization`, `purchase`), while `unknown`. */
  readonly unknownOperation?: 'authorization' | 'purchase' | undefined;
}

/** What happened at the bank (or before it). */
export type PaymentEvent =
  | { readonly type: 'SUBMITTED' }
  | { readonly type: 'AUTHORIZED'; readonly amountMinor: number }
  | { readonly type: 'PURCHASED'; readonly amountMinor: number }
  | { readonly type: 'DECLINED'; readonly declineCode: string }
  /** An electronic check's direct debit came back (pacs.004) before it settled: `reason` is the ISO reason code. */
  | { readonly type: 'RETURNED'; readonly reason: string }
  /** A micropayment's aggregate charge was declined: the member held for it fails with the aggregate's reason. */
  | { readonly type: 'AGGREGATE_DECLINED'; readonly declineCode: string }
  /** An electronic check's direct debit settled (pacs.002 ACSC) after the clearing period. */
  | { readonly type: 'CLEARED'; readonly amountMinor: number }
  | { readonly type: 'OUTCOME_UNKNOWN'; readonly operation: 'authorization' | 'purchase' }
  | { readonly type: 'REVERSED' }
  | { readonly type: 'CAPTURED'; readonly amountMinor: number }
  | { readonly type: 'VOIDED' }
  | { readonly type: 'REFUNDED'; readonly amountMinor: number };

/** A transition the state machine does not allow. */
export class PaymentStateConflict extends DomainError {
  constructor(message: string) {
    super('payment_state_conflict', message);
    this.name = 'PaymentStateConflict';
  }
}

/** A new payment, waiting for its card. */
export function newPayment(paymentId: string, amount: Money, captureMode: CaptureMode = 'at_delivery'): PaymentState {
  if (!Number.isSafeInteger(amount.amount) || amount.amount <= 0) {
    throw new DomainError('amount_invalid', 'a payment is for a positive amount', 'amount');
  }
  return {
    paymentId,
    status: 'requires_payment_method',
    captureMode,
    amount,
    authorizedMinor: 0,
    capturedMinor: 0,
    refundedMinor: 0,
  };
}

/** Whether no event can change the payment any more. */
export function isFinalPayment(status: PaymentStatus): boolean {
  return status === 'canceled' || status === 'failed' || status === 'refunded';
}

/** What may still be refunded. */
export function refundableMinor(payment: PaymentState): number {
  return payment.capturedMinor - payment.refundedMinor;
}

function conflict(payment: PaymentState, event: PaymentEvent): never {
  throw new PaymentStateConflict(`a ${payment.status} payment cannot take ${event.type}`);
}

function positive(amountMinor: number, what: string): void {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
    throw new DomainError('amount_invalid', `${what} must be a positive integer of minor units`, 'amount');
  }
}

/**
 * The payment after an event.
 * @throws PaymentStateConflict when the event does not apply to the payment's status
 * @throws DomainError `amount_invalid` for amounts outside what the payment allows
 */
export function applyPaymentEvent(payment: PaymentState, event: PaymentEvent): PaymentState {
  const { status } = payment;
  switch (event.type) {
    case 'SUBMITTED':
      if (status !== 'requires_payment_method') conflict(payment, event);
      return { ...payment, status: 'processing', declineCode: undefined };
    case 'AUTHORIZED':
      if (status !== 'processing') conflict(payment, event);
      positive(event.amountMinor, 'the authorized amount');
      if (event.amountMinor > payment.amount.amount) {
        throw new DomainError('amount_invalid', 'authorized above the payment amount', 'amount');
      }
      return { ...payment, status: 'requires_capture', authorizedMinor: event.amountMinor };
    case 'PURCHASED':
      if (status !== 'processing') conflict(payment, event);
      positive(event.amountMinor, 'the purchased amount');
      if (event.amountMinor > payment.amount.amount) {
        throw new DomainError('amount_invalid', 'charged above the payment amount', 'amount');
      }
      return { ...payment, status: 'succeeded', authorizedMinor: event.amountMinor, capturedMinor: event.amountMinor };
    case 'DECLINED':
      if (status !== 'processing') conflict(payment, event);
      return { ...payment, status: 'failed', declineCode: event.declineCode };
    case 'AGGREGATE_DECLINED':
      if (status !== 'requires_capture') conflict(payment, event);
      return { ...payment, status: 'failed', declineCode: event.declineCode };
    case 'RETURNED':
      if (status !== 'processing') conflict(payment, event);
      return { ...payment, status: 'failed', declineCode: event.reason };
    case 'CLEARED':
      if (status !== 'processing') conflict(payment, event);
      positive(event.amountMinor, 'the cleared amount');
      if (event.amountMinor !== payment.amount.amount) {
        throw new DomainError('amount_invalid', 'a direct debit clears for the payment amount', 'amount');
      }
      return { ...payment, status: 'succeeded', authorizedMinor: event.amountMinor, capturedMinor: event.amountMinor };
    case 'OUTCOME_UNKNOWN':
      if (status !== 'processing') conflict(payment, event);
      return { ...payment, status: 'unknown', unknownOperation: event.operation };
    case 'REVERSED':
      if (status !== 'unknown') conflict(payment, event);
      return { ...payment, status: 'failed', declineCode: 'reversed', unknownOperation: undefined };
    case 'CAPTURED':
      if (status !== 'requires_capture') conflict(payment, event);
      positive(event.amountMinor, 'the captured amount');
      if (event.amountMinor > payment.authorizedMinor) {
        throw new DomainError('amount_invalid', 'captured above the authorized amount', 'amount');
      }
      return { ...payment, status: 'succeeded', capturedMinor: event.amountMinor };
    case 'VOIDED':
      if (status !== 'requires_capture') conflict(payment, event);
      return { ...payment, status: 'canceled' };
    case 'REFUNDED': {
      if (status !== 'succeeded' && status !== 'partially_refunded') conflict(payment, event);
      positive(event.amountMinor, 'the refunded amount');
      if (event.amountMinor > refundableMinor(payment)) {
        throw new DomainError('amount_invalid', 'refunded above what was captured and not yet refunded', 'amount');
      }
      const refundedMinor = payment.refundedMinor + event.amountMinor;
      return {
        ...payment,
        refundedMinor,
        status: refundedMinor === payment.capturedMinor ? 'refunded' : 'partially_refunded',
      };
    }
  }
}
