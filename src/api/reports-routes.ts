// The reports' HTTP operations (issue 9 B and E), declared for the route registry and the OpenAPI document: clearing
// statistics (JSON pages or one CSV), the daily clearing report, the seller's settlement statement per batch and the
// reconciliation report of a run (CSV or PDF each) and the transaction search. Sellers see their own payments only,
// operators all; the reconciliation report is for operators. Declarations only (handlers in reports-router.ts).

import { z } from 'zod';
import { PAYMENT_STATUSES } from '../domain/payment';
import { CLEARING_METHODS } from '../gateway/reports/clearing-statistics';
import { MAX_AMOUNT_MINOR } from '../domain/money';
import { runPathParams } from './reconciliation-routes';
import { errorResponses } from './route-errors';
import { defineRoute } from './route-registry';
import { idSchema } from './schemas';
import { batchPathParams } from './settlement-routes';

/** The longest range of days one statistics request may cover. */
export const MAX_STATISTICS_DAYS = 366;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day YYYY-MM-DD')
  .refine(
    (value) =>
      !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
    'must be a calendar day',
  )
  .meta({ example: '2026-11-27' });
const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR')
  .meta({ example: 'EUR' });
const method = z.enum(CLEARING_METHODS as unknown as [string, ...string[]]);
const cursor = z.string().min(1).max(512);

/** `GET /v1/reports/clearing-statistics` query string. */
export const clearingStatisticsQuery = z.strictObject({
  from: day.describe('First UTC day (inclusive).'),
  to: day
    .optional()
    .describe(`Last UTC day (inclusive); \`from\` when absent; at most ${MAX_STATISTICS_DAYS} days on.`),
  sellerId: idSchema.optional().describe("A seller's own statistics; a seller may name only itself."),
  method: method.optional().describe('`card`, `echeck`, `ecash` or `micropayment` (aggregated small card payments).'),
  currency: currency.optional(),
  format: z.enum(['json', 'csv']).default('json').describe('`csv` downloads every row at once (no paging).'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: cursor.optional().describe('`nextCursor` of the previous page (JSON only).'),
});

/** `GET /v1/reports/daily-clearing` query string. */
export const dailyClearingQuery = z.strictObject({
  date: day.describe('The UTC day.'),
  format: z.enum(['csv', 'pdf']).describe('The download format.'),
  sellerId: idSchema.optional().describe('One seller; a seller may name only itself (and gets only its own rows).'),
  method: method.optional(),
  currency: currency.optional(),
});

/** `GET /v1/reports/settlement-statement` query string. */
export const settlementStatementQuery = z.strictObject({
  batchId: batchPathParams.shape.batchId.describe('The settlement batch (`batch-<cut-off>`).'),
  format: z.enum(['csv', 'pdf']).describe('The download format.'),
  sellerId: idSchema
    .optional()
    .describe(
      'The seller whose lines are shown: an operator must name one for a batch of several sellers; a seller may name only itself (and gets only its own lines).',
    ),
});

/** `GET /v1/reports/reconciliation` query string. */
export const reconciliationReportQuery = z.strictObject({
  runId: runPathParams.shape.runId.describe('The reconciliation run (`recon-<day>-<account>`).'),
  format: z.enum(['csv', 'pdf']).describe('The download format.'),
});

/** `GET /v1/transactions` query string. */
export const transactionSearchQuery = z.strictObject({
  sellerId: idSchema.optional().describe('A seller may name only itself.'),
  status: z.enum(PAYMENT_STATUSES as unknown as [string, ...string[]]).optional(),
  method: method.optional(),
  currency: currency.optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('Created at or after.'),
  to: z.iso.datetime({ offset: true }).optional().describe('Created before.'),
  minAmount: z.coerce.number().int().min(0).max(MAX_AMOUNT_MINOR).optional().describe('Minor units, inclusive.'),
  maxAmount: z.coerce.number().int().min(0).max(MAX_AMOUNT_MINOR).optional().describe('Minor units, inclusive.'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: cursor.optional(),
});

const latencySchema = z.object({
  count: z.int(),
  meanMs: z.int(),
  p50Ms: z.int(),
  p95Ms: z.int(),
  maxMs: z.int(),
});

/** One row of clearing statistics. */
export const clearingStatisticsRowSchema = z
  .object({
    day: z.string(),
    sellerId: z.string(),
    method: z.string(),
    currency: z.string(),
    payments: z.int(),
    approved: z.int(),
    declined: z.int(),
    pending: z.int(),
    approvalRate: z.number().nullable().describe('approved / (approved + declined), to 4 decimals.'),
    authorizedMinor: z.int(),
    capturedMinor: z.int(),
    refundedMinor: z.int(),
    feesMinor: z.int().describe("The gateway's fee on each captured payment, by the fee schedule in force."),
    netMinor: z.int().describe('captured - refunded - fees.'),
    declineReasons: z.record(z.string(), z.int()),
    authorizationLatency: latencySchema.nullable(),
  })
  .meta({ id: 'ClearingStatisticsRow' });

/** A payment as the transaction search shows it. */
export const transactionSchema = z
  .object({
    paymentId: z.string(),
    orderId: z.string(),
    sellerId: z.string(),
    method: z.string(),
    status: z.string(),
    amount: z.object({ amount: z.int(), currency: z.string() }),
    authorizedMinor: z.int(),
    capturedMinor: z.int(),
    refundedMinor: z.int(),
    declineCode: z.string().nullable(),
    last4: z.string(),
    authorizationLatencyMs: z.int().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Transaction' });

const DOWNLOAD_HEADERS = {
  'Content-Disposition': {
    description: '`attachment; filename="<report>-<day>.<format>"`.',
    schema: { type: 'string' },
  },
};

const SCOPE =
  'Sellers see only their own payments (the seller filter is forced to themselves; naming another seller is 403); operators see every seller.';

/** `GET /v1/reports/clearing-statistics`. */
export const clearingStatisticsRoute = defineRoute({
  operationId: 'getClearingStatistics',
  method: 'get',
  path: '/v1/reports/clearing-statistics',
  summary: 'Clearing statistics per seller, day, payment method and currency',
  description: `Counts, volumes, fees, net amounts, approval rate, decline reasons and authorization latency of the payments created on the days \`from\`..\`to\` (UTC), in the order day, seller, method, currency. Computed by streaming the payments one day at a time (never a day in memory). ${SCOPE} \`to\` before \`from\` or more than ${MAX_STATISTICS_DAYS} days on is 422 \`date_range_invalid\`; a cursor this API did not issue is 422 \`invalid_cursor\`. With \`format=csv\`, every row as CSV (amounts as decimals with the currency's digits).`,
  tags: ['Reports'],
  roles: ['seller', 'operator'],
  query: clearingStatisticsQuery,
  responses: {
    '200': {
      description: 'One page of rows (JSON), or every row as CSV.',
      schema: z
        .object({ data: z.array(clearingStatisticsRowSchema), nextCursor: z.string().nullable() })
        .meta({ id: 'ClearingStatisticsPage' }),
      media: { 'text/csv': { schema: { type: 'string' } } },
      headers: DOWNLOAD_HEADERS,
    },
    ...errorResponses(400, 401, 422),
  },
});

/** `GET /v1/reports/daily-clearing`. */
export const dailyClearingReportRoute = defineRoute({
  operationId: 'getDailyClearingReport',
  method: 'get',
  path: '/v1/reports/daily-clearing',
  summary: 'The daily clearing report, as CSV or PDF',
  description: `The clearing statistics of one UTC day, a row per seller, method and currency, with totals per currency; streamed as a download. ${SCOPE}`,
  tags: ['Reports'],
  roles: ['seller', 'operator'],
  query: dailyClearingQuery,
  responses: {
    '200': {
      description: 'The report.',
      media: {
        'text/csv': { schema: { type: 'string' } },
        'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } },
      },
      headers: DOWNLOAD_HEADERS,
    },
    ...errorResponses(400, 401, 422),
  },
});

const DOWNLOAD_MEDIA = {
  'text/csv': { schema: { type: 'string' } },
  'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } },
};

/** `GET /v1/reports/settlement-statement`. */
export const settlementStatementRoute = defineRoute({
  operationId: 'getSettlementStatement',
  method: 'get',
  path: '/v1/reports/settlement-statement',
  summary: "A seller's settlement statement of one batch, as CSV or PDF",
  description:
    "The batch, its cut-off, and each payment of the seller settled in it (order, payment reference, method, gross, fee, net in the currency's ISO 4217 decimals, the line's status, the payout's status and the fee schedule version it was priced with), with totals per currency (payments, gross, fees, net payout); the PDF adds each payout's outcome at the bank (accepted or rejected by pacs.002, returned by pacs.004). Streamed from the batch's lines. Operators see any batch (`sellerId` is required for a batch of several sellers: 422 `seller_required`); a seller sees only its own lines, and a batch without any of them is 404 `batch_not_found`, as a batch that does not exist (naming another seller is 403).",
  tags: ['Reports'],
  roles: ['seller', 'operator'],
  query: settlementStatementQuery,
  responses: {
    '200': { description: 'The statement.', media: DOWNLOAD_MEDIA, headers: DOWNLOAD_HEADERS },
    ...errorResponses(400, 401, 404, 422),
  },
});

/** `GET /v1/reports/reconciliation`. */
export const reconciliationReportRoute = defineRoute({
  operationId: 'getReconciliationReport',
  method: 'get',
  path: '/v1/reports/reconciliation',
  summary: 'The reconciliation report of one run, as CSV or PDF',
  description:
    "The statement day and settlement account, the bank's lines against the ledger's, every item with its class (MATCHED, AMOUNT_MISMATCH, MISSING_IN_BANK, MISSING_IN_LEDGER, DUPLICATE, TIMING), bank and ledger amounts and their difference, each break's exception state (OPEN, ASSIGNED, RESOLVED) and the correction applied (action, rule, rule set version, journal id and amount), with totals per class and currency and per currency. Streamed from the run's items. Operators only; an unknown run is 404 `run_not_found`.",
  tags: ['Reports'],
  roles: ['operator'],
  query: reconciliationReportQuery,
  responses: {
    '200': { description: 'The report.', media: DOWNLOAD_MEDIA, headers: DOWNLOAD_HEADERS },
    ...errorResponses(400, 401, 404),
  },
});

/** `GET /v1/transactions`. */
export const transactionSearchRoute = defineRoute({
  operationId: 'searchTransactions',
  method: 'get',
  path: '/v1/transactions',
  summary: 'Search payments, newest first',
  description: `Payments by seller, status, method, currency, creation time and amount, newest first. ${SCOPE} \`cursor\` is the \`nextCursor\` of the previous page; another one is 422 \`invalid_cursor\`.`,
  tags: ['Reports'],
  roles: ['seller', 'operator'],
  query: transactionSearchQuery,
  responses: {
    '200': {
      description: 'One page of payments.',
      schema: z
        .object({ data: z.array(transactionSchema), nextCursor: z.string().nullable() })
        .meta({ id: 'TransactionPage' }),
    },
    ...errorResponses(400, 401, 422),
  },
});

/** The reports' routes, in the document's order. */
export const REPORT_ROUTES = [
  clearingStatisticsRoute,
  dailyClearingReportRoute,
  settlementStatementRoute,
  reconciliationReportRoute,
  transactionSearchRoute,
] as const;
