// The electronic cash wallets' HTTP operations, declared for the route registry and the OpenAPI document: a customer
// opens wallets, tops them up by card (through the gateway worker and the bank host) and reads their balance; an
// operator may read any wallet. Declarations only (handlers in wallets-router.ts).

import { z } from 'zod';
import { errorResponses } from './route-errors';
import { defineRoute } from './route-registry';
import { cardSchema } from './schemas';
import { CURRENCIES } from '../iso8583/currencies';

/** The currencies a wallet may hold: those the bank host's ISO 8583 currency table knows (a top-up is a card payment). */
const WALLET_CURRENCIES = CURRENCIES.map((currency) => currency.alpha) as [string, ...string[]];

const reference = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -')
  .meta({ example: 'topup-2026-11-27-001' });

/** Path parameters naming a wallet. */
export const walletPathParams = z.strictObject({
  walletId: z
    .string()
    .regex(/^wal_[a-f0-9]{24}$/, 'must be a wallet id (wal_...)')
    .meta({ example: 'wal_0123456789abcdef01234567' }),
});

/** `POST /v1/wallets`. */
export const openWalletBody = z
  .strictObject({
    currency: z
      .enum(WALLET_CURRENCIES, { error: `must be a currency the bank host settles: ${WALLET_CURRENCIES.join(', ')}` })
      .describe("The wallet's one currency: one the bank host settles (top-ups are card payments through it)."),
    reference: reference
      .optional()
      .describe('The same reference opens the same wallet again (a repeat answers it); absent: a new wallet.'),
  })
  .meta({ id: 'OpenWalletRequest' });

/** `POST /v1/wallets/{walletId}/top-ups`. */
export const topUpBody = z
  .strictObject({
    amountMinor: z.int().min(1).max(100_000_000).describe('What to load, in minor units of the wallet currency.'),
    card: cardSchema,
    reference: reference.describe("The top-up's idempotency reference: the card is charged once per reference."),
  })
  .meta({ id: 'WalletTopUpRequest' });

/** A wallet as its owner and operators see it. */
export const walletSchema = z
  .object({
    walletId: z.string(),
    ownerId: z.string(),
    balance: z.object({ amount: z.int(), currency: z.string() }),
    entries: z.array(
      z.object({
        seq: z.int(),
        kind: z.enum(['TOP_UP', 'SPEND', 'REFUND']),
        reference: z.string(),
        amountMinor: z.int().describe('Positive in, negative out.'),
        at: z.string(),
      }),
    ),
  })
  .meta({ id: 'Wallet' });

/** A top-up's outcome. */
export const topUpResultSchema = z
  .object({
    walletId: z.string(),
    reference: z.string(),
    paymentId: z.string().describe('The card payment at the gateway (GET /v1/payments/{paymentId}, operators).'),
    status: z.enum(['succeeded', 'failed']),
    balance: z.object({ amount: z.int(), currency: z.string() }),
  })
  .meta({ id: 'WalletTopUp' });

/** `POST /v1/wallets`. */
export const openWalletRoute = defineRoute({
  operationId: 'openWallet',
  method: 'post',
  path: '/v1/wallets',
  summary: 'Open an electronic cash wallet',
  description:
    "Customers only. A stored-value wallet at the gateway in one currency, empty until topped up; it pays orders with `method: 'ecash'`. The same `reference` answers the same wallet.",
  tags: ['Wallets'],
  roles: ['customer'],
  body: openWalletBody,
  responses: {
    '201': { description: 'The wallet.', schema: walletSchema },
    ...errorResponses(400, 401, 409),
  },
});

/** `GET /v1/wallets/{walletId}`. */
export const getWalletRoute = defineRoute({
  operationId: 'getWallet',
  method: 'get',
  path: '/v1/wallets/{walletId}',
  summary: "A wallet's balance and entries",
  description:
    "Its owner or an operator; anyone else gets 404 `wallet_not_found`. The balance is the sum of the wallet's insert-only entries (top-ups, spends, refunds).",
  tags: ['Wallets'],
  roles: ['customer', 'operator'],
  params: walletPathParams,
  responses: { '200': { description: 'The wallet.', schema: walletSchema }, ...errorResponses(401, 404) },
});

/** `POST /v1/wallets/{walletId}/top-ups`. */
export const topUpWalletRoute = defineRoute({
  operationId: 'topUpWallet',
  method: 'post',
  path: '/v1/wallets/{walletId}/top-ups',
  summary: 'Top a wallet up by card',
  description:
    "The wallet's owner only (404 `wallet_not_found` otherwise). The card is authorized and captured through the bank host by the gateway worker, then the wallet is credited. Idempotent by `reference`: concurrent or repeated requests charge the card once and credit once. 402 `card_declined` when the bank declines; 504 when the gateway did not answer within `API_UPDATE_TIMEOUT_MS` (ask again with the same reference).",
  tags: ['Wallets'],
  roles: ['customer'],
  params: walletPathParams,
  body: topUpBody,
  responses: {
    '200': { description: 'The wallet was credited.', schema: topUpResultSchema },
    '402': {
      description: 'The card was declined; `error.code` is `card_declined`.',
      schema: z.object({ error: z.object({ type: z.string(), code: z.string(), message: z.string() }) }),
    },
    ...errorResponses(400, 401, 404, 409, 504),
  },
});

/** The wallet routes, in the document's order. */
export const WALLET_ROUTES = [openWalletRoute, getWalletRoute, topUpWalletRoute] as const;
