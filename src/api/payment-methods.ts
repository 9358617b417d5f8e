// The payment notification's instruments at the API's edge: each method's instrument (a card, an e-check's IBAN, an
// e-cash wallet) encrypted to the gateway's key and deposited in its vault, so only a token travels through Temporal
// and only the gateway's activities can open it. The clear instrument exists only in this request's memory: never
// logged, never stored, never sent in clear.

import type { z } from 'zod';
import type { SealedCardPayment } from '../contracts/order-contract';
import { GATEWAY_WALLETS } from '../gateway/ecash-wallets';
import type { WalletRecord } from '../gateway/ecash-wallets';
import type { Database } from '../persistence/database';
import type { PaymentInstruction } from '../gateway/vault/payment-instructions';
import { depositClearInstruction } from '../gateway/vault/payment-instructions';
import { KeyRingError } from '../security/key-errors';
import { KeyRing } from '../security/key-ring';
import type { KeyVault } from '../security/purpose-keys';
import { ApiError } from './api-error';
import { sealCard } from './card';
import type { plainPaymentNotification, signedPaymentNotification } from './schemas';

/** A plain payment notification's body after validation. */
export type PaymentNotification = z.output<typeof plainPaymentNotification>;

/** A signed payment notification's body after validation. */
export type SignedNotification = z.output<typeof signedPaymentNotification>;

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
 * The notification's instrument as it may travel through Temporal. With the key ring: encrypted at once to the
 * gateway's payment-instructions key and deposited in the gateway's vault, so only the token `pm_...` (and the brand
 * and last four) go on; the API can never open it again. With the legacy single-key vault (no key ring, so no
 * gateway key): sealed under the card vault as before. An e-cash wallet must be the customer's own (404
 * `wallet_not_found` otherwise).
 */
export async function sealPayment(
  deps: { vault: KeyVault; db: Database },
  customerId: string,
  body: PaymentNotification,
): Promise<SealedCardPayment> {
  const instruction = await instructionOf(deps.db, customerId, body);
  if (deps.vault instanceof KeyRing) {
    const { token, display } = await depositClearInstruction(deps.db, deps.vault, customerId, instruction).catch(
      (error: unknown) => {
        throw gatewayKeyError(error);
      },
    );
    return { method: instruction.method, sealedCard: token, brand: display.brand, last4: display.last4 };
  }
  switch (instruction.method) {
    case 'card':
      return sealCard(deps.vault.keys('card-vault'), instruction.card);
    case 'echeck': {
      const { iban, accountHolder } = instruction.echeck;
      return {
        method: 'echeck',
        sealedCard: deps.vault.keys('card-vault').seal(JSON.stringify({ method: 'echeck', iban, accountHolder })),
        brand: 'echeck',
        last4: iban.slice(-4),
      };
    }
    case 'ecash':
      return {
        method: 'ecash',
        sealedCard: deps.vault
          .keys('card-vault')
          .seal(JSON.stringify({ method: 'ecash', walletId: instruction.ecash.walletId })),
        brand: 'ecash',
        last4: instruction.ecash.walletId.slice(-4),
      };
  }
}

/** The plain notification's instruction; an e-cash wallet must be the customer's own (404 `wallet_not_found`). */
async function instructionOf(db: Database, customerId: string, body: PaymentNotification): Promise<PaymentInstruction> {
  switch (body.method) {
    case undefined:
    case 'card': {
      const { number, expMonth, expYear, cvc } = body.card;
      return { method: 'card', card: { number, expMonth, expYear, cvc } };
    }
    case 'echeck': {
      const { iban, accountHolder } = body.echeck;
      return { method: 'echeck', echeck: { iban, accountHolder } };
    }
    case 'ecash': {
      const wallet = await ownWallet(db, body.ecash.walletId, customerId).catch((error: unknown) => {
        if (error instanceof ApiError) {
          throw new ApiError(404, 'not_found_error', 'wallet_not_found', error.message, 'ecash.walletId');
        }
        throw error;
      });
      return { method: 'ecash', ecash: { walletId: wallet._id } };
    }
  }
}

/** 502 `gateway_key_unavailable` when the gateway has published no payment-instructions key yet; else `error`. */
export function gatewayKeyError(error: unknown): unknown {
  if (error instanceof KeyRingError && error.code === 'no_active_key') {
    return new ApiError(
      502,
      'api_error',
      'gateway_key_unavailable',
      'the payment gateway has no payment-instruction key yet; retry once the gateway worker runs',
    );
  }
  return error;
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
