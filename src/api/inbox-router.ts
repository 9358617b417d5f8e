// A party's inbox: the notices and inquiries its orders sent it, each marked open while the order still waits
// for this party's answer. Parties without a webhook poll here.

import { Router } from 'express';
import type { RequestHandler } from 'express';
import type { NoticeDraft } from '../contracts/order-contract';
import type { OrderView } from '../domain/order';
import { listNotices } from '../persistence/notice-store';
import { findOrderViews } from '../persistence/order-store';
import type { ApiDeps } from './api-deps';
import { callerOf } from './auth';
import { mountRoute } from './route-registry';
import { inboxRoute } from './routes';

/** A notice as the inbox shows it. */
export type InboxEntry = NoticeDraft & { open: boolean };

/**
 * How many of the newest notices `open=true|false` looks through: open inquiries are recent by nature, and the store
 * has no index on them, so older ones than this are not found.
 */
export const OPEN_SCAN_LIMIT = 500;

/** Whether an inquiry still waits for its recipient, given its order as it is now. */
export function isOpenNotice(notice: NoticeDraft, order: OrderView | undefined): boolean {
  if (!notice.actionRequired || !order) return false;
  if (notice.kind === 'SUPPLIER_INQUIRY') {
    return (
      ['PLACED', 'AWAITING_SUPPLIER'].includes(order.status) &&
      order.supplierId === notice.recipientId &&
      !order.supplierAnswer
    );
  }
  if (notice.kind === 'TRANSPORT_INQUIRY') {
    return (
      order.status === 'AWAITING_CARRIER' &&
      order.carrierIds.includes(notice.recipientId) &&
      !order.quotes.some((quote) => quote.carrierId === notice.recipientId)
    );
  }
  return false;
}

/** The inbox route. */
export function inboxRouter(deps: ApiDeps, authenticated: RequestHandler): Router {
  const router = Router({ caseSensitive: true });

  mountRoute(router, inboxRoute, { authenticated }, async (_req, res, { query }) => {
    const party = callerOf(res);
    const notices = await listNotices(deps.db, party.id, {
      limit: query.open === undefined ? query.limit : OPEN_SCAN_LIMIT,
      orderId: query.orderId,
      // Only inquiries can be open: looking for open ones, the scan skips every other notice.
      actionRequired: query.open === true ? true : undefined,
    });
    // A notice is written after its order's read model, so every order it names is there: one query for all.
    const orderIds = [...new Set(notices.filter((n) => n.actionRequired).map((n) => n.orderId))];
    const orders = new Map((await findOrderViews(deps.db, orderIds)).map((order) => [order.orderId, order]));
    const entries: InboxEntry[] = notices.map((notice) => ({
      ...notice,
      open: isOpenNotice(notice, orders.get(notice.orderId)),
    }));
    const data =
      query.open === undefined ? entries : entries.filter((entry) => entry.open === query.open).slice(0, query.limit);
    res.json({ data });
  });

  return router;
}
