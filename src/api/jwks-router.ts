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

/** The JWKS route: the key ring's published keys (none when the API runs on the legacy single-key vault). */
export function jwksRouter(deps: { vault: KeyVault; config: Pick<Config, 'keys'> }): Router {
  const router = Router({ caseSensitive: true });
  mountRoute(router, jwksRoute, {}, async (_req, res) => {
    const ring = deps.vault instanceof KeyRing ? deps.vault : undefined;
    let body = ring ? ring.jwks() : { keys: [] };
    // No payment-instruction key yet: the gateway worker may just have made its first; reload once to publish it.
    if (ring && !body.keys.some((key) => key.use === 'enc')) body = await ring.refresh().then(() => ring.jwks());
    res.set('Cache-Control', `public, max-age=${deps.config.keys.jwksMaxAgeSeconds}`);
    res.set('Access-Control-Allow-Origin', '*');
    res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    res.type('application/jwk-set+json').send(JSON.stringify(body));
  });
  return router;
}
