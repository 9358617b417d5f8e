// The API's OpenAPI 3.1 description, written by hand next to the routes and schemas it describes, and served at
// GET /openapi.json. A test checks that every route of the app appears here; keep both in step.

import { WEBHOOK_DELIVERY_STATES } from '../contracts/webhook-delivery-contract';
import { ORDER_STATUSES, PARTY_ROLES, SHIPMENT_EVENT_TYPES } from '../domain/order';
import { MAX_AMOUNT_MINOR } from '../domain/money';
import { withConsole } from './console-openapi';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency';
import { MAX_DEADLINE_MS, MAX_KEY_GRACE_SECONDS, MIN_DEADLINE_MS } from './schemas';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const response = (name: string): Json => ({ $ref: `#/components/responses/${name}` });
const jsonContent = (schema: Json): Json => ({ 'application/json': { schema } });
const id: Json = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' };
const text = (maxLength: number, description?: string): Json => ({
  type: 'string',
  minLength: 1,
  maxLength,
  ...(description ? { description } : {}),
});
const isoDate: Json = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' };
const dateTime: Json = { type: 'string', format: 'date-time' };
const object = (properties: Json, required: string[] = [], extra: Json = {}): Json => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  ...extra,
});

/** Error answers shared by routes, by HTTP status. */
const ERROR_RESPONSES: Record<string, string> = {
  '400': 'BadRequest',
  '401': 'Unauthorized',
  '403': 'Forbidden',
  '404': 'NotFound',
  '409': 'Conflict',
  '413': 'PayloadTooLarge',
  '415': 'UnsupportedMediaType',
  '422': 'IdempotencyKeyReused',
  '429': 'RateLimited',
  '500': 'ServerError',
  '502': 'UpstreamError',
  '503': 'ServiceUnavailable',
  '504': 'UpdateTimeout',
};

/**
 * The error responses of an operation: the given statuses, plus 500 and 503 that every operation may answer, and for
 * an authenticated one (it answers 401) 403 `party_disabled` and 429 `rate_limited`.
 */
function errors(...statuses: string[]): Json {
  const authenticated = statuses.includes('401') ? ['403', '429'] : [];
  return Object.fromEntries(
    [...new Set([...statuses, ...authenticated, '500', '503'])].map((status) => [
      status,
      response(ERROR_RESPONSES[status] ?? 'ServerError'),
    ]),
  );
}

/** Errors every authenticated POST with a body can answer. */
const POST_ERRORS = ['400', '401', '403', '409', '413', '415', '422'];

/** The parameters naming a party and one of its API keys. */
const PARTY_ID = { $ref: '#/components/parameters/PartyId' };
const KEY_ID = {
  name: 'keyId',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^key_[A-Za-z0-9]{1,64}$' },
};

/** `POST /v1/parties/{partyId}/disable` or `/enable`. */
function partyStatusChange(disable: boolean): Json {
  return {
    post: {
      operationId: disable ? 'disableParty' : 'enableParty',
      summary: disable ? 'Disable a party (operators only)' : 'Enable a disabled party (operators only)',
      description: disable
        ? "None of the party's keys is accepted any more (403 `party_disabled`): at once in the API process that answered, within `API_KEY_CACHE_MS` (default 5 s) in every other. Its orders go on; an operator cannot disable itself (409 `cannot_disable_self`)."
        : "The party's working keys are accepted again (within `API_KEY_CACHE_MS` in other API processes).",
      tags: ['Parties'],
      parameters: [PARTY_ID, { $ref: '#/components/parameters/IdempotencyKey' }],
      requestBody: { required: false, content: jsonContent(ref('PartyStatusRequest')) },
      responses: {
        '200': { description: 'The party after the change.', content: jsonContent(ref('PartyAccount')) },
        ...errors(...POST_ERRORS, '404'),
      },
    },
  };
}

function orderAction(options: {
  operationId: string;
  summary: string;
  description: string;
  roles: string;
  request: string;
  ok?: Json;
  extraResponses?: Json;
}): Json {
  return {
    post: {
      operationId: options.operationId,
      summary: options.summary,
      description: `${options.description}\n\nAllowed: ${options.roles}. Answers synchronously with the order's new state as the caller may see it (a Temporal Update, within \`API_UPDATE_TIMEOUT_MS\`, else 504 \`update_timeout\`). Each step takes one answer: of concurrent copies the first wins and the others get 409. Rejections by the order: 409 \`conflict_error\` at the wrong step (e.g. \`order_not_at_step\`, \`already_answered\`, \`order_needs_attention\`), 403 for a party not entitled, 400 for a rule the answer breaks.`,
      tags: ['Order actions'],
      parameters: [{ $ref: '#/components/parameters/OrderId' }, { $ref: '#/components/parameters/IdempotencyKey' }],
      requestBody: { required: true, content: jsonContent(ref(options.request)) },
      responses: {
        '200': options.ok ?? { description: 'The order after the action.', content: jsonContent(ref('Order')) },
        ...options.extraResponses,
        ...errors(...POST_ERRORS, '404', '502', '504'),
      },
    },
  };
}

/** Builds the OpenAPI 3.1 document. */
export function openApiDocument(): Json {
  return withConsole({
    openapi: '3.1.0',
    info: {
      title: 'settleflow API',
      version: '0.1.0',
      description:
        "Runs a B2B order (seller, customer, supplier, carriers, payment gateway) from placement to settlement as one durable workflow per order. Amounts are integers in minor units with an ISO 4217 currency. Errors have Stripe's shape `{ error: { type, code, message, param } }`. Every POST accepts an `Idempotency-Key` header.",
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: 'http://127.0.0.1:3000' }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: 'System' },
      { name: 'Parties' },
      { name: 'Orders' },
      { name: 'Order actions' },
      { name: 'Inbox' },
      { name: 'Webhooks' },
    ],
    paths: {
      '/health': {
        get: {
          operationId: 'getHealth',
          summary: 'Whether the API reaches MongoDB and Temporal',
          tags: ['System'],
          security: [],
          responses: {
            '200': { description: 'Both dependencies answer.', content: jsonContent(ref('Health')) },
            '503': {
              description: 'A dependency does not answer; the body names it.',
              content: jsonContent(ref('Health')),
            },
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          tags: ['System'],
          security: [],
          responses: { '200': { description: 'The OpenAPI 3.1 document.', content: jsonContent({ type: 'object' }) } },
        },
      },
      '/v1/parties': {
        post: {
          operationId: 'createParty',
          summary: 'Register a party (operators only)',
          description:
            "Issues the party's API key, and a webhook signing secret when a webhookUrl is given. Both are shown in this answer only.",
          tags: ['Parties'],
          parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
          requestBody: { required: true, content: jsonContent(ref('CreatePartyRequest')) },
          responses: {
            '201': { description: 'The party with its credentials.', content: jsonContent(ref('RegisteredParty')) },
            ...errors(...POST_ERRORS),
          },
        },
      },
      '/v1/parties/me': {
        get: {
          operationId: 'getCurrentParty',
          summary: 'The calling party',
          tags: ['Parties'],
          responses: {
            '200': { description: 'The party.', content: jsonContent(ref('Party')) },
            ...errors('401'),
          },
        },
      },
      '/v1/parties/{partyId}': {
        get: {
          operationId: 'getParty',
          summary: 'A party and whether it is disabled (operators only)',
          tags: ['Parties'],
          parameters: [PARTY_ID],
          responses: {
            '200': { description: 'The party.', content: jsonContent(ref('PartyAccount')) },
            ...errors('401', '403', '404'),
          },
        },
      },
      '/v1/parties/{partyId}/disable': partyStatusChange(true),
      '/v1/parties/{partyId}/enable': partyStatusChange(false),
      '/v1/parties/{partyId}/keys': {
        get: {
          operationId: 'listApiKeys',
          summary: "A party's API keys, newest first (operators only)",
          description: 'Ids, prefixes and states only: never a key or its digest.',
          tags: ['Parties'],
          parameters: [PARTY_ID],
          responses: {
            '200': { description: 'The keys.', content: jsonContent(ref('ApiKeyList')) },
            ...errors('401', '403', '404'),
          },
        },
        post: {
          operationId: 'issueApiKey',
          summary: 'Issue a new API key for a party (operators only)',
          description:
            "The new key is in this answer only. The party's other working keys keep working for `graceSeconds` (default 0: they stop at once), so a client can switch without downtime.",
          tags: ['Parties'],
          parameters: [PARTY_ID, { $ref: '#/components/parameters/IdempotencyKey' }],
          requestBody: { required: false, content: jsonContent(ref('IssueApiKeyRequest')) },
          responses: {
            '201': { description: 'The new key, shown once.', content: jsonContent(ref('IssuedApiKey')) },
            ...errors(...POST_ERRORS, '404'),
          },
        },
      },
      '/v1/parties/{partyId}/keys/{keyId}': {
        delete: {
          operationId: 'revokeApiKey',
          summary: "Revoke one of a party's API keys (operators only)",
          description:
            'The key is refused (401) at once in the API process that answered, within `API_KEY_CACHE_MS` (default 5 s) in every other. Revoking a revoked key answers it unchanged.',
          tags: ['Parties'],
          parameters: [PARTY_ID, KEY_ID],
          responses: {
            '200': { description: 'The revoked key.', content: jsonContent(ref('ApiKey')) },
            ...errors('401', '403', '404'),
          },
        },
      },
      '/v1/orders': {
        post: {
          operationId: 'placeOrder',
          summary: 'Place an order (sellers only; step 1)',
          description:
            "The caller is the seller. Customer, supplier and carriers must be registered parties with those roles (else 400 `unknown_party`). Starts the order's workflow; a taken orderId is 409 `order_exists`.",
          tags: ['Orders'],
          parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
          requestBody: { required: true, content: jsonContent(ref('PlaceOrderRequest')) },
          responses: {
            '201': {
              description: 'The order as placed.',
              headers: { Location: { description: "The order's URL.", schema: { type: 'string' } } },
              content: jsonContent(ref('Order')),
            },
            ...errors(...POST_ERRORS),
          },
        },
        get: {
          operationId: 'listOrders',
          summary: 'List orders, newest first',
          description:
            'Operators see every order. Other parties see only the orders they are on: the filter of their role is forced to themselves, and asking for another party in it is 403.',
          tags: ['Orders'],
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string', enum: ORDER_STATUSES } },
            { name: 'sellerId', in: 'query', schema: id },
            { name: 'customerId', in: 'query', schema: id },
            { name: 'supplierId', in: 'query', schema: id },
            { name: 'carrierId', in: 'query', schema: id },
            ...['minTotal', 'maxTotal'].map((name) => ({
              name,
              in: 'query',
              description: 'Total in minor units, inclusive (operators, sellers and customers; else 403).',
              schema: { type: 'integer', minimum: 0, maximum: MAX_AMOUNT_MINOR },
            })),
            ...['placedFrom', 'placedTo'].map((name) => ({
              name,
              in: 'query',
              description: 'Placed at or after placedFrom, before placedTo.',
              schema: { type: 'string', format: 'date-time' },
            })),
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
            {
              name: 'cursor',
              in: 'query',
              description: 'nextCursor of the previous page; anything else is 400 `invalid_cursor`.',
              schema: { type: 'string', maxLength: 512 },
            },
          ],
          responses: {
            '200': { description: 'One page of orders.', content: jsonContent(ref('OrderList')) },
            ...errors('400', '401', '403'),
          },
        },
      },
      '/v1/orders/{orderId}': {
        get: {
          operationId: 'getOrder',
          summary: 'One order',
          description: 'For the parties on the order and operators.',
          tags: ['Orders'],
          parameters: [{ $ref: '#/components/parameters/OrderId' }],
          responses: {
            '200': { description: 'The order.', content: jsonContent(ref('Order')) },
            ...errors('401', '403', '404'),
          },
        },
      },
      '/v1/orders/{orderId}/supplier-answer': orderAction({
        operationId: 'answerSupplierInquiry',
        summary: 'Answer the supplier inquiry (step 3)',
        description:
          'An available answer must reserve exactly the ordered quantities of every sku (400 `reservation_mismatch`) and name a reservationId.',
        roles: "the order's supplier",
        request: 'SupplierAnswerRequest',
      }),
      '/v1/orders/{orderId}/carrier-answer': orderAction({
        operationId: 'answerTransportInquiry',
        summary: 'Answer the transport inquiry (step 5)',
        description:
          "An acceptance needs pickupDate, deliveryDate (not before pickup), route, method and a price in the order's currency. Each carrier answers once (409 `already_answered`).",
        roles: 'a candidate carrier of the order',
        request: 'CarrierAnswerRequest',
      }),
      '/v1/orders/{orderId}/shipment-events': orderAction({
        operationId: 'reportShipmentEvent',
        summary: 'Report a shipment event (step 7)',
        description: 'picked_up, in_transit, delivered, in that order, each once.',
        roles: 'the chosen carrier of the order',
        request: 'ShipmentEventRequest',
      }),
      '/v1/orders/{orderId}/payment-notification': orderAction({
        operationId: 'notifyPayment',
        summary: 'Pay the order by card (step 7)',
        description:
          'The card is checked (12 to 19 digits with a Luhn check digit, else 400 `invalid_card_number`), sealed, and charged by the gateway. The card number and CVC are never stored or logged.',
        roles: "the order's customer",
        request: 'PaymentNotificationRequest',
        ok: { description: 'The payment was captured.', content: jsonContent(ref('PaymentResult')) },
        extraResponses: {
          '202': {
            description:
              'The bank did not answer in time: the payment is `UNKNOWN` and the order `NEEDS_ATTENTION` until an operator finds out. Do not pay again.',
            content: jsonContent(ref('PaymentResult')),
          },
          '402': {
            description:
              "The card was declined; `error.code` is always `card_declined` (the bank's reason stays with the order for the seller and operators). After `PAYMENT_MAX_ATTEMPTS` declines the order is cancelled as `PAYMENT_FAILED` and further notifications are 409 `payment_attempts_exhausted`.",
            content: jsonContent(ref('PaymentDeclined')),
          },
          '429': response('RateLimited'),
        },
      }),
      '/v1/orders/{orderId}/settlement-confirmation': orderAction({
        operationId: 'confirmSettlement',
        summary: 'Confirm or dispute the settlement (step 9)',
        description: 'confirmed=false opens a dispute for an operator and needs a reason.',
        roles: "the order's seller",
        request: 'SettlementConfirmationRequest',
      }),
      '/v1/orders/{orderId}/cancel': orderAction({
        operationId: 'cancelOrder',
        summary: 'Cancel the order before pickup',
        description: 'Releases the reservation, cancels the transport and voids or refunds a payment as needed.',
        roles: "the order's customer or seller, or an operator",
        request: 'CancelRequest',
      }),
      '/v1/orders/{orderId}/dispute-resolution': orderAction({
        operationId: 'resolveDispute',
        summary: 'Resolve a disputed settlement',
        description: 'CLOSE closes the deal as settled; REFUND refunds the customer and cancels the order.',
        roles: 'operators',
        request: 'DisputeResolutionRequest',
      }),
      '/v1/orders/{orderId}/attention-resolution': orderAction({
        operationId: 'resolveAttention',
        summary: 'Act on an order in NEEDS_ATTENTION',
        description:
          'RETRY re-runs the bank call whose outcome is unknown (same reference: money moves at most once); CANCEL refunds or voids what was taken, runs the compensations and cancels as `CANCELLED_BY_OPERATOR`; EXTEND gives an overdue delivery or dispute `extendMs` more. 409 `action_not_applicable` for an action the attention reason does not admit.',
        roles: 'operators',
        request: 'AttentionResolutionRequest',
      }),
      '/v1/inbox': {
        get: {
          operationId: 'listInbox',
          summary: "The caller's notices, newest first",
          description:
            'Each notice has `open`: an inquiry is open while its order still waits for this party. `open=true` (or false) filters on it, looking through the newest 500 notices.',
          tags: ['Inbox'],
          parameters: [
            { name: 'orderId', in: 'query', schema: id },
            { name: 'open', in: 'query', schema: { type: 'string', enum: ['true', 'false'] } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          ],
          responses: {
            '200': { description: 'The notices.', content: jsonContent(ref('Inbox')) },
            ...errors('400', '401'),
          },
        },
      },
      '/v1/webhook-deliveries': {
        get: {
          operationId: 'listWebhookDeliveries',
          summary: 'Webhook deliveries, newest first',
          description:
            "One record per notice sent to a webhook: `PENDING` while being tried, `DELIVERED`, or `FAILED` once given up (`lastError` says what failed, in settleflow's words; never the receiver's answer). Operators see every delivery; a party sees only its own (asking for another recipient is 403).",
          tags: ['Webhooks'],
          parameters: [
            { name: 'state', in: 'query', schema: { type: 'string', enum: WEBHOOK_DELIVERY_STATES } },
            { name: 'recipientId', in: 'query', schema: id },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
            {
              name: 'cursor',
              in: 'query',
              description: 'nextCursor of the previous page; anything else is 400 `invalid_cursor`.',
              schema: { type: 'string', maxLength: 512 },
            },
          ],
          responses: {
            '200': { description: 'One page of deliveries.', content: jsonContent(ref('WebhookDeliveryList')) },
            ...errors('400', '401', '403'),
          },
        },
      },
      '/v1/webhook-deliveries/{noticeId}/redeliver': {
        post: {
          operationId: 'redeliverWebhook',
          summary: 'Deliver a failed webhook again (operators, or its recipient)',
          description:
            "Starts a new delivery of a `FAILED` one, with the full retry schedule. Idempotent: while a delivery of the notice is running, asking again starts nothing and answers it. A delivered one is 409 `webhook_already_delivered`; an unknown or another party's is 404 `webhook_delivery_not_found`.",
          tags: ['Webhooks'],
          parameters: [
            {
              name: 'noticeId',
              in: 'path',
              required: true,
              schema: { type: 'string', pattern: '^[A-Za-z0-9_:-]{1,200}$' },
            },
            { $ref: '#/components/parameters/IdempotencyKey' },
          ],
          requestBody: { required: false, content: jsonContent(object({})) },
          responses: {
            '202': { description: 'The delivery, now pending.', content: jsonContent(ref('WebhookDelivery')) },
            ...errors(...POST_ERRORS, '404'),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: "The party's API key (`sf_<role>_...`)." },
      },
      parameters: {
        OrderId: { name: 'orderId', in: 'path', required: true, schema: id },
        PartyId: { name: 'partyId', in: 'path', required: true, schema: id },
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Makes the POST safe to retry: the key is reserved before the request runs, so of concurrent copies one runs and the others get 409 `idempotency_key_in_progress` while it runs. The same key with the same body then replays the first answer (header `Idempotent-Replayed: true`); after a 5xx (or 504) it runs again. With another body it is 422 `idempotency_key_reused` in every case. A reservation whose request died is free again after `IDEMPOTENCY_LOCK_MS`; keys are kept `IDEMPOTENCY_TTL_HOURS` and scoped by caller.',
          schema: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH },
        },
      },
      responses: {
        BadRequest: {
          description:
            "Invalid request: `invalid_json`, `parameter_missing`, `parameter_invalid`, `parameter_unknown`, `unknown_party`, `invalid_cursor`, `invalid_card_number`, `invalid_idempotency_key`, `webhook_url_refused` or a domain rule's code; `param` names the field.",
          content: jsonContent(ref('Error')),
        },
        Unauthorized: {
          description: 'Missing or invalid API key (`authentication_error`).',
          headers: { 'WWW-Authenticate': { schema: { type: 'string' } } },
          content: jsonContent(ref('Error')),
        },
        Forbidden: {
          description:
            "The caller's role or party may not do this (`permission_error` `forbidden`), or the caller's party is disabled (`party_disabled`).",
          content: jsonContent(ref('Error')),
        },
        NotFound: { description: 'No such order or route (`not_found_error`).', content: jsonContent(ref('Error')) },
        Conflict: {
          description:
            '`conflict_error` (`order_exists`, `party_exists`, `cannot_disable_self`, `order_not_at_step`, `already_answered`, ...) or `idempotency_error` `idempotency_key_in_progress`.',
          content: jsonContent(ref('Error')),
        },
        PayloadTooLarge: { description: 'The body exceeds the size limit.', content: jsonContent(ref('Error')) },
        UnsupportedMediaType: { description: 'The body is not JSON.', content: jsonContent(ref('Error')) },
        IdempotencyKeyReused: {
          description:
            'The Idempotency-Key was used with another request (`idempotency_key_reused`), whatever its outcome, a 5xx included.',
          content: jsonContent(ref('Error')),
        },
        RateLimited: {
          description:
            'The API key has made more than `API_RATE_PER_MINUTE` requests this minute, or the customer or order more than `PAYMENT_RATE_PER_MINUTE` payment notifications (`rate_limited`); retry after `Retry-After` seconds.',
          headers: {
            'Retry-After': { description: 'Seconds until the key may call again.', schema: { type: 'integer' } },
            'RateLimit-Limit': { schema: { type: 'integer' } },
            'RateLimit-Remaining': { schema: { type: 'integer' } },
            'RateLimit-Reset': { description: 'Seconds until the budget refills.', schema: { type: 'integer' } },
          },
          content: jsonContent(ref('Error')),
        },
        ServerError: { description: 'Our failure (`api_error`); safe to retry.', content: jsonContent(ref('Error')) },
        UpstreamError: {
          description: 'The order workflow failed in a way the API cannot map (`upstream_error`).',
          content: jsonContent(ref('Error')),
        },
        ServiceUnavailable: {
          description: 'Temporal or MongoDB is unreachable (`service_unavailable`); retry shortly.',
          content: jsonContent(ref('Error')),
        },
        UpdateTimeout: {
          description:
            'The order did not answer within `API_UPDATE_TIMEOUT_MS` (`update_timeout`); retrying with the same Idempotency-Key attaches to the same Update and returns its outcome.',
          content: jsonContent(ref('Error')),
        },
      },
      schemas: {
        Error: object({ error: ref('ErrorDetail') }, ['error']),
        ErrorDetail: object(
          {
            type: {
              type: 'string',
              enum: [
                'invalid_request_error',
                'authentication_error',
                'permission_error',
                'not_found_error',
                'conflict_error',
                'idempotency_error',
                'card_error',
                'api_error',
              ],
            },
            code: { type: 'string' },
            message: { type: 'string' },
            param: { type: ['string', 'null'], description: 'The field at fault, in dot notation.' },
          },
          ['type', 'code', 'message', 'param'],
        ),
        Health: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['ok', 'unavailable'] },
            temporal: { type: 'string', enum: ['ok', 'unavailable'] },
            database: { type: 'string', enum: ['ok', 'unavailable'] },
            error: ref('ErrorDetail'),
          },
          required: ['status', 'temporal', 'database'],
        },
        Money: object(
          {
            amount: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Minor units.' },
            currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217.' },
          },
          ['amount', 'currency'],
        ),
        Party: {
          type: 'object',
          properties: {
            id,
            role: { type: 'string', enum: PARTY_ROLES },
            name: { type: 'string' },
            webhookUrl: { type: 'string', format: 'uri' },
          },
          required: ['id', 'role', 'name'],
        },
        RegisteredParty: {
          allOf: [
            ref('Party'),
            {
              type: 'object',
              properties: {
                apiKey: { type: 'string', description: 'Shown once.' },
                apiKeyId: { type: 'string', description: 'The id of the key (`key_...`), to revoke it.' },
                webhookSecret: { type: 'string', description: 'Standard Webhooks secret; shown once.' },
              },
              required: ['apiKey', 'apiKeyId'],
            },
          ],
        },
        PartyAccount: {
          allOf: [
            ref('Party'),
            {
              type: 'object',
              properties: { disabled: { type: 'boolean' }, disabledAt: dateTime },
              required: ['disabled'],
            },
          ],
        },
        ApiKey: {
          type: 'object',
          properties: {
            id: { type: 'string', description: '`key_...`' },
            partyId: id,
            prefix: { type: 'string', description: 'The first characters of the key, to tell keys apart.' },
            createdAt: dateTime,
            expiresAt: { ...dateTime, description: 'When a superseded key stops (or stopped) working.' },
            revokedAt: dateTime,
            active: { type: 'boolean', description: 'Whether the key is accepted now.' },
          },
          required: ['id', 'partyId', 'prefix', 'createdAt', 'active'],
        },
        IssuedApiKey: {
          allOf: [
            ref('ApiKey'),
            {
              type: 'object',
              properties: { apiKey: { type: 'string', description: 'Shown once.' } },
              required: ['apiKey'],
            },
          ],
        },
        ApiKeyList: {
          type: 'object',
          properties: { data: { type: 'array', items: ref('ApiKey') } },
          required: ['data'],
        },
        IssueApiKeyRequest: object({
          graceSeconds: {
            type: 'integer',
            minimum: 0,
            maximum: MAX_KEY_GRACE_SECONDS,
            default: 0,
            description: "How long the party's other keys keep working.",
          },
        }),
        PartyStatusRequest: object({}),
        CreatePartyRequest: object(
          {
            id: { ...id, description: 'Generated (`pty_...`) when absent.' },
            role: { type: 'string', enum: PARTY_ROLES },
            name: text(200),
            webhookUrl: {
              type: 'string',
              format: 'uri',
              maxLength: 2048,
              description:
                'https (http only where WEBHOOK_ALLOW_PRIVATE=true). Refused with 400 `webhook_url_refused` when it is or resolves to a link-local, multicast, unspecified, broadcast, reserved or cloud metadata address, or a loopback or private one without WEBHOOK_ALLOW_PRIVATE.',
            },
          },
          ['role', 'name'],
        ),
        OrderItem: object(
          {
            sku: text(64),
            description: text(500),
            quantity: { type: 'integer', minimum: 1, maximum: 1_000_000 },
            unitPrice: ref('Money'),
          },
          ['sku', 'description', 'quantity', 'unitPrice'],
        ),
        ShipTo: object(
          {
            name: text(200),
            line1: text(200),
            line2: text(200),
            city: text(100),
            postalCode: text(20),
            country: { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2.' },
          },
          ['name', 'line1', 'city', 'postalCode', 'country'],
        ),
        Deadlines: object(
          {
            supplierAnswerMs: { type: 'integer' },
            carrierAnswerMs: { type: 'integer' },
            paymentMs: { type: 'integer', description: 'Counted from the order confirmation.' },
            deliveryMs: {
              type: 'integer',
              description: 'Counted from the confirmation; overdue (once paid) is NEEDS_ATTENTION `DELIVERY_OVERDUE`.',
            },
            sellerConfirmationMs: {
              type: 'integer',
              description: 'Counted from the transfer notice; no answer in time counts as confirmed.',
            },
            disputeResolutionMs: {
              type: 'integer',
              description: 'Counted from the dispute; unresolved in time is NEEDS_ATTENTION `DISPUTE_OVERDUE`.',
            },
          },
          [
            'supplierAnswerMs',
            'carrierAnswerMs',
            'paymentMs',
            'deliveryMs',
            'sellerConfirmationMs',
            'disputeResolutionMs',
          ],
        ),
        PlaceOrderRequest: object(
          {
            orderId: { ...id, description: 'Generated (`ord_...`, time-sortable) when absent.' },
            customerId: id,
            supplierId: id,
            carrierIds: { type: 'array', items: id, minItems: 1, maxItems: 10, uniqueItems: true },
            items: { type: 'array', items: ref('OrderItem'), minItems: 1, maxItems: 100 },
            shipTo: ref('ShipTo'),
            deadlines: object(
              Object.fromEntries(
                [
                  'supplierAnswerMs',
                  'carrierAnswerMs',
                  'paymentMs',
                  'deliveryMs',
                  'sellerConfirmationMs',
                  'disputeResolutionMs',
                ].map((name) => [name, { type: 'integer', minimum: MIN_DEADLINE_MS, maximum: MAX_DEADLINE_MS }]),
              ),
              [],
              { description: 'Overrides of the configured default deadlines, in milliseconds.' },
            ),
          },
          ['customerId', 'supplierId', 'carrierIds', 'items', 'shipTo'],
        ),
        TimelineEntry: {
          type: 'object',
          properties: {
            step: { type: 'integer', minimum: 1, maximum: 10 },
            name: { type: 'string' },
            actor: { type: 'string' },
            at: dateTime,
            outcome: { type: 'string' },
          },
          required: ['step', 'name', 'actor', 'at', 'outcome'],
        },
        CarrierQuote: {
          type: 'object',
          properties: {
            carrierId: id,
            accepted: { type: 'boolean' },
            pickupDate: isoDate,
            deliveryDate: isoDate,
            route: { type: 'string' },
            method: { type: 'string' },
            price: ref('Money'),
            answeredAt: dateTime,
          },
          required: ['carrierId', 'accepted', 'answeredAt'],
        },
        PaymentAttempt: {
          type: 'object',
          properties: {
            attempt: { type: 'integer' },
            method: { type: 'string', const: 'card' },
            brand: { type: 'string' },
            last4: { type: 'string' },
            amount: ref('Money'),
            status: { type: 'string', enum: ['CAPTURED', 'DECLINED', 'UNKNOWN'] },
            declineCode: { type: 'string' },
            authorizationId: { type: 'string' },
            captureId: { type: 'string' },
            at: dateTime,
          },
          required: ['attempt', 'method', 'brand', 'last4', 'amount', 'status', 'at'],
        },
        Settlement: {
          type: 'object',
          properties: {
            transferNoticeId: { type: 'string' },
            settlementNoteId: { type: 'string' },
            gross: ref('Money'),
            fee: ref('Money'),
            net: ref('Money'),
            settledAt: dateTime,
          },
          required: ['transferNoticeId', 'settlementNoteId', 'gross', 'fee', 'net', 'settledAt'],
        },
        Order: {
          type: 'object',
          description:
            "The order as the caller's role sees it (README, Who sees what): sellers of the order and operators get every field; customers, suppliers and carriers get an allow-listed subset, so only `orderId` is always present.",
          properties: {
            orderId: id,
            status: { type: 'string', enum: ORDER_STATUSES },
            sellerId: id,
            customerId: id,
            supplierId: id,
            carrierIds: { type: 'array', items: id },
            carrierId: { ...id, description: 'The chosen carrier, once chosen.' },
            items: {
              type: 'array',
              items: {
                type: 'object',
                description: 'Suppliers and carriers get each item without `unitPrice`.',
                properties: {
                  sku: text(64),
                  description: text(500),
                  quantity: { type: 'integer' },
                  unitPrice: ref('Money'),
                },
                required: ['sku', 'description', 'quantity'],
              },
            },
            total: ref('Money'),
            transportCost: ref('Money'),
            quoteOutcome: {
              type: 'string',
              enum: ['AWAITING_ANSWER', 'PENDING', 'SELECTED', 'NOT_SELECTED'],
              description: "A candidate carrier's view only: where its quote stands.",
            },
            delivery: {
              type: 'object',
              description: "The customer's and the supplier's view once a carrier is chosen.",
              properties: { carrierId: id, pickupDate: isoDate, deliveryDate: isoDate },
            },
            shipTo: ref('ShipTo'),
            deadlines: {
              ...ref('Deadlines'),
              description: 'Sellers and operators get every deadline; other roles only the ones they answer to.',
            },
            placedAt: dateTime,
            updatedAt: dateTime,
            supplierAnswer: {
              type: 'object',
              properties: {
                available: { type: 'boolean' },
                reservationId: { type: 'string' },
                items: { type: 'array', items: { type: 'object' } },
                answeredAt: dateTime,
              },
            },
            quotes: { type: 'array', items: ref('CarrierQuote') },
            shipment: {
              type: 'object',
              properties: {
                events: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { type: { type: 'string', enum: SHIPMENT_EVENT_TYPES }, at: dateTime },
                  },
                },
              },
            },
            payments: { type: 'array', items: ref('PaymentAttempt') },
            settlement: ref('Settlement'),
            sellerConfirmation: {
              type: 'object',
              properties: { confirmed: { type: 'boolean' }, reason: { type: 'string' }, at: dateTime },
            },
            disputeResolution: {
              type: 'object',
              properties: {
                resolution: { type: 'string', enum: ['CLOSE', 'REFUND'] },
                operatorId: id,
                note: { type: 'string' },
                at: dateTime,
              },
            },
            compensations: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  type: {
                    type: 'string',
                    enum: ['RESERVATION_RELEASED', 'TRANSPORT_CANCELLED', 'PAYMENT_VOIDED', 'PAYMENT_REFUNDED'],
                  },
                  at: dateTime,
                },
              },
            },
            cancellationReason: { type: 'string' },
            cancellationDetail: { type: 'string' },
            attention: {
              type: 'object',
              description: 'Set while the order is NEEDS_ATTENTION.',
              properties: {
                reason: {
                  type: 'string',
                  enum: ['PAYMENT_UNKNOWN', 'PAYOUT_UNKNOWN', 'REFUND_UNKNOWN', 'DELIVERY_OVERDUE', 'DISPUTE_OVERDUE'],
                },
                since: dateTime,
                detail: { type: 'string' },
              },
            },
            attentionResolutions: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  reason: { type: 'string' },
                  action: { type: 'string', enum: ['RETRY', 'CANCEL', 'EXTEND'] },
                  operatorId: id,
                  note: { type: 'string' },
                  extendMs: { type: 'integer' },
                  at: dateTime,
                },
              },
            },
            timeline: { type: 'array', items: ref('TimelineEntry') },
            version: { type: 'integer' },
          },
          required: ['orderId'],
        },
        OrderList: {
          type: 'object',
          properties: {
            data: { type: 'array', items: ref('Order') },
            nextCursor: { type: ['string', 'null'] },
          },
          required: ['data', 'nextCursor'],
        },
        Notice: {
          type: 'object',
          properties: {
            noticeId: { type: 'string' },
            kind: { type: 'string' },
            orderId: id,
            recipientId: id,
            actionRequired: { type: 'boolean' },
            open: { type: 'boolean', description: 'An inquiry the order still waits for this party to answer.' },
            at: dateTime,
            payload: { type: 'object' },
          },
          required: ['noticeId', 'kind', 'orderId', 'recipientId', 'actionRequired', 'open', 'at', 'payload'],
        },
        Inbox: {
          type: 'object',
          properties: { data: { type: 'array', items: ref('Notice') } },
          required: ['data'],
        },
        WebhookDelivery: object(
          {
            noticeId: { type: 'string' },
            recipientId: id,
            state: { type: 'string', enum: WEBHOOK_DELIVERY_STATES },
            attempts: { type: 'integer', minimum: 0, description: 'Over the first delivery and every redelivery.' },
            redeliveries: { type: 'integer', minimum: 0 },
            lastError: {
              type: ['string', 'null'],
              description: 'What failed last, e.g. `HTTP 500`, `timeout after 10000 ms`, `address refused: ...`.',
            },
            createdAt: dateTime,
            updatedAt: dateTime,
            deliveredAt: { type: ['string', 'null'], format: 'date-time' },
          },
          ['noticeId', 'recipientId', 'state', 'attempts', 'redeliveries', 'lastError', 'createdAt', 'updatedAt'],
        ),
        WebhookDeliveryList: object(
          {
            data: { type: 'array', items: ref('WebhookDelivery') },
            nextCursor: { type: ['string', 'null'] },
          },
          ['data', 'nextCursor'],
        ),
        SupplierAnswerRequest: object(
          {
            available: { type: 'boolean' },
            reservationId: text(128),
            items: {
              type: 'array',
              maxItems: 100,
              default: [],
              items: object({ sku: text(64), quantity: { type: 'integer', minimum: 1, maximum: 1_000_000 } }, [
                'sku',
                'quantity',
              ]),
            },
          },
          ['available'],
        ),
        CarrierAnswerRequest: object(
          {
            accepted: { type: 'boolean' },
            pickupDate: isoDate,
            deliveryDate: isoDate,
            route: text(500),
            method: text(100),
            price: ref('Money'),
          },
          ['accepted'],
        ),
        ShipmentEventRequest: object({ type: { type: 'string', enum: SHIPMENT_EVENT_TYPES } }, ['type']),
        Card: object(
          {
            number: { type: 'string', pattern: '^\\d{12,19}$', description: 'With a valid Luhn check digit.' },
            expMonth: { type: 'integer', minimum: 1, maximum: 12 },
            expYear: { type: 'integer', minimum: 1000, maximum: 9999 },
            cvc: { type: 'string', pattern: '^\\d{3,4}$' },
          },
          ['number', 'expMonth', 'expYear', 'cvc'],
        ),
        PaymentNotificationRequest: object({ method: { type: 'string', const: 'card' }, card: ref('Card') }, [
          'method',
          'card',
        ]),
        PaymentResult: {
          type: 'object',
          properties: { order: ref('Order'), payment: ref('PaymentAttempt') },
          required: ['order', 'payment'],
        },
        PaymentDeclined: {
          type: 'object',
          properties: {
            error: ref('ErrorDetail'),
            order: ref('Order'),
            payment: ref('PaymentAttempt'),
          },
          required: ['error', 'order', 'payment'],
        },
        SettlementConfirmationRequest: object(
          {
            confirmed: { type: 'boolean' },
            reason: text(1000, 'Required when confirmed is false.'),
          },
          ['confirmed'],
        ),
        CancelRequest: object({ reason: text(1000) }),
        DisputeResolutionRequest: object(
          { resolution: { type: 'string', enum: ['CLOSE', 'REFUND'] }, note: text(1000) },
          ['resolution'],
        ),
        AttentionResolutionRequest: object(
          {
            action: { type: 'string', enum: ['RETRY', 'CANCEL', 'EXTEND'] },
            note: text(1000),
            extendMs: {
              type: 'integer',
              minimum: MIN_DEADLINE_MS,
              maximum: MAX_DEADLINE_MS,
              description: 'Required with EXTEND, refused otherwise.',
            },
          },
          ['action'],
        ),
      },
    },
  });
}
