// Settlement batches over HTTP, for operators: trigger a cut-off (its settlement workflow on the gateway's task
// queue, the same id the cut-off Schedule gives that time, so a cut-off never runs twice), read batches and lines, set
// payout accounts and add fee schedule versions. It never changes a batch itself and never answers an IBAN in clear.

import type { RequestHandler, Router } from 'express';
import { Router as createRouter } from 'express';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import {
  SETTLEMENT_WORKFLOW_TYPE,
  batchIdFor,
  cutoffStamp,
  settlementWorkflowId,
} from '../contracts/settlement-contract';
import type { SettlementWorkflowInput } from '../contracts/settlement-contract';
import {
  SettlementAdminError,
  addFeeScheduleVersion,
  getBatch,
  listBatches,
  listFeeSchedules,
  savePayoutAccount,
} from '../gateway/settlement/settlement-admin';
import type { ApiDeps } from './api-deps';
import { ApiError } from './api-error';
import { callerOf } from './auth';
import { mountRoute } from './route-registry';
import {
  addFeeScheduleRoute,
  getBatchRoute,
  listBatchesRoute,
  listFeeSchedulesRoute,
  putPayoutAccountRoute,
  triggerCutoffRoute,
} from './settlement-routes';

/** The /v1/settlement/** routes. */
export function settlementRouter(
  deps: Pick<ApiDeps, 'db' | 'vault' | 'temporal' | 'config' | 'now'>,
  authenticated: RequestHandler,
  idempotent: RequestHandler,
): Router {
  const router = createRouter({ caseSensitive: true });
  const guards = { authenticated, idempotent };

  mountRoute(router, triggerCutoffRoute, guards, async (_req, res, { body }) => {
    const now = deps.now();
    const cutoffAt = cutoffStamp(body?.cutoffAt ?? now.toISOString());
    if (Date.parse(cutoffAt) > now.getTime()) {
      throw new ApiError(
        422,
        'invalid_request_error',
        'cutoff_in_future',
        'a cut-off cannot be in the future',
        'cutoffAt',
      );
    }
    const workflowId = settlementWorkflowId(cutoffAt);
    const input: SettlementWorkflowInput = {
      cutoffAt,
      pageSize: deps.config.settlement.pageSize,
      clearingMs: deps.config.settlement.clearingMs,
      outcomeTimeoutMs: deps.config.settlement.outcomeTimeoutMs,
    };
    let started = true;
    try {
      await deps.temporal.workflow.start(SETTLEMENT_WORKFLOW_TYPE, {
        taskQueue: deps.config.gateway.taskQueue,
        workflowId,
        args: [input],
        // A cut-off whose workflow failed (the bank refused its document, say) may be triggered again: it resumes the
        // batch where it stopped. One that runs or completed is not started again.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      started = false;
    }
    res.status(202).json({ batchId: batchIdFor(cutoffAt), cutoffAt, workflowId, started });
  });

  mountRoute(router, listBatchesRoute, guards, async (_req, res, { query }) => {
    const page = await listBatches(deps.db, { limit: query.limit, cursor: query.cursor });
    res.json(page.nextCursor === undefined ? { data: page.data } : page);
  });

  mountRoute(router, getBatchRoute, guards, async (req, res, { query }) => {
    const batchId = String(req.params.batchId);
    const found = await getBatch(deps.db, batchId, { limit: query.limit, cursor: query.cursor });
    if (!found)
      throw new ApiError(404, 'not_found_error', 'batch_not_found', `no settlement batch ${batchId}`, 'batchId');
    res.json(found.nextCursor === undefined ? { batch: found.batch, lines: found.lines } : found);
  });

  mountRoute(router, putPayoutAccountRoute, guards, async (req, res, { body }) => {
    try {
      res.json(
        await savePayoutAccount(deps.db, deps.vault.keys('card-vault'), {
          sellerId: String(req.params.sellerId),
          iban: body.iban,
          accountHolder: body.accountHolder,
          operatorId: callerOf(res).id,
          now: deps.now(),
        }),
      );
    } catch (error) {
      throw adminError(error);
    }
  });

  mountRoute(router, addFeeScheduleRoute, guards, async (_req, res, { body }) => {
    try {
      const version = await addFeeScheduleVersion(deps.db, {
        ...body,
        operatorId: callerOf(res).id,
        now: deps.now(),
      });
      res.status(201).json(version);
    } catch (error) {
      throw adminError(error);
    }
  });

  mountRoute(router, listFeeSchedulesRoute, guards, async (_req, res, { query }) => {
    res.json({ data: await listFeeSchedules(deps.db, query.sellerId) });
  });

  return router;
}

/** The API error of a settlement rule an operator broke; anything else as it is. */
function adminError(error: unknown): unknown {
  if (!(error instanceof SettlementAdminError)) return error;
  if (error.code === 'invalid_iban') {
    return new ApiError(422, 'invalid_request_error', error.code, error.message, error.param ?? null);
  }
  return new ApiError(409, 'conflict_error', error.code, error.message, error.param ?? null);
}
