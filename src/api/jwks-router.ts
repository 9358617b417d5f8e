// `GET /.well-known/jwks.json`: the gateway's public keys (signing, payment instructions) as a JSON Web Key Set, for
// sellers verifying signed notices and customers encrypting payment instructions. Public and cacheable for a short
// while; never a private key member, never a symmetric key.

import { Router } from 'express';
import { z } from 'zod';
import { KeyRing } from '../security/key-ring';
import type { KeyVault } from '../security/purpose-keys';
import type { Config } from '../config';
import { defineRoute, mountRoute } from './route-registry';

const jwkSchema = z
  .object({
    kty: z.enum(['EC', 'RSA']),
    kid: z.string().meta({ example: 'signing-2-9f3a1c2b' }),
    use: z.enum(['sig', 'enc']),
    alg: z.enum(['ES256', 'RSA-OAEP-256']),
    crv: z.string().optional(),
    x: z.string().optional(),
    y: z.string().optional(),
    n: z.string().optional(),
    e: z.string().optional(),
  })
  .meta({ id: 'PublicJwk' });

/** `GET /.well-known/jwks.json`. */
export const jwksRoute = defineRoute({
  operationId: 'getJwks',
  method: 'get',
  path: '/.well-known/jwks.json',
  summary: "The gateway's public keys (JWKS)",
  description:
    "The signing keys (ES256, `use: sig`) that sign the gateway's notices and the payment-instruction keys (RSA-OAEP-256, `use: enc`) that customers encrypt card and account data to, each with its `kid`: the current key, a rotated key about to take over, and superseded keys for SETTLEFLOW_JWKS_GRACE_HOURS. No authentication; cacheable for SETTLEFLOW_JWKS_MAX_AGE_SECONDS (a verifier meeting an unknown `kid` fetches it again).",
  tags: ['System'],
  auth: false,
  responses: {
    '200': {
      description: 'The key set.',
      schema: z.object({ keys: z.array(jwkSchema) }).meta({ id: 'Jwks' }),
      // Served as RFC 7517's media type; the same document.
      media: { 'application/jwk-set+json': { schema: { $ref: '#/components/schemas/Jwks' } } },
      headers: {
        'Cache-Control': { description: '`public, max-age=<seconds>`', schema: { type: 'string' } },
      },
    },
  },
});

/**
 * How stale the JWKS may be: the API holds no signing key, so it learns of a signing key the order worker created, or
 * of a rotation with `--now`, from the store; it reads the store again when its snapshot is older than this (at most
 * once per this interval, whatever the traffic), so a notice signed under a new key verifies within about a second.
 */
export const JWKS_FRESH_MS = 1_000;

/** How long a JWKS request waits for that read before it answers from the snapshot it has. */
const JWKS_READ_WAIT_MS = 2_000;

/** The JWKS route: the key ring's published keys (none when the API runs on the legacy single-key vault). */
export function jwksRouter(deps: { vault: KeyVault; config: Pick<Config, 'keys'> }): Router {
  const router = Router({ caseSensitive: true });
  mountRoute(router, jwksRoute, {}, async (_req, res) => {
    let body: { keys: unknown[] } = { keys: [] };
    if (deps.vault instanceof KeyRing) {
      // A failed read keeps the last snapshot (the periodic reload reports it); the keys it has are still right.
      await deps.vault.refreshIfOlderThan(JWKS_FRESH_MS, JWKS_READ_WAIT_MS).catch(() => undefined);
      body = deps.vault.jwks();
    }
    res.set('Cache-Control', `public, max-age=${deps.config.keys.jwksMaxAgeSeconds}`);
    res.set('Access-Control-Allow-Origin', '*');
    res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    res.type('application/jwk-set+json').send(JSON.stringify(body));
  });
  return router;
}
