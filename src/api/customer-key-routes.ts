// A customer's public signing keys (the keys its signed payment notifications' dual signatures verify under),
// declared for the route registry and the OpenAPI document: register, list, revoke. Declarations only (handlers in
// parties-router.ts). Only public keys are taken: a JWK with a private member is refused.

import { z } from 'zod';
import { errorResponses } from './route-errors';
import { defineRoute } from './route-registry';

/** A registered key's id: the public JWK's RFC 7638 thumbprint (SHA-256, base64url, 43 characters). */
const kid = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'must be a key id (the JWK thumbprint, 43 base64url characters)')
  .meta({ example: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' });

const coordinate = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a P-256 coordinate (43 base64url characters)');

/** `POST /v1/parties/me/keys`. */
export const registerCustomerKeyBody = z
  .strictObject({
    jwk: z
      .strictObject({
        kty: z.literal('EC'),
        crv: z.literal('P-256'),
        x: coordinate,
        y: coordinate,
        alg: z.literal('ES256').optional(),
        use: z.literal('sig').optional(),
        kid: z.string().max(128).optional().describe('Ignored: the key id is the thumbprint.'),
      })
      .describe('The public key (ES256: EC P-256) as a JWK; never its private member `d` (400 `parameter_unknown`).'),
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('After this the key verifies nothing (422 `customer_key_expired`); absent: until revoked.'),
  })
  .meta({ id: 'RegisterCustomerKeyRequest' });

/** A registered key as its owner sees it. */
export const customerKeySchema = z
  .object({
    kid: z.string().describe('The JWK thumbprint (RFC 7638): the `kid` a dual signature names.'),
    alg: z.literal('ES256'),
    jwk: z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string() }),
    status: z.enum(['active', 'expired', 'revoked']),
    createdAt: z.string(),
    expiresAt: z.string().optional(),
    revokedAt: z.string().optional(),
  })
  .meta({ id: 'CustomerKey' });

/** Path parameters naming one of the caller's keys. */
export const customerKeyPathParams = z.strictObject({ kid });

/** `POST /v1/parties/me/keys`. */
export const registerCustomerKeyRoute = defineRoute({
  operationId: 'registerCustomerKey',
  method: 'post',
  path: '/v1/parties/me/keys',
  summary: 'Register a public key for signed payment notifications (customers)',
  description:
    "The key a customer's dual signatures are verified under (README, Payment notifications). Its id is its RFC 7638 thumbprint. Registering the same key again answers it (200); a key another party registered is 409 `customer_key_taken`. (Operators issue API keys at /v1/parties/{partyId}/keys: another resource.)",
  tags: ['Parties'],
  roles: ['customer'],
  idempotent: true,
  body: registerCustomerKeyBody,
  responses: {
    '201': { description: 'The key, registered.', schema: customerKeySchema },
    '200': { description: 'The key was registered before.', schema: customerKeySchema },
    ...errorResponses(400, 401, 409),
  },
});

/** `GET /v1/parties/me/keys`. */
export const listCustomerKeysRoute = defineRoute({
  operationId: 'listCustomerKeys',
  method: 'get',
  path: '/v1/parties/me/keys',
  summary: "The caller's registered public keys, oldest first (customers)",
  tags: ['Parties'],
  roles: ['customer'],
  responses: {
    '200': { description: 'The keys.', schema: z.object({ data: z.array(customerKeySchema) }) },
    ...errorResponses(401),
  },
});

/** `DELETE /v1/parties/me/keys/{kid}`. */
export const revokeCustomerKeyRoute = defineRoute({
  operationId: 'revokeCustomerKey',
  method: 'delete',
  path: '/v1/parties/me/keys/{kid}',
  summary: "Revoke one of the caller's public keys (customers)",
  description:
    "From then on a notification signed with it is 422 `customer_key_revoked`; one already accepted is paid. Revoking a revoked key answers it unchanged; a key that is not the caller's is 404 `customer_key_not_found`.",
  tags: ['Parties'],
  roles: ['customer'],
  params: customerKeyPathParams,
  responses: { '200': { description: 'The revoked key.', schema: customerKeySchema }, ...errorResponses(401, 404) },
});

/** The customer key routes, for the route table. */
export const CUSTOMER_KEY_ROUTES = [registerCustomerKeyRoute, listCustomerKeysRoute, revokeCustomerKeyRoute] as const;
