// `GET /v1/orders/:orderId/ledger`: an order's money for its detail page, for operators and the order's seller only:
// the balanced journals of the gateway's ledger (`ledger_journals`), the balance they leave on each account, and the
// gateway's card payments of the order. Reads only; never answers a card number (the payments carry the last four
// digits, nothing else of the card), an RRN or a bank message.

import { Router } from 'express';
import type { RequestHandler } from 'express';
import type { PaymentRecord } from '../gateway/card-payments';
import { GATEWAY_PAYMENTS } from '../gateway/card-payments';
import { balances, journalsForOrder } from '../persistence/ledger-store';
import type { ApiDeps } from './api-deps';
import { callerOf } from './auth';
import { orderLedgerRoute } from './console-routes';
import { assertMayRead, loadOrder, orderIdOf } from './order-access';
import { mountRoute } from './route-registry';

/** Most card payments listed for one order (attempts are bounded by PAYMENT_MAX_ATTEMPTS, at most 50). */
export const MAX_ORDER_PAYMENTS = 100;

/** The ledger route; `authenticated` resolves the caller (the registry admits operators and sellers). */
export function consoleLedgerRouter(deps: Pick<ApiDeps, 'db' | 'temporal'>, authenticated: RequestHandler): Router {
  const router = Router({ caseSensitive: true });

  mountRoute(router, orderLedgerRoute, { authenticated }, async (req, res) => {
    const caller = callerOf(res);
    const order = await loadOrder(deps, orderIdOf(req));
    // A seller reads only its own orders' money (assertMayRead admits the order's seller, and operators).
    assertMayRead(caller, order);
    const [journals, payments] = await Promise.all([
      journalsForOrder(deps.db, order.orderId),
      deps.db.connection
        .collection<PaymentRecord>(GATEWAY_PAYMENTS)
        .find({ orderId: order.orderId })
        .sort({ attempt: 1 })
        .limit(MAX_ORDER_PAYMENTS)
        .toArray() as Promise<PaymentRecord[]>,
    ]);
    res.json({
      orderId: order.orderId,
      journals: journals.map((journal) => ({
        journalId: journal._id,
        kind: journal.kind,
        at: new Date(journal.at).toISOString(),
        legs: journal.legs.map((leg) => ({
          account: leg.account,
          direction: leg.direction,
          amount: { amount: leg.amount, currency: leg.currency },
        })),
      })),
      balances: [...balances(journals)]
        .map(([key, balanceMinor]) => {
          const at = key.lastIndexOf(' ');
          return { account: key.slice(0, at), currency: key.slice(at + 1), balanceMinor };
        })
        .sort((a, b) => a.account.localeCompare(b.account) || a.currency.localeCompare(b.currency)),
      payments: payments.map((payment) => ({
        paymentId: payment._id,
        attempt: payment.attempt,
        status: payment.status,
        captureMode: payment.captureMode,
        amount: payment.amount,
        authorizedMinor: payment.authorizedMinor,
        capturedMinor: payment.capturedMinor,
        refundedMinor: payment.refundedMinor,
        ...(payment.declineCode === undefined ? {} : { declineCode: payment.declineCode }),
        last4: payment.last4,
      })),
    });
  });

  return router;
}
