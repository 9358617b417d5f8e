// The zod schemas of the console's routes: the requests they accept (the edge where untrusted JSON becomes typed
// values) and the answers they give (for the OpenAPI document, which the console's API client is typed from).
// Declarations only: no I/O.

import { z } from 'zod';
import { MAX_AMOUNT_MINOR } from '../domain/money';
import { ORDER_STATUSES, PARTY_ROLES } from '../domain/order';
import { PAYMENT_STATUSES } from '../domain/payment';
import { partyAccountSchema } from './response-schemas';
import { ID_PATTERN, MAX_DEADLINE_MS, MIN_DEADLINE_MS, idSchema } from './schemas';

/** Most sellers with settings of their own. */
export const MAX_SELLER_SETTINGS = 1000;

const dateTime = z.iso.datetime({ offset: true });
const deadlineMs = z.int().min(MIN_DEADLINE_MS).max(MAX_DEADLINE_MS);
const feeSchema = z.strictObject({
  bps: z.int().min(0).max(10_000),
  fixedMinor: z.int().min(0).max(MAX_AMOUNT_MINOR),
});

/** `POST /v1/session`. */
export const signInBody = z.strictObject({ apiKey: z.string().min(1).max(200) }).meta({ id: 'SignInRequest' });

/** The signed-in session as the console reads it. */
export const sessionSchema = z
  .object({
    party: z.object({ id: z.string(), role: z.enum(PARTY_ROLES), name: z.string() }),
    expiresAt: dateTime,
    csrfToken: z.string().describe('Send as `X-CSRF-Token` on every request that changes something.'),
    workflowUrlTemplate: z
      .string()
      .nullable()
      .describe(
        "Operators: an order's workflow in Temporal UI, `{orderId}` to fill in (null without TEMPORAL_UI_URL).",
      ),
  })
  .meta({ id: 'Session' });

/** `GET /v1/parties` query string. */
export const listPartiesQuery = z.strictObject({
  role: z.enum(PARTY_ROLES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: idSchema.optional(),
});

/** One page of parties. */
export const partyListSchema = z
  .object({ data: z.array(partyAccountSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'PartyList' });

/** `PATCH /v1/parties/:partyId`: a new name, a new webhook URL, or `null` to remove it. */
export const updatePartyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    webhookUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .nullable()
      .optional(),
  })
  .refine((body) => body.name !== undefined || body.webhookUrl !== undefined, {
    message: 'send name or webhookUrl',
    params: { code: 'parameter_missing' },
  })
  .meta({ id: 'UpdatePartyRequest' });

/** A party after an edit, with its new webhook secret when one was issued (shown once). */
export const updatedPartySchema = partyAccountSchema
  .extend({ webhookSecret: z.string().optional().describe('Issued with the first webhook URL; shown once.') })
  .meta({ id: 'UpdatedParty' });

/** The settings document an operator writes. */
export const gatewaySettingsSchema = z
  .strictObject({
    defaultDeadlines: z
      .strictObject({
        supplierAnswerMs: deadlineMs.optional(),
        carrierAnswerMs: deadlineMs.optional(),
        paymentMs: deadlineMs.optional(),
        deliveryMs: deadlineMs.optional(),
        sellerConfirmationMs: deadlineMs.optional(),
        disputeResolutionMs: deadlineMs.optional(),
      })
      .default({}),
    paymentMaxAttempts: z.int().min(1).max(50).optional(),
    gatewayFee: feeSchema.optional(),
    sellers: z
      .record(
        z.string().regex(ID_PATTERN, 'must be a party id'),
        z.strictObject({
          fee: feeSchema.optional(),
          capture: z.enum(['IMMEDIATE', 'ON_SHIPMENT']).optional().describe('Stored only.'),
        }),
      )
      .refine((sellers) => Object.keys(sellers).length <= MAX_SELLER_SETTINGS, {
        message: `at most ${MAX_SELLER_SETTINGS} sellers`,
      })
      .default({}),
  })
  .meta({ id: 'GatewaySettings' });

/** `PUT /v1/settings`. */
export const putSettingsBody = z
  .strictObject({ version: z.int().min(0), settings: gatewaySettingsSchema })
  .meta({ id: 'PutSettingsRequest' });

const deadlinesSchema = z.object({
  supplierAnswerMs: z.int(),
  carrierAnswerMs: z.int(),
  paymentMs: z.int(),
  deliveryMs: z.int(),
  sellerConfirmationMs: z.int(),
  disputeResolutionMs: z.int(),
});
const effectiveSchema = z.object({
  defaultDeadlines: deadlinesSchema,
  paymentMaxAttempts: z.int(),
  gatewayFee: z.object({ bps: z.int(), fixedMinor: z.int() }),
});

/** The settings with their version, the configuration's defaults and what new orders get. */
export const settingsSchema = z
  .object({
    settings: gatewaySettingsSchema,
    version: z.int(),
    updatedAt: dateTime.optional(),
    updatedBy: z.string().optional(),
    defaults: effectiveSchema,
    effective: effectiveSchema,
    storedOnly: z.array(z.string()),
    takesEffectWithinMs: z.int(),
  })
  .meta({ id: 'Settings' });

/** `GET /v1/settings/audit` query string. */
export const settingsAuditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.coerce.number().int().min(1).optional(),
});

/** One page of the settings' audit trail. */
export const settingsAuditListSchema = z
  .object({
    data: z.array(
      z.object({
        version: z.int(),
        at: dateTime,
        operatorId: z.string(),
        changes: z.array(z.object({ path: z.string(), from: z.unknown().optional(), to: z.unknown().optional() })),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'SettingsAuditList' });

const latencySchema = z.object({
  count: z.number().describe('Answers observed by this API process.'),
  p50Ms: z.number().nullable().describe('Estimated from the histogram buckets, as histogram_quantile does.'),
  p99Ms: z.number().nullable(),
});
const nullableDateTime = dateTime.nullable();

/** `GET /v1/monitoring/summary`. */
export const monitoringSummarySchema = z
  .object({
    generatedAt: dateTime,
    sources: z
      .array(
        z.object({
          name: z.enum(['api', 'worker', 'gateway']),
          state: z.enum(['up', 'unreachable', 'not_configured']),
          error: z.string().optional(),
        }),
      )
      .describe("Where the metrics came from: the API's own registry and each worker's /metrics."),
    byStatus: z
      .array(z.object({ status: z.enum(ORDER_STATUSES), count: z.number().nullable() }))
      .describe('`settleflow_orders{status}`; null until the read model has been counted.'),
    throughput: z
      .array(z.object({ minute: dateTime, placed: z.number(), closed: z.number() }))
      .describe('Growth of `settleflow_orders` (all statuses, and CLOSED plus CANCELLED) per minute, last 60 minutes.'),
    throughputSince: nullableDateTime.describe(
      'The oldest reading of the order counts kept (the history starts then).',
    ),
    payments: z
      .object({
        captured: z.number(),
        authorized: z.number(),
        declined: z.number(),
        unknown: z.number(),
        approvalRate: z.number().nullable(),
        declineReasons: z.array(z.object({ code: z.string(), count: z.number() })),
      })
      .describe('`settleflow_payments_total` of this API process: payment notifications answered by outcome.'),
    answerLatency: z
      .object({ supplier: latencySchema, carrier: latencySchema })
      .describe('`settleflow_party_answer_seconds{role}`: from the inquiry to the answer.'),
    bankLink: z
      .object({
        state: z.enum(['up', 'down', 'unknown']).describe("unknown: the gateway worker's /metrics did not answer."),
        connection: z.string().nullable().describe('connecting, signing_on, ready, backing_off or closed.'),
        signedOn: z.boolean().nullable(),
        signedOnAt: nullableDateTime,
        lastEchoAt: nullableDateTime,
        inFlight: z.number().nullable(),
        reversalsPending: z.number().nullable(),
      })
      .describe("The gateway worker's `settleflow_bank_link_*` and `settleflow_bank_reversals_pending` gauges."),
    webhookAttempts: z
      .object({ delivered: z.number(), retry: z.number(), failed: z.number() })
      .nullable()
      .describe("The order worker's `settleflow_webhook_attempts_total`; null when its /metrics did not answer."),
  })
  .meta({ id: 'MonitoringSummary' });

/** `GET /v1/orders/:orderId/notices`. */
export const orderNoticesSchema = z
  .object({
    data: z.array(
      z.object({
        noticeId: z.string(),
        kind: z.string(),
        recipientId: z.string(),
        actionRequired: z.boolean(),
        at: z.string(),
      }),
    ),
  })
  .meta({ id: 'OrderNotices' });

const minorMoney = z.object({ amount: z.int(), currency: z.string() });

/** `GET /v1/orders/:orderId/ledger`: the order's journals, the balance they leave per account, its card payments. */
export const orderLedgerSchema = z
  .object({
    orderId: z.string(),
    journals: z.array(
      z.object({
        journalId: z.string(),
        kind: z.string().describe('AUTHORIZATION, CAPTURE, VOID, SETTLEMENT or REFUND.'),
        at: dateTime,
        legs: z.array(z.object({ account: z.string(), direction: z.enum(['DEBIT', 'CREDIT']), amount: minorMoney })),
      }),
    ),
    balances: z
      .array(z.object({ account: z.string(), currency: z.string(), balanceMinor: z.int() }))
      .describe('Per account and currency over these journals: debits positive, credits negative.'),
    payments: z
      .array(
        z.object({
          paymentId: z.string(),
          attempt: z.int(),
          status: z.enum(PAYMENT_STATUSES as [string, ...string[]]),
          captureMode: z.enum(['at_delivery', 'immediate']),
          amount: minorMoney,
          authorizedMinor: z.int(),
          capturedMinor: z.int(),
          refundedMinor: z.int(),
          declineCode: z.string().optional(),
          last4: z.string(),
        }),
      )
      .describe("The gateway's card payments of the order (masked: the last four digits only), oldest first."),
  })
  .meta({ id: 'OrderLedger' });
