// When a payment's authorization was asked and answered (src/gateway/authorization-timing.ts), the source of the
// clearing statistics' authorization latency: pure, so tested without servers.

import { timingAfter } from '../../../src/gateway/authorization-timing';

const at = (ms: number) => new Date(Date.UTC(2026, 10, 27, 8, 0, 0, ms));

describe('authorization timing', () => {
  test('authorization timing › SUBMITTED then DECLINED › submittedAt, then answeredAt and the latency in ms', () => {
    const submitted = timingAfter({ status: 'requires_payment_method' }, { type: 'SUBMITTED' }, at(0));
    const answered = timingAfter(
      { status: 'processing', ...submitted },
      { type: 'DECLINED', declineCode: 'do_not_honor' },
      at(137),
    );

    expect(submitted).toEqual({ submittedAt: at(0) });
    expect(answered).toEqual({ answeredAt: at(137), authorizationLatencyMs: 137 });
  });

  test('authorization timing › a later event after the first answer › keeps the first answer', () => {
    const payment = {
      status: 'processing' as const,
      submittedAt: at(0),
      answeredAt: at(40),
      authorizationLatencyMs: 40,
    };

    expect(timingAfter(payment, { type: 'CLEARED', amountMinor: 100 }, at(90_000))).toEqual({});
    expect(timingAfter(payment, 'ANSWERED', at(50))).toEqual({});
  });

  test('authorization timing › an e-check accepted for clearing (ANSWERED) › the acceptance is its answer', () => {
    expect(timingAfter({ status: 'processing', submittedAt: at(10) }, 'ANSWERED', at(35))).toEqual({
      answeredAt: at(35),
      authorizationLatencyMs: 25,
    });
  });

  test('authorization timing › events that answer nothing, or no event › no timing fields', () => {
    const payment = { status: 'requires_capture' as const, submittedAt: at(0), answeredAt: at(5) };

    expect(timingAfter(payment, { type: 'CAPTURED', amountMinor: 100 }, at(900))).toEqual({});
    expect(timingAfter({ status: 'processing' }, { type: 'DECLINED', declineCode: 'x' }, at(9))).toEqual({});
    expect(timingAfter(payment, undefined, at(900))).toEqual({});
  });
});
