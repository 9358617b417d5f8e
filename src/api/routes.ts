// Every operation of the HTTP API, declared once (see route-registry.ts for how to add one): the routers mount these
// declarations and openapi.ts documents them. Descriptions here are the API reference's text.

import { z } from 'zod';
import type { RouteResponse, RouteSpec } from './route-registry';
import { CODEC_ROUTES } from './codec-routes';
import { CONSOLE_ROUTES } from './console-routes';
import { SETTLEMENT_ROUTES } from './settlement-routes';
import { WALLET_ROUTES } from './wallet-routes';
import { CUSTOMER_KEY_ROUTES } from './customer-key-routes';
import { REPORT_ROUTES } from './reports-routes';
import { RECONCILIATION_ROUTES } from './reconciliation-routes';
import { errorResponses } from './route-errors';
import { defineRoute } from './route-registry';
import { PAYMENT_STATUSES } from '../domain/payment';
import { jwksRoute } from './jwks-router';
import {
  apiKeyListSchema,
  apiKeySchema,
  healthSchema,
  inboxSchema,
  issuedApiKeySchema,
  orderListSchema,
  orderSchema,
  partyAccountSchema,
  paymentDeclinedSchema,
  paymentResultSchema,
  registeredPartySchema,
  webhookDeliveryListSchema,
  webhookDeliverySchema,
} from './response-schemas';
import {
  apiKeyPathParams,
  attentionResolutionBody,
  cancelBody,
  carrierAnswerBody,
  createPartyBody,
  disputeResolutionBody,
  inboxQuery,
  issueApiKeyBody,
  listOrdersQuery,
  listWebhookDeliveriesQuery,
  noticePathParams,
  orderPathParams,
  partyPathParams,
  partyStatusBody,
  paymentNotificationBody,
  placeOrderBody,
  redeliverWebhookBody,
  settlementConfirmationBody,
  shipmentEventBody,
  supplierAnswerBody,
} from './schemas';

export { errorResponses } from './route-errors';

/** Errors of every authenticated POST with a body: 409 covers `idempotency_key_in_progress`. */
const POST_ERRORS = [400, 401, 409];

/** Links from an answer holding an order (at `from`) to the operations on it, so a client or a fuzzer follows them. */
function orderLinks(from: string): NonNullable<RouteResponse['links']> {
  const orderId = `$response.body#${from}/orderId`;
  const link = (operationId: string) => ({ operationId, parameters: { orderId } });
  return {
    GetOrder: link('getOrder'),
    AnswerSupplierInquiry: link('answerSupplierInquiry'),
    AnswerTransportInquiry: link('answerTransportInquiry'),
    ReportShipmentEvent: link('reportShipmentEvent'),
    NotifyPayment: link('notifyPayment'),
    ConfirmSettlement: link('confirmSettlement'),
    CancelOrder: link('cancelOrder'),
    ResolveDispute: link('resolveDispute'),
    ResolveAttention: link('resolveAttention'),
  };
}

const ACTION_NOTE =
  "Answers synchronously with the order's new state as the caller may see it (a Temporal Update, within `API_UPDATE_TIMEOUT_MS`, else 504 `update_timeout`). Each step takes one answer: of concurrent copies the first wins and the others get 409. Rejections by the order: 409 `conflict_error` at the wrong step (e.g. `order_not_at_step`, `already_answered`, `order_needs_attention`), 403 for a party not entitled, 422 for a rule the answer breaks.";

/** An action on an order: POST /v1/orders/{orderId}/<name>, answered with the order. */
function orderAction<const Body extends z.ZodType>(spec: {
  operationId: string;
  name: string;
  summary: string;
  description: string;
  roles: RouteSpec['roles'];
  body: Body;
  responses?: Record<string, RouteResponse>;
}) {
  return defineRoute({
    operationId: spec.operationId,
    method: 'post',
    path: `/v1/orders/{orderId}/${spec.name}`,
    summary: spec.summary,
    description: `${spec.description}\n\nAllowed: ${(spec.roles ?? []).join(', ')}. ${ACTION_NOTE}`,
    tags: ['Order actions'],
    roles: spec.roles,
    idempotent: true,
    params: orderPathParams,
    body: spec.body,
    responses: spec.responses ?? {
      '200': { description: 'The order after the action.', schema: orderSchema, links: orderLinks('') },
      ...errorResponses(...POST_ERRORS, 404, 502, 504),
    },
  });
}

/** `GET /health`. */
export const healthRoute = defineRoute({
  operationId: 'getHealth',
  method: 'get',
  path: '/health',
  summary: 'Whether the API reaches MongoDB and Temporal',
  tags: ['System'],
  auth: false,
  responses: {
    '200': { description: 'Both dependencies answer.', schema: healthSchema },
    '503': { description: 'A dependency does not answer; the body names it.', schema: healthSchema },
  },
});

/** `GET /metrics`: checks its own access (open, or METRICS_TOKEN's bearer, or an operator's key). */
export const metricsRoute = defineRoute({
  operationId: 'getMetrics',
  method: 'get',
  path: '/metrics',
  summary: "The API's Prometheus metrics (text exposition format)",
  description:
    "Open while METRICS_TOKEN is unset (the API listens on loopback by default); with it set, only `Authorization: Bearer <METRICS_TOKEN>` or an operator's API key (401 otherwise, 403 for other roles). The answer is `text/plain` in Prometheus' text format.",
  tags: ['System'],
  auth: false,
  responses: {
    '200': { description: 'The metrics, as Prometheus text (text/plain; version=0.0.4).' },
    ...errorResponses(401),
  },
});

/** `GET /openapi.json`. */
export const openApiRoute = defineRoute({
  operationId: 'getOpenApiDocument',
  method: 'get',
  path: '/openapi.json',
  summary: 'This document, generated from the schemas that validate requests',
  tags: ['System'],
  auth: false,
  responses: { '200': { description: 'The OpenAPI 3.1 document.', schema: z.looseObject({ openapi: z.string() }) } },
});

/** `POST /v1/parties`. */
export const createPartyRoute = defineRoute({
  operationId: 'createParty',
  method: 'post',
  path: '/v1/parties',
  summary: 'Register a party (operators only)',
  description:
    "Issues the party's API key, and a webhook signing secret when a webhookUrl is given. Both are shown in this answer only. A webhookUrl that is or resolves to a link-local, multicast, unspecified, broadcast, reserved or cloud metadata address, or a loopback or private one without WEBHOOK_ALLOW_PRIVATE, is 422 `webhook_url_refused`.",
  tags: ['Parties'],
  roles: ['operator'],
  idempotent: true,
  body: createPartyBody,
  responses: {
    '201': { description: 'The party with its credentials.', schema: registeredPartySchema },
    ...errorResponses(...POST_ERRORS),
  },
});

/** `GET /v1/parties/me`. */
export const currentPartyRoute = defineRoute({
  operationId: 'getCurrentParty',
  method: 'get',
  path: '/v1/parties/me',
  summary: 'The calling party',
  description:
    'Always `disabled: false` (a disabled party is refused with 403 `party_disabled`); the same shape as GET /v1/parties/{partyId}, which this path also matches.',
  tags: ['Parties'],
  responses: { '200': { description: 'The party.', schema: partyAccountSchema }, ...errorResponses(401) },
});

/** `GET /v1/parties/{partyId}`. */
export const getPartyRoute = defineRoute({
  operationId: 'getParty',
  method: 'get',
  path: '/v1/parties/{partyId}',
  summary: 'A party and whether it is disabled (operators only)',
  tags: ['Parties'],
  roles: ['operator'],
  params: partyPathParams,
  responses: { '200': { description: 'The party.', schema: partyAccountSchema }, ...errorResponses(401, 404) },
});

/** `POST /v1/parties/{partyId}/disable` and `/enable`. */
function partyStatusRoute<const Disable extends boolean>(disable: Disable) {
  return defineRoute({
    operationId: disable ? 'disableParty' : 'enableParty',
    method: 'post',
    path: disable ? '/v1/parties/{partyId}/disable' : '/v1/parties/{partyId}/enable',
    summary: disable ? 'Disable a party (operators only)' : 'Enable a disabled party (operators only)',
    description: disable
      ? "None of the party's keys is accepted any more (403 `party_disabled`): at once in the API process that answered, within `API_KEY_CACHE_MS` (default 5 s) in every other. Its orders go on; an operator cannot disable itself (409 `cannot_disable_self`)."
      : "The party's working keys are accepted again (within `API_KEY_CACHE_MS` in other API processes).",
    tags: ['Parties'],
    roles: ['operator'],
    idempotent: true,
    params: partyPathParams,
    body: partyStatusBody,
    bodyRequired: false,
    responses: {
      '200': { description: 'The party after the change.', schema: partyAccountSchema },
      ...errorResponses(...POST_ERRORS, 404),
    },
  });
}

/** `POST /v1/parties/{partyId}/disable`. */
export const disablePartyRoute = partyStatusRoute(true);
/** `POST /v1/parties/{partyId}/enable`. */
export const enablePartyRoute = partyStatusRoute(false);

/** `GET /v1/parties/{partyId}/keys`. */
export const listApiKeysRoute = defineRoute({
  operationId: 'listApiKeys',
  method: 'get',
  path: '/v1/parties/{partyId}/keys',
  summary: "A party's API keys, newest first (operators only)",
  description: 'Ids, prefixes and states only: never a key or its digest.',
  tags: ['Parties'],
  roles: ['operator'],
  params: partyPathParams,
  responses: { '200': { description: 'The keys.', schema: apiKeyListSchema }, ...errorResponses(401, 404) },
});

/** `POST /v1/parties/{partyId}/keys`. */
export const issueApiKeyRoute = defineRoute({
  operationId: 'issueApiKey',
  method: 'post',
  path: '/v1/parties/{partyId}/keys',
  summary: 'Issue a new API key for a party (operators only)',
  description:
    "The new key is in this answer only. The party's other working keys keep working for `graceSeconds` (default 0: they stop at once), so a client can switch without downtime.",
  tags: ['Parties'],
  roles: ['operator'],
  idempotent: true,
  params: partyPathParams,
  body: issueApiKeyBody,
  bodyRequired: false,
  responses: {
    '201': { description: 'The new key, shown once.', schema: issuedApiKeySchema },
    ...errorResponses(...POST_ERRORS, 404),
  },
});

/** `DELETE /v1/parties/{partyId}/keys/{keyId}`. */
export const revokeApiKeyRoute = defineRoute({
  operationId: 'revokeApiKey',
  method: 'delete',
  path: '/v1/parties/{partyId}/keys/{keyId}',
  summary: "Revoke one of a party's API keys (operators only)",
  description:
    'The key is refused (401) at once in the API process that answered, within `API_KEY_CACHE_MS` (default 5 s) in every other. Revoking a revoked key answers it unchanged.',
  tags: ['Parties'],
  roles: ['operator'],
  params: apiKeyPathParams,
  responses: { '200': { description: 'The revoked key.', schema: apiKeySchema }, ...errorResponses(401, 404) },
});

/** `POST /v1/orders`. */
export const placeOrderRoute = defineRoute({
  operationId: 'placeOrder',
  method: 'post',
  path: '/v1/orders',
  summary: 'Place an order (sellers only; step 1)',
  description:
    "The caller is the seller. Customer, supplier and carriers must be registered parties with those roles (else 422 `unknown_party`). Starts the order's workflow; a taken orderId is 409 `order_exists`.",
  tags: ['Orders'],
  roles: ['seller'],
  idempotent: true,
  body: placeOrderBody,
  responses: {
    '201': {
      description: 'The order as placed.',
      schema: orderSchema,
      headers: { Location: { description: "The order's URL.", schema: { type: 'string' } } },
      links: orderLinks(''),
    },
    ...errorResponses(...POST_ERRORS),
  },
});

/** `GET /v1/orders`. */
export const listOrdersRoute = defineRoute({
  operationId: 'listOrders',
  method: 'get',
  path: '/v1/orders',
  summary: 'List orders, newest first',
  description:
    'Operators see every order. Other parties see only the orders they are on: the filter of their role is forced to themselves, and asking for another party in it is 403. `cursor` is the `nextCursor` of the previous page; another one is 422 `invalid_cursor`.',
  tags: ['Orders'],
  query: listOrdersQuery,
  responses: {
    '200': { description: 'One page of orders.', schema: orderListSchema },
    ...errorResponses(400, 401, 422),
  },
});

/** `GET /v1/orders/{orderId}`. */
export const getOrderRoute = defineRoute({
  operationId: 'getOrder',
  method: 'get',
  path: '/v1/orders/{orderId}',
  summary: 'One order',
  description: 'For the parties on the order and operators.',
  tags: ['Orders'],
  params: orderPathParams,
  responses: {
    '200': { description: 'The order.', schema: orderSchema, links: orderLinks('') },
    ...errorResponses(401, 404),
  },
});

/** `POST /v1/orders/{orderId}/supplier-answer`. */
export const supplierAnswerRoute = orderAction({
  operationId: 'answerSupplierInquiry',
  name: 'supplier-answer',
  summary: 'Answer the supplier inquiry (step 3)',
  description:
    'An available answer must reserve exactly the ordered quantities of every sku (422 `reservation_mismatch`) and name a reservationId.',
  roles: ['supplier'],
  body: supplierAnswerBody,
});

/** `POST /v1/orders/{orderId}/carrier-answer`. */
export const carrierAnswerRoute = orderAction({
  operationId: 'answerTransportInquiry',
  name: 'carrier-answer',
  summary: 'Answer the transport inquiry (step 5)',
  description:
    "An acceptance needs pickupDate, deliveryDate (not before pickup), route, method and a price in the order's currency (422 otherwise). Each carrier answers once (409 `already_answered`).",
  roles: ['carrier'],
  body: carrierAnswerBody,
});

/** `POST /v1/orders/{orderId}/shipment-events`. */
export const shipmentEventRoute = orderAction({
  operationId: 'reportShipmentEvent',
  name: 'shipment-events',
  summary: 'Report a shipment event (step 7)',
  description: 'picked_up, in_transit, delivered, in that order, each once; only the chosen carrier.',
  roles: ['carrier'],
  body: shipmentEventBody,
});

/** `POST /v1/orders/{orderId}/payment-notification`. */
export const paymentNotificationRoute = orderAction({
  operationId: 'notifyPayment',
  name: 'payment-notification',
  summary: 'Pay the order by card, electronic check or electronic cash (step 7)',
  description:
    "The body names the method (README, Payment methods). `card` (the default when `method` is absent): the card is checked (12 to 19 digits, else 400; a Luhn check digit, else 422 `invalid_card_number`), sealed, and sent by the gateway worker to the bank host (ISO 8583): authorized and held on the card until the carrier reports the delivery, or purchased at once for a seller whose capture setting is `IMMEDIATE`; a card payment under `MICROPAYMENT_THRESHOLD_MINOR` is collected with the customer's other small payments to the same seller and charged as one. `echeck`: the IBAN (422 `invalid_iban` when its check digits fail) is collected by an ISO 20022 direct debit; the answer comes once the bank cleared it (`ECHECK_CLEARING_MS`): 200 when settled, 402 `echeck_returned` when rejected or returned (pacs.004), after which the order takes another payment notification. `ecash`: paid at once from one of the customer's wallets (404 `wallet_not_found` for a wallet that is not theirs; 402 `ecash_declined` when its balance is too low). Card numbers, CVCs and IBANs are never stored or logged in clear: the API encrypts the instrument at once to the gateway's payment-instruction key and deposits it in the gateway's vault; only a token `pm_...` travels on. The signed form (README, Payment notifications) carries `orderInformation`, the `paymentInstruction` as a JWE the customer encrypted to the gateway's key, and the customer's `dualSignature`; its refusals, each before anything is charged: 400 `dual_signature_malformed` / `payment_instruction_malformed`, 403 `customer_key_not_yours`, 409 `notification_replayed` (not for a retry of the same request under its Idempotency-Key), 422 `order_information_mismatch`, `customer_key_unknown`, `customer_key_revoked`, `customer_key_expired`, `dual_signature_invalid`, `dual_signature_mismatch`, `notification_expired`, `instruction_key_unknown`. With ALLOW_PLAIN_CARD off (NODE_ENV=production) a plain card or e-check is 422 `signed_notification_required`; 502 `gateway_key_unavailable` before the gateway worker made its key.",
  roles: ['customer'],
  body: paymentNotificationBody,
  responses: {
    '200': {
      description:
        'The bank approved: `payment.status` is `AUTHORIZED` (captured at delivery, the default) or `CAPTURED` (a seller whose capture setting is `IMMEDIATE`).',
      schema: paymentResultSchema,
      links: orderLinks('/order'),
    },
    '202': {
      description:
        'The bank did not answer in time: the payment is `UNKNOWN` and the order `NEEDS_ATTENTION` until an operator finds out. Do not pay again.',
      schema: paymentResultSchema,
    },
    '402': {
      description:
        "Declined. A card: `error.code` is always `card_declined` (the bank's reason stays with the order for the seller and operators); an e-check: `echeck_returned`; e-cash: `ecash_declined`. After `PAYMENT_MAX_ATTEMPTS` declines the order is cancelled as `PAYMENT_FAILED` and further notifications are 409 `payment_attempts_exhausted`.",
      schema: paymentDeclinedSchema,
    },
    ...errorResponses(...POST_ERRORS, 404, 502, 504),
  },
});

/** `POST /v1/orders/{orderId}/settlement-confirmation`. */
export const settlementConfirmationRoute = orderAction({
  operationId: 'confirmSettlement',
  name: 'settlement-confirmation',
  summary: 'Confirm or dispute the settlement (step 9)',
  description: 'confirmed=false opens a dispute for an operator and needs a reason.',
  roles: ['seller'],
  body: settlementConfirmationBody,
});

/** `POST /v1/orders/{orderId}/cancel`. */
export const cancelOrderRoute = orderAction({
  operationId: 'cancelOrder',
  name: 'cancel',
  summary: 'Cancel the order before pickup',
  description: 'Releases the reservation, cancels the transport and voids or refunds a payment as needed.',
  roles: ['customer', 'seller', 'operator'],
  body: cancelBody,
});

/** `POST /v1/orders/{orderId}/dispute-resolution`. */
export const disputeResolutionRoute = orderAction({
  operationId: 'resolveDispute',
  name: 'dispute-resolution',
  summary: 'Resolve a disputed settlement',
  description: 'CLOSE closes the deal as settled; REFUND refunds the customer and cancels the order.',
  roles: ['operator'],
  body: disputeResolutionBody,
});

/** `POST /v1/orders/{orderId}/attention-resolution`. */
export const attentionResolutionRoute = orderAction({
  operationId: 'resolveAttention',
  name: 'attention-resolution',
  summary: 'Act on an order in NEEDS_ATTENTION',
  description:
    'RETRY re-runs the bank call whose outcome is unknown (same reference: money moves at most once); CANCEL refunds or voids what was taken, runs the compensations and cancels as `CANCELLED_BY_OPERATOR`; EXTEND gives an overdue delivery or dispute `extendMs` more. 409 `action_not_applicable` for an action the attention reason does not admit.',
  roles: ['operator'],
  body: attentionResolutionBody,
});

/** `GET /v1/inbox`. */
export const inboxRoute = defineRoute({
  operationId: 'listInbox',
  method: 'get',
  path: '/v1/inbox',
  summary: "The caller's notices, newest first",
  description:
    'Each notice has `open`: an inquiry is open while its order still waits for this party. `open=true` (or false) filters on it, looking through the newest 500 notices.',
  tags: ['Inbox'],
  query: inboxQuery,
  responses: { '200': { description: 'The notices.', schema: inboxSchema }, ...errorResponses(400, 401) },
});

/** `GET /v1/webhook-deliveries`. */
export const listWebhookDeliveriesRoute = defineRoute({
  operationId: 'listWebhookDeliveries',
  method: 'get',
  path: '/v1/webhook-deliveries',
  summary: 'Webhook deliveries, newest first',
  description:
    "One record per notice sent to a webhook: `PENDING` while being tried, `DELIVERED`, or `FAILED` once given up (`lastError` says what failed, in settleflow's words; never the receiver's answer). Operators see every delivery; a party sees only its own (asking for another recipient is 403). `cursor` is the `nextCursor` of the previous page; another one is 422 `invalid_cursor`.",
  tags: ['Webhooks'],
  query: listWebhookDeliveriesQuery,
  responses: {
    '200': { description: 'One page of deliveries.', schema: webhookDeliveryListSchema },
    ...errorResponses(400, 401, 422),
  },
});

/** `POST /v1/webhook-deliveries/{noticeId}/redeliver`. */
export const redeliverWebhookRoute = defineRoute({
  operationId: 'redeliverWebhook',
  method: 'post',
  path: '/v1/webhook-deliveries/{noticeId}/redeliver',
  summary: 'Deliver a failed webhook again (operators, or its recipient)',
  description:
    "Starts a new delivery of a `FAILED` one, with the full retry schedule. Idempotent: while a delivery of the notice is running, asking again starts nothing and answers it. A delivered one is 409 `webhook_already_delivered`; an unknown or another party's is 404 `webhook_delivery_not_found`.",
  tags: ['Webhooks'],
  idempotent: true,
  params: noticePathParams,
  body: redeliverWebhookBody,
  bodyRequired: false,
  responses: {
    '202': { description: 'The delivery, now pending.', schema: webhookDeliverySchema },
    ...errorResponses(...POST_ERRORS, 404),
  },
});

// ---- the gateway's payment routes (operators)

/** Path parameters naming a payment (`payment-<orderId>-<attempt>`). */
export const paymentPathParams = z.strictObject({
  paymentId: z
    .string()
    .regex(/^payment-[A-Za-z0-9_.:-]{1,200}$/, 'must be payment-<orderId>-<attempt>')
    .meta({ example: 'payment-ord-123-1' }),
});

const moneySchema = z.object({ amount: z.int(), currency: z.string() });

/** A payment at the gateway. */
export const gatewayPaymentSchema = z
  .object({
    paymentId: z.string(),
    orderId: z.string(),
    attempt: z.int(),
    status: z.enum(PAYMENT_STATUSES as [string, ...string[]]),
    captureMode: z.enum(['at_delivery', 'immediate']),
    amount: moneySchema,
    authorizedMinor: z.int(),
    capturedMinor: z.int(),
    refundedMinor: z.int(),
    declineCode: z.string().optional(),
    last4: z.string(),
    method: z.enum(['card', 'echeck', 'ecash']).optional().describe('`card` when absent.'),
    walletId: z.string().optional().describe('E-cash: the wallet paid from.'),
    refunds: z.array(
      z.object({
        refundNo: z.int(),
        rrn: z.string().optional().describe('A card refund: its ISO 8583 RRN.'),
        reference: z.string().optional().describe('An e-check refund: its pacs.008 message id; e-cash: its entry.'),
        amountMinor: z.int(),
        state: z.enum(['submitted', 'done']).optional(),
      }),
    ),
  })
  .meta({ id: 'GatewayPayment' });

/** One recorded ISO 20022 document (an e-check's pacs.003, pacs.008, pacs.002 or pacs.004), IBANs masked. */
export const bankDocumentSchema = z
  .object({
    id: z.string(),
    direction: z.enum(['out', 'in']),
    message: z.string().meta({ example: 'pacs.003.001.08' }),
    status: z.string().optional().describe('ACSP, RJCT or ACSC of a pacs.002; RETURNED for a pacs.004.'),
    reason: z.string().optional().describe('The ISO reason code of a rejection or return (AM04, AC04, MD06, ...).'),
    xml: z.string().describe('The document, every IBAN masked.'),
    at: z.string(),
  })
  .meta({ id: 'BankDocument' });

/** One recorded ISO 8583 message, masked. */
export const bankMessageSchema = z
  .object({
    id: z.string(),
    direction: z.enum(['out', 'in']),
    mti: z.string(),
    stan: z.string().optional(),
    rrn: z.string().optional(),
    responseCode: z.string().optional(),
    matched: z.boolean(),
    fields: z.record(z.string(), z.string()),
    at: z.string(),
  })
  .meta({ id: 'BankMessage' });

/** `GET /v1/payments/{paymentId}`. */
export const getPaymentRoute = defineRoute({
  operationId: 'getPayment',
  method: 'get',
  path: '/v1/payments/{paymentId}',
  summary: "A card payment's state at the gateway",
  description:
    'Operators only. The payment `payment-<orderId>-<attempt>`: `requires_payment_method`, `processing`, `requires_capture`, `succeeded`, `canceled`, `failed`, `refunded`, `partially_refunded`, or `unknown` while a reversal is pending; amounts authorized, captured and refunded.',
  tags: ['Payments'],
  roles: ['operator'],
  params: paymentPathParams,
  responses: { '200': { description: 'The payment.', schema: gatewayPaymentSchema }, ...errorResponses(401, 404) },
});

/** `GET /v1/payments/{paymentId}/messages`. */
export const listPaymentMessagesRoute = defineRoute({
  operationId: 'listPaymentBankMessages',
  method: 'get',
  path: '/v1/payments/{paymentId}/messages',
  summary: 'Every message exchanged with the bank for a payment (ISO 8583 and ISO 20022), masked',
  description:
    'Operators only. Oldest first: `out` to the bank, `in` from it, MTI, STAN, RRN, field 39 and every field as its mask rule shows it (PAN as first 6 and last 4 digits; CVC, PIN and track never). `matched: false` marks an answer that matched no request in flight (late, duplicate, another STAN): logged and ignored. `documents`: the ISO 20022 documents of an e-check (pacs.003 sent, pacs.002 and pacs.004 received; pacs.008 for its refunds), IBANs masked.',
  tags: ['Payments'],
  roles: ['operator'],
  params: paymentPathParams,
  responses: {
    '200': {
      description: 'The messages.',
      schema: z.object({
        paymentId: z.string(),
        data: z.array(bankMessageSchema),
        documents: z.array(bankDocumentSchema),
      }),
    },
    ...errorResponses(401, 404),
  },
});

/**
 * Every route the API serves, in the document's order. Add yours here (see route-registry.ts); the OpenAPI test
 * fails on a route that Express serves and this list lacks, or the other way round.
 */
export const API_ROUTES: readonly RouteSpec[] = [
  healthRoute,
  metricsRoute,
  openApiRoute,
  createPartyRoute,
  currentPartyRoute,
  getPartyRoute,
  disablePartyRoute,
  enablePartyRoute,
  listApiKeysRoute,
  issueApiKeyRoute,
  revokeApiKeyRoute,
  placeOrderRoute,
  listOrdersRoute,
  getOrderRoute,
  supplierAnswerRoute,
  carrierAnswerRoute,
  shipmentEventRoute,
  paymentNotificationRoute,
  settlementConfirmationRoute,
  cancelOrderRoute,
  disputeResolutionRoute,
  attentionResolutionRoute,
  inboxRoute,
  listWebhookDeliveriesRoute,
  redeliverWebhookRoute,
  getPaymentRoute,
  listPaymentMessagesRoute,
  ...WALLET_ROUTES,
  ...CUSTOMER_KEY_ROUTES,
  ...SETTLEMENT_ROUTES,
  ...REPORT_ROUTES,
  ...RECONCILIATION_ROUTES,
  ...CONSOLE_ROUTES,
  ...CODEC_ROUTES,
  jwksRoute,
];
