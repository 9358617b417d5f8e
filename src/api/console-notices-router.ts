// `GET /v1/orders/:orderId/notices`: the notices an order sent, for its detail page. Operators see every recipient's;
// a party on the order sees only its own. Kinds, recipients and times only: a notice's payload is its recipient's
// business and stays in that party's inbox.

import { Router } from 'express';
import type { RequestHandler } from 'express';
import type { ApiDeps } from './api-deps';
import { callerOf } from './auth';
import { orderNoticesRoute } from './console-routes';
import { assertMayRead, loadOrder, orderIdOf } from './order-access';
import { mountRoute } from './route-registry';

/** Most notices the route answers for one order (an order sends a few dozen at most). */
export const MAX_ORDER_NOTICES = 200;

/** The notices route; `authenticated` resolves the caller. */
export function consoleNoticesRouter(deps: Pick<ApiDeps, 'db' | 'temporal'>, authenticated: RequestHandler): Router {
  const router = Router({ caseSensitive: true });

  mountRoute(router, orderNoticesRoute, { authenticated }, async (req, res) => {
    const caller = callerOf(res);
    const order = await loadOrder(deps, orderIdOf(req));
    assertMayRead(caller, order);
    const query: Record<string, unknown> = { orderId: order.orderId };
    if (caller.role !== 'operator') query.recipientId = caller.id;
    const records = await deps.db.notices
      .find(query, { _id: 1, kind: 1, recipientId: 1, actionRequired: 1, at: 1 })
      .sort({ at: 1, _id: 1 })
      .limit(MAX_ORDER_NOTICES)
      .lean<{ _id: string; kind: string; recipientId: string; actionRequired: boolean; at: string }[]>()
      .exec();
    res.json({
      data: records.map(({ _id, kind, recipientId, actionRequired, at }) => ({
        noticeId: _id,
        kind,
        recipientId,
        actionRequired,
        at,
      })),
    });
  });

  return router;
}
