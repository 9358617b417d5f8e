// The zod schemas of what the API answers: the error shape, the order as a role sees it, parties, keys, notices and
// webhook deliveries. They describe answers for the OpenAPI document (and the contract test checks answers against
// it); they never validate or reshape an answer at run time, so a field added to a view must be added here too.
// Objects are open (extra fields allowed): a client must ignore fields it does not know.

import { z } from 'zod';
import { WEBHOOK_DELIVERY_STATES } from '../contracts/webhook-delivery-contract';
import { ORDER_STATUSES, PARTY_ROLES, SHIPMENT_EVENT_TYPES } from '../domain/order';
import { idSchema, moneySchema, shipToSchema } from './schemas';

const dateTime = z.iso.datetime({ offset: true });
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** Stripe's error types, the first thing a client branches on. */
export const ERROR_TYPES = [
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'conflict_error',
  'idempotency_error',
  'card_error',
  'api_error',
] as const;

/** The body of every error answer's `error`. */
export const errorDetailSchema = z
  .object({
    type: z.enum(ERROR_TYPES),
    code: z.string().describe('Stable, machine-readable: branch on it.'),
    message: z.string().describe('For people; may change.'),
    param: z.string().nullable().describe('The field or header at fault, in dot notation.'),
  })
  .meta({ id: 'ErrorDetail' });

/** Every error answer: `{ error: { type, code, message, param } }`. */
export const errorSchema = z.object({ error: errorDetailSchema }).meta({ id: 'Error' });

/** `GET /health`. */
export const healthSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    temporal: z.enum(['ok', 'unavailable']),
    database: z.enum(['ok', 'unavailable']),
    error: errorDetailSchema.optional(),
  })
  .meta({ id: 'Health' });

/** A party as it sees itself. */
export const partySchema = z
  .object({
    id: idSchema,
    role: z.enum(PARTY_ROLES),
    name: z.string(),
    webhookUrl: z.string().optional(),
  })
  .meta({ id: 'Party' });

/** A newly registered party, with its credentials shown once. */
export const registeredPartySchema = partySchema
  .extend({
    apiKey: z.string().describe('Shown once.'),
    apiKeyId: z.string().describe('The id of the key (`key_...`), to revoke it.'),
    webhookSecret: z.string().optional().describe('Standard Webhooks secret; shown once.'),
  })
  .meta({ id: 'RegisteredParty' });

/** A party as operators manage it. */
export const partyAccountSchema = partySchema
  .extend({ disabled: z.boolean(), disabledAt: dateTime.optional() })
  .meta({ id: 'PartyAccount' });

/** An API key's id, prefix and state: never the key or its digest. */
export const apiKeySchema = z
  .object({
    id: z.string().describe('`key_...`'),
    partyId: idSchema,
    prefix: z.string().describe('The first characters of the key, to tell keys apart.'),
    createdAt: dateTime,
    expiresAt: dateTime.optional().describe('When a superseded key stops (or stopped) working.'),
    revokedAt: dateTime.optional(),
    active: z.boolean().describe('Whether the key is accepted now.'),
  })
  .meta({ id: 'ApiKey' });

/** A new API key, shown once. */
export const issuedApiKeySchema = apiKeySchema.extend({ apiKey: z.string() }).meta({ id: 'IssuedApiKey' });

/** `GET /v1/parties/{partyId}/keys`. */
export const apiKeyListSchema = z.object({ data: z.array(apiKeySchema) }).meta({ id: 'ApiKeyList' });

const deadline = z.int();

/** A payment attempt as the caller may see it (customers never get `declineCode`). */
export const paymentAttemptSchema = z
  .object({
    attempt: z.int(),
    method: z.enum(['card', 'echeck', 'ecash']),
    brand: z.string(),
    last4: z.string(),
    amount: moneySchema,
    status: z.enum(['AUTHORIZED', 'CAPTURED', 'DECLINED', 'UNKNOWN']),
    declineCode: z.string().optional(),
    authorizationId: z.string().optional(),
    captureId: z.string().optional(),
    at: dateTime,
  })
  .meta({ id: 'PaymentAttempt' });

const carrierQuoteSchema = z
  .object({
    carrierId: idSchema,
    accepted: z.boolean(),
    pickupDate: isoDate.optional(),
    deliveryDate: isoDate.optional(),
    route: z.string().optional(),
    method: z.string().optional(),
    price: moneySchema.optional(),
    answeredAt: dateTime,
  })
  .meta({ id: 'CarrierQuote' });

/**
 * The order as the caller's role sees it (README, Who sees what): sellers of the order and operators get every field;
 * customers, suppliers and carriers an allow-listed subset, so only `orderId` is always present.
 */
export const orderSchema = z
  .object({
    orderId: idSchema,
    status: z.enum(ORDER_STATUSES).optional(),
    sellerId: idSchema.optional(),
    customerId: idSchema.optional(),
    supplierId: idSchema.optional(),
    carrierIds: z.array(idSchema).optional(),
    carrierId: idSchema.optional().describe('The chosen carrier, once chosen.'),
    items: z
      .array(
        z.object({
          sku: z.string(),
          description: z.string(),
          quantity: z.int(),
          unitPrice: moneySchema.optional().describe('Not in suppliers’ and carriers’ views.'),
        }),
      )
      .optional(),
    total: moneySchema.optional(),
    transportCost: moneySchema.optional(),
    quoteOutcome: z
      .enum(['AWAITING_ANSWER', 'PENDING', 'SELECTED', 'NOT_SELECTED'])
      .optional()
      .describe("A candidate carrier's view only: where its quote stands."),
    delivery: z
      .object({ carrierId: idSchema.optional(), pickupDate: isoDate.optional(), deliveryDate: isoDate.optional() })
      .optional()
      .describe("The customer's and the supplier's view once a carrier is chosen."),
    shipTo: shipToSchema.optional(),
    deadlines: z
      .object({
        supplierAnswerMs: deadline.optional(),
        carrierAnswerMs: deadline.optional(),
        paymentMs: deadline.optional(),
        deliveryMs: deadline.optional(),
        sellerConfirmationMs: deadline.optional(),
        disputeResolutionMs: deadline.optional(),
      })
      .optional()
      .describe('Sellers and operators get every deadline; other roles only the ones they answer to.'),
    placedAt: dateTime.optional(),
    updatedAt: dateTime.optional(),
    supplierAnswer: z
      .object({
        available: z.boolean(),
        reservationId: z.string().optional(),
        items: z.array(z.object({ sku: z.string(), quantity: z.int() })).optional(),
        answeredAt: dateTime.optional(),
      })
      .optional(),
    quotes: z.array(carrierQuoteSchema).optional(),
    shipment: z.object({ events: z.array(z.object({ type: z.enum(SHIPMENT_EVENT_TYPES), at: dateTime })) }).optional(),
    payments: z.array(paymentAttemptSchema).optional(),
    settlement: z
      .object({
        transferNoticeId: z.string(),
        settlementNoteId: z.string(),
        gross: moneySchema,
        fee: moneySchema,
        net: moneySchema,
        settledAt: dateTime,
        batchId: z.string().optional().describe('The settlement batch that paid the order out.'),
        lineId: z.string().optional().describe("The order's line in that batch."),
      })
      .optional(),
    sellerConfirmation: z.object({ confirmed: z.boolean(), reason: z.string().optional(), at: dateTime }).optional(),
    disputeResolution: z
      .object({
        resolution: z.enum(['CLOSE', 'REFUND']),
        operatorId: idSchema,
        note: z.string().optional(),
        at: dateTime,
      })
      .optional(),
    compensations: z
      .array(
        z.object({
          type: z.enum(['RESERVATION_RELEASED', 'TRANSPORT_CANCELLED', 'PAYMENT_VOIDED', 'PAYMENT_REFUNDED']),
          at: dateTime,
        }),
      )
      .optional(),
    cancellationReason: z.string().optional(),
    cancellationDetail: z.string().optional(),
    attention: z
      .object({ reason: z.string(), since: dateTime, detail: z.string() })
      .optional()
      .describe('Set while the order is NEEDS_ATTENTION.'),
    attentionResolutions: z
      .array(
        z.object({
          reason: z.string(),
          action: z.enum(['RETRY', 'CANCEL', 'EXTEND']),
          operatorId: idSchema,
          note: z.string().optional(),
          extendMs: z.int().optional(),
          at: dateTime,
        }),
      )
      .optional(),
    timeline: z
      .array(
        z.object({
          step: z.int().min(1).max(10),
          name: z.string(),
          actor: z.string(),
          at: dateTime,
          outcome: z.string(),
        }),
      )
      .optional(),
    version: z.int().optional(),
  })
  .meta({ id: 'Order' });

/** One page of orders. */
export const orderListSchema = z
  .object({ data: z.array(orderSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'OrderList' });

/** The answer to a payment notification that was captured (200) or whose outcome is unknown (202). */
export const paymentResultSchema = z
  .object({ order: orderSchema, payment: paymentAttemptSchema })
  .meta({ id: 'PaymentResult' });

/** The answer to a declined payment (402): the error, and the order and attempt as the customer sees them. */
export const paymentDeclinedSchema = z
  .object({ error: errorDetailSchema, order: orderSchema, payment: paymentAttemptSchema })
  .meta({ id: 'PaymentDeclined' });

/** A notice in a party's inbox. */
export const noticeSchema = z
  .object({
    noticeId: z.string(),
    kind: z.string(),
    orderId: idSchema,
    recipientId: idSchema,
    actionRequired: z.boolean(),
    open: z.boolean().describe('An inquiry the order still waits for this party to answer.'),
    at: dateTime,
    payload: z.record(z.string(), z.unknown()),
    signature: z
      .string()
      .optional()
      .describe(
        "Transfer notices and settlement notes: the gateway's compact JWS (ES256, `typ: settleflow-notice+jws`, `kid` in its header) over the notice's canonical payload (order, seller, batch, amounts in minor units, currency, issued-at). Verify it with `/.well-known/jwks.json` and trust the JWS payload, not the unsigned fields.",
      ),
  })
  .meta({ id: 'Notice' });

/** `GET /v1/inbox`. */
export const inboxSchema = z.object({ data: z.array(noticeSchema) }).meta({ id: 'Inbox' });

/** One webhook delivery record. */
export const webhookDeliverySchema = z
  .object({
    noticeId: z.string(),
    recipientId: idSchema,
    state: z.enum(WEBHOOK_DELIVERY_STATES),
    attempts: z.int().min(0).describe('Over the first delivery and every redelivery.'),
    redeliveries: z.int().min(0),
    lastError: z
      .string()
      .nullable()
      .describe('What failed last, e.g. `HTTP 500`, `timeout after 10000 ms`, `address refused: ...`.'),
    createdAt: dateTime,
    updatedAt: dateTime,
    deliveredAt: dateTime.nullable(),
  })
  .meta({ id: 'WebhookDelivery' });

/** One page of webhook deliveries. */
export const webhookDeliveryListSchema = z
  .object({ data: z.array(webhookDeliverySchema), nextCursor: z.string().nullable() })
  .meta({ id: 'WebhookDeliveryList' });
