// The codec endpoint (codec server protocol) that lets an operator see decoded payloads in Temporal UI: POST
// /v1/codec/decode and /encode, for operators only, CORS for TEMPORAL_UI_ORIGIN only, rate-limited per key or session.
// The browser's session cookie counts only on a request whose Origin is TEMPORAL_UI_ORIGIN (the UI cannot send the
// CSRF token; the Origin check, the JSON content type and CORS stand in for it). It must never log a payload, decoded
// or not, nor answer decoded data to anyone but an operator.

import cors from 'cors';
import { Router } from 'express';
import type { RequestHandler } from 'express';
import type { Payload } from '@temporalio/common';
import { AesGcmPayloadCodec, PayloadDecryptionError } from '../temporal/codec';
import type { ApiDeps } from './api-deps';
import { ApiError } from './api-error';
import type { ApiKeyCache } from './auth';
import { authenticate, sessionIdOf } from './auth';
import { codecDecodeRoute, codecEncodeRoute } from './codec-routes';
import { mountRoute } from './route-registry';

/** Where the codec routes live: Temporal UI's codec endpoint setting is the API's address plus this. */
export const CODEC_PATH = '/v1/codec';

/** A payload in the protocol's JSON form. */
interface JsonPayload {
  metadata?: Record<string, string> | undefined;
  data?: string | undefined;
}

const fromJson = (payload: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value, 'base64')]),
  ),
  data: Buffer.from(payload.data ?? '', 'base64'),
});

const toJson = (payload: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')]),
  ),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});

/**
 * CORS for the codec routes: preflights and answers for TEMPORAL_UI_ORIGIN only (with credentials, so the browser
 * sends the operator's session cookie); no CORS headers for any other origin, so a browser there reads nothing.
 * Mounted at CODEC_PATH before the app's generic OPTIONS handling.
 */
export function codecCors(deps: Pick<ApiDeps, 'config'>): RequestHandler {
  const allowed = deps.config.codec.uiOrigin;
  return cors({
    origin: (origin, callback) => callback(null, allowed !== undefined && origin === allowed),
    methods: ['POST'],
    allowedHeaders: ['Content-Type', 'X-Namespace', 'Authorization'],
    credentials: true,
    maxAge: 600,
  });
}

/**
 * Refuses a request from a browser page of another origin (403 `origin_not_allowed`), a cookie request without an
 * Origin (403 `origin_required`: browsers send one on every cross-origin POST) and another namespace than the API's
 * (403 `namespace_not_served`).
 */
function originAndNamespace(deps: Pick<ApiDeps, 'config'>): RequestHandler {
  return (req, _res, next) => {
    const origin = req.get('origin');
    const allowed = deps.config.codec.uiOrigin;
    if (origin !== undefined && origin !== allowed) {
      throw new ApiError(
        403,
        'permission_error',
        'origin_not_allowed',
        `the codec endpoint answers pages of TEMPORAL_UI_ORIGIN only, not ${origin.slice(0, 200)}`,
      );
    }
    if (origin === undefined && req.get('authorization') === undefined && sessionIdOf(req) !== undefined) {
      throw new ApiError(
        403,
        'permission_error',
        'origin_required',
        'a request signed in with the session cookie must come from Temporal UI (TEMPORAL_UI_ORIGIN)',
      );
    }
    const namespace = req.get('x-namespace');
    if (namespace !== undefined && namespace !== deps.config.temporal.namespace) {
      throw new ApiError(
        403,
        'permission_error',
        'namespace_not_served',
        `this codec endpoint serves the namespace ${deps.config.temporal.namespace} only`,
      );
    }
    next();
  };
}

/** The codec routes; `keyCache` is the app's key cache (a revoked key or ended session is refused here too). */
export function codecRouter(deps: Pick<ApiDeps, 'db' | 'config' | 'now' | 'payloadKeys'>, keyCache: ApiKeyCache) {
  const router = Router({ caseSensitive: true });
  const codec = new AesGcmPayloadCodec(deps.payloadKeys);
  const authenticated = authenticate(deps.db, {
    cache: keyCache,
    ratePerMinute: deps.config.codec.ratePerMinute,
    now: deps.now,
    csrfExempt: true,
  });
  const guard = originAndNamespace(deps);
  router.use(CODEC_PATH, guard);

  mountRoute(router, codecDecodeRoute, { authenticated }, async (_req, res, { body }) => {
    let decoded: Payload[];
    try {
      decoded = await codec.decode(body.payloads.map(fromJson));
    } catch (error) {
      if (!(error instanceof PayloadDecryptionError)) throw error;
      throw new ApiError(
        422,
        'invalid_request_error',
        error.reason === 'unknown_key' ? 'payload_key_unknown' : 'payload_undecodable',
        error.message,
        'payloads',
      );
    }
    res.json({ payloads: decoded.map(toJson) });
  });

  mountRoute(router, codecEncodeRoute, { authenticated }, async (_req, res, { body }) => {
    const encoded = await codec.encode(body.payloads.map(fromJson));
    res.json({ payloads: encoded.map(toJson) });
  });
  return router;
}
