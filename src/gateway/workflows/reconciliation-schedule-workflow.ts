// The workflow a Temporal Schedule starts after end of day (RECONCILIATION_SCHEDULE_CRON): it reconciles the day before
// its own start time as the child `recon-<day>-<account digest>`, the same id the API's manual trigger uses, so a day is
// reconciled once whichever starts it first (a day already running or done is left as it is). Deterministic: it imports
// only @temporalio/workflow and the contract.

import * as wf from '@temporalio/workflow';
import type { ReconciliationWorkflowResult } from '../../contracts/reconciliation-contract';
import { RECONCILIATION_WORKFLOW, previousDay } from '../../contracts/reconciliation-contract';

/** What the Schedule passes: the settlement account and its digest (the run id's last part). */
export interface ReconciliationScheduleInput {
  iban: string;
  accountDigest: string;
}

/** Reconciles yesterday (by the workflow's clock); answers the run, or that another start has it. */
export async function reconciliationScheduleWorkflow(
  input: ReconciliationScheduleInput,
): Promise<ReconciliationWorkflowResult | { runId: string; status: 'ALREADY_STARTED' }> {
  const day = previousDay(new Date());
  const runId = `recon-${day}-${input.accountDigest}`;
  try {
    const child = await wf.startChild(RECONCILIATION_WORKFLOW, {
      workflowId: runId,
      args: [{ runId, day, iban: input.iban }],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      parentClosePolicy: 'ABANDON',
    });
    return (await child.result()) as ReconciliationWorkflowResult;
  } catch (error) {
    // The day's run is already running or done (a manual start, an earlier schedule): left as it is.
    if (error instanceof Error && error.name === 'WorkflowExecutionAlreadyStartedError')
      return { runId, status: 'ALREADY_STARTED' };
    throw error;
  }
}
