// The payment notification's instruments at the API's edge: each method's body sealed for its trip through Temporal
// (a card, an e-check's IBAN, an e-cash wallet), so only the gateway's activities can open it. The clear instrument
// exists only in this request's memory: never logged, never stored, never sent unsealed.

import type { z } from 'zod';
import type { SealedCardPayment } from '../contracts/order-contract';
import { GATEWAY_WALLETS } from '../gateway/ecash-wallets';
import type { WalletRecord } from '../gateway/ecash-wallets';
import type { Database } from '../persistence/database';
import type { KeyVault } from '../security/purpose-keys';
import { ApiError } from './api-error';
import { sealCard } from './card';
import type { paymentNotificationBody } from './schemas';

/** A payment notification's body after validation. */
export type PaymentNotification = z.output<typeof paymentNotificationBody>;

/** The wallet, when it exists and belongs to `ownerId`; else 404 `wallet_not_found` (never says whose it is). */
export async function ownWallet(db: Database, walletId: string, ownerId: string): Promise<WalletRecord> {
  const wallet = (await db.connection
    .collection<WalletRecord>(GATEWAY_WALLETS)
    .findOne({ _id: walletId })) as WalletRecord | null;
  if (!wallet || wallet.ownerId !== ownerId) {
    throw new ApiError(404, 'not_found_error', 'wallet_not_found', `no wallet ${walletId}`, 'walletId');
  }
  return wallet;
}

/**
 * Seals the notification's instrument; only the method, a brand and the last four characters travel in clear. An
 * e-cash wallet must be the customer's own (404 `wallet_not_found` otherwise).
 */
export async function sealPayment(
  deps: { vault: KeyVault; db: Database },
  customerId: string,
  body: PaymentNotification,
): Promise<SealedCardPayment> {
  switch (body.method) {
    case undefined:
    case 'card':
      return sealCard(deps.vault.keys('card-vault'), body.card);
    case 'echeck': {
      const { iban, accountHolder } = body.echeck;
      return {
        method: 'echeck',
        sealedCard: deps.vault.keys('card-vault').seal(JSON.stringify({ method: 'echeck', iban, accountHolder })),
        brand: 'echeck',
        last4: iban.slice(-4),
      };
    }
    case 'ecash': {
      const wallet = await ownWallet(deps.db, body.ecash.walletId, customerId).catch((error: unknown) => {
        if (error instanceof ApiError) {
          throw new ApiError(404, 'not_found_error', 'wallet_not_found', error.message, 'ecash.walletId');
        }
        throw error;
      });
      return {
        method: 'ecash',
        sealedCard: deps.vault.keys('card-vault').seal(JSON.stringify({ method: 'ecash', walletId: wallet._id })),
        brand: 'ecash',
        last4: wallet._id.slice(-4),
      };
    }
  }
}

/** The 402 error of a declined payment: cards say only `card_declined`; the other methods say which method failed. */
export function declinedError(method: SealedCardPayment['method']): {
  type: string;
  code: string;
  message: string;
  param: string;
} {
  switch (method) {
    case 'card':
      return { type: 'card_error', code: 'card_declined', message: 'the card was declined', param: 'card' };
    case 'echeck':
      return {
        type: 'payment_error',
        code: 'echeck_returned',
        message: 'the bank rejected or returned the electronic check',
        param: 'echeck',
      };
    case 'ecash':
      return {
        type: 'payment_error',
        code: 'ecash_declined',
        message: 'the wallet could not pay the order (its balance is too low)',
        param: 'ecash',
      };
  }
}
