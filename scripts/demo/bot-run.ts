// Many orders driven by bots at once: a pool of order lifecycles, their outcomes counted by how they ended, and a
// summary of every party action's round trip. Shared by `npm run demo` and the benchmark.

import { setMaxListeners } from 'node:events';
import type { LatencySummary } from './latency';
import { LatencyBook, summarize } from './latency';
import type { LifecycleOptions, OrderCast, OrderOutcome, RetryPolicy } from './order-bots';
import { ACTION_STEPS, ACTIONS, ANSWER_ACTIONS, runOrderLifecycle } from './order-bots';
import { runPool } from './pool';
import type { OrderScenario } from './scenarios';
import { formatMs, formatTable } from './table';

/** Orders done so far, by how they ended. */
export interface RunTally {
  done: number;
  closed: number;
  cancelled: number;
  failed: number;
  /** Stopped by the run's signal before they ended. */
  unfinished: number;
}

/** What to run. */
export interface BotRunOptions {
  /** The parties of the order at an index. */
  castFor: (orderIndex: number) => OrderCast;
  /** One per order. */
  scenarios: readonly OrderScenario[];
  /** Orders in flight at once. */
  concurrency: number;
  missedDeadlineMs?: number;
  retry?: RetryPolicy;
  /** Stops the run: orders not yet ended are reported `UNFINISHED`. */
  signal?: AbortSignal;
  /** Called after each order ends. */
  onOrderDone?: (outcome: OrderOutcome, tally: RunTally) => void;
  /**
   * Called once the bots are done with an order they saw end; its answer is the order's final status, and the order
   * ends (for its end-to-end time, the tally and the run's wall time) when it answers. The benchmark waits here for
   * the order's workflow result. A throw counts the order as failed (or unfinished if the run was stopped).
   */
  finalStatus?: (outcome: OrderOutcome) => Promise<OrderOutcome['status']>;
  /** Passed to the bots (LifecycleOptions.awaitNotice). */
  awaitNotice?: LifecycleOptions['awaitNotice'];
}

/** A finished run. */
export interface BotRunReport {
  orders: number;
  concurrency: number;
  /** From the first order placed to the last one ended. */
  wallMs: number;
  closed: number;
  /** Cancelled orders by cancellation reason. */
  cancelledByReason: Record<string, number>;
  failed: number;
  unfinished: number;
  /** Closed orders per second of wall time. */
  closedPerSecond: number;
  declinedPayments: number;
  /** 409 "not yet" answers the bots waited out, by action. */
  conflicts: Record<string, number>;
  /** Accepted requests' round trips by action, and `end-to-end` per closed order. */
  latencies: Record<string, LatencySummary>;
  /** Every accepted party answer (all actions but placing the order) together. */
  answerRoundTrip: LatencySummary;
  outcomes: OrderOutcome[];
}

/** Runs every planned order through the bots, `concurrency` at a time. */
export async function runOrders(options: BotRunOptions): Promise<BotRunReport> {
  const book = new LatencyBook();
  const tally: RunTally = { done: 0, closed: 0, cancelled: 0, failed: 0, unfinished: 0 };
  // Every order's bots listen to the one signal: many listeners are expected, not a leak.
  if (options.signal) setMaxListeners(0, options.signal);
  const started = performance.now();
  const outcomes = await runPool(options.scenarios, options.concurrency, async (scenario, index) => {
    const orderStarted = performance.now();
    let outcome = await runOrderLifecycle(options.castFor(index), scenario, {
      latencies: book,
      missedDeadlineMs: options.missedDeadlineMs,
      retry: options.retry,
      signal: options.signal,
      ...(options.awaitNotice ? { awaitNotice: options.awaitNotice } : {}),
    });
    if (options.finalStatus && outcome.status !== 'FAILED' && outcome.status !== 'UNFINISHED') {
      try {
        outcome = { ...outcome, status: await options.finalStatus(outcome) };
      } catch (error) {
        const status = options.signal?.aborted ? 'UNFINISHED' : 'FAILED';
        outcome = { ...outcome, status, error: error instanceof Error ? error.message : String(error) };
      }
      outcome.endToEndMs = performance.now() - orderStarted;
    }
    tally.done += 1;
    if (outcome.status === 'CLOSED') tally.closed += 1;
    else if (outcome.status === 'CANCELLED') tally.cancelled += 1;
    else if (outcome.status === 'UNFINISHED') tally.unfinished += 1;
    else tally.failed += 1;
    options.onOrderDone?.(outcome, { ...tally });
    return outcome;
  });
  const wallMs = performance.now() - started;

  const cancelledByReason: Record<string, number> = {};
  const conflicts: Record<string, number> = {};
  for (const outcome of outcomes) {
    if (outcome.status === 'CANCELLED') {
      const reason = outcome.cancellationReason ?? 'UNKNOWN';
      cancelledByReason[reason] = (cancelledByReason[reason] ?? 0) + 1;
    }
    for (const [action, count] of Object.entries(outcome.conflicts))
      conflicts[action] = (conflicts[action] ?? 0) + count;
  }
  const latencies: Record<string, LatencySummary> = {};
  for (const name of Object.values(ACTIONS)) {
    if (book.samples(name).length > 0) latencies[name] = summarize(book.samples(name));
  }
  latencies['end-to-end'] = summarize(outcomes.filter((o) => o.status === 'CLOSED').map((o) => o.endToEndMs));
  return {
    orders: outcomes.length,
    concurrency: options.concurrency,
    wallMs,
    closed: tally.closed,
    cancelledByReason,
    failed: tally.failed,
    unfinished: tally.unfinished,
    closedPerSecond: tally.closed / (wallMs / 1000),
    declinedPayments: outcomes.reduce((sum, o) => sum + o.declinedPayments, 0),
    conflicts,
    latencies,
    answerRoundTrip: summarize(book.merged(ANSWER_ACTIONS)),
    outcomes,
  };
}

/** One line for a progress display: counts by outcome. */
export function tallyText(tally: RunTally): string {
  const failed = tally.failed > 0 ? `  failed ${tally.failed}` : '';
  const unfinished = tally.unfinished > 0 ? `  unfinished ${tally.unfinished}` : '';
  return `closed ${tally.closed}  cancelled ${tally.cancelled}${failed}${unfinished}`;
}

/** The run's summary: outcomes, then each action's round trip with the 409s the bots waited out. */
export function formatRunReport(report: BotRunReport): string {
  const outcomeRows = [
    ['closed', String(report.closed)],
    ...Object.entries(report.cancelledByReason)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([reason, count]) => [`cancelled: ${reason}`, String(count)]),
    ...(report.failed > 0 ? [['failed (bot gave up or got an unexpected answer)', String(report.failed)]] : []),
    ...(report.unfinished > 0 ? [['unfinished (the run was stopped)', String(report.unfinished)]] : []),
    ['declined payments (retried with a good card)', String(report.declinedPayments)],
  ];
  const latencyRows = Object.entries(report.latencies).map(([name, s]) => [
    name in ACTION_STEPS ? String(ACTION_STEPS[name as keyof typeof ACTION_STEPS]) : '1-10',
    name,
    String(s.count),
    formatMs(s.p50),
    formatMs(s.p95),
    formatMs(s.max),
    name === 'end-to-end' ? '' : String(report.conflicts[name] ?? 0),
  ]);
  const seconds = (report.wallMs / 1000).toFixed(1);
  return [
    `${report.orders} orders, ${report.concurrency} at a time, in ${seconds} s: ` +
      `${report.closedPerSecond.toFixed(2)} closed orders/s`,
    '',
    formatTable(['outcome', 'orders'], outcomeRows),
    '',
    formatTable(
      ['step', 'action (round trip of accepted requests)', 'count', 'p50', 'p95', 'max', '409s waited out'],
      latencyRows,
    ),
    '',
    `a party's answer round trip (steps 3-9): p50 ${formatMs(report.answerRoundTrip.p50)}, ` +
      `p95 ${formatMs(report.answerRoundTrip.p95)}, p99 ${formatMs(report.answerRoundTrip.p99)}`,
  ].join('\n');
}
