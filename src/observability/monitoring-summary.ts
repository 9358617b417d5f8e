// The console's monitoring summary computed from Prometheus metrics only: the API's own registry (orders by status,
// payment answers, party answer times), the order worker's /metrics (webhook attempts) and the gateway worker's
// /metrics (the bank link's gauges), plus a short in-memory history of the order counts for throughput. Pure but
// for the history's own memory: no I/O here (the router scrapes, this computes). A source that could not be read is
// reported as such and its part of the summary is `unknown` (null), never a guess and never an error.

import type { OrderStatus } from '../domain/order';
import { ORDER_STATUSES } from '../domain/order';
import type { Sample, Scrape } from './prometheus-samples';
import { histogramQuantile, samplesOf, sumOf } from './prometheus-samples';

/** How many minutes of throughput the summary gives, one bucket a minute. */
export const THROUGHPUT_MINUTES = 60;

/** The statuses an order never leaves: reaching one finishes the order. */
const FINAL_STATUSES: readonly OrderStatus[] = ['CLOSED', 'CANCELLED'];

const MINUTE_MS = 60_000;

/** Samples closer together than this replace each other (a burst of scrapes keeps one). */
const MIN_SAMPLE_GAP_MS = 1000;

interface CountSample {
  atMs: number;
  /** Every order in the read model: only grows as orders are placed. */
  orders: number;
  /** Orders in a final status: only grows as orders finish. */
  finished: number;
}

/**
 * The order counts (`settleflow_orders`) as they were each time they were read, for the last hour: orders placed and
 * finished per minute are the growth between two readings, counted in the minute of the later one. Readings happen
 * whenever the gauge is collected (each /metrics scrape, each monitoring summary, and the API's own sampler every
 * METRICS_REFRESH_MS), so the history starts when the process does.
 */
export class OrderCountHistory {
  private readonly samples: CountSample[] = [];

  /** Records a reading of the order counts by status. */
  record(atMs: number, byStatus: Readonly<Record<string, number>>): void {
    const orders = Object.values(byStatus).reduce((sum, count) => sum + count, 0);
    const finished = FINAL_STATUSES.reduce((sum, status) => sum + (byStatus[status] ?? 0), 0);
    const last = this.samples.at(-1);
    if (last && atMs < last.atMs) return;
    if (last && this.samples.length > 1 && atMs - this.samples.at(-2)!.atMs < MIN_SAMPLE_GAP_MS) this.samples.pop();
    this.samples.push({ atMs, orders, finished });
    const horizon = atMs - (THROUGHPUT_MINUTES + 1) * MINUTE_MS;
    while (this.samples.length > 2 && this.samples[1]!.atMs < horizon) this.samples.shift();
  }

  /** When the oldest reading kept was taken; undefined before the first. */
  get since(): number | undefined {
    return this.samples[0]?.atMs;
  }

  /** Orders placed and finished per minute over the last {@link THROUGHPUT_MINUTES} minutes, oldest first. */
  throughput(nowMs: number): { minute: string; placed: number; closed: number }[] {
    const end = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    const start = end - THROUGHPUT_MINUTES * MINUTE_MS;
    const buckets = Array.from({ length: THROUGHPUT_MINUTES }, (_, index) => ({
      minute: new Date(start + index * MINUTE_MS).toISOString(),
      placed: 0,
      closed: 0,
    }));
    for (let i = 1; i < this.samples.length; i += 1) {
      const before = this.samples[i - 1]!;
      const after = this.samples[i]!;
      if (after.atMs < start || after.atMs >= end) continue;
      const bucket = buckets[Math.floor((after.atMs - start) / MINUTE_MS)]!;
      bucket.placed += Math.max(0, after.orders - before.orders);
      bucket.closed += Math.max(0, after.finished - before.finished);
    }
    return buckets;
  }
}

/** One source of metrics as the summary reports it. */
export interface SourceState {
  name: 'api' | 'worker' | 'gateway';
  state: 'up' | 'unreachable' | 'not_configured';
  error?: string;
}

function sourceState(name: SourceState['name'], scrape: Scrape): SourceState {
  if (scrape.state === 'unreachable') return { name, state: scrape.state, error: scrape.error };
  return { name, state: scrape.state };
}

function latency(samples: readonly Sample[], role: string) {
  const count = sumOf(samples, 'settleflow_party_answer_seconds_count', { role }) ?? 0;
  const ms = (q: number) => {
    const seconds = histogramQuantile(samples, 'settleflow_party_answer_seconds', q, { role });
    return seconds === undefined ? null : Math.round(seconds * 1000);
  };
  return { count, p50Ms: ms(0.5), p99Ms: ms(0.99) };
}

function payments(samples: readonly Sample[]) {
  const outcome = (name: string) => sumOf(samples, 'settleflow_payments_total', { outcome: name }) ?? 0;
  const captured = outcome('CAPTURED');
  const authorized = outcome('AUTHORIZED');
  const declined = outcome('DECLINED');
  const approved = captured + authorized;
  const reasons = new Map<string, number>();
  for (const sample of samplesOf(samples, 'settleflow_payments_total', { outcome: 'DECLINED' })) {
    const code = sample.labels.decline_code ?? 'none';
    reasons.set(code, (reasons.get(code) ?? 0) + sample.value);
  }
  return {
    captured,
    authorized,
    declined,
    unknown: outcome('UNKNOWN'),
    approvalRate: approved + declined === 0 ? null : approved / (approved + declined),
    declineReasons: [...reasons]
      .filter(([, count]) => count > 0)
      .map(([code, count]) => ({ code, count }))
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
  };
}

function timestamp(samples: readonly Sample[], name: string): string | null {
  const seconds = sumOf(samples, name);
  return seconds === undefined || seconds <= 0 ? null : new Date(seconds * 1000).toISOString();
}

/** The bank link as the gateway worker's gauges say, or `unknown` (every field null) when they could not be read. */
export function bankLinkFrom(scrape: Scrape) {
  if (scrape.state !== 'up' || sumOf(scrape.samples, 'settleflow_bank_link_up') === undefined) {
    return {
      state: 'unknown' as const,
      connection: null,
      signedOn: null,
      signedOnAt: null,
      lastEchoAt: null,
      inFlight: null,
      reversalsPending: null,
    };
  }
  const samples = scrape.samples;
  const current = samplesOf(samples, 'settleflow_bank_link_state').find((sample) => sample.value === 1);
  return {
    state: sumOf(samples, 'settleflow_bank_link_up') === 1 ? ('up' as const) : ('down' as const),
    connection: current?.labels.state ?? null,
    signedOn: sumOf(samples, 'settleflow_bank_link_signed_on') === 1,
    signedOnAt: timestamp(samples, 'settleflow_bank_link_signed_on_timestamp_seconds'),
    lastEchoAt: timestamp(samples, 'settleflow_bank_link_last_echo_timestamp_seconds'),
    inFlight: sumOf(samples, 'settleflow_bank_link_in_flight') ?? null,
    reversalsPending: sumOf(samples, 'settleflow_bank_reversals_pending') ?? null,
  };
}

/** Webhook delivery attempts by outcome from the order worker's counter, or null when it could not be read. */
function webhookAttemptsFrom(scrape: Scrape) {
  if (scrape.state !== 'up') return null;
  const outcome = (name: string) => sumOf(scrape.samples, 'settleflow_webhook_attempts_total', { outcome: name }) ?? 0;
  return { delivered: outcome('delivered'), retry: outcome('retry'), failed: outcome('failed') };
}

/** The monitoring summary from the API's samples, the workers' scrapes and the order count history. */
export function summarizeMetrics(input: {
  api: readonly Sample[];
  worker: Scrape;
  gateway: Scrape;
  history: OrderCountHistory;
  now: Date;
}) {
  const { api, history, now } = input;
  const since = history.since;
  return {
    generatedAt: now.toISOString(),
    sources: [
      { name: 'api' as const, state: 'up' as const },
      sourceState('worker', input.worker),
      sourceState('gateway', input.gateway),
    ],
    byStatus: ORDER_STATUSES.map((status) => ({
      status,
      count: sumOf(api, 'settleflow_orders', { status }) ?? null,
    })),
    throughput: history.throughput(now.getTime()),
    throughputSince: since === undefined ? null : new Date(since).toISOString(),
    payments: payments(api),
    answerLatency: { supplier: latency(api, 'supplier'), carrier: latency(api, 'carrier') },
    bankLink: bankLinkFrom(input.gateway),
    webhookAttempts: webhookAttemptsFrom(input.worker),
  };
}
