// The Temporal Schedule that reconciles each day after its end: created (or updated to the configured cron) by the
// gateway worker at start when RECONCILIATION_SCHEDULE_CRON is set, one per settlement account. Overlaps are skipped
// and a missed start is caught up within a day. It never starts a day twice: the scheduled workflow uses the day's run id.

import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';

/** The schedule id of a settlement account. */
export function reconciliationScheduleId(iban: string): string {
  return `reconciliation-daily-${accountDigest(iban)}`;
}

/** The digest that ends a run id (`recon-<day>-<digest>`, store.ts's reconciliationRunId). */
export function accountDigest(iban: string): string {
  return createHash('sha256').update(iban).digest('hex').slice(0, 8);
}

/** Creates the daily schedule, or sets an existing one to `cron`; answers its id. */
export async function ensureReconciliationSchedule(
  client: Client,
  options: { iban: string; cron: string; taskQueue: string },
): Promise<string> {
  const scheduleId = reconciliationScheduleId(options.iban);
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'reconciliationScheduleWorkflow',
    taskQueue: options.taskQueue,
    args: [{ iban: options.iban, accountDigest: accountDigest(options.iban) }],
  };
  const spec = { cronExpressions: [options.cron] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 86_400_000 };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action, policies }));
  }
  return scheduleId;
}
