// `GET /v1/monitoring/summary` (operators only): what the console's monitoring page draws, computed from the orders
// read model with bounded queries: exact counts by status, and over the newest orders (at most MONITORING_WINDOW)
// throughput by minute, payment approval rate and decline reasons, and how fast suppliers and carriers answer.
// Reads only; never returns a party's card data or an order's contents.

import { Router } from 'express';
import type { RequestHandler } from 'express';
import type { OrderStatus, OrderView, PaymentAttempt } from '../domain/order';
import { ORDER_STATUSES } from '../domain/order';
import type { ApiDeps } from './api-deps';
import { monitoringSummaryRoute } from './console-routes';
import { mountRoute } from './route-registry';

/** How many of the newest orders the rates and latencies are computed over. */
export const MONITORING_WINDOW = 500;

/** How many minutes of throughput the summary gives, one bucket a minute. */
export const THROUGHPUT_MINUTES = 60;

type WindowOrder = Pick<OrderView, 'orderId' | 'status' | 'placedAt' | 'timeline'> & {
  payments?: Pick<PaymentAttempt, 'status' | 'declineCode'>[];
  quotes?: { answeredAt: string }[];
};

/** The value below which `p` (0..1) of the sorted values fall (nearest rank); undefined for none. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank];
}

function latency(values: number[]): { count: number; p50Ms: number | null; p99Ms: number | null } {
  const sorted = values.filter((value) => Number.isFinite(value) && value >= 0).sort((a, b) => a - b);
  return { count: sorted.length, p50Ms: percentile(sorted, 0.5) ?? null, p99Ms: percentile(sorted, 0.99) ?? null };
}

function stepAt(order: WindowOrder, step: number): number | undefined {
  const entry = order.timeline?.find((item) => item.step === step);
  return entry ? Date.parse(entry.at) : undefined;
}

/** The summary of a window of orders (newest first), as of `now`. Pure, for the tests. */
export function summarize(window: readonly WindowOrder[], now: Date) {
  const minuteMs = 60_000;
  const end = Math.floor(now.getTime() / minuteMs) * minuteMs + minuteMs;
  const start = end - THROUGHPUT_MINUTES * minuteMs;
  const buckets = Array.from({ length: THROUGHPUT_MINUTES }, (_, index) => ({
    minute: new Date(start + index * minuteMs).toISOString(),
    placed: 0,
    closed: 0,
  }));
  const bucketOf = (at: number | undefined) =>
    at !== undefined && at >= start && at < end ? buckets[Math.floor((at - start) / minuteMs)] : undefined;

  let captured = 0;
  let declined = 0;
  let unknown = 0;
  const declineReasons = new Map<string, number>();
  const supplier: number[] = [];
  const carrier: number[] = [];
  for (const order of window) {
    const placed = bucketOf(Date.parse(order.placedAt));
    if (placed) placed.placed += 1;
    const closed = bucketOf(stepAt(order, 10));
    if (closed) closed.closed += 1;
    for (const payment of order.payments ?? []) {
      // Approved: captured, or authorized and waiting for the capture at delivery (never a decline).
      if (payment.status === 'CAPTURED' || payment.status === 'AUTHORIZED') captured += 1;
      else if (payment.status === 'UNKNOWN') unknown += 1;
      else {
        declined += 1;
        const reason = payment.declineCode ?? 'unknown';
        declineReasons.set(reason, (declineReasons.get(reason) ?? 0) + 1);
      }
    }
    const inquired = stepAt(order, 2);
    const answered = stepAt(order, 3);
    if (inquired !== undefined && answered !== undefined) supplier.push(answered - inquired);
    const transportInquiry = stepAt(order, 4);
    if (transportInquiry !== undefined) {
      for (const quote of order.quotes ?? []) carrier.push(Date.parse(quote.answeredAt) - transportInquiry);
    }
  }
  const decided = captured + declined;
  return {
    windowOrders: window.length,
    throughput: buckets,
    payments: {
      captured,
      declined,
      unknown,
      approvalRate: decided === 0 ? null : captured / decided,
      declineReasons: [...declineReasons]
        .map(([code, count]) => ({ code, count }))
        .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    },
    answerLatency: { supplier: latency(supplier), carrier: latency(carrier) },
  };
}

/** The monitoring route; `authenticated` resolves the caller. */
export function consoleMonitoringRouter(deps: Pick<ApiDeps, 'db' | 'now'>, authenticated: RequestHandler): Router {
  const router = Router();

  mountRoute(router, monitoringSummaryRoute, { authenticated }, async (_req, res) => {
    const now = deps.now();
    const [counts, window] = await Promise.all([
      Promise.all(ORDER_STATUSES.map((status) => deps.db.orders.countDocuments({ status }).exec())),
      deps.db.orders
        .find(
          {},
          {
            _id: 0,
            orderId: 1,
            status: 1,
            placedAt: 1,
            timeline: 1,
            'payments.status': 1,
            'payments.declineCode': 1,
            'quotes.answeredAt': 1,
          },
        )
        .sort({ placedAt: -1, _id: -1 })
        .limit(MONITORING_WINDOW)
        .lean<WindowOrder[]>()
        .exec(),
    ]);
    const byStatus = ORDER_STATUSES.map((status: OrderStatus, index) => ({ status, count: counts[index] ?? 0 }));
    res.json({ generatedAt: now.toISOString(), byStatus, ...summarize(window, now) });
  });

  return router;
}
