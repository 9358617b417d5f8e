// The micropayment aggregator: one workflow per customer, seller, currency and card on the gateway's queue
// (`micropayments-...`), started by its first member's signal-with-start. It collects members (signal `micropayment`,
// deduplicated by payment id) until their sum reaches `maxSumMinor` or the oldest is `maxAgeMs` old (a durable timer),
// charges them as one card purchase, then continues as new with what arrived meanwhile, or ends when nothing did. One
// batch per run keeps the history bounded. Deterministic code only.

import * as wf from '@temporalio/workflow';
import type { AggregatorInput, MethodActivities, MicropaymentMember } from '../method-activities';

/** A member for the aggregator. */
export const micropaymentSignal = wf.defineSignal<[MicropaymentMember]>('micropayment');

/** Collects one batch, charges it, and continues with the next (or ends). */
export async function micropaymentAggregatorWorkflow(input: AggregatorInput): Promise<void> {
  const { chargeMicropayments } = wf.proxyActivities<MethodActivities>({
    startToCloseTimeout: Math.max(1_000, Math.min(60_000, Math.floor(input.timeoutMs / 3))),
    scheduleToCloseTimeout: input.timeoutMs,
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
  });
  const pending: MicropaymentMember[] = [...input.carried];
  const seen = new Set(pending.map((member) => member.paymentId));
  wf.setHandler(micropaymentSignal, (member) => {
    if (seen.has(member.paymentId)) return;
    seen.add(member.paymentId);
    pending.push(member);
  });
  const sum = () => pending.reduce((total, member) => total + member.amountMinor, 0);
  await wf.condition(() => pending.length > 0);
  // The age limit runs from the batch's first member; the sum limit may close it sooner.
  await wf.condition(() => sum() >= input.maxSumMinor, input.maxAgeMs);
  const batch = pending.splice(0, pending.length);
  // A charge that fails for good (the bank refused it outright) leaves its members held: their orders' captures
  // run out and go to an operator (README, Payment methods).
  await chargeMicropayments(input, batch).catch((error: unknown) => {
    if (!(error instanceof wf.ActivityFailure)) throw error;
  });
  if (pending.length === 0) return;
  await wf.continueAsNew<typeof micropaymentAggregatorWorkflow>({
    ...input,
    batchNo: input.batchNo + 1,
    carried: pending,
  });
}
