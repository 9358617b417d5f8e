// When a payment's authorization was asked and answered, for the clearing statistics' authorization latency: the
// fields a payment record gains as its state machine moves. Pure: the caller passes the clock's time. It must never
// change a payment's status or amounts, only say when the bank (or wallet) was asked and when it answered.

import type { PaymentEvent, PaymentStatus } from '../domain/payment';

/** The timing fields of a payment record (absent on records written before they existed). */
export interface AuthorizationTiming {
  /** When the request went out (the payment entered `processing`). */
  submittedAt?: Date | undefined;
  /** When the first answer came: approved, declined, accepted for clearing (e-check) or unknown. */
  answeredAt?: Date | undefined;
  /** `answeredAt - submittedAt`, in milliseconds. */
  authorizationLatencyMs?: number | undefined;
}

/** Events that answer an authorization (the payment leaves `processing`). */
const ANSWERS: ReadonlySet<PaymentEvent['type']> = new Set([
  'AUTHORIZED',
  'PURCHASED',
  'DECLINED',
  'CLEARED',
  'RETURNED',
  'OUTCOME_UNKNOWN',
]);

/**
 * The timing fields to store with an event applied to a payment in `status`: `submittedAt` with SUBMITTED, the answer
 * and the latency with the first event that answers it (a later one keeps the first answer's time).
 */
export function timingAfter(
  payment: AuthorizationTiming & { status: PaymentStatus },
  event: PaymentEvent | 'ANSWERED' | undefined,
  now: Date,
): AuthorizationTiming {
  if (event === undefined) return {};
  if (event !== 'ANSWERED' && event.type === 'SUBMITTED') return { submittedAt: now };
  const answers = event === 'ANSWERED' || ANSWERS.has(event.type);
  if (!answers || payment.answeredAt !== undefined || payment.submittedAt === undefined) return {};
  return {
    answeredAt: now,
    authorizationLatencyMs: Math.max(0, now.getTime() - new Date(payment.submittedAt).getTime()),
  };
}
