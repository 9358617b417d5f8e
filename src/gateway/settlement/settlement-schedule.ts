// The Temporal Schedule of settlement cut-offs (`settlement-cutoffs`): created or brought up to date by the gateway
// worker at start, idempotently, from the configuration (a cron expression, or an interval), and paused when
// SETTLEMENT_SCHEDULE=off. Each action starts `settlementWorkflow` on the gateway's task queue with the id
// `settlement-cutoff-<scheduled time>` (Temporal appends the time), the same id an operator's manual trigger of that
// time uses, so one cut-off never runs as two workflows. It must never delete the Schedule (its history stays).

import type { Client, ScheduleOptions } from '@temporalio/client';
import { ScheduleAlreadyRunning } from '@temporalio/client';
import type { SettlementWorkflowInput } from '../../contracts/settlement-contract';
import {
  SETTLEMENT_SCHEDULE_ID,
  SETTLEMENT_WORKFLOW_ID_PREFIX,
  SETTLEMENT_WORKFLOW_TYPE,
} from '../../contracts/settlement-contract';

/** What the Schedule is made from (Config['settlement'] plus the gateway's task queue). */
export interface SettlementScheduleSettings {
  scheduleEnabled: boolean;
  cron: string;
  intervalMs: number;
  pageSize: number;
  clearingMs: number;
  outcomeTimeoutMs: number;
  taskQueue: string;
  /** The Schedule's id (`settlement-cutoffs` unless a test names its own). */
  scheduleId?: string | undefined;
}

/** The longest a missed cut-off is still run after the worker or the server was down: a day. */
const MAX_CATCHUP_MS = 24 * 60 * 60 * 1000;
/** Temporal's shortest catch-up window. */
const MIN_CATCHUP_MS = 10_000;

/**
 * How long after its time a cut-off missed during downtime is still run: one period for an interval (so a restart
 * runs at most the one most recent missed cut-off, which settles everything captured meanwhile, instead of one per
 * missed period: a minute's interval down for seven hours started 452 cut-offs at once), a day for a cron (a daily
 * cut-off missed is run once; a cron firing more often than daily catches up each missed run within the day).
 */
export function catchupWindowMs(settings: Pick<SettlementScheduleSettings, 'cron' | 'intervalMs'>): number {
  if (settings.cron) return MAX_CATCHUP_MS;
  return Math.min(MAX_CATCHUP_MS, Math.max(MIN_CATCHUP_MS, settings.intervalMs));
}

/** The Schedule's spec and action for these settings. */
export function settlementScheduleOptions(settings: SettlementScheduleSettings): ScheduleOptions {
  const input: SettlementWorkflowInput = {
    pageSize: settings.pageSize,
    clearingMs: settings.clearingMs,
    outcomeTimeoutMs: settings.outcomeTimeoutMs,
  };
  return {
    scheduleId: settings.scheduleId ?? SETTLEMENT_SCHEDULE_ID,
    spec: settings.cron ? { cronExpressions: [settings.cron] } : { intervals: [{ every: settings.intervalMs }] },
    action: {
      type: 'startWorkflow',
      workflowType: SETTLEMENT_WORKFLOW_TYPE,
      workflowId: SETTLEMENT_WORKFLOW_ID_PREFIX,
      taskQueue: settings.taskQueue,
      args: [input],
    },
    // Cut-offs never overlap in what they pay (each payment is claimed once), so a slow one does not hold the next.
    policies: { overlap: 'ALLOW_ALL', catchupWindow: catchupWindowMs(settings), pauseOnFailure: false },
    state: settings.scheduleEnabled ? {} : { paused: true, note: 'SETTLEMENT_SCHEDULE=off' },
  };
}

/**
 * Creates the Schedule, or updates the one that exists to these settings (paused or unpaused as they say).
 * @returns what it did
 */
export async function ensureSettlementSchedule(
  client: Client,
  settings: SettlementScheduleSettings,
): Promise<'created' | 'updated'> {
  const options = settlementScheduleOptions(settings);
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const handle = client.schedule.getHandle(options.scheduleId);
  // One update carries spec, action, policies and the paused state (a separate pause could land before it).
  await handle.update((previous) => ({
    ...previous,
    spec: options.spec,
    action: options.action,
    policies: { ...previous.policies, ...options.policies },
    state: {
      ...previous.state,
      paused: !settings.scheduleEnabled,
      note: settings.scheduleEnabled ? 'SETTLEMENT_SCHEDULE=on' : 'SETTLEMENT_SCHEDULE=off',
    },
  }));
  return 'updated';
}
