// The console's operations in the route registry (see route-registry.ts): sign-in sessions, the party list and edit,
// the settings and their audit trail, the monitoring summary, an order's notices and its ledger. The routers mount these
// declarations and openapi.ts documents them. Declarations only.

import { partyPathParams, orderPathParams } from './schemas';
import { errorResponses } from './route-errors';
import { defineRoute } from './route-registry';
import type { RouteSpec } from './route-registry';
import {
  listPartiesQuery,
  monitoringSummarySchema,
  orderLedgerSchema,
  orderNoticesSchema,
  partyListSchema,
  putSettingsBody,
  sessionSchema,
  settingsAuditListSchema,
  settingsAuditQuery,
  settingsSchema,
  signInBody,
  updatePartyBody,
  updatedPartySchema,
} from './console-schemas';

const COOKIE_NOTE =
  "Also answers a request signed in with the console's session cookie instead of a key; then a request that changes something must send `X-CSRF-Token` (403 `csrf_token_invalid`).";

/** `POST /v1/session`. */
export const signInRoute = defineRoute({
  operationId: 'signIn',
  method: 'post',
  path: '/v1/session',
  summary: "Sign in to the console with a party's API key",
  description:
    "Exchanges the key for a session cookie `sf_session` (HttpOnly, SameSite=Strict, Path=/, Secure over HTTPS or with `SESSION_COOKIE_SECURE=true`) lasting `SESSION_TTL_MINUTES`. The session acts as the key's party with the same role rules; revoking the key or disabling the party ends it. The answer holds the CSRF token. More than 20 failed sign-ins a minute from one address: 429.",
  tags: ['Console'],
  auth: false,
  body: signInBody,
  responses: {
    '201': {
      description: 'Signed in; the cookie is set.',
      schema: sessionSchema,
      headers: { 'Set-Cookie': { schema: { type: 'string' } } },
    },
    ...errorResponses(400, 401, 403, 429),
  },
});

/** `GET /v1/session`. */
export const getSessionRoute = defineRoute({
  operationId: 'getSession',
  method: 'get',
  path: '/v1/session',
  summary: 'The signed-in session and its CSRF token',
  description: 'With the session cookie. Without one (or with a bearer key) 204: not signed in.',
  tags: ['Console'],
  auth: false,
  responses: {
    '200': { description: 'The session.', schema: sessionSchema },
    '204': { description: 'No session cookie: not signed in.' },
    ...errorResponses(401),
  },
});

/** `DELETE /v1/session`. */
export const signOutRoute = defineRoute({
  operationId: 'signOut',
  method: 'delete',
  path: '/v1/session',
  summary: 'Sign out: ends the session and clears the cookie',
  description: 'With the session cookie and its `X-CSRF-Token`. Without a session cookie: 204, nothing to end.',
  tags: ['Console'],
  auth: false,
  responses: { '204': { description: 'Signed out.' }, ...errorResponses(401) },
});

/** `GET /v1/parties`. */
export const listPartiesRoute = defineRoute({
  operationId: 'listParties',
  method: 'get',
  path: '/v1/parties',
  summary: 'Parties by id, optionally of one role (operators only)',
  description: COOKIE_NOTE,
  tags: ['Parties'],
  roles: ['operator'],
  query: listPartiesQuery,
  responses: { '200': { description: 'One page of parties.', schema: partyListSchema }, ...errorResponses(400, 401) },
});

/** `PATCH /v1/parties/{partyId}`. */
export const updatePartyRoute = defineRoute({
  operationId: 'updateParty',
  method: 'patch',
  path: '/v1/parties/{partyId}',
  summary: 'Rename a party or set or remove its webhook URL (operators only)',
  description: `A party given its first webhook URL also gets a signing secret (\`webhookSecret\`), in this answer only; a party that had one keeps it. The URL is checked as at registration (422 \`webhook_url_refused\`). ${COOKIE_NOTE}`,
  tags: ['Parties'],
  roles: ['operator'],
  params: partyPathParams,
  body: updatePartyBody,
  responses: {
    '200': { description: 'The party after the change.', schema: updatedPartySchema },
    ...errorResponses(400, 401, 404),
  },
});

/** `GET /v1/settings`. */
export const getSettingsRoute = defineRoute({
  operationId: 'getSettings',
  method: 'get',
  path: '/v1/settings',
  summary: "The gateway's settings, their defaults and what new orders get (operators only)",
  description: COOKIE_NOTE,
  tags: ['Settings'],
  roles: ['operator'],
  responses: { '200': { description: 'The settings.', schema: settingsSchema }, ...errorResponses(401) },
});

/** `PUT /v1/settings`. */
export const putSettingsRoute = defineRoute({
  operationId: 'putSettings',
  method: 'put',
  path: '/v1/settings',
  summary: "Replace the gateway's settings (operators only)",
  description: `Send the \`version\` you read: another change in between is 409 \`settings_version_conflict\`. Every changed setting is recorded in the audit trail with the operator and the time. New orders are placed with the new settings (within 5 s in other API processes), \`sellers.*.capture\` included (\`IMMEDIATE\`: purchased at the payment notification; \`ON_SHIPMENT\`, the default: authorized, captured at delivery). A seller id that is not a registered seller: 422 \`unknown_party\`. ${COOKIE_NOTE}`,
  tags: ['Settings'],
  roles: ['operator'],
  body: putSettingsBody,
  responses: {
    '200': { description: 'The settings after the change.', schema: settingsSchema },
    ...errorResponses(400, 401, 409),
  },
});

/** `GET /v1/settings/audit`. */
export const settingsAuditRoute = defineRoute({
  operationId: 'listSettingsAudit',
  method: 'get',
  path: '/v1/settings/audit',
  summary: 'Who changed which setting from what to what, and when, newest first (operators only)',
  tags: ['Settings'],
  roles: ['operator'],
  query: settingsAuditQuery,
  responses: {
    '200': { description: 'One page of the audit trail.', schema: settingsAuditListSchema },
    ...errorResponses(400, 401),
  },
});

/** `GET /v1/monitoring/summary`. */
export const monitoringSummaryRoute = defineRoute({
  operationId: 'getMonitoringSummary',
  method: 'get',
  path: '/v1/monitoring/summary',
  summary: 'Orders by status, throughput, payment approval, party answer times and the bank link (operators only)',
  description:
    "Computed from Prometheus metrics only: the API's own (`settleflow_orders`, `settleflow_payments_total`, `settleflow_party_answer_seconds`), the order worker's /metrics (`WORKER_METRICS_URL`: webhook attempts) and the gateway worker's /metrics (`GATEWAY_METRICS_URL`: `settleflow_bank_link_*`, `settleflow_bank_reversals_pending`). Throughput is the growth of the order counts between readings, counted in the minute of the later one. A worker whose /metrics does not answer within `MONITORING_SCRAPE_TIMEOUT_MS` is listed as unreachable and its part is unknown (null); the answer is still 200.",
  tags: ['Monitoring'],
  roles: ['operator'],
  responses: { '200': { description: 'The summary.', schema: monitoringSummarySchema }, ...errorResponses(401) },
});

/** `GET /v1/orders/{orderId}/notices`. */
export const orderNoticesRoute = defineRoute({
  operationId: 'listOrderNotices',
  method: 'get',
  path: '/v1/orders/{orderId}/notices',
  summary: 'The notices an order sent: every recipient for operators, its own for a party on the order',
  description: "Kind, recipient and time; a notice's payload stays in its recipient's inbox.",
  tags: ['Orders'],
  params: orderPathParams,
  responses: {
    '200': { description: 'The notices, oldest first.', schema: orderNoticesSchema },
    ...errorResponses(401, 404),
  },
});

/** `GET /v1/orders/{orderId}/ledger`. */
export const orderLedgerRoute = defineRoute({
  operationId: 'getOrderLedger',
  method: 'get',
  path: '/v1/orders/{orderId}/ledger',
  summary: "An order's ledger journals and card payments: operators and the order's seller",
  description:
    "The balanced journals the gateway posted for the order (oldest first, amounts in minor units), the balance they leave on each account, and the gateway's card payments of the order with the card's last four digits only. Any other party, the order's customer included: 403.",
  tags: ['Orders'],
  roles: ['operator', 'seller'],
  params: orderPathParams,
  responses: {
    '200': { description: 'The journals and payments.', schema: orderLedgerSchema },
    ...errorResponses(401, 403, 404),
  },
});

/** The console's operations, in the order the document lists them. */
export const CONSOLE_ROUTES: readonly RouteSpec[] = [
  signInRoute,
  getSessionRoute,
  signOutRoute,
  listPartiesRoute,
  updatePartyRoute,
  getSettingsRoute,
  putSettingsRoute,
  settingsAuditRoute,
  monitoringSummaryRoute,
  orderNoticesRoute,
  orderLedgerRoute,
];
