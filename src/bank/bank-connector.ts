// The gateway's port to the bank host. Every operation carries the caller's reference, which the bank
// uses as an idempotency key: the same reference always gets the same answer and moves money at most once.

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
