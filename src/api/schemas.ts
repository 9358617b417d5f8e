// The zod schemas of every request body, query string and header the API accepts: the edge where untrusted JSON
// becomes typed values, and the only description of a request's shape (the OpenAPI document is generated from them,
// see openapi.ts). Objects are strict (unknown keys are a 400, so a typo never passes silently). What JSON Schema can
// state is stated here and answered 400 when broken; rules it cannot state (a Luhn check digit) are refinements,
// answered 422, as are rules that need the order or the database (known parties, matching reservations).

import { z } from 'zod';
import { WEBHOOK_DELIVERY_STATES } from '../contracts/webhook-delivery-contract';
import { ORDER_STATUSES, PARTY_ROLES, SHIPMENT_EVENT_TYPES } from '../domain/order';
import { MAX_AMOUNT_MINOR } from '../domain/money';
import { fromZodError } from './api-error';
import { isValidIban } from '../iso20022/identifiers';
import { CURRENCIES } from '../iso8583/currencies';
import { isValidCardNumber } from './card';

/** Order and party ids: what may appear in a URL path and a Temporal workflow id. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Shortest deadline an order may set: anything shorter cannot be answered by a person. */
export const MIN_DEADLINE_MS = 1000;

/** Longest deadline an order may set (one year): keeps timers and dates far from overflow. */
export const MAX_DEADLINE_MS = 366 * 24 * 60 * 60 * 1000;

/**
 * The ISO 4217 codes the gateway settles: those its ISO 8583 profile carries (src/iso8583/currencies.ts). An order in
 * another currency could be placed but never paid, so it is refused at the door (the document lists them).
 */
const SETTLED_CURRENCIES = CURRENCIES.map((spec) => spec.alpha) as [string, ...string[]];

/**
 * Contains a character JavaScript's `trim` keeps: spelled out (not `\S`) so that every regex dialect reading the
 * document (schemathesis's Python, say) agrees with the API on what blank means.
 */
const NOT_BLANK = /[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

/** A party or order id. */
export const idSchema = z.string().regex(ID_PATTERN, 'must be 1 to 64 letters, digits, _ or -');
const id = idSchema;

/**
 * A party's own id: an id other than `me`, which names the caller in `/v1/parties/me` and its sub-paths (a party
 * called "me" could never be read at `/v1/parties/{partyId}`). Spelled as one pattern so that the OpenAPI document
 * says it too: schemathesis, generating "me" for `{partyId}`, reached `/v1/parties/me` and checked its answer against
 * getParty's.
 */
export const PARTY_ID_PATTERN = /^(?!me$)[A-Za-z0-9_-]{1,64}$/;
export const partyIdSchema = z
  .string()
  .regex(PARTY_ID_PATTERN, 'must be 1 to 64 letters, digits, _ or -, and not "me"');

/** Free text: its length is checked as sent, then it is trimmed; blank text is refused. */
const text = (max: number) => z.string().min(1).max(max).regex(NOT_BLANK, 'must not be blank').trim();

/** An amount in integer minor units of an ISO 4217 currency. */
export const moneySchema = z
  .strictObject({
    amount: z.int().min(0).max(MAX_AMOUNT_MINOR),
    currency: z.enum(SETTLED_CURRENCIES, {
      error: `must be an ISO 4217 currency code the gateway settles: ${SETTLED_CURRENCIES.join(', ')}`,
    }),
  })
  .meta({
    id: 'Money',
    description: 'An amount in integer minor units of an ISO 4217 currency the gateway settles.',
  });

/** The delivery address of an order. */
export const shipToSchema = z
  .strictObject({
    name: text(200),
    line1: text(200),
    line2: text(200).optional(),
    city: text(100),
    postalCode: text(20),
    country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as DE'),
  })
  .meta({ id: 'ShipTo' });

/** The `Idempotency-Key` header: 1 to 255 printable ASCII characters. */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters');

/** `POST /v1/parties`. */
export const createPartyBody = z
  .strictObject({
    id: partyIdSchema.optional(),
    role: z.enum(PARTY_ROLES),
    name: text(200),
    webhookUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
  })
  .meta({ id: 'CreatePartyRequest' });

/** Longest grace period during which a party's old API keys keep working after a new one is issued (7 days). */
export const MAX_KEY_GRACE_SECONDS = 7 * 24 * 60 * 60;

/** `POST /v1/parties/:partyId/keys`. */
export const issueApiKeyBody = z
  .strictObject({
    graceSeconds: z.int().min(0).max(MAX_KEY_GRACE_SECONDS).default(0),
  })
  .meta({ id: 'IssueApiKeyRequest' });

/** `POST /v1/parties/:partyId/disable` and `/enable`: no fields. */
export const partyStatusBody = z.strictObject({}).meta({ id: 'PartyStatusRequest' });

const deadlineMs = z.int().min(MIN_DEADLINE_MS).max(MAX_DEADLINE_MS);

/** `POST /v1/orders`; the seller is the caller, never a field. */
export const placeOrderBody = z
  .strictObject({
    orderId: id.optional(),
    customerId: id,
    supplierId: id,
    carrierIds: z.array(id).min(1).max(10),
    items: z
      .array(
        z.strictObject({
          sku: text(64),
          description: text(500),
          quantity: z.int().min(1).max(1_000_000),
          unitPrice: moneySchema,
        }),
      )
      .min(1)
      .max(100),
    shipTo: shipToSchema,
    deadlines: z
      .strictObject({
        supplierAnswerMs: deadlineMs.optional(),
        carrierAnswerMs: deadlineMs.optional(),
        paymentMs: deadlineMs.optional(),
        deliveryMs: deadlineMs.optional(),
        sellerConfirmationMs: deadlineMs.optional(),
        disputeResolutionMs: deadlineMs.optional(),
      })
      .optional(),
  })
  .meta({ id: 'PlaceOrderRequest' });

/** `POST /v1/orders/:orderId/supplier-answer`. */
export const supplierAnswerBody = z
  .strictObject({
    available: z.boolean(),
    reservationId: text(128).optional(),
    items: z
      .array(z.strictObject({ sku: text(64), quantity: z.int().min(1).max(1_000_000) }))
      .max(100)
      .default([]),
  })
  .meta({ id: 'SupplierAnswerRequest' });

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

/** `POST /v1/orders/:orderId/carrier-answer`. */
export const carrierAnswerBody = z
  .strictObject({
    accepted: z.boolean(),
    pickupDate: isoDate.optional(),
    deliveryDate: isoDate.optional(),
    route: text(500).optional(),
    method: text(100).optional(),
    price: moneySchema.optional(),
  })
  .meta({ id: 'CarrierAnswerRequest' });

/** `POST /v1/orders/:orderId/shipment-events`. */
export const shipmentEventBody = z
  .strictObject({
    type: z.enum(SHIPMENT_EVENT_TYPES),
  })
  .meta({ id: 'ShipmentEventRequest' });

/** The card as the customer sends it; never logged, stored or put into workflow history in clear. */
export const cardSchema = z
  .strictObject({
    number: z
      .string()
      .regex(/^\d{12,19}$/, 'must be 12 to 19 digits')
      .superRefine((value, ctx) => {
        if (!isValidCardNumber(value)) {
          ctx.addIssue({
            code: 'custom',
            message: 'is not a valid card number (its last digit is not the Luhn check digit)',
            params: { code: 'invalid_card_number' },
          });
        }
      }),
    expMonth: z.int().min(1).max(12),
    expYear: z.int().min(2000).max(2099).describe('Four digits; ISO 8583 carries the expiry as YYMM, so 2000 to 2099.'),
    cvc: z.string().regex(/^\d{3,4}$/, 'must be 3 or 4 digits'),
  })
  .meta({ id: 'Card' });

/** A card payment: authorized through the bank host (ISO 8583); `method` may be left out (card is the default). */
export const cardPaymentNotification = z
  .strictObject({
    method: z.literal('card').optional().describe('`card` (the default when absent).'),
    card: cardSchema,
  })
  .meta({ id: 'CardPaymentNotification' });

/** An electronic check: the customer's account, collected by an ISO 20022 direct debit that clears, then settles. */
export const echeckPaymentNotification = z
  .strictObject({
    method: z.literal('echeck'),
    echeck: z.strictObject({
      iban: z
        .string()
        .regex(/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/, 'must be an IBAN in capitals without spaces')
        .superRefine((value, ctx) => {
          if (!isValidIban(value)) {
            ctx.addIssue({
              code: 'custom',
              message: 'is not a valid IBAN (its check digits do not match)',
              params: { code: 'invalid_iban' },
            });
          }
        })
        .describe("The customer's account to debit."),
      accountHolder: text(70).describe("The account holder's name."),
    }),
  })
  .meta({ id: 'EcheckPaymentNotification' });

/** Electronic cash: paid from one of the customer's wallets at the gateway (POST /v1/wallets). */
export const ecashPaymentNotification = z
  .strictObject({
    method: z.literal('ecash'),
    ecash: z.strictObject({
      walletId: z
        .string()
        .regex(/^wal_[a-f0-9]{24}$/, 'must be a wallet id (wal_...)')
        .describe("One of the customer's wallets."),
    }),
  })
  .meta({ id: 'EcashPaymentNotification' });

/** The plain payment notification: one body per payment method, told apart by `method`. */
export const plainPaymentNotification = z
  .discriminatedUnion('method', [cardPaymentNotification, echeckPaymentNotification, ecashPaymentNotification])
  .meta({ id: 'PlainPaymentNotification' });

const base64url = /^[A-Za-z0-9_-]+$/;

/**
 * The signed payment notification (README, Payment notifications): the order information in clear for the API, the
 * payment instruction encrypted to the gateway, and the customer's dual signature over both.
 */
export const signedPaymentNotification = z
  .strictObject({
    orderInformation: z
      .strictObject({
        orderId: id.describe('The order paid: the one in the path.'),
        amount: z
          .strictObject({ amount: z.int().min(1), currency: z.string().regex(/^[A-Z]{3}$/) })
          .describe("The order's total, as the order states it."),
        method: z.enum(['card', 'echeck', 'ecash']).describe('The payment method of the instruction.'),
      })
      .describe('What settleflow reads and checks against the order.'),
    paymentInstruction: z
      .string()
      .max(16_384)
      .refine(
        (value) =>
          value.split('.').length === 5 &&
          value.split('.').every((part, i) => i === 1 || i === 2 || base64url.test(part)),
        {
          message: 'must be a compact JWE',
        },
      )
      .describe(
        "The card, account or wallet (`{method, card|echeck|ecash}` as in the plain form) encrypted to the gateway's payment-instruction key from GET /.well-known/jwks.json: a compact JWE, RSA-OAEP-256 with A256GCM, its `kid` in the header. Only the gateway can open it.",
      ),
    dualSignature: z
      .string()
      .max(4_096)
      .refine((value) => value.split('.').length === 3 && value.split('.').every((part) => base64url.test(part)), {
        message: 'must be a compact JWS',
      })
      .describe(
        "The customer's compact JWS (ES256, `kid` of a key registered at POST /v1/parties/me/keys) over `{dh, jti, iat}`: dh is base64url SHA-256(SHA-256(OI) || SHA-256(PI)), OI the order information's canonical JSON (orderId, amount {amount, currency}, method in that order), PI the JWE as sent.",
      ),
  })
  .meta({ id: 'SignedPaymentNotification' });

/** `POST /v1/orders/:orderId/payment-notification`: the signed form, or (ALLOW_PLAIN_CARD) the plain one. */
export const paymentNotificationBody = z
  .union([plainPaymentNotification, signedPaymentNotification])
  .meta({ id: 'PaymentNotificationRequest' });

/** `POST /v1/orders/:orderId/settlement-confirmation`; a dispute must say why. */
export const settlementConfirmationBody = z
  .discriminatedUnion('confirmed', [
    z.strictObject({ confirmed: z.literal(true), reason: text(1000).optional() }),
    z.strictObject({ confirmed: z.literal(false), reason: text(1000).describe('Why the settlement is disputed.') }),
  ])
  .meta({ id: 'SettlementConfirmationRequest' });

/** `POST /v1/orders/:orderId/cancel`. */
export const cancelBody = z
  .strictObject({
    reason: text(1000).optional(),
  })
  .meta({ id: 'CancelRequest' });

/** `POST /v1/orders/:orderId/dispute-resolution`. */
export const disputeResolutionBody = z
  .strictObject({
    resolution: z.enum(['CLOSE', 'REFUND']),
    note: text(1000).optional(),
  })
  .meta({ id: 'DisputeResolutionRequest' });

/** `POST /v1/orders/:orderId/attention-resolution`; `extendMs` only (and required) with `EXTEND`. */
export const attentionResolutionBody = z
  .discriminatedUnion('action', [
    z.strictObject({ action: z.enum(['RETRY', 'CANCEL']), note: text(1000).optional() }),
    z.strictObject({ action: z.literal('EXTEND'), note: text(1000).optional(), extendMs: deadlineMs }),
  ])
  .meta({ id: 'AttentionResolutionRequest' });

const limit = z.coerce.number().int().min(1).max(100).default(20);

/** `GET /v1/orders` query string. */
export const listOrdersQuery = z.strictObject({
  status: z.enum(ORDER_STATUSES).optional(),
  sellerId: id.optional(),
  customerId: id.optional(),
  supplierId: id.optional(),
  carrierId: id.optional(),
  minTotal: z.coerce.number().int().min(0).max(MAX_AMOUNT_MINOR).optional(),
  maxTotal: z.coerce.number().int().min(0).max(MAX_AMOUNT_MINOR).optional(),
  placedFrom: z.iso.datetime({ offset: true }).optional(),
  placedTo: z.iso.datetime({ offset: true }).optional(),
  limit,
  cursor: z.string().min(1).max(512).optional(),
});

/** `GET /v1/inbox` query string. */
export const inboxQuery = z.strictObject({
  orderId: id.optional(),
  open: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
  limit,
});

/** Notice ids (`<orderId>:<KIND>:<recipientId>`), as they appear in a webhook-deliveries URL. */
export const NOTICE_ID_PATTERN = /^[A-Za-z0-9_:-]{1,200}$/;

/** `GET /v1/webhook-deliveries` query string. */
export const listWebhookDeliveriesQuery = z.strictObject({
  state: z.enum(WEBHOOK_DELIVERY_STATES).optional(),
  recipientId: id.optional(),
  limit,
  cursor: z.string().min(1).max(512).optional(),
});

/** `POST /v1/webhook-deliveries/:noticeId/redeliver`: no fields. */
export const redeliverWebhookBody = z.strictObject({}).meta({ id: 'RedeliverWebhookRequest' });

/**
 * Parses untrusted input with a schema.
 * @throws ApiError 400 naming the first invalid field
 */
export function parseRequest<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw fromZodError(result.error, input);
  return result.data;
}

/** Path parameters naming an order. */
export const orderPathParams = z.strictObject({ orderId: idSchema });

/** Path parameters naming a party. */
export const partyPathParams = z.strictObject({ partyId: partyIdSchema });

/** Path parameters naming one of a party's API keys. */
export const apiKeyPathParams = z.strictObject({
  partyId: partyIdSchema,
  keyId: z.string().regex(/^key_[A-Za-z0-9]{1,64}$/),
});

/** Path parameters naming a notice's webhook delivery. */
export const noticePathParams = z.strictObject({ noticeId: z.string().regex(NOTICE_ID_PATTERN) });
