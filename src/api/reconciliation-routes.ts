// The reconciliation's HTTP operations (operators only), declared for the route registry and the OpenAPI document:
// start a day's reconciliation, read runs and items, work the exception queue, edit the correction rules, dry-run and
// apply them. Declarations only (handlers in reconciliation-router.ts).

import { z } from 'zod';
import { RECONCILIATION_CLASSES } from '../gateway/reconciliation/matching';
import { correctionRuleSchema, ruleSetInputSchema } from '../gateway/reconciliation/rules';
import { errorResponses } from './route-errors';
import { defineRoute } from './route-registry';

const OPERATORS = ['operator'] as const;
const TAGS = ['Reconciliation'];
const day = z.iso.date().describe('A day, YYYY-MM-DD (UTC).');
const cursor = z.string().max(200).optional().describe('The `nextCursor` of the previous page.');
const limit = z.coerce.number().int().min(1).max(200).default(50).describe('Items per page.');
const classEnum = z.enum(RECONCILIATION_CLASSES);

/** Path parameters naming a run. */
export const runPathParams = z.strictObject({
  runId: z
    .string()
    .regex(/^recon-\d{4}-\d{2}-\d{2}-[a-f0-9]{8}$/, 'must be a reconciliation id (recon-<day>-<account>)')
    .meta({ example: 'recon-2026-11-26-1a2b3c4d' }),
});
/** Path parameters naming an exception. */
export const exceptionPathParams = z.strictObject({
  exceptionId: z.string().min(1).max(300).describe("The break's id (the item's: `<runId>:<key>:<n>`)."),
});

const totalsSchema = z.object({ count: z.int(), reversalCount: z.int(), amount: z.int(), reversalAmount: z.int() });
const sideTotals = z.object({ debits: totalsSchema, credits: totalsSchema, netAmount: z.int() });

/** A run as the API shows it. */
export const runSchema = z
  .object({
    runId: z.string(),
    day: z.string(),
    accountLast4: z.string(),
    currencies: z.array(z.string()),
    status: z.enum(['RUNNING', 'COMPLETED', 'FAILED']),
    startedAt: z.string(),
    completedAt: z.string().optional(),
    bankLines: z.int().optional(),
    ledgerLines: z.int().optional(),
    counts: z.record(z.string(), z.int()).optional(),
    totals: z
      .array(
        z.object({
          currency: z.string(),
          gateway: sideTotals,
          bank: sideTotals.optional(),
          settlementCode: z.string().describe('0510 field 66: in_balance, out_of_balance, error; or not_answered.'),
        }),
      )
      .optional(),
    failure: z.string().optional(),
  })
  .meta({ id: 'ReconciliationRun' });

const itemFields = {
  class: classEnum,
  currency: z.string(),
  key: z.string().describe('The match key: `rrn:<RRN>`, `e2e:<end-to-end id>`, `journal:<id>`, `entry:<ref>`.'),
  bankAmountMinor: z.int().optional().describe('Signed: positive is money in at the bank.'),
  ledgerAmountMinor: z.int().optional(),
  differenceMinor: z.int().optional().describe('Bank minus ledger.'),
  journalId: z.string().optional(),
  orderId: z.string().optional(),
  paymentId: z.string().optional(),
  otherDay: z.string().optional(),
};

/** An item of a run. */
export const itemSchema = z
  .object({
    itemId: z.string(),
    runId: z.string(),
    day: z.string(),
    ...itemFields,
    bankReferences: z.array(z.string()),
    kind: z.string().optional(),
    orderStatus: z.string().optional(),
    note: z.string().optional(),
  })
  .meta({ id: 'ReconciliationItem' });

/** A break in the queue. */
export const exceptionSchema = z
  .object({
    exceptionId: z.string(),
    runId: z.string(),
    day: z.string(),
    ...itemFields,
    status: z.enum(['OPEN', 'ASSIGNED', 'RESOLVED']),
    assignee: z.string().optional(),
    comments: z.array(z.object({ by: z.string(), text: z.string(), at: z.string() })),
    resolution: z
      .object({
        by: z.enum(['rule', 'operator']),
        actor: z.string(),
        action: z.string(),
        note: z.string().optional(),
        ruleId: z.string().optional(),
        ruleSetVersion: z.int().optional(),
        journalId: z.string().optional(),
        at: z.string(),
      })
      .optional(),
    version: z.int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ReconciliationException' });

const auditSchema = z
  .object({
    data: z.array(
      z.object({ action: z.string(), actor: z.string(), at: z.string(), before: z.unknown(), after: z.unknown() }),
    ),
  })
  .meta({ id: 'ReconciliationAudit' });

/** A rule set. */
export const ruleSetSchema = z
  .object({
    version: z.int(),
    rules: z.array(correctionRuleSchema),
    comment: z.string().optional(),
    createdBy: z.string().optional(),
    createdAt: z.string().optional(),
  })
  .meta({ id: 'CorrectionRuleSet' });

/** A plan. */
export const planSchema = z
  .object({
    runId: z.string(),
    ruleSetVersion: z.int(),
    digest: z.string(),
    entries: z.array(
      z.object({
        itemId: z.string(),
        class: classEnum,
        action: z.enum(['ACCEPT', 'ADJUST', 'REVERSE', 'QUEUE']),
        ruleId: z.string().optional(),
        reason: z.string(),
        journal: z
          .object({
            journalId: z.string(),
            kind: z.enum(['ADJUSTMENT', 'REVERSAL']),
            orderId: z.string(),
            legs: z.array(
              z.object({
                account: z.string(),
                direction: z.enum(['DEBIT', 'CREDIT']),
                amount: z.int(),
                currency: z.string(),
              }),
            ),
            reason: z.string(),
            reverses: z.string().optional(),
          })
          .optional(),
      }),
    ),
  })
  .meta({ id: 'CorrectionPlan' });

/** `POST /v1/reconciliation/runs` body. */
export const startRunBody = z.strictObject({ day }).meta({ id: 'StartReconciliationRequest' });
/** `POST /v1/reconciliation/rules` body. */
export const saveRulesBody = ruleSetInputSchema
  .safeExtend({ expectedVersion: z.int().min(0).describe('The version the rules were read at (GET answers it).') })
  .meta({ id: 'SaveCorrectionRulesRequest' });
/** `POST .../dry-run` body. */
export const dryRunBody = z
  .strictObject({
    rules: z
      .array(correctionRuleSchema)
      .max(50)
      .optional()
      .describe('A draft rule set to try; absent: the rules in force.'),
  })
  .meta({ id: 'CorrectionDryRunRequest' });
/** `POST .../corrections` body. */
export const applyBody = z
  .strictObject({
    ruleSetVersion: z.int().min(0).optional().describe('Refuse (409 rules_changed) unless this version is in force.'),
    digest: z
      .string()
      .regex(/^[a-f0-9]{64}$/)
      .optional()
      .describe("Refuse (409 plan_changed) unless the plan is the dry run's."),
  })
  .meta({ id: 'ApplyCorrectionsRequest' });
const assignBody = z
  .strictObject({ assignee: z.string().min(1).max(100), version: z.int().min(1).optional() })
  .meta({ id: 'AssignExceptionRequest' });
const commentBody = z
  .strictObject({ text: z.string().min(1).max(2000), version: z.int().min(1).optional() })
  .meta({ id: 'CommentExceptionRequest' });
const resolveBody = z
  .strictObject({
    action: z.enum(['WRITE_OFF', 'NO_ACTION', 'ACCEPT']).describe('What the operator decided; no money moves here.'),
    note: z.string().min(1).max(2000),
    version: z.int().min(1).optional(),
  })
  .meta({ id: 'ResolveExceptionRequest' });

const POST_ERRORS = [400, 401, 409];
const page = <T extends z.ZodType>(schema: T) => z.object({ data: z.array(schema), nextCursor: z.string().optional() });

/** The reconciliation routes. */
export const startRunRoute = defineRoute({
  operationId: 'startReconciliation',
  method: 'post',
  path: '/v1/reconciliation/runs',
  summary: "Starts (or joins) a day's reconciliation of the settlement account",
  description:
    "Operators only. Starts the workflow `recon-<day>-<account>` on the gateway worker: it reads the bank's camt.053 statement of the day (and of the timing window's later days) page by page, the ledger's clearing journals, sends the 0500 totals, and classifies every item MATCHED, AMOUNT_MISMATCH, MISSING_IN_BANK, MISSING_IN_LEDGER, DUPLICATE or TIMING; breaks go to the exception queue. A day runs once: a second call answers the same run (202 while it runs, 200 once done).",
  tags: TAGS,
  roles: OPERATORS,
  idempotent: true,
  body: startRunBody,
  responses: {
    '200': { description: 'The run had finished already.', schema: runSchema },
    '202': { description: 'The run is running (or starting); poll GET.', schema: runSchema },
    ...errorResponses(...POST_ERRORS, 502),
  },
});

export const listRunsRoute = defineRoute({
  operationId: 'listReconciliations',
  method: 'get',
  path: '/v1/reconciliation/runs',
  summary: 'The reconciliation runs, newest day first (cursor paging)',
  tags: TAGS,
  roles: OPERATORS,
  query: z.strictObject({ cursor, limit }),
  responses: {
    '200': { description: 'A page of runs.', schema: page(runSchema) },
    ...errorResponses(400, 401, 422),
  },
});

export const getRunRoute = defineRoute({
  operationId: 'getReconciliation',
  method: 'get',
  path: '/v1/reconciliation/runs/{runId}',
  summary: 'A reconciliation run: status, counts per class, 0500 totals',
  tags: TAGS,
  roles: OPERATORS,
  params: runPathParams,
  responses: { '200': { description: 'The run.', schema: runSchema }, ...errorResponses(401, 404) },
});

export const listItemsRoute = defineRoute({
  operationId: 'listReconciliationItems',
  method: 'get',
  path: '/v1/reconciliation/runs/{runId}/items',
  summary: "A run's items (cursor paging), optionally of one class",
  tags: TAGS,
  roles: OPERATORS,
  params: runPathParams,
  query: z.strictObject({ class: classEnum.optional(), cursor, limit }),
  responses: {
    '200': { description: 'A page of items.', schema: page(itemSchema) },
    ...errorResponses(400, 401, 404, 422),
  },
});

export const dryRunRoute = defineRoute({
  operationId: 'dryRunCorrections',
  method: 'post',
  path: '/v1/reconciliation/runs/{runId}/dry-run',
  summary: "What the rules in force, or a draft, would do to a run's open breaks",
  description:
    'Operators only. Writes nothing. Per open break: ACCEPT, ADJUST (with the adjusting journal), REVERSE (with the reversing journal) or QUEUE, the rule and the reason; `digest` names the plan for the apply.',
  tags: TAGS,
  roles: OPERATORS,
  idempotent: true,
  params: runPathParams,
  body: dryRunBody,
  bodyRequired: false,
  responses: { '200': { description: 'The plan.', schema: planSchema }, ...errorResponses(...POST_ERRORS, 404) },
});

export const applyCorrectionsRoute = defineRoute({
  operationId: 'applyCorrections',
  method: 'post',
  path: '/v1/reconciliation/runs/{runId}/corrections',
  summary: "Applies the rules in force to a run's open breaks: exactly the dry run's plan",
  description:
    'Operators only. Each correction is a new ADJUSTMENT or REVERSAL journal (deterministic id `recon:<break>:adjustment|reversal`, with its reason and the break), never an edit; the break is RESOLVED by the rule. QUEUE leaves it OPEN. 409 `plan_changed` when `digest` is not the plan any more, `rules_changed` when `ruleSetVersion` is not in force. A repeat posts nothing new.',
  tags: TAGS,
  roles: OPERATORS,
  idempotent: true,
  params: runPathParams,
  body: applyBody,
  bodyRequired: false,
  responses: {
    '200': { description: 'The plan carried out.', schema: planSchema },
    ...errorResponses(...POST_ERRORS, 404),
  },
});

export const listCorrectionsRoute = defineRoute({
  operationId: 'listCorrections',
  method: 'get',
  path: '/v1/reconciliation/runs/{runId}/corrections',
  summary: 'The corrections applied to a run, by break',
  tags: TAGS,
  roles: OPERATORS,
  params: runPathParams,
  responses: {
    '200': {
      description: 'The corrections.',
      schema: z.object({
        data: z.array(
          planSchema.shape.entries.element.extend({
            ruleSetVersion: z.int(),
            appliedBy: z.string(),
            appliedAt: z.string(),
          }),
        ),
      }),
    },
    ...errorResponses(401, 404),
  },
});

export const listExceptionsRoute = defineRoute({
  operationId: 'listReconciliationExceptions',
  method: 'get',
  path: '/v1/reconciliation/exceptions',
  summary: 'The exception queue (filters, cursor paging)',
  tags: TAGS,
  roles: OPERATORS,
  query: z.strictObject({
    status: z.enum(['OPEN', 'ASSIGNED', 'RESOLVED']).optional(),
    class: classEnum.optional(),
    day: day.optional(),
    runId: runPathParams.shape.runId.optional(),
    assignee: z.string().max(100).optional(),
    cursor,
    limit,
  }),
  responses: {
    '200': { description: 'A page of breaks.', schema: page(exceptionSchema) },
    ...errorResponses(400, 401, 422),
  },
});

export const getExceptionRoute = defineRoute({
  operationId: 'getReconciliationException',
  method: 'get',
  path: '/v1/reconciliation/exceptions/{exceptionId}',
  summary: 'One break',
  tags: TAGS,
  roles: OPERATORS,
  params: exceptionPathParams,
  responses: { '200': { description: 'The break.', schema: exceptionSchema }, ...errorResponses(401, 404) },
});

export const exceptionAuditRoute = defineRoute({
  operationId: 'getReconciliationExceptionAudit',
  method: 'get',
  path: '/v1/reconciliation/exceptions/{exceptionId}/audit',
  summary: "A break's audit trail (who, when, before, after)",
  tags: TAGS,
  roles: OPERATORS,
  params: exceptionPathParams,
  responses: { '200': { description: 'The trail, oldest first.', schema: auditSchema }, ...errorResponses(401, 404) },
});

function exceptionAction(name: string, operationId: string, summary: string, body: z.ZodType) {
  return defineRoute({
    operationId,
    method: 'post',
    path: `/v1/reconciliation/exceptions/{exceptionId}/${name}`,
    summary,
    description:
      'Operators only. `version` (optional) names the version read: 409 `exception_changed` when another change came first; 409 `exception_resolved` on a resolved break.',
    tags: TAGS,
    roles: OPERATORS,
    idempotent: true,
    params: exceptionPathParams,
    body,
    responses: {
      '200': { description: 'The break.', schema: exceptionSchema },
      ...errorResponses(...POST_ERRORS, 404),
    },
  });
}

export const assignExceptionRoute = exceptionAction(
  'assign',
  'assignReconciliationException',
  'Assigns a break',
  assignBody,
);
export const commentExceptionRoute = exceptionAction(
  'comments',
  'commentReconciliationException',
  'Comments on a break',
  commentBody,
);
export const resolveExceptionRoute = exceptionAction(
  'resolve',
  'resolveReconciliationException',
  'Resolves a break by hand',
  resolveBody,
);

export const getRulesRoute = defineRoute({
  operationId: 'getCorrectionRules',
  method: 'get',
  path: '/v1/reconciliation/rules',
  summary: 'The correction rules in force (version 0: none, every break queued)',
  tags: TAGS,
  roles: OPERATORS,
  responses: { '200': { description: 'The rules.', schema: ruleSetSchema }, ...errorResponses(401) },
});

export const saveRulesRoute = defineRoute({
  operationId: 'saveCorrectionRules',
  method: 'post',
  path: '/v1/reconciliation/rules',
  summary: 'Writes a new version of the correction rules',
  description:
    'Operators only. Validated (400 naming the field), versioned (insert-only), audited with the rules before and after. 409 `rules_changed` when `expectedVersion` is not the version in force.',
  tags: TAGS,
  roles: OPERATORS,
  idempotent: true,
  body: saveRulesBody,
  responses: { '201': { description: 'The new version.', schema: ruleSetSchema }, ...errorResponses(...POST_ERRORS) },
});

export const listRuleVersionsRoute = defineRoute({
  operationId: 'listCorrectionRuleVersions',
  method: 'get',
  path: '/v1/reconciliation/rules/versions',
  summary: 'Every version of the correction rules, newest first',
  tags: TAGS,
  roles: OPERATORS,
  query: z.strictObject({ cursor, limit }),
  responses: {
    '200': { description: 'A page of versions.', schema: page(ruleSetSchema) },
    ...errorResponses(400, 401, 422),
  },
});

export const rulesAuditRoute = defineRoute({
  operationId: 'getCorrectionRulesAudit',
  method: 'get',
  path: '/v1/reconciliation/rules/audit',
  summary: "The rules' audit trail (who, when, before, after)",
  tags: TAGS,
  roles: OPERATORS,
  responses: { '200': { description: 'The trail, oldest first.', schema: auditSchema }, ...errorResponses(401) },
});

/** Every reconciliation route, for API_ROUTES. */
export const RECONCILIATION_ROUTES = [
  startRunRoute,
  listRunsRoute,
  getRunRoute,
  listItemsRoute,
  dryRunRoute,
  applyCorrectionsRoute,
  listCorrectionsRoute,
  listExceptionsRoute,
  getExceptionRoute,
  exceptionAuditRoute,
  assignExceptionRoute,
  commentExceptionRoute,
  resolveExceptionRoute,
  getRulesRoute,
  saveRulesRoute,
  listRuleVersionsRoute,
  rulesAuditRoute,
] as const;
