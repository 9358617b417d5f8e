// The reconciliation over HTTP, for operators only (every route declares `roles: ['operator']`; anyone else gets 403):
// start a day's run on the gateway worker, read runs and items, work the exception queue, edit the correction rules,
// dry-run and apply them. The work itself is in src/gateway/reconciliation; this maps it to HTTP answers.

import type { RequestHandler, Router } from 'express';
import { Router as createRouter } from 'express';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { RECONCILIATION_WORKFLOW } from '../contracts/reconciliation-contract';
import type { ReconciliationWorkflowInput } from '../contracts/reconciliation-contract';
import type { ReconciliationClass } from '../gateway/reconciliation/matching';
import { ReconciliationConflict, ReconciliationOperations } from '../gateway/reconciliation/operations';
import type { ExceptionRecord, ExceptionStatus, RunRecord } from '../gateway/reconciliation/store';
import { reconciliationRunId } from '../gateway/reconciliation/store';
import type { ApiDeps } from './api-deps';
import { ApiError, fromTemporalError } from './api-error';
import { callerOf } from './auth';
import {
  applyCorrectionsRoute,
  assignExceptionRoute,
  commentExceptionRoute,
  dryRunRoute,
  exceptionAuditRoute,
  getExceptionRoute,
  getRulesRoute,
  getRunRoute,
  listCorrectionsRoute,
  listExceptionsRoute,
  listItemsRoute,
  listRuleVersionsRoute,
  listRunsRoute,
  resolveExceptionRoute,
  rulesAuditRoute,
  saveRulesRoute,
  startRunRoute,
} from './reconciliation-routes';
import { mountRoute } from './route-registry';

function toApiError(error: unknown): unknown {
  if (!(error instanceof ReconciliationConflict)) return error;
  const type =
    error.status === 404 ? 'not_found_error' : error.status === 409 ? 'conflict_error' : 'invalid_request_error';
  return new ApiError(error.status, type, error.code, error.message, error.param ?? null);
}

async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toApiError(error);
  }
}

function runView(run: RunRecord) {
  const { _id, ...rest } = run;
  return { runId: _id, ...rest };
}

function exceptionView(record: ExceptionRecord) {
  const { _id, ...rest } = record;
  return { exceptionId: _id, ...rest, comments: rest.comments ?? [] };
}

/** The /v1/reconciliation routes. */
export function reconciliationRouter(
  deps: Pick<ApiDeps, 'db' | 'temporal' | 'config' | 'now'>,
  authenticated: RequestHandler,
  idempotent: RequestHandler,
): Router {
  const router = createRouter({ caseSensitive: true });
  const guards = { authenticated, idempotent };
  const operations = new ReconciliationOperations(deps.db, deps.now);
  const iban = deps.config.gateway.echeck.creditorIban;

  mountRoute(router, startRunRoute, guards, async (_req, res, { body }) => {
    const runId = reconciliationRunId(body.day, iban);
    const existing = await operations.store.runs.findOne({ _id: runId });
    if (existing?.status === 'COMPLETED') {
      res.status(200).json(runView(existing));
      return;
    }
    const input: ReconciliationWorkflowInput = { runId, day: body.day, iban };
    // The run is recorded before its workflow starts, with the fields its first step writes and in the same way
    // (`$setOnInsert`, so neither overwrites the other): a GET right after this answer finds it (schemathesis's
    // stateful run read a run's corrections before the worker had begun it: 404 for a run just answered 202). A run
    // whose workflow could not be started (502) stays RUNNING until the next POST starts it.
    const recorded: RunRecord = {
      _id: runId,
      day: body.day,
      accountLast4: iban.slice(-4),
      currencies: deps.config.gateway.reconciliation.currencies,
      status: 'RUNNING',
      startedAt: deps.now(),
    };
    await operations.store.runs.updateOne({ _id: runId }, { $setOnInsert: recorded }, { upsert: true });
    try {
      await deps.temporal.workflow.start(RECONCILIATION_WORKFLOW, {
        taskQueue: deps.config.gateway.taskQueue,
        workflowId: runId,
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        args: [input],
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw fromTemporalError(error, runId);
    }
    const run = await operations.store.runs.findOne({ _id: runId });
    if (run?.status === 'COMPLETED') {
      res.status(200).json(runView(run));
      return;
    }
    // A FAILED run being started again shows RUNNING, as its workflow's first step will make it.
    res.status(202).json(runView(run?.status === 'RUNNING' ? run : recorded));
  });

  mountRoute(router, listRunsRoute, guards, async (_req, res, { query }) => {
    const page = await answer(() => operations.runs(query.cursor, query.limit));
    res.json({ data: page.data.map(runView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
  });

  mountRoute(router, getRunRoute, guards, async (req, res) => {
    res.json(runView(await answer(() => operations.run(String(req.params.runId)))));
  });

  mountRoute(router, listItemsRoute, guards, async (req, res, { query }) => {
    const page = await answer(() =>
      operations.items(String(req.params.runId), { class: query.class }, query.cursor, query.limit),
    );
    res.json({
      data: page.data.map(({ _id, createdAt: _c, ...item }) => ({ itemId: _id, ...item })),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    });
  });

  mountRoute(router, dryRunRoute, guards, async (req, res, { body }) => {
    const runId = String(req.params.runId);
    const draft = body?.rules === undefined ? undefined : { version: -1, rules: body.rules };
    res.json(await answer(() => operations.plan(runId, draft)));
  });

  mountRoute(router, applyCorrectionsRoute, guards, async (req, res, { body }) => {
    const runId = String(req.params.runId);
    const expect = {
      ...(body?.ruleSetVersion === undefined ? {} : { ruleSetVersion: body.ruleSetVersion }),
      ...(body?.digest === undefined ? {} : { digest: body.digest }),
    };
    res.json(await answer(() => operations.apply(runId, callerOf(res).id, expect)));
  });

  mountRoute(router, listCorrectionsRoute, guards, async (req, res) => {
    const runId = String(req.params.runId);
    await answer(() => operations.run(runId));
    const data = await operations.corrections(runId);
    res.json({ data: data.map(({ _id: _i, runId: _r, legs: _l, ...entry }) => entry) });
  });

  mountRoute(router, listExceptionsRoute, guards, async (_req, res, { query }) => {
    const page = await answer(() =>
      operations.exceptions(
        {
          status: query.status as ExceptionStatus | undefined,
          class: query.class as ReconciliationClass | undefined,
          day: query.day,
          runId: query.runId,
          assignee: query.assignee,
        },
        query.cursor,
        query.limit,
      ),
    );
    res.json({ data: page.data.map(exceptionView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
  });

  mountRoute(router, getExceptionRoute, guards, async (req, res) => {
    res.json(exceptionView(await answer(() => operations.exception(String(req.params.exceptionId)))));
  });

  mountRoute(router, exceptionAuditRoute, guards, async (req, res) => {
    const id = String(req.params.exceptionId);
    await answer(() => operations.exception(id));
    const trail = await operations.auditOf('exception', id);
    res.json({ data: trail.map(({ action, actor, at, before, after }) => ({ action, actor, at, before, after })) });
  });

  mountRoute(router, assignExceptionRoute, guards, async (req, res, { body }) => {
    const input = body as { assignee: string; version?: number };
    const id = String(req.params.exceptionId);
    res.json(exceptionView(await answer(() => operations.assign(id, callerOf(res).id, input.assignee, input.version))));
  });

  mountRoute(router, commentExceptionRoute, guards, async (req, res, { body }) => {
    const input = body as { text: string; version?: number };
    const id = String(req.params.exceptionId);
    res.json(exceptionView(await answer(() => operations.comment(id, callerOf(res).id, input.text, input.version))));
  });

  mountRoute(router, resolveExceptionRoute, guards, async (req, res, { body }) => {
    const input = body as { action: 'WRITE_OFF' | 'NO_ACTION' | 'ACCEPT'; note: string; version?: number };
    const id = String(req.params.exceptionId);
    res.json(
      exceptionView(
        await answer(() =>
          operations.resolve(id, callerOf(res).id, { action: input.action, note: input.note }, input.version),
        ),
      ),
    );
  });

  mountRoute(router, getRulesRoute, guards, async (_req, res) => {
    const versions = await operations.ruleVersions(undefined, 1);
    const latest = versions.data[0];
    res.json(
      latest
        ? {
            version: latest.version,
            rules: latest.rules,
            comment: latest.comment,
            createdBy: latest.createdBy,
            createdAt: latest.createdAt,
          }
        : { version: 0, rules: [] },
    );
  });

  mountRoute(router, saveRulesRoute, guards, async (_req, res, { body }) => {
    const { expectedVersion, ...input } = body;
    const saved = await answer(() => operations.saveRules(input, callerOf(res).id, expectedVersion));
    const { _id: _id, ...view } = saved;
    res.status(201).json(view);
  });

  mountRoute(router, listRuleVersionsRoute, guards, async (_req, res, { query }) => {
    const page = await answer(() => operations.ruleVersions(query.cursor, query.limit));
    res.json({
      data: page.data.map(({ _id: _id, ...view }) => view),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    });
  });

  mountRoute(router, rulesAuditRoute, guards, async (_req, res) => {
    const trail = await operations.auditOf('rule_set', 'rules');
    res.json({ data: trail.map(({ action, actor, at, before, after }) => ({ action, actor, at, before, after })) });
  });

  return router;
}
