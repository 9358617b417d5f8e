// Prometheus metrics (prom-client) of the API and the workers, each process with a registry of its own (tests run
// several apps in one process). Labels are bounded sets only (route templates, update names, status codes, error
// codes, activity types): never an order id, a party id or anything a caller chose freely.

import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { OrderView } from '../domain/order';
import type { BankConnectionStats } from '../gateway/bank-connector/bank-connection';
import type { Logger } from './logger';
import { OrderCountHistory } from './monitoring-summary';

/** Latency buckets in seconds, from a cached read (5 ms) to an Update that waits for the bank (30 s). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** How long parties take to answer, in seconds: from a machine's 100 ms to a person's day. */
const PARTY_ANSWER_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];

/** A label value from free text: kept when it looks like a code (`card_declined`, `51`), else `other`. */
export function codeLabel(value: string | undefined, fallback = 'none'): string {
  if (value === undefined || value === '') return fallback;
  return /^[A-Za-z0-9_.-]{1,40}$/.test(value) ? value : 'other';
}

/** Counts in the read model, by a bounded set of values, refreshed at most every `refreshMs`. */
export interface ReadModelCounts {
  /** Orders by status. */
  ordersByStatus(): Promise<Record<string, number>>;
  /** Webhook deliveries by state. */
  webhookDeliveriesByState(): Promise<Record<string, number>>;
}

/** The API's metrics. */
export interface ApiMetrics {
  registry: Registry;
  /** `settleflow_http_request_duration_seconds{method,route,status}`. */
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** `settleflow_order_update_duration_seconds{update,outcome}`: outcome `ok` or the answer's error code. */
  updateDuration: Histogram<'update' | 'outcome'>;
  /** `settleflow_payments_total{method,outcome,decline_code}`: outcome CAPTURED, DECLINED or UNKNOWN. */
  payments: Counter<'method' | 'outcome' | 'decline_code'>;
  /** `settleflow_party_answer_seconds{role}`: supplier or carrier, from its inquiry to its answer. */
  partyAnswer: Histogram<'role'>;
  /** Each reading of `settleflow_orders`, for the monitoring summary's throughput. */
  orderHistory: OrderCountHistory;
}

/** Remembers an async value for `ttlMs`; a failed refresh keeps the last value (and says so once per failure). */
function throttled<T>(load: () => Promise<T>, ttlMs: number, onError: (error: unknown) => void) {
  let value: T | undefined;
  let loadedAt = -Infinity;
  let loading: Promise<T | undefined> | undefined;
  return async (): Promise<T | undefined> => {
    if (Date.now() - loadedAt < ttlMs) return value;
    loading ??= load()
      .then((loaded) => {
        value = loaded;
        loadedAt = Date.now();
        return value;
      })
      .catch((error: unknown) => {
        onError(error);
        return value;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };
}

/**
 * Creates the API's registry: HTTP, Update, payment and party answer metrics, the process's default metrics, and two
 * gauges read from the read model when scraped (at most every `refreshMs`): `settleflow_orders{status}` (each reading
 * also kept in `orderHistory`) and `settleflow_webhook_deliveries{state}`.
 */
export function createApiMetrics(counts: ReadModelCounts, options: { refreshMs: number; logger: Logger }): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'settleflow_api_' });
  const warn = (what: string) => (error: unknown) =>
    options.logger.warn({ err: error }, `metrics: counting ${what} in the read model failed`);
  const orders = throttled(() => counts.ordersByStatus(), options.refreshMs, warn('orders'));
  const deliveries = throttled(() => counts.webhookDeliveriesByState(), options.refreshMs, warn('webhook deliveries'));
  const orderHistory = new OrderCountHistory();
  new Gauge({
    name: 'settleflow_orders',
    help: 'Orders in the read model by status (refreshed at most every METRICS_REFRESH_MS)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const byStatus = await orders();
      if (!byStatus) return;
      orderHistory.record(Date.now(), byStatus);
      for (const [status, count] of Object.entries(byStatus)) this.set({ status }, count);
    },
  });
  new Gauge({
    name: 'settleflow_webhook_deliveries',
    help: 'Webhook deliveries in the read model by state (refreshed at most every METRICS_REFRESH_MS)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const byState = await deliveries();
      if (!byState) return;
      for (const [state, count] of Object.entries(byState)) this.set({ state }, count);
    },
  });
  return {
    registry,
    orderHistory,
    httpDuration: new Histogram({
      name: 'settleflow_http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    updateDuration: new Histogram({
      name: 'settleflow_order_update_duration_seconds',
      help: "Updates sent to orders' workflows by update name and outcome (ok or the error code)",
      labelNames: ['update', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    payments: new Counter({
      name: 'settleflow_payments_total',
      help: 'Payment notifications answered, by method, outcome and the bank decline code',
      labelNames: ['method', 'outcome', 'decline_code'],
      registers: [registry],
    }),
    partyAnswer: new Histogram({
      name: 'settleflow_party_answer_seconds',
      help: 'How long suppliers and carriers took from their inquiry to their answer, by role',
      labelNames: ['role'],
      buckets: PARTY_ANSWER_BUCKETS,
      registers: [registry],
    }),
  };
}

/**
 * Observes how long a party took to answer, from the order as it is after its answer: a supplier from step 2 (the
 * inquiry) to step 3 (its answer), a carrier from step 4 (the transport inquiry) to its quote. Nothing when the
 * order lacks either time (a negative or missing span is never observed).
 */
export function observePartyAnswer(
  metrics: Pick<ApiMetrics, 'partyAnswer'>,
  order: Partial<Pick<OrderView, 'timeline' | 'quotes'>>,
  answer: { role: 'supplier' } | { role: 'carrier'; carrierId: string },
): void {
  const stepAt = (step: number) => {
    const entry = order.timeline?.find((item) => item.step === step);
    return entry ? Date.parse(entry.at) : NaN;
  };
  const asked = stepAt(answer.role === 'supplier' ? 2 : 4);
  const answered =
    answer.role === 'supplier'
      ? stepAt(3)
      : Date.parse(order.quotes?.find((quote) => quote.carrierId === answer.carrierId)?.answeredAt ?? '');
  const seconds = (answered - asked) / 1000;
  if (Number.isFinite(seconds) && seconds >= 0) metrics.partyAnswer.observe({ role: answer.role }, seconds);
}

/** The worker's metrics. */
export interface WorkerMetrics {
  registry: Registry;
  /** `settleflow_activity_duration_seconds{activity,outcome}`: outcome `completed` or `failed`. */
  activityDuration: Histogram<'activity' | 'outcome'>;
  /** `settleflow_bank_payments_total{outcome,decline_code}`: what collectPayment got from the bank. */
  bankPayments: Counter<'outcome' | 'decline_code'>;
  /** `settleflow_webhook_attempts_total{outcome}`: delivered, retry or failed. */
  webhookAttempts: Counter<'outcome'>;
}

/** `settleflow_activity_duration_seconds{activity,outcome}` in `registry`: the same in the order and gateway workers. */
function activityDurationHistogram(registry: Registry): Histogram<'activity' | 'outcome'> {
  return new Histogram({
    name: 'settleflow_activity_duration_seconds',
    help: 'Activity executions by activity type and outcome (completed or failed, per attempt)',
    labelNames: ['activity', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
}

/** Creates a worker's registry: activity counts and latency, payments and webhook attempts, process metrics. */
export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'settleflow_worker_' });
  return {
    registry,
    activityDuration: activityDurationHistogram(registry),
    bankPayments: new Counter({
      name: 'settleflow_bank_payments_total',
      help: "Payment collections at the bank by outcome (the gateway's status) and decline code",
      labelNames: ['outcome', 'decline_code'],
      registers: [registry],
    }),
    webhookAttempts: new Counter({
      name: 'settleflow_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome (delivered, retry, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}

/** The gateway worker's activity metrics (beside the bank link's gauges in the same registry). */
export interface GatewayActivityMetrics {
  /** `settleflow_activity_duration_seconds{activity,outcome}`, as the order worker's. */
  activityDuration: Histogram<'activity' | 'outcome'>;
  /**
   * `settleflow_gateway_payments_total{method,operation,outcome,decline_code}`: every payment operation the gateway
   * answered, by method (card, echeck, ecash, micropayment), operation (authorize, capture, void, refund, settle,
   * top_up, charge), the payment's status after it and the decline code.
   */
  gatewayPayments: Counter<'method' | 'operation' | 'outcome' | 'decline_code'>;
}

/** The bank link's states as the gateway's connection reports them. */
const BANK_LINK_STATES: readonly BankConnectionStats['state'][] = [
  'connecting',
  'signing_on',
  'ready',
  'backing_off',
  'closed',
];

/**
 * Creates the gateway worker's registry: its process metrics and the bank link's state, read from the connection
 * when scraped: `settleflow_bank_link_up` (TCP connected), `settleflow_bank_link_signed_on`,
 * `settleflow_bank_link_state{state}` (1 for the current state), `settleflow_bank_link_in_flight`,
 * `settleflow_bank_link_last_echo_timestamp_seconds` and `settleflow_bank_link_signed_on_timestamp_seconds` (0:
 * never), and `settleflow_bank_reversals_pending` (counted in the database at most every `refreshMs`; the last count
 * stays when counting fails).
 */
export function createGatewayMetrics(options: {
  link: () => BankConnectionStats;
  reversalsPending: () => Promise<number>;
  refreshMs: number;
  logger: Logger;
}): { registry: Registry; activities: GatewayActivityMetrics } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'settleflow_gateway_' });
  const activities: GatewayActivityMetrics = {
    activityDuration: activityDurationHistogram(registry),
    gatewayPayments: new Counter({
      name: 'settleflow_gateway_payments_total',
      help: "Payment operations the gateway answered, by method, operation, the payment's status after it and decline code",
      labelNames: ['method', 'operation', 'outcome', 'decline_code'],
      registers: [registry],
    }),
  };
  const link = options.link;
  const gauge = (name: string, help: string, read: (stats: BankConnectionStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(link()));
      },
    });
  gauge('settleflow_bank_link_up', 'Whether the TCP connection to the bank host is up (1) or not (0)', (stats) =>
    stats.state === 'ready' || stats.state === 'signing_on' ? 1 : 0,
  );
  gauge(
    'settleflow_bank_link_signed_on',
    'Whether the gateway is signed on at the bank host (1) or not (0)',
    (stats) => (stats.state === 'ready' ? 1 : 0),
  );
  gauge(
    'settleflow_bank_link_in_flight',
    'Requests sent to the bank host and waiting for their answer',
    (stats) => stats.inFlight,
  );
  gauge(
    'settleflow_bank_link_last_echo_timestamp_seconds',
    'When the bank host last answered an echo (0800, 70=301), Unix seconds; 0 when never',
    (stats) => stats.lastEchoAtMs / 1000,
  );
  gauge(
    'settleflow_bank_link_signed_on_timestamp_seconds',
    'When the gateway last signed on at the bank host, Unix seconds; 0 when never',
    (stats) => stats.signedOnAtMs / 1000,
  );
  new Gauge({
    name: 'settleflow_bank_link_state',
    help: "The bank link's state: 1 for the current one (connecting, signing_on, ready, backing_off, closed)",
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const current = link().state;
      for (const state of BANK_LINK_STATES) this.set({ state }, state === current ? 1 : 0);
    },
  });
  const pending = throttled(options.reversalsPending, options.refreshMs, (error) =>
    options.logger.warn({ err: error }, 'metrics: counting pending reversals failed'),
  );
  new Gauge({
    name: 'settleflow_bank_reversals_pending',
    help: 'Reversals (0420) waiting for the bank host to acknowledge them (refreshed at most every METRICS_REFRESH_MS)',
    registers: [registry],
    async collect() {
      const count = await pending();
      if (count !== undefined) this.set(count);
    },
  });
  return { registry, activities };
}

/**
 * Whether a scrape may read the metrics: always without a token; with one, only `Authorization: Bearer <token>`
 * (compared in constant time).
 */
export function metricsTokenMatches(token: string | undefined, authorization: string | undefined): boolean {
  if (token === undefined) return true;
  const match = /^Bearer (.+)$/.exec(authorization ?? '');
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1]);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A running metrics server. */
export interface MetricsServer {
  /** The port it listens on (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

/** How long the worker's metrics server waits for the Temporal SDK's own metrics before answering without them. */
const MERGED_SCRAPE_TIMEOUT_MS = 2000;

/**
 * The text of another Prometheus endpoint (the Temporal SDK's, on loopback), or a comment saying it is missing:
 * a scrape never fails because of it.
 */
export async function scrapeText(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(MERGED_SCRAPE_TIMEOUT_MS) });
    if (!response.ok) return `# ${url} answered ${response.status}\n`;
    return await response.text();
  } catch {
    return `# ${url} did not answer\n`;
  }
}

/**
 * Serves `GET /metrics` of a registry on its own HTTP server (the workers have no other), followed by `merged`'s
 * text when given (the Temporal SDK's metrics): 401 without the token when one is set, 404 for any other path.
 */
export async function serveMetrics(
  registry: Registry,
  options: { host: string; port: number; token: string | undefined; logger: Logger; merged?: () => Promise<string> },
): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (!metricsTokenMatches(options.token, req.headers.authorization)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('unauthorized\n');
      return;
    }
    Promise.all([registry.metrics(), options.merged ? options.merged() : Promise.resolve('')]).then(
      ([own, merged]) => res.writeHead(200, { 'content-type': registry.contentType }).end(own + merged),
      (error: unknown) => {
        options.logger.error({ err: error }, 'metrics: collecting failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
