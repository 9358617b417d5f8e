// The console's pure computations, without servers: percentiles and the monitoring summary of a window of orders,
// and the settings diff that the audit trail records.

import { percentile, summarize } from '../../src/api/console-monitoring-router';
import { diffSettings, effectiveSettings } from '../../src/persistence/settings-store';
import { loadConfig } from '../../src/config';

const at = (iso: string) => new Date(iso).toISOString();

describe('monitoring summary', () => {
  test('percentile › nearest rank › p50 and p99 of 1..100 are 50 and 99; none for no values', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeUndefined();
  });

  test('summarize › a payment authorized, not yet captured › counts as approved, never as declined', () => {
    const summary = summarize(
      [
        {
          orderId: 'c',
          status: 'IN_DELIVERY',
          placedAt: at('2026-11-27T10:29:10Z'),
          timeline: [],
          payments: [{ status: 'DECLINED', declineCode: 'do_not_honor' }, { status: 'AUTHORIZED' }],
        },
      ],
      new Date('2026-11-27T10:30:30Z'),
    );
    expect(summary.payments).toEqual({
      captured: 1,
      declined: 1,
      unknown: 0,
      approvalRate: 0.5,
      declineReasons: [{ code: 'do_not_honor', count: 1 }],
    });
  });

  test('summarize › a window of orders › counts placed and closed per minute, approval, declines and answer times', () => {
    const now = new Date('2026-11-27T10:30:30Z');
    const summary = summarize(
      [
        {
          orderId: 'a',
          status: 'CLOSED',
          placedAt: at('2026-11-27T10:29:10Z'),
          timeline: [
            { step: 2, name: 'SUPPLIER_INQUIRY', actor: 's', at: at('2026-11-27T10:29:10Z'), outcome: '' },
            { step: 3, name: 'SUPPLIER_ANSWER', actor: 's', at: at('2026-11-27T10:29:12Z'), outcome: '' },
            { step: 4, name: 'TRANSPORT_INQUIRY', actor: 's', at: at('2026-11-27T10:29:12Z'), outcome: '' },
            { step: 10, name: 'DEAL_CLOSED', actor: 'g', at: at('2026-11-27T10:30:05Z'), outcome: '' },
          ],
          payments: [{ status: 'DECLINED', declineCode: 'insufficient_funds' }, { status: 'CAPTURED' }],
          quotes: [{ answeredAt: at('2026-11-27T10:29:13Z') }, { answeredAt: at('2026-11-27T10:29:17Z') }],
        },
        {
          orderId: 'b',
          status: 'CANCELLED',
          placedAt: at('2026-11-27T08:00:00Z'),
          timeline: [],
          payments: [{ status: 'DECLINED', declineCode: 'insufficient_funds' }, { status: 'UNKNOWN' }],
        },
      ],
      now,
    );

    expect(summary.windowOrders).toBe(2);
    expect(summary.throughput).toHaveLength(60);
    expect(summary.throughput.at(-1)).toEqual({ minute: '2026-11-27T10:30:00.000Z', placed: 0, closed: 1 });
    expect(summary.throughput.at(-2)).toEqual({ minute: '2026-11-27T10:29:00.000Z', placed: 1, closed: 0 });
    expect(summary.throughput.reduce((sum, bucket) => sum + bucket.placed, 0)).toBe(1);
    expect(summary.payments).toEqual({
      captured: 1,
      declined: 2,
      unknown: 1,
      approvalRate: 1 / 3,
      declineReasons: [{ code: 'insufficient_funds', count: 2 }],
    });
    expect(summary.answerLatency.supplier).toEqual({ count: 1, p50Ms: 2000, p99Ms: 2000 });
    expect(summary.answerLatency.carrier).toEqual({ count: 2, p50Ms: 1000, p99Ms: 5000 });
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
