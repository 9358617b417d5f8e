// Electronic cash wallets over HTTP: a customer opens a wallet, tops it up by card and reads it; an operator reads any
// wallet. A top-up runs on the gateway worker (the only holder of the bank connection) as the workflow
// `wallet-topup-<walletId>-<reference>`, so concurrent or repeated requests with one reference charge the card once.
// Never logs a card; anyone but the owner and operators gets 404 for a wallet, never a hint that it exists.

import { randomUUID } from 'node:crypto';
import type { RequestHandler, Router } from 'express';
import { Router as createRouter } from 'express';
import { EcashWallets, walletIdFor, walletTopUpWorkflowId } from '../gateway/ecash-wallets';
import type { TopUpResult } from '../gateway/ecash-wallets';
import { depositClearInstruction } from '../gateway/vault/payment-instructions';
import { KeyRing } from '../security/key-ring';
import type { ApiDeps } from './api-deps';
import { ApiError, fromTemporalError } from './api-error';
import { callerOf } from './auth';
import { ownWallet } from './payment-methods';
import { mountRoute } from './route-registry';
import { getWalletRoute, openWalletRoute, topUpWalletRoute } from './wallet-routes';
import { isExpired } from '../domain/card';

/** POST /v1/wallets, GET /v1/wallets/:walletId, POST /v1/wallets/:walletId/top-ups. */
export function walletsRouter(
  deps: Pick<ApiDeps, 'db' | 'vault' | 'temporal' | 'config' | 'now'>,
  authenticated: RequestHandler,
  idempotent: RequestHandler,
): Router {
  const router = createRouter({ caseSensitive: true });
  const guards = { authenticated, idempotent };
  const wallets = new EcashWallets(deps.db, deps.vault.keys('card-vault'));

  mountRoute(router, openWalletRoute, guards, async (_req, res, { body }) => {
    const ownerId = callerOf(res).id;
    const walletId = walletIdFor(ownerId, body.reference ?? randomUUID());
    const wallet = await wallets.open({ walletId, ownerId, currency: body.currency });
    if (wallet.ownerId !== ownerId || wallet.currency !== body.currency) {
      throw new ApiError(409, 'invalid_request_error', 'wallet_exists', 'this reference names another wallet');
    }
    res.status(201).json(await wallets.view(wallet));
  });

  mountRoute(router, getWalletRoute, guards, async (req, res) => {
    const { id, role } = callerOf(res);
    const walletId = String(req.params.walletId);
    const wallet = role === 'operator' ? await wallets.find(walletId) : await ownWallet(deps.db, walletId, id);
    if (!wallet) throw new ApiError(404, 'not_found_error', 'wallet_not_found', `no wallet ${walletId}`);
    res.json(await wallets.view(wallet));
  });

  mountRoute(router, topUpWalletRoute, guards, async (req, res, { body }) => {
    const wallet = await ownWallet(deps.db, String(req.params.walletId), callerOf(res).id);
    const { number, expMonth, expYear, cvc } = body.card;
    // An expired card is declined here, as the bank would: it never reaches the gateway and costs no workflow (a year
    // ISO 8583's YYMM cannot carry, outside 2000 to 2099, is already refused by the card schema).
    if (isExpired(expMonth, expYear, deps.now())) {
      res.status(402).json({
        error: { type: 'card_error', code: 'card_declined', message: 'the card was declined', param: 'card' },
      });
      return;
    }
    const input = {
      walletId: wallet._id,
      reference: body.reference,
      amountMinor: body.amountMinor,
      // A token of the gateway's vault (the card encrypted to its key) where there is a key ring; never the card.
      sealedCard:
        deps.vault instanceof KeyRing
          ? (
              await depositClearInstruction(deps.db, deps.vault, callerOf(res).id, {
                method: 'card',
                card: { number, expMonth, expYear, cvc },
              })
            ).token
          : deps.vault.keys('card-vault').seal(JSON.stringify({ number, expMonth, expYear, cvc })),
      timeoutMs: deps.config.apiUpdateTimeoutMs,
    };
    let result: TopUpResult;
    try {
      result = await deps.temporal.connection.withDeadline(Date.now() + deps.config.apiUpdateTimeoutMs, async () => {
        const handle = await deps.temporal.workflow.start('walletTopUpWorkflow', {
          taskQueue: deps.config.gateway.taskQueue,
          workflowId: walletTopUpWorkflowId(wallet._id, body.reference),
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: [input],
        });
        return (await handle.result()) as TopUpResult;
      });
    } catch (error) {
      throw fromTemporalError(error, wallet._id);
    }
    if (result.status !== 'succeeded') {
      res.status(402).json({
        error: { type: 'card_error', code: 'card_declined', message: 'the card was declined', param: 'card' },
      });
      return;
    }
    const { declineCode: _declineCode, ...answer } = result;
    res.json(answer);
  });

  return router;
}
