// The OpenAPI description of the routes added for the console: the session, the party list and edit, the settings
// and the monitoring summary. Request shapes come from the zod schemas that validate them (z.toJSONSchema), so they
// are written once; openapi.ts merges these paths and schemas into the document.

import { z } from 'zod';
import { ORDER_STATUSES, PARTY_ROLES } from '../domain/order';
import { listPartiesQuery, updatePartyBody } from './console-parties-router';
import { signInBody } from './console-session';
import { gatewaySettingsSchema, putSettingsBody } from './console-settings-router';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: Json): Json => ({ 'application/json': { schema } });
const errorRefs = (...statuses: string[]): Json =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        $ref: `#/components/responses/${
          {
            '400': 'BadRequest',
            '401': 'Unauthorized',
            '403': 'Forbidden',
            '404': 'NotFound',
            '409': 'Conflict',
            '415': 'UnsupportedMediaType',
            '429': 'RateLimited',
            '500': 'ServerError',
            '503': 'ServiceUnavailable',
          }[status] ?? 'ServerError'
        }`,
      },
    ]),
  );
const AUTHENTICATED_ERRORS = ['401', '403', '429', '500', '503'];

/** A zod schema as an OpenAPI 3.1 (JSON Schema 2020-12) schema of what a client sends. */
function fromZod(schema: z.ZodType): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

const CSRF_HEADER_PARAMETER = {
  name: 'X-CSRF-Token',
  in: 'header',
  required: false,
  description:
    'Required on every request that changes something when the caller is signed in with the session cookie (the token from GET /v1/session); else 403 `csrf_token_invalid`. Not used with a bearer key.',
  schema: { type: 'string' },
};

const integer = { type: 'integer' };
const nullableInteger = { type: ['integer', 'null'] };
const fee = { type: 'object', properties: { bps: integer, fixedMinor: integer }, required: ['bps', 'fixedMinor'] };
const deadlines = {
  type: 'object',
  properties: Object.fromEntries(
    [
      'supplierAnswerMs',
      'carrierAnswerMs',
      'paymentMs',
      'deliveryMs',
      'sellerConfirmationMs',
      'disputeResolutionMs',
    ].map((name) => [name, integer]),
  ),
  required: [
    'supplierAnswerMs',
    'carrierAnswerMs',
    'paymentMs',
    'deliveryMs',
    'sellerConfirmationMs',
    'disputeResolutionMs',
  ],
};
const latency = {
  type: 'object',
  properties: { count: integer, p50Ms: nullableInteger, p99Ms: nullableInteger },
  required: ['count', 'p50Ms', 'p99Ms'],
};

/** The console's paths. */
export function consolePaths(): Json {
  return {
    '/v1/session': {
      post: {
        operationId: 'signIn',
        summary: 'Sign in to the console with an API key',
        description:
          "Exchanges a party's API key for a session cookie `sf_session` (HttpOnly, SameSite=Strict, Path=/, Secure over HTTPS or with `SESSION_COOKIE_SECURE=true`) that lasts `SESSION_TTL_MINUTES` (default 60). The session acts as the key's party with the same role rules; revoking the key or disabling the party ends it. The answer holds the CSRF token to send as `X-CSRF-Token` on every request that changes something. More than 20 failed sign-ins a minute from one address: 429.",
        tags: ['Console'],
        security: [],
        requestBody: { required: true, content: jsonContent(fromZod(signInBody)) },
        responses: {
          '201': {
            description: 'Signed in; the cookie is set.',
            headers: { 'Set-Cookie': { schema: { type: 'string' } } },
            content: jsonContent(ref('Session')),
          },
          ...errorRefs('400', '401', '403', '415', '429', '500', '503'),
        },
      },
      get: {
        operationId: 'getSession',
        summary: 'The signed-in session and its CSRF token',
        tags: ['Console'],
        security: [{ sessionCookie: [] }],
        responses: {
          '200': { description: 'The session.', content: jsonContent(ref('Session')) },
          '204': { description: 'No session cookie (or a bearer key): not signed in.' },
          ...errorRefs(...AUTHENTICATED_ERRORS),
        },
      },
      delete: {
        operationId: 'signOut',
        summary: 'Sign out: ends the session and clears the cookie',
        tags: ['Console'],
        security: [{ sessionCookie: [] }],
        parameters: [CSRF_HEADER_PARAMETER],
        responses: {
          '204': { description: 'Signed out (or there was no session cookie).' },
          ...errorRefs(...AUTHENTICATED_ERRORS),
        },
      },
    },
    '/v1/parties': {
      get: {
        operationId: 'listParties',
        summary: 'Parties by id, optionally of one role (operators only)',
        tags: ['Parties'],
        parameters: Object.entries((fromZod(listPartiesQuery).properties ?? {}) as Record<string, Json>).map(
          ([name, schema]) => ({ name, in: 'query', schema }),
        ),
        responses: {
          '200': {
            description: 'One page of parties.',
            content: jsonContent({
              type: 'object',
              properties: {
                data: { type: 'array', items: { $ref: '#/components/schemas/PartyAccount' } },
                nextCursor: { type: ['string', 'null'] },
              },
              required: ['data', 'nextCursor'],
            }),
          },
          ...errorRefs('400', ...AUTHENTICATED_ERRORS),
        },
      },
    },
    '/v1/parties/{partyId}': {
      patch: {
        operationId: 'updateParty',
        summary: 'Rename a party or set or remove its webhook URL (operators only)',
        description:
          'A party given its first webhook URL also gets a signing secret (`webhookSecret`), in this answer only; a party that had one keeps it. The URL is checked like at registration (400 `webhook_url_refused`).',
        tags: ['Parties'],
        parameters: [{ $ref: '#/components/parameters/PartyId' }, CSRF_HEADER_PARAMETER],
        requestBody: { required: true, content: jsonContent(fromZod(updatePartyBody)) },
        responses: {
          '200': {
            description: 'The party after the change.',
            content: jsonContent({
              allOf: [
                { $ref: '#/components/schemas/PartyAccount' },
                { type: 'object', properties: { webhookSecret: { type: 'string' } } },
              ],
            }),
          },
          ...errorRefs('400', '404', '415', ...AUTHENTICATED_ERRORS),
        },
      },
    },
    '/v1/settings': {
      get: {
        operationId: 'getSettings',
        summary: "The gateway's settings, their defaults and what new orders get (operators only)",
        tags: ['Settings'],
        responses: {
          '200': { description: 'The settings.', content: jsonContent(ref('Settings')) },
          ...errorRefs(...AUTHENTICATED_ERRORS),
        },
      },
      put: {
        operationId: 'putSettings',
        summary: "Replace the gateway's settings (operators only)",
        description:
          'Send the `version` you read: another change in between is 409 `settings_version_conflict`. Every changed setting is recorded in the audit trail with the operator and the time. New orders are placed with the new settings (within 5 s in other API processes); `sellers.*.capture` is stored only.',
        tags: ['Settings'],
        parameters: [CSRF_HEADER_PARAMETER],
        requestBody: { required: true, content: jsonContent(fromZod(putSettingsBody)) },
        responses: {
          '200': { description: 'The settings after the change.', content: jsonContent(ref('Settings')) },
          ...errorRefs('400', '409', '415', ...AUTHENTICATED_ERRORS),
        },
      },
    },
    '/v1/settings/audit': {
      get: {
        operationId: 'listSettingsAudit',
        summary: 'Who changed which setting from what to what, and when, newest first (operators only)',
        tags: ['Settings'],
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          { name: 'cursor', in: 'query', schema: { type: 'string', pattern: '^[0-9]+$' } },
        ],
        responses: {
          '200': {
            description: 'One page of the audit trail.',
            content: jsonContent({
              type: 'object',
              properties: {
                data: { type: 'array', items: ref('SettingsAuditEntry') },
                nextCursor: { type: ['string', 'null'] },
              },
              required: ['data', 'nextCursor'],
            }),
          },
          ...errorRefs('400', ...AUTHENTICATED_ERRORS),
        },
      },
    },
    '/v1/orders/{orderId}/notices': {
      get: {
        operationId: 'listOrderNotices',
        summary: 'The notices an order sent: every recipient for operators, its own for a party on the order',
        tags: ['Orders'],
        parameters: [{ $ref: '#/components/parameters/OrderId' }],
        responses: {
          '200': {
            description: 'The notices, oldest first (kind, recipient and time; payloads stay in the inbox).',
            content: jsonContent({
              type: 'object',
              properties: {
                data: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      noticeId: { type: 'string' },
                      kind: { type: 'string' },
                      recipientId: { type: 'string' },
                      actionRequired: { type: 'boolean' },
                      at: { type: 'string', format: 'date-time' },
                    },
                    required: ['noticeId', 'kind', 'recipientId', 'actionRequired', 'at'],
                  },
                },
              },
              required: ['data'],
            }),
          },
          ...errorRefs('404', ...AUTHENTICATED_ERRORS),
        },
      },
    },
    '/v1/monitoring/summary': {
      get: {
        operationId: 'getMonitoringSummary',
        summary: 'Orders by status, throughput, payment approval and party answer times (operators only)',
        description:
          'Counts by status are exact; the rest is computed over the newest 500 orders of the read model: orders placed and closed per minute over the last 60 minutes, payment attempts by outcome with decline reasons, and p50/p99 of how long suppliers and carriers took to answer their inquiries.',
        tags: ['Monitoring'],
        responses: {
          '200': { description: 'The summary.', content: jsonContent(ref('MonitoringSummary')) },
          ...errorRefs(...AUTHENTICATED_ERRORS),
        },
      },
    },
  };
}

/** The console's component schemas. */
export function consoleSchemas(): Json {
  const settings = fromZod(gatewaySettingsSchema);
  return {
    Session: {
      type: 'object',
      properties: {
        party: {
          type: 'object',
          properties: { id: { type: 'string' }, role: { type: 'string', enum: PARTY_ROLES }, name: { type: 'string' } },
          required: ['id', 'role', 'name'],
        },
        expiresAt: { type: 'string', format: 'date-time' },
        csrfToken: { type: 'string' },
        workflowUrlTemplate: {
          type: ['string', 'null'],
          description:
            "Operators: an order's workflow in Temporal UI, `{orderId}` to fill in (null without TEMPORAL_UI_URL).",
        },
      },
      required: ['party', 'expiresAt', 'csrfToken', 'workflowUrlTemplate'],
    },
    GatewaySettings: settings,
    Settings: {
      type: 'object',
      properties: {
        settings: ref('GatewaySettings'),
        version: integer,
        updatedAt: { type: 'string', format: 'date-time' },
        updatedBy: { type: 'string' },
        defaults: {
          type: 'object',
          properties: { defaultDeadlines: deadlines, paymentMaxAttempts: integer, gatewayFee: fee },
          required: ['defaultDeadlines', 'paymentMaxAttempts', 'gatewayFee'],
        },
        effective: {
          type: 'object',
          properties: { defaultDeadlines: deadlines, paymentMaxAttempts: integer, gatewayFee: fee },
          required: ['defaultDeadlines', 'paymentMaxAttempts', 'gatewayFee'],
        },
        storedOnly: { type: 'array', items: { type: 'string' } },
        takesEffectWithinMs: integer,
      },
      required: ['settings', 'version', 'defaults', 'effective', 'storedOnly', 'takesEffectWithinMs'],
    },
    SettingsAuditEntry: {
      type: 'object',
      properties: {
        version: integer,
        at: { type: 'string', format: 'date-time' },
        operatorId: { type: 'string' },
        changes: {
          type: 'array',
          items: { type: 'object', properties: { path: { type: 'string' }, from: {}, to: {} }, required: ['path'] },
        },
      },
      required: ['version', 'at', 'operatorId', 'changes'],
    },
    MonitoringSummary: {
      type: 'object',
      properties: {
        generatedAt: { type: 'string', format: 'date-time' },
        byStatus: {
          type: 'array',
          items: {
            type: 'object',
            properties: { status: { type: 'string', enum: ORDER_STATUSES }, count: integer },
            required: ['status', 'count'],
          },
        },
        windowOrders: integer,
        throughput: {
          type: 'array',
          items: {
            type: 'object',
            properties: { minute: { type: 'string', format: 'date-time' }, placed: integer, closed: integer },
            required: ['minute', 'placed', 'closed'],
          },
        },
        payments: {
          type: 'object',
          properties: {
            captured: integer,
            declined: integer,
            unknown: integer,
            approvalRate: { type: ['number', 'null'] },
            declineReasons: {
              type: 'array',
              items: {
                type: 'object',
                properties: { code: { type: 'string' }, count: integer },
                required: ['code', 'count'],
              },
            },
          },
          required: ['captured', 'declined', 'unknown', 'approvalRate', 'declineReasons'],
        },
        answerLatency: {
          type: 'object',
          properties: { supplier: latency, carrier: latency },
          required: ['supplier', 'carrier'],
        },
      },
      required: ['generatedAt', 'byStatus', 'windowOrders', 'throughput', 'payments', 'answerLatency'],
    },
  };
}

/** The document with the console's paths (merged by method into existing paths), schemas, tags and cookie scheme. */
export function withConsole<T extends Json>(document: T): T {
  const paths = { ...(document.paths as Record<string, Json>) };
  for (const [path, operations] of Object.entries(consolePaths())) {
    paths[path] = { ...paths[path], ...(operations as Json) };
  }
  const components = (document.components ?? {}) as Record<string, Json>;
  return {
    ...document,
    tags: [
      ...((document.tags as Json[] | undefined) ?? []),
      { name: 'Console' },
      { name: 'Settings' },
      { name: 'Monitoring' },
    ],
    security: [...((document.security as Json[] | undefined) ?? []), { sessionCookie: [] }],
    paths,
    components: {
      ...components,
      securitySchemes: {
        ...components.securitySchemes,
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'sf_session',
          description:
            'The console session from POST /v1/session; requests that change something also send `X-CSRF-Token`.',
        },
      },
      schemas: { ...components.schemas, ...consoleSchemas() },
    },
  };
}
