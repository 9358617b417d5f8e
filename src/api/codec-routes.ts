// The codec endpoint's operations in the route registry (see route-registry.ts): Temporal UI (and `temporal
// --codec-endpoint`) POSTs payloads to `/v1/codec/decode` and `/v1/codec/encode` in the codec server protocol (Payloads
// as protobuf JSON, base64 bytes). Declarations only: the handlers are in codec-router.ts.

import { z } from 'zod';
import { errorResponses } from './route-errors';
import { defineRoute } from './route-registry';
import type { RouteSpec } from './route-registry';

/** Most payloads one request may carry. */
export const MAX_CODEC_PAYLOADS = 1000;

const base64 = z.string().regex(/^[A-Za-z0-9+/=_-]*$/, 'must be base64');

/** One payload as protobuf JSON: metadata values and data in base64. */
const payloadSchema = z
  .object({
    metadata: z.record(z.string().max(256), base64.max(4096)).optional(),
    data: base64.optional(),
  })
  .meta({ id: 'CodecPayload' });

/** The codec server protocol's body, both ways. */
export const codecPayloadsSchema = z
  .strictObject({ payloads: z.array(payloadSchema).max(MAX_CODEC_PAYLOADS) })
  .meta({ id: 'CodecPayloads' });

const WHO =
  "For operators only: an operator's API key as `Authorization: Bearer`, or the console's session cookie of a signed-in operator sent by the browser from `TEMPORAL_UI_ORIGIN` (Temporal UI's codec setting \"Include cross-origin credentials\"); a request from any other `Origin` is refused with 403 `origin_not_allowed`. CORS admits only `TEMPORAL_UI_ORIGIN`. `X-Namespace`, when sent, must name the API's Temporal namespace. Limited to `CODEC_RATE_PER_MINUTE` requests per key or session.";

const responses = {
  '200': { description: 'The payloads, in the order sent.', schema: codecPayloadsSchema },
  ...errorResponses(400, 401),
};

/** `POST /v1/codec/decode`. */
export const codecDecodeRoute = defineRoute({
  operationId: 'codecDecode',
  method: 'post',
  path: '/v1/codec/decode',
  summary: 'Decode Temporal payloads for Temporal UI (codec server protocol)',
  description: `Opens every payload sealed by settleflow's payload codec (\`encoding: binary/encrypted\`, AES-256-GCM, key id in \`encryption-key-id\`) and passes any other payload through. A payload under a key id the API does not have: 422 \`payload_key_unknown\`; one that fails authentication: 422 \`payload_undecodable\`. ${WHO}`,
  tags: ['Operations'],
  roles: ['operator'],
  body: codecPayloadsSchema,
  responses,
});

/** `POST /v1/codec/encode`. */
export const codecEncodeRoute = defineRoute({
  operationId: 'codecEncode',
  method: 'post',
  path: '/v1/codec/encode',
  summary: 'Encode Temporal payloads for Temporal UI (codec server protocol)',
  description: `Seals every payload under the current Temporal payload key, as settleflow's clients and workers do (Temporal UI encodes what an operator types, e.g. a signal's input). ${WHO}`,
  tags: ['Operations'],
  roles: ['operator'],
  body: codecPayloadsSchema,
  responses,
});

/** The codec endpoint's operations. */
export const CODEC_ROUTES: readonly RouteSpec[] = [codecDecodeRoute, codecEncodeRoute];
