// The gateway worker's reconciliation activities: each step of the reconciliation workflow, bound to the running
// reconciler (the worker's database and bank connection). A failure retrying cannot fix (wrong account, a statement the
// gateway cannot read) fails for good; the others are retried by the workflow's bounded policy.

import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ReconciliationActivities, ReconciliationWorkflowInput } from '../../contracts/reconciliation-contract';
import type { Reconciler } from './reconciler';
import { ReconciliationError } from './reconciler';

function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // Outside an activity (a test calling the reconciler directly): nothing to report to.
  }
}

/** How often a running step heartbeats besides its own progress (a step that is one long query has none). */
const HEARTBEAT_EVERY_MS = 20_000;

async function step<T>(work: () => Promise<T>): Promise<T> {
  // The worker is alive while the timer fires: a crashed worker's step times out after the workflow's heartbeat
  // timeout, not after its start-to-close bound.
  const timer = setInterval(heartbeat, HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } catch (error) {
    if (error instanceof ReconciliationError) {
      throw ApplicationFailure.create({
        message: error.message,
        type: `ReconciliationError:${error.code}`,
        nonRetryable: !error.retryable,
      });
    }
    throw error;
  } finally {
    clearInterval(timer);
  }
}

/** The reconciliation activities of a gateway worker. */
export function createReconciliationActivities(reconciler: Reconciler): ReconciliationActivities {
  return {
    async reconciliationBegin(input: ReconciliationWorkflowInput) {
      await step(() => reconciler.begin(input));
    },
    reconciliationStageBank: (input) => step(() => reconciler.stageBankLines(input, heartbeat)),
    reconciliationStageLedger: (input) => step(() => reconciler.stageLedgerLines(input, heartbeat)),
    reconciliationCompareTotals: (input) =>
      step(async () =>
        (await reconciler.compareTotals(input)).map(({ currency, settlementCode }) => ({ currency, settlementCode })),
      ),
    reconciliationMatch: (input) => step(() => reconciler.match(input, heartbeat)),
    reconciliationFinish: (input, outcome) =>
      step(async () => {
        const run = await reconciler.finish(input, outcome);
        return {
          runId: run._id,
          status: run.status === 'COMPLETED' ? 'COMPLETED' : 'FAILED',
          counts: run.counts ?? {},
          totals: (run.totals ?? []).map(({ currency, settlementCode }) => ({ currency, settlementCode })),
          ...(run.failure === undefined ? {} : { failure: run.failure }),
        };
      }),
    reconciliationFail: (input, reason) => step(() => reconciler.fail(input, reason)),
  };
}
