// Keyed hashes of card data: the bank host finds a card by HMAC-SHA256(PAN) and checks a CVC against
// HMAC-SHA256(PAN, CVC), under its own key (BANK_HOST_SECRET). It must never store, log or return a PAN or a CVC.

import { createHmac } from 'node:crypto';

/** The keyed hash (hex) a card is found by. */
export function panHash(secret: Buffer, pan: string): string {
  return createHmac('sha256', secret).update(`pan:${pan}`).digest('hex');
}

/** The keyed hash (hex) of a card's CVC; bound to the PAN, so equal CVCs of two cards hash apart. */
export function cvcHash(secret: Buffer, pan: string, cvc: string): string {
  return createHmac('sha256', secret).update(`cvc:${pan}:${cvc}`).digest('hex');
}
