// The console's pure computations, without servers: percentiles and the monitoring summary of a window of orders,
// and the settings diff that the audit trail records.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OrderCountHistory, bankLinkFrom, summarizeMetrics } from '../../src/observability/monitoring-summary';
import { histogramQuantile, parsePrometheusText, scrapeMetrics } from '../../src/observability/prometheus-samples';
import { diffSettings, effectiveSettings } from '../../src/persistence/settings-store';
import { loadConfig } from '../../src/config';

const minute = (iso: string) => new Date(iso).getTime();

/** A registry shaped like the API's, with the values a test sets. */
async function apiSamples(
  set: (metrics: { orders: Gauge<'status'>; payments: Counter<string>; answers: Histogram<'role'> }) => void,
) {
  const registry = new Registry();
  const orders = new Gauge({ name: 'settleflow_orders', help: 'x', labelNames: ['status'], registers: [registry] });
  const payments = new Counter({
    name: 'settleflow_payments_total',
    help: 'x',
    labelNames: ['method', 'outcome', 'decline_code'],
    registers: [registry],
  });
  const answers = new Histogram({
    name: 'settleflow_party_answer_seconds',
    help: 'x',
    labelNames: ['role'],
    buckets: [0.1, 0.5, 1, 5, 15, 60],
    registers: [registry],
  });
  set({ orders, payments, answers });
  return parsePrometheusText(await registry.metrics());
}

describe('prometheus samples', () => {
  test('parsePrometheusText › prom-client output with escaped labels › every sample with its labels and value', () => {
    const samples = parsePrometheusText(
      [
        '# HELP x_total a counter',
        '# TYPE x_total counter',
        'x_total{code="a\\"b",route="/v1/orders"} 3',
        'y_bucket{le="+Inf",role="supplier"} 2',
        'z 1.5e3 1700000000000',
        'not a sample line at all {',
      ].join('\n'),
    );

    expect(samples).toEqual([
      { name: 'x_total', labels: { code: 'a"b', route: '/v1/orders' }, value: 3 },
      { name: 'y_bucket', labels: { le: '+Inf', role: 'supplier' }, value: 2 },
      { name: 'z', labels: {}, value: 1500 },
    ]);
  });

  test('histogramQuantile › observations in known buckets › interpolates like histogram_quantile; none is undefined', async () => {
    const samples = await apiSamples(({ answers }) => {
      for (let i = 0; i < 50; i += 1) answers.observe({ role: 'supplier' }, 0.05);
      for (let i = 0; i < 50; i += 1) answers.observe({ role: 'supplier' }, 3);
      answers.observe({ role: 'carrier' }, 1000);
    });

    expect(histogramQuantile(samples, 'settleflow_party_answer_seconds', 0.5, { role: 'supplier' })).toBeCloseTo(0.1);
    expect(histogramQuantile(samples, 'settleflow_party_answer_seconds', 0.99, { role: 'supplier' })).toBeCloseTo(
      1 + (4 * 49) / 50,
    );
    expect(histogramQuantile(samples, 'settleflow_party_answer_seconds', 0.5, { role: 'carrier' })).toBe(60);
    expect(histogramQuantile(samples, 'settleflow_party_answer_seconds', 0.5, { role: 'nobody' })).toBeUndefined();
  });

  test('scrapeMetrics › nothing listens on the port › unreachable with the reason, never a throw', async () => {
    const scrape = await scrapeMetrics('http://127.0.0.1:9/metrics', { timeoutMs: 2000 });

    expect(scrape.state).toBe('unreachable');
    expect(await scrapeMetrics(undefined, { timeoutMs: 2000 })).toEqual({ state: 'not_configured' });
  });
});

describe('monitoring summary', () => {
  test('OrderCountHistory › readings of the order counts › growth per minute in the minute of the later reading', () => {
    const history = new OrderCountHistory();
    history.record(minute('2026-11-27T10:28:10Z'), { PLACED: 1, CLOSED: 4 });
    history.record(minute('2026-11-27T10:29:10Z'), { PLACED: 3, CLOSED: 4, CANCELLED: 1 });
    history.record(minute('2026-11-27T10:30:05Z'), { AWAITING_SUPPLIER: 3, CLOSED: 6, CANCELLED: 1 });
    history.record(minute('2026-11-27T10:30:05.5Z'), { AWAITING_SUPPLIER: 4, CLOSED: 6, CANCELLED: 1 });

    const buckets = history.throughput(minute('2026-11-27T10:30:30Z'));
    expect(buckets).toHaveLength(60);
    expect(buckets.at(-1)).toEqual({ minute: '2026-11-27T10:30:00.000Z', placed: 3, closed: 2 });
    expect(buckets.at(-2)).toEqual({ minute: '2026-11-27T10:29:00.000Z', placed: 3, closed: 1 });
    expect(buckets.at(-3)).toEqual({ minute: '2026-11-27T10:28:00.000Z', placed: 0, closed: 0 });
    expect(history.since).toBe(minute('2026-11-27T10:28:10Z'));
  });

  test('summarizeMetrics › API metrics and an unreachable gateway › counts, approval, answer times; the bank link unknown', async () => {
    const api = await apiSamples(({ orders, payments, answers }) => {
      orders.set({ status: 'AWAITING_SUPPLIER' }, 2);
      orders.set({ status: 'CLOSED' }, 5);
      payments.inc({ method: 'card', outcome: 'CAPTURED', decline_code: 'none' }, 3);
      payments.inc({ method: 'card', outcome: 'DECLINED', decline_code: 'insufficient_funds' });
      payments.inc({ method: 'card', outcome: 'UNKNOWN', decline_code: 'none' });
      answers.observe({ role: 'supplier' }, 2);
    });
    const summary = summarizeMetrics({
      api,
      worker: { state: 'not_configured' },
      gateway: { state: 'unreachable', error: 'ECONNREFUSED' },
      history: new OrderCountHistory(),
      now: new Date('2026-11-27T10:30:30Z'),
    });

    expect(summary.byStatus.find((row) => row.status === 'AWAITING_SUPPLIER')?.count).toBe(2);
    expect(summary.byStatus.find((row) => row.status === 'CLOSED')?.count).toBe(5);
    expect(summary.byStatus.find((row) => row.status === 'DISPUTED')?.count).toBeNull();
    expect(summary.payments).toEqual({
      captured: 3,
      authorized: 0,
      declined: 1,
      unknown: 1,
      approvalRate: 0.75,
      declineReasons: [{ code: 'insufficient_funds', count: 1 }],
    });
    expect(summary.answerLatency.supplier).toEqual({ count: 1, p50Ms: 3000, p99Ms: 4960 });
    expect(summary.answerLatency.carrier).toEqual({ count: 0, p50Ms: null, p99Ms: null });
    expect(summary.bankLink.state).toBe('unknown');
    expect(summary.bankLink.signedOn).toBeNull();
    expect(summary.sources).toEqual([
      { name: 'api', state: 'up' },
      { name: 'worker', state: 'not_configured' },
      { name: 'gateway', state: 'unreachable', error: 'ECONNREFUSED' },
    ]);
    expect(summary.webhookAttempts).toBeNull();
  });

  test('bankLinkFrom › the gateway gauges › up, signed on, last echo, in flight and reversals pending', () => {
    const samples = parsePrometheusText(
      [
        'settleflow_bank_link_up 1',
        'settleflow_bank_link_signed_on 1',
        'settleflow_bank_link_state{state="connecting"} 0',
        'settleflow_bank_link_state{state="ready"} 1',
        'settleflow_bank_link_in_flight 2',
        'settleflow_bank_link_last_echo_timestamp_seconds 0',
        'settleflow_bank_link_signed_on_timestamp_seconds 1795775400',
        'settleflow_bank_reversals_pending 1',
      ].join('\n'),
    );

    expect(bankLinkFrom({ state: 'up', samples })).toEqual({
      state: 'up',
      connection: 'ready',
      signedOn: true,
      signedOnAt: '2026-11-27T10:30:00.000Z',
      lastEchoAt: null,
      inFlight: 2,
      reversalsPending: 1,
    });
    expect(bankLinkFrom({ state: 'up', samples: [] }).state).toBe('unknown');
  });
});

describe('settings', () => {
  test('diffSettings › set, changed and removed leaves › one change each with from and to', () => {
    const changes = diffSettings(
      { defaultDeadlines: { paymentMs: 60_000 }, paymentMaxAttempts: 3, sellers: { s1: { capture: 'IMMEDIATE' } } },
      {
        defaultDeadlines: { paymentMs: 120_000 },
        gatewayFee: { bps: 200, fixedMinor: 0 },
        sellers: { s1: { capture: 'IMMEDIATE' } },
      },
    );

    expect(changes).toEqual([
      { path: 'defaultDeadlines.paymentMs', from: 60_000, to: 120_000 },
      { path: 'gatewayFee.bps', to: 200 },
      { path: 'gatewayFee.fixedMinor', to: 0 },
      { path: 'paymentMaxAttempts', from: 3 },
    ]);
  });

  test('effectiveSettings › a seller with its own fee › gets it; others get the stored or configured fee', () => {
    const config = loadConfig({});
    const stored = {
      defaultDeadlines: { supplierAnswerMs: 5000 },
      gatewayFee: { bps: 90, fixedMinor: 5 },
      sellers: { s1: { fee: { bps: 10, fixedMinor: 0 } } },
    };

    expect(effectiveSettings(config, stored, 's1').gatewayFee).toEqual({ bps: 10, fixedMinor: 0 });
    expect(effectiveSettings(config, stored, 's2').gatewayFee).toEqual({ bps: 90, fixedMinor: 5 });
    expect(effectiveSettings(config, { defaultDeadlines: {}, sellers: {} }).gatewayFee).toEqual(config.gatewayFee);
    expect(effectiveSettings(config, stored).defaultDeadlines).toEqual({
      ...config.defaultDeadlines,
      supplierAnswerMs: 5000,
    });
  });
});
