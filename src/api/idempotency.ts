// Idempotent POSTs: a client may resend a request with the same `Idempotency-Key` and get the first answer again,
// instead of acting twice. Records are scoped by the calling party and hold the request's hash and the response,
// never the request body (it may hold card data); an answer holding a secret is stored sealed by the vault.

import type { RequestHandler, Response } from 'express';
import type { Database } from '../persistence/database';
import type { Vault } from '../security/vault';
import { isDuplicateKeyError, nativeCollection } from '../persistence/database';
import { ApiError } from './api-error';
import { callerOf } from './auth';

/** Longest key accepted, as Stripe's. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** Deepest nesting of a body that is hashed; deeper bodies are rejected before anything recurses into them. */
export const MAX_BODY_DEPTH = 32;

/**
 * JSON with object keys sorted at every level, so equal bodies hash equally whatever their key order.
 * @throws ApiError 400 `body_too_deep` past {@link MAX_BODY_DEPTH} levels
 */
export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > MAX_BODY_DEPTH) {
    throw new ApiError(
      400,
      'invalid_request_error',
      'body_too_deep',
      `the body nests deeper than ${MAX_BODY_DEPTH} levels`,
    );
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, depth + 1)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key], depth + 1)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Keyed digest of method, path and canonical body: what tells "the same request" from "another one". Keyed by the
 * vault, because a body may hold a card number, whose plain hash could be brute-forced from its last four digits.
 */
export function requestHash(vault: Vault, method: string, path: string, body: unknown): string {
  return vault.mac(`${method}\n${path}\n${canonicalJson(body ?? {})}`);
}

/** Marks the answer as holding a secret shown once (a new API key): its stored copy is sealed by the vault. */
export function markAnswerSecret(res: Response): void {
  res.locals.answerHoldsSecret = true;
}

/** The idempotency key the current request carries, scoped by its caller, if any; set by {@link idempotency}. */
export function idempotencyScopeOf(res: Response): string | undefined {
  return res.locals.idempotencyScope as string | undefined;
}

function idempotencyError(status: number, code: string, message: string): ApiError {
  return new ApiError(status, 'idempotency_error', code, message, 'Idempotency-Key');
}

/**
 * Middleware for POST routes, placed after authentication and role checks.
 * Without the header it does nothing. With it: a repeat of an answered request with the same body replays the
 * stored answer with `Idempotent-Replayed: true`; with another body it gets 422 `idempotency_key_reused`. A new
 * request runs, and its answer (unless 5xx) is stored in one insert. Two copies of one request racing each other
 * both run: party actions then share one Temporal Update (its id is derived from the key), and a new order gets one
 * id from the key, so the second copy finds the first (409 `order_exists`) instead of placing a second order.
 */
export function idempotency(
  db: Database,
  vault: Vault,
  log: (line: string) => void = (line) => console.error(line),
): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (key === undefined) return next();
    if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
      throw new ApiError(
        400,
        'invalid_request_error',
        'invalid_idempotency_key',
        `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`,
        'Idempotency-Key',
      );
    }
    const scope = `${callerOf(res).id}:${key}`;
    const hash = requestHash(vault, req.method, req.originalUrl, req.body);

    const existing = await db.idempotency.findById(scope).lean().exec();
    if (existing) {
      if (existing.requestHash !== hash) {
        throw idempotencyError(
          422,
          'idempotency_key_reused',
          'this Idempotency-Key was used with another request; use a new key for a new request',
        );
      }
      if (existing.state !== 'DONE' || existing.statusCode === undefined) {
        throw idempotencyError(409, 'idempotency_key_in_progress', 'a request with this key is still being processed');
      }
      res.set('Idempotent-Replayed', 'true');
      const stored = String(existing.body);
      res.status(existing.statusCode).json(JSON.parse(existing.sealed ? vault.open(stored) : stored));
      return;
    }

    res.locals.idempotencyScope = scope;
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      const statusCode = res.statusCode;
      if (statusCode >= 500) return json(body);
      // The answer is sent once it is stored, so a client that retries at once finds it. Stored as JSON text (one
      // string is far cheaper for the database than a nested document), sealed when it holds a secret.
      const text = JSON.stringify(body);
      const sealed = res.locals.answerHoldsSecret === true;
      nativeCollection(db.idempotency)
        .insertOne({
          _id: scope,
          requestHash: hash,
          state: 'DONE',
          statusCode,
          body: sealed ? vault.seal(text) : text,
          sealed,
          createdAt: new Date(),
        })
        .catch((error: unknown) => {
          // A racing copy of this request stored its answer first: that one stands.
          if (!isDuplicateKeyError(error)) {
            log(JSON.stringify({ level: 'error', msg: 'idempotency record not saved', error: String(error) }));
          }
        })
        .finally(() => json(body));
      return res;
    };
    next();
  };
}
