// The settlement workflow: one per cut-off, on the gateway's task queue, id `settlement-cutoff-<cut-off time>` (the
// Temporal Schedule's run of a cut-off and an operator's manual trigger of the same time share it). It claims the
// payments asked for until the cut-off, prices and books the payouts, sends the pacs.008 batch, follows it to the
// bank's outcome for at most `outcomeTimeoutMs` (then the batch is UNRESOLVED, for an operator), completes the batch
// and signals each order its line. Claiming and signalling are one activity call each (one pass over the requests or
// lines); the loops around them, continuing as new every PAGES_PER_RUN pages, are for runs started while those
// activities answered a page at a time. Deterministic: it imports only @temporalio/workflow and the contracts.

import * as wf from '@temporalio/workflow';
import type { SettlementWorkflowInput } from '../../contracts/settlement-contract';
import { SETTLEMENT_WORKFLOW_ID_PREFIX, batchIdFor } from '../../contracts/settlement-contract';
import type { SettlementActivities } from '../settlement/settlement-activities';

/** What a settlement run answers. */
export interface SettlementSummary {
  batchId: string;
  cutoffAt: string;
  status: string;
  lineCount: number;
  /** Set when another workflow owns the cut-off's batch: this one only read it. */
  ownedBy?: string | undefined;
}

/** Claim pages per run before continuing as new. */
const PAGES_PER_RUN = 200;
const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_OUTCOME_TIMEOUT_MS = 60 * 60_000;
const DEFAULT_CLEARING_MS = 10_000;

/** Settles one cut-off. */
export async function settlementWorkflow(input: SettlementWorkflowInput = {}): Promise<SettlementSummary> {
  const info = wf.workflowInfo();
  const cutoffAt = input.cutoffAt ?? cutoffOf(info.workflowId) ?? new Date(info.startTime).toISOString();
  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const outcomeTimeoutMs = input.outcomeTimeoutMs ?? DEFAULT_OUTCOME_TIMEOUT_MS;
  const steps = wf.proxyActivities<SettlementActivities>({
    startToCloseTimeout: '2m',
    scheduleToCloseTimeout: '1h',
    retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
  });
  // Claiming, pricing and completing read the whole cut-off: minutes for a day of a million payments (bench/README.md).
  // They heartbeat, so a dead worker is found within two minutes; each try may take two hours, all tries six.
  const long = wf.proxyActivities<SettlementActivities>({
    startToCloseTimeout: '2h',
    heartbeatTimeout: '2m',
    scheduleToCloseTimeout: '6h',
    retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
  });
  const outcome = wf.proxyActivities<SettlementActivities>({
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: outcomeTimeoutMs,
    retry: { initialInterval: '1s', backoffCoefficient: 1.5, maximumInterval: '30s' },
  });
  const batchId = batchIdFor(cutoffAt);
  let state = await steps.openSettlementBatch({ cutoffAt, workflowId: info.workflowId });
  const summary = (): SettlementSummary => ({
    batchId,
    cutoffAt,
    status: state.status,
    lineCount: state.lineCount,
    ...(state.workflowId === info.workflowId ? {} : { ownedBy: state.workflowId }),
  });
  if (state.workflowId !== info.workflowId) return summary();

  const pagesPerRun = input.pagesPerRun ?? PAGES_PER_RUN;
  if (state.status === 'CLAIMING') {
    let afterId = input.resume?.afterId ?? '';
    for (let pages = 0; ; pages += 1) {
      if (pages >= pagesPerRun) {
        return wf.continueAsNew<typeof settlementWorkflow>({ ...input, cutoffAt, resume: { afterId, pages: 0 } });
      }
      const page = await long.claimSettlementPage({ batchId, afterId, limit: pageSize });
      afterId = page.lastId;
      if (page.done) break;
    }
    state = await long.priceSettlementBatch(batchId);
  }
  if (state.status === 'PRICED') state = await steps.sendSettlementBatch(batchId);
  if (state.status === 'SENT') {
    await wf.sleep(input.clearingMs ?? DEFAULT_CLEARING_MS);
    try {
      state = await outcome.followSettlementBatch(batchId);
    } catch (error) {
      if (!(error instanceof wf.ActivityFailure)) throw error;
      state = await steps.markSettlementUnresolved({
        batchId,
        detail: `the bank's outcome did not come within ${outcomeTimeoutMs} ms: ${error.cause?.message ?? error.message}`,
      });
      return summary();
    }
    state = await long.completeSettlementBatch(batchId);
  }
  if (state.status === 'COMPLETED') {
    // Signalling the orders pages through the batch's lines too: its history is bounded the same way.
    let afterId = input.resume?.signalsAfterId ?? '';
    for (let pages = 0; ; pages += 1) {
      if (pages >= pagesPerRun) {
        return wf.continueAsNew<typeof settlementWorkflow>({
          ...input,
          cutoffAt,
          resume: { afterId: '', pages: 0, signalsAfterId: afterId },
        });
      }
      const page = await long.signalSettlementOrders({ batchId, afterId, limit: pageSize });
      afterId = page.lastId;
      if (page.done) break;
    }
  }
  return summary();
}

/** The cut-off a Schedule's run carries in its id (`settlement-cutoff-2026-11-27T06:00:00Z`), if it does. */
function cutoffOf(workflowId: string): string | undefined {
  const prefix = `${SETTLEMENT_WORKFLOW_ID_PREFIX}-`;
  if (!workflowId.startsWith(prefix)) return undefined;
  const at = Date.parse(workflowId.slice(prefix.length));
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}
