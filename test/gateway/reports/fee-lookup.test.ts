// The reports' fee lookup without servers: the settlement fee schedule version in force at each payment's time (the
// seller's own before the default `*`, per method), the settings' fee where none is in force, and the clearing
// statistics pricing each payment by the version in force at its own creation (two payments of one seller, method and
// currency on either side of a new version get different fees). Fees worked out by hand.

import type { ClearingPayment } from '../../../src/gateway/reports/clearing-statistics';
import { ClearingStatistics } from '../../../src/gateway/reports/clearing-statistics';
import { feeScheduleLookup } from '../../../src/gateway/reports/fee-lookup';
import type { FeeScheduleVersion } from '../../../src/gateway/settlement/fees';

const VERSIONS: FeeScheduleVersion[] = [
  {
    sellerId: 'seller-a',
    currency: 'EUR',
    effectiveFrom: '2026-01-01T00:00:00Z',
    version: 1,
    default: { bps: 100, fixedMinor: 10 },
    methods: { echeck: { bps: 20, fixedMinor: 0 } },
  },
  {
    sellerId: 'seller-a',
    currency: 'EUR',
    effectiveFrom: '2026-06-01T00:00:00Z',
    version: 2,
    default: { bps: 300, fixedMinor: 0 },
    methods: {},
  },
  {
    sellerId: '*',
    currency: 'JPY',
    effectiveFrom: '2026-01-01T00:00:00Z',
    version: 1,
    default: { bps: 250, fixedMinor: 30 },
    methods: {},
  },
];
const SETTINGS_FEE = { bps: 150, fixedMinor: 25 };

describe('fee lookup', () => {
  const feeOf = feeScheduleLookup(VERSIONS, () => SETTINGS_FEE);

  test('versions › before, between and after effectiveFrom › none (settings), v1, v2', () => {
    expect(feeOf('seller-a', 'card', 'EUR', new Date('2025-12-31T23:59:59Z'))).toEqual(SETTINGS_FEE);
    expect(feeOf('seller-a', 'card', 'EUR', new Date('2026-03-01T00:00:00Z'))).toEqual({ bps: 100, fixedMinor: 10 });
    expect(feeOf('seller-a', 'card', 'EUR', new Date('2026-06-01T00:00:00Z'))).toEqual({ bps: 300, fixedMinor: 0 });
  });

  test('methods and owners › an e-check under v1, another seller in JPY › the method’s rule, the default `*`', () => {
    expect(feeOf('seller-a', 'echeck', 'EUR', new Date('2026-03-01T00:00:00Z'))).toEqual({ bps: 20, fixedMinor: 0 });
    expect(feeOf('seller-b', 'card', 'JPY', new Date('2026-03-01T00:00:00Z'))).toEqual({ bps: 250, fixedMinor: 30 });
    expect(feeOf('seller-b', 'card', 'EUR', new Date('2026-03-01T00:00:00Z'))).toEqual(SETTINGS_FEE);
  });

  test('clearing statistics › one seller’s card EUR payments either side of v2 › each priced by its own version', () => {
    const payment = (id: string, at: string): ClearingPayment => ({
      _id: id,
      orderId: `ord-${id}`,
      sellerId: 'seller-a',
      status: 'succeeded',
      amount: { amount: 10_000, currency: 'EUR' },
      authorizedMinor: 10_000,
      capturedMinor: 10_000,
      refundedMinor: 0,
      createdAt: new Date(at),
    });
    // A version 3 from 00:30 on 2026-07-01: that day's payment at 00:00 is under v2, the one at 01:00 under v3.
    const split = feeScheduleLookup(
      [
        ...VERSIONS,
        { ...VERSIONS[1]!, effectiveFrom: '2026-07-01T00:30:00Z', version: 3, default: { bps: 50, fixedMinor: 5 } },
      ],
      () => SETTINGS_FEE,
    );
    const day = new ClearingStatistics(split);
    day.add(payment('p1', '2026-07-01T00:00:00Z'));
    day.add(payment('p2', '2026-07-01T01:00:00Z'));
    const statistics = new ClearingStatistics(feeOf);
    statistics.add(payment('p3', '2026-03-01T12:00:00Z'));

    // p1 under v2: 10 000 × 3 % = 300; p2 under v3: 10 000 × 0.5 % + 5 = 55.
    expect(day.rows().map((row) => [row.day, row.capturedMinor, row.feesMinor, row.netMinor])).toEqual([
      ['2026-07-01', 20_000, 355, 19_645],
    ]);
    // p3 under v1: 10 000 × 1 % + 10 = 110.
    expect(statistics.rows().map((row) => row.feesMinor)).toEqual([110]);
  });
});
