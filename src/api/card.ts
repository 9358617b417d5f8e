// Card data at the API's edge: checks a number's shape, and seals the card where there is no key ring (the legacy
// single-key vault; with the key ring the card goes to the gateway's vault, payment-methods.ts).
// The clear card exists only in this request's memory: never logged, never stored, never sent unsealed.

import type { SealedCardPayment } from '../contracts/order-contract';
import { cardBrand, passesLuhn } from '../domain/card';
import type { PurposeKeys } from '../security/purpose-keys';

/** A card exactly as the customer typed it, after schema validation. */
export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

/** Whether `number` is 12 to 19 digits whose last one is the Luhn check digit of the others. */
export function isValidCardNumber(number: string): boolean {
  return /^\d{12,19}$/.test(number) && passesLuhn(number);
}

/** Seals the card under the vault key; only the brand and the last four digits travel in clear. */
export function sealCard(vault: PurposeKeys, card: CardInput): SealedCardPayment {
  const { number, expMonth, expYear, cvc } = card;
  return {
    method: 'card',
    sealedCard: vault.seal(JSON.stringify({ number, expMonth, expYear, cvc })),
    brand: cardBrand(number),
    last4: number.slice(-4),
  };
}
