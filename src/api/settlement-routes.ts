// The settlement batches' HTTP operations, declared for the route registry and the OpenAPI document: an operator
// triggers a cut-off, reads the batches (cursor paging) and one batch with its lines, sets a seller's payout account
// and adds fee schedule versions. Operators only. Declarations only (handlers in settlement-router.ts).

import { z } from 'zod';
import { errorResponses } from './route-errors';
import { defineRoute } from './route-registry';
import { FEE_METHODS } from '../gateway/settlement/fees';
import { CURRENCIES } from '../iso8583/currencies';

const CURRENCY_CODES = CURRENCIES.map((currency) => currency.alpha) as [string, ...string[]];
const limit = z.coerce.number().int().min(1).max(100).default(20);
const moneyMinor = z.int();
const sellerId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -')
  .meta({ example: 'seller-acme' });

/** A fee rule: basis points of the gross plus a fixed amount in the currency's minor units. */
const feeRuleSchema = z.strictObject({
  bps: z.int().min(0).max(10_000).describe('Basis points (1/100 of a percent) of the gross.'),
  fixedMinor: z.int().min(0).max(100_000_000).describe("A fixed amount per payment, in the currency's minor units."),
});

/** Path parameters naming a batch. */
export const batchPathParams = z.strictObject({
  batchId: z
    .string()
    .regex(/^batch-\d{8}T\d{6}Z$/, 'must be a batch id (batch-YYYYMMDDTHHMMSSZ)')
    .meta({ example: 'batch-20261127T180000Z' }),
});

/** Path parameters naming a seller's payout account. */
export const payoutAccountPathParams = z.strictObject({ sellerId });

/** `POST /v1/settlement/cutoffs`. */
export const cutoffBody = z
  .strictObject({
    cutoffAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('The cut-off time (default: now, to the second); not in the future.'),
  })
  .meta({ id: 'SettlementCutoffRequest' });

/** `GET /v1/settlement/batches`. */
export const listBatchesQuery = z.strictObject({
  limit,
  cursor: z.string().min(1).max(64).optional(),
});

/** `GET /v1/settlement/batches/{batchId}`: a page of the batch's lines. */
export const batchLinesQuery = z.strictObject({
  limit,
  cursor: z.string().min(1).max(512).optional(),
});

/** `PUT /v1/settlement/payout-accounts/{sellerId}`. */
export const payoutAccountBody = z
  .strictObject({
    iban: z.string().min(15).max(42).describe('The IBAN payouts go to (sealed at rest; answered as its last 4).'),
    accountHolder: z
      .string()
      .min(1)
      .max(140)
      .regex(/\S/, 'must not be blank')
      .describe('The creditor name on the credit transfer.'),
  })
  .meta({ id: 'PayoutAccountRequest' });

/** `POST /v1/settlement/fee-schedules`. */
export const feeScheduleBody = z
  .strictObject({
    sellerId: z.union([sellerId, z.literal('*')]).describe('The seller, or `*` for every seller without its own.'),
    currency: z.enum(CURRENCY_CODES),
    effectiveFrom: z.iso
      .datetime({ offset: true })
      .describe('From which cut-off on the version applies (a batch uses the version in force at its cut-off).'),
    default: feeRuleSchema.describe('The rule of every method not named in `methods`.'),
    methods: z
      .strictObject(Object.fromEntries(FEE_METHODS.map((method) => [method, feeRuleSchema.optional()])))
      .default({}),
  })
  .meta({ id: 'FeeScheduleRequest' });

const payoutSchema = z.object({
  payoutId: z.string(),
  sellerId: z.string(),
  currency: z.string(),
  lines: z.int(),
  grossMinor: moneyMinor,
  feeMinor: moneyMinor,
  netMinor: moneyMinor,
  status: z.enum(['PENDING', 'NO_ACCOUNT', 'ACCEPTED', 'REJECTED', 'PAID', 'RETURNED']),
  messageId: z.string().optional(),
  endToEndId: z.string().optional(),
  ibanLast4: z.string().optional(),
  reason: z.string().optional(),
});

/** A batch as operators see it. */
export const batchSchema = z
  .object({
    batchId: z.string(),
    cutoffAt: z.string(),
    status: z.enum(['CLAIMING', 'PRICED', 'SENT', 'COMPLETED', 'UNRESOLVED']),
    workflowId: z.string(),
    lineCount: z.int(),
    payouts: z.array(payoutSchema),
    messages: z.array(
      z.object({ currency: z.string(), messageId: z.string(), transactions: z.int(), status: z.string().optional() }),
    ),
    detail: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'SettlementBatch' });

const lineSchema = z.object({
  lineId: z.string(),
  paymentId: z.string(),
  orderId: z.string(),
  sellerId: z.string(),
  currency: z.string(),
  method: z.enum(FEE_METHODS as [string, ...string[]]),
  round: z.int(),
  grossMinor: moneyMinor,
  feeMinor: moneyMinor,
  netMinor: moneyMinor,
  fee: z.object({ bps: z.int(), fixedMinor: z.int(), source: z.string() }),
  status: z.enum(['CLAIMED', 'PAID', 'REJECTED']),
  reason: z.string().optional(),
});

const cutoffSchema = z
  .object({
    batchId: z.string(),
    cutoffAt: z.string(),
    workflowId: z.string(),
    started: z.boolean().describe('False when this cut-off had already been triggered (its workflow runs or ran).'),
  })
  .meta({ id: 'SettlementCutoff' });

const payoutAccountSchema = z
  .object({
    sellerId: z.string(),
    ibanLast4: z.string(),
    accountHolder: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
  })
  .meta({ id: 'PayoutAccount' });

const feeScheduleSchema = z
  .object({
    sellerId: z.string(),
    currency: z.string(),
    version: z.int(),
    effectiveFrom: z.string(),
    default: z.object({ bps: z.int(), fixedMinor: z.int() }),
    methods: z.record(z.string(), z.object({ bps: z.int(), fixedMinor: z.int() })),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .meta({ id: 'FeeScheduleVersion' });

/** `POST /v1/settlement/cutoffs`. */
export const triggerCutoffRoute = defineRoute({
  operationId: 'triggerSettlementCutoff',
  method: 'post',
  path: '/v1/settlement/cutoffs',
  summary: 'Trigger a settlement cut-off',
  description:
    "Operators only. Starts the cut-off's settlement workflow (`settlement-cutoff-<time>`, the id the cut-off Schedule gives the same time), which pays out the payments whose orders asked for settlement until then, as one pacs.008 batch per currency. Answers at once (202); follow the batch with GET /v1/settlement/batches/{batchId}. The same cut-off again answers the same batch with `started: false` and pays nothing twice (a cut-off whose workflow failed is started again and resumes its batch). 422 `cutoff_in_future` for a time after now.",
  tags: ['Settlement'],
  roles: ['operator'],
  idempotent: true,
  body: cutoffBody,
  bodyRequired: false,
  responses: {
    '202': { description: 'The cut-off runs (or ran).', schema: cutoffSchema },
    ...errorResponses(400, 401, 409),
  },
});

/** `GET /v1/settlement/batches`. */
export const listBatchesRoute = defineRoute({
  operationId: 'listSettlementBatches',
  method: 'get',
  path: '/v1/settlement/batches',
  summary: 'List settlement batches, newest cut-off first',
  description: 'Operators only. `cursor` is the `nextCursor` of the previous page.',
  tags: ['Settlement'],
  roles: ['operator'],
  query: listBatchesQuery,
  responses: {
    '200': {
      description: 'One page of batches.',
      schema: z.object({ data: z.array(batchSchema), nextCursor: z.string().optional() }),
    },
    ...errorResponses(400, 401),
  },
});

/** `GET /v1/settlement/batches/{batchId}`. */
export const getBatchRoute = defineRoute({
  operationId: 'getSettlementBatch',
  method: 'get',
  path: '/v1/settlement/batches/{batchId}',
  summary: 'One settlement batch and a page of its lines',
  description:
    'Operators only. The batch with its payouts (one per seller and currency) and `limit` lines after `cursor` (by line id). 404 `batch_not_found`.',
  tags: ['Settlement'],
  roles: ['operator'],
  params: batchPathParams,
  query: batchLinesQuery,
  responses: {
    '200': {
      description: 'The batch and one page of its lines.',
      schema: z.object({ batch: batchSchema, lines: z.array(lineSchema), nextCursor: z.string().optional() }),
    },
    ...errorResponses(400, 401, 404),
  },
});

/** `PUT /v1/settlement/payout-accounts/{sellerId}`. */
export const putPayoutAccountRoute = defineRoute({
  operationId: 'putPayoutAccount',
  method: 'put',
  path: '/v1/settlement/payout-accounts/{sellerId}',
  summary: "Set a seller's payout account",
  description:
    "Operators only. The IBAN the seller's payouts are credited to (sealed at rest, answered as its last 4). 422 `invalid_iban` when its check digits fail. A seller without one gets no payout: its batch lines are rejected with `NO_PAYOUT_ACCOUNT` and wait for a later cut-off.",
  tags: ['Settlement'],
  roles: ['operator'],
  params: payoutAccountPathParams,
  body: payoutAccountBody,
  responses: {
    '200': { description: 'The payout account.', schema: payoutAccountSchema },
    ...errorResponses(400, 401),
  },
});

/** `POST /v1/settlement/fee-schedules`. */
export const addFeeScheduleRoute = defineRoute({
  operationId: 'addFeeScheduleVersion',
  method: 'post',
  path: '/v1/settlement/fee-schedules',
  summary: 'Add a fee schedule version',
  description:
    "Operators only. A new version of a seller's (or the default `*`) fee schedule in one currency, in force from `effectiveFrom`: per payment method (`card`, `echeck`, `ecash`, `micropayment`), basis points of the gross (rounded half up to the currency's minor unit) plus a fixed amount in minor units. Versions are never edited; 409 `fee_schedule_conflict` when another version was added at the same time.",
  tags: ['Settlement'],
  roles: ['operator'],
  idempotent: true,
  body: feeScheduleBody,
  responses: {
    '201': { description: 'The version added.', schema: feeScheduleSchema },
    ...errorResponses(400, 401, 409),
  },
});

/** `GET /v1/settlement/fee-schedules`. */
export const listFeeSchedulesRoute = defineRoute({
  operationId: 'listFeeSchedules',
  method: 'get',
  path: '/v1/settlement/fee-schedules',
  summary: 'List fee schedule versions',
  description: 'Operators only. Every version, or those of `sellerId` and the default `*`.',
  tags: ['Settlement'],
  roles: ['operator'],
  query: z.strictObject({ sellerId: sellerId.optional() }),
  responses: {
    '200': { description: 'The versions.', schema: z.object({ data: z.array(feeScheduleSchema) }) },
    ...errorResponses(400, 401),
  },
});

/** The settlement routes, in the document's order. */
export const SETTLEMENT_ROUTES = [
  triggerCutoffRoute,
  listBatchesRoute,
  getBatchRoute,
  putPayoutAccountRoute,
  addFeeScheduleRoute,
  listFeeSchedulesRoute,
] as const;
