// Fee arithmetic of settlement batches, pure: basis points rounded half up to the currency's minor unit plus the
// fixed part, in a zero-decimal currency (JPY) and a three-decimal one (KWD), never above the gross; the schedule
// version in force at a cut-off; payout totals in integers. No servers.

import fc from 'fast-check';
import type { FeeScheduleVersion } from '../../src/gateway/settlement/fees';
import { feeMinor, payoutTotals, ruleFor, scheduleInForce } from '../../src/gateway/settlement/fees';

describe('settlement fees', () => {
  it('fee › JPY (no decimals) › 2.5 % of ¥12,345 is ¥308.625, rounded half up to ¥309, plus ¥30', () => {
    expect(feeMinor(12_345, { bps: 250, fixedMinor: 30 })).toBe(339);
  });

  it('fee › JPY exactly half a yen › rounds up (¥1,002 × 0.5 % = ¥5.01; ¥100 × 1.5 % = ¥1.5 → ¥2)', () => {
    expect([feeMinor(100, { bps: 150, fixedMinor: 0 }), feeMinor(1_002, { bps: 50, fixedMinor: 0 })]).toEqual([2, 5]);
  });

  it('fee › KWD (three decimals) › 2.5 % of KD 1,234.567 is KD 30.864175 → 30.864, plus KD 0.100', () => {
    expect(feeMinor(1_234_567, { bps: 250, fixedMinor: 100 })).toBe(30_964);
  });

  it('fee › KWD half a fils › rounds up (KD 0.100 × 0.5 % = 0.5 fils → 1 fils)', () => {
    expect(feeMinor(100, { bps: 50, fixedMinor: 0 })).toBe(1);
  });

  it('fee › a fixed part above the gross › the fee is the gross, never more (net 0)', () => {
    expect(feeMinor(20, { bps: 150, fixedMinor: 25 })).toBe(20);
  });

  it('fee › a gross above 2^53 / 10 000 › computed exactly (BigInt), no float error', () => {
    expect(feeMinor(9_007_199_254_740_991, { bps: 1, fixedMinor: 0 })).toBe(900_719_925_474);
  });

  it('fee › a negative or fractional input › RangeError', () => {
    expect(() => feeMinor(-1, { bps: 1, fixedMinor: 0 })).toThrow(RangeError);
    expect(() => feeMinor(100, { bps: 1.5, fixedMinor: 0 })).toThrow(RangeError);
  });

  it('fee › any gross and rule › an integer between the fixed part (capped) and the gross, net never negative', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e12 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 1e6 }),
        (gross, bps, fixedMinor) => {
          const fee = feeMinor(gross, { bps, fixedMinor });
          const exact = (gross * bps) / 10_000;
          expect(Number.isInteger(fee)).toBe(true);
          expect(fee).toBeLessThanOrEqual(gross);
          if (fee < gross) expect(Math.abs(fee - fixedMinor - exact)).toBeLessThanOrEqual(0.5 + 1e-6);
        },
      ),
    );
  });

  it('schedule › versions before and after the cut-off › the latest in force at it, the seller before `*`', () => {
    const version = (sellerId: string, effectiveFrom: string, v: number, bps: number): FeeScheduleVersion => ({
      sellerId,
      currency: 'JPY',
      effectiveFrom,
      version: v,
      default: { bps, fixedMinor: 0 },
      methods: { echeck: { bps: 1, fixedMinor: 0 } },
    });
    const versions = [
      version('*', '2026-01-01T00:00:00Z', 1, 100),
      version('s1', '2026-03-01T00:00:00Z', 1, 200),
      version('s1', '2026-06-01T00:00:00Z', 2, 300),
    ];
    const at = (when: string, seller = 's1') => scheduleInForce(versions, seller, 'JPY', when)?.default.bps;
    expect([
      at('2026-02-01T00:00:00Z'),
      at('2026-05-31T23:59:59Z'),
      at('2026-06-01T00:00:00Z'),
      at('2026-07-01T00:00:00Z', 's2'),
    ]).toEqual([100, 200, 300, 100]);
    expect(scheduleInForce(versions, 's1', 'KWD', '2026-07-01T00:00:00Z')).toBeUndefined();
    expect(ruleFor(versions[1]!, 'echeck')).toEqual({ bps: 1, fixedMinor: 0 });
    expect(ruleFor(versions[1]!, 'card')).toEqual({ bps: 200, fixedMinor: 0 });
  });

  it('payout totals › lines › gross, fee and net as integer sums', () => {
    expect(
      payoutTotals([
        { grossMinor: 12_345, feeMinor: 339 },
        { grossMinor: 1, feeMinor: 1 },
      ]),
    ).toEqual({ grossMinor: 12_346, feeMinor: 340, netMinor: 12_006 });
  });
});
