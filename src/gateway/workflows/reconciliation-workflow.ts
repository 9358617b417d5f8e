// The reconciliation workflow of one day and settlement account (id `recon-<day>-<account digest>`, on the gateway's
// task queue, where the bank connection is): begin the run, stage the bank's statement lines and the ledger's clearing
// journals, compare the 0500 totals, match three ways, finish. Each step is an idempotent activity retried at most
// five times (a minute apart at most); when one still fails the run ends FAILED with the reason, never retried
// forever. Deterministic: it imports only @temporalio/workflow and the contract.

import * as wf from '@temporalio/workflow';
import type {
  ReconciliationActivities,
  ReconciliationWorkflowInput,
  ReconciliationWorkflowResult,
} from '../../contracts/reconciliation-contract';

/** Reconciles one day of one settlement account; answers the run's counts per class. */
export async function reconciliationWorkflow(
  input: ReconciliationWorkflowInput,
): Promise<ReconciliationWorkflowResult> {
  const steps = wf.proxyActivities<ReconciliationActivities>({
    // A step of a day of a million payments takes minutes here (bench/README.md); the heartbeat finds a dead worker.
    startToCloseTimeout: '2h',
    heartbeatTimeout: '2m',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
  });
  try {
    await steps.reconciliationBegin(input);
    const bankLines = await steps.reconciliationStageBank(input);
    const ledgerLines = await steps.reconciliationStageLedger(input);
    await steps.reconciliationCompareTotals(input);
    await steps.reconciliationMatch(input);
    return await steps.reconciliationFinish(input, { bankLines, ledgerLines });
  } catch (error) {
    const cause = error instanceof wf.ActivityFailure && error.cause ? error.cause : error;
    const failure = cause instanceof Error ? cause.message : String(cause);
    await steps.reconciliationFail(input, failure);
    return { runId: input.runId, status: 'FAILED', counts: {}, totals: [], failure };
  }
}
