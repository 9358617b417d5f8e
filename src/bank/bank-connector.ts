// The legacy port of the in-worker payment activities (collectPayment, refundOrVoidPayment, reversePayment), which only
// orders recorded before the gateway worker still call; new orders pay through the gateway worker and the bank host.
// Every operation carries the caller's reference, the bank's idempotency key. It must never carry card data outside
// one call.

import { ApplicationFailure } from '@temporalio/common';
import type { Money } from '../domain/money';

/** Card data in clear: exists only in memory inside the gateway, never stored or logged. */
export interface CardDetails {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

/** Decline codes the bank answers with (Stripe's names, which users know). */
export type BankDeclineCode =
  'insufficient_funds' | 'expired_card' | 'card_declined' | 'incorrect_cvc' | 'invalid_amount';

/** The bank's answer to one operation. */
export interface BankAnswer {
  approved: boolean;
  /** The bank's id of the operation; the caller's reference when approved. */
  bankReference: string;
  declineCode?: BankDeclineCode | undefined;
}

/** The bank host as the gateway sees it. */
export interface BankConnector {
  /** Reserves `amount` on the card. */
  authorize(request: { reference: string; amount: Money; card: CardDetails; merchantId: string }): Promise<BankAnswer>;
  /** Takes the authorized amount. */
  capture(request: { reference: string; authorizationReference: string; amount: Money }): Promise<BankAnswer>;
  /** Releases an authorization that was not captured. */
  void(request: { reference: string; authorizationReference: string }): Promise<BankAnswer>;
  /** Returns a captured amount to the card. */
  refund(request: { reference: string; captureReference: string; amount: Money }): Promise<BankAnswer>;
  /** The answer already given to a reference, if any (for compensations that must know how far a payment got). */
  lookup(reference: string): Promise<BankAnswer | undefined>;
}

/**
 * The bank of the legacy in-worker payment activities in the product, where the in-process simulated bank is gone:
 * every operation fails for good (`LegacyBankRemoved`), so an order recorded before the gateway worker that still
 * reaches one of them waits for an operator (`PAYMENT_UNKNOWN`, `REFUND_UNKNOWN`) instead of paying nowhere.
 */
export const RETIRED_BANK: BankConnector = {
  authorize: retired,
  capture: retired,
  void: retired,
  refund: retired,
  lookup: retired,
};

function retired(): Promise<never> {
  return Promise.reject(
    ApplicationFailure.nonRetryable(
      'the in-process simulated bank was removed: a pre-gateway order needs an operator (README, Gateway worker)',
      'LegacyBankRemoved',
    ),
  );
}
