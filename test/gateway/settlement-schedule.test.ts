// The cut-off Schedule's catch-up window (pure): after downtime, an interval schedule runs at most the last missed
// cut-off, not one per missed period (a minute's interval down for seven hours once started 452 cut-offs at once and
// held customers' payments past their deadline); a cron schedule catches up a day.

import { catchupWindowMs, settlementScheduleOptions } from '../../src/gateway/settlement/settlement-schedule';

const settings = {
  scheduleEnabled: true,
  cron: '',
  intervalMs: 60_000,
  pageSize: 500,
  clearingMs: 2_000,
  outcomeTimeoutMs: 60_000,
  taskQueue: 'gateway',
};

describe('settlement cut-off schedule › catch-up window', () => {
  it('an interval of a minute › one minute: a restart runs at most the last missed cut-off', () => {
    expect(settlementScheduleOptions(settings).policies?.catchupWindow).toBe(60_000);
  });

  it('a daily interval › a day', () => {
    expect(catchupWindowMs({ cron: '', intervalMs: 86_400_000 })).toBe(86_400_000);
  });

  it('longer than a day › a day at most', () => {
    expect(catchupWindowMs({ cron: '', intervalMs: 7 * 86_400_000 })).toBe(86_400_000);
  });

  it("shorter than Temporal's 10 s minimum › 10 s", () => {
    expect(catchupWindowMs({ cron: '', intervalMs: 1_000 })).toBe(10_000);
  });

  it('a cron › a day, whatever the interval says', () => {
    expect(settlementScheduleOptions({ ...settings, cron: '0 18 * * *' }).policies?.catchupWindow).toBe(86_400_000);
  });

  it('the overlap stays ALLOW_ALL: a slow cut-off does not hold the next', () => {
    expect(settlementScheduleOptions(settings).policies?.overlap).toBe('ALLOW_ALL');
  });
});
