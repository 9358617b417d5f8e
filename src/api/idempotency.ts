// Idempotent POSTs: a client may resend a request with the same `Idempotency-Key` and get the first answer again,
// instead of acting twice; concurrent copies never both run. Records are scoped by the calling party and hold the
// request's keyed digest (naming its key, so it still matches after the idempotency key is rotated) and the answer,
// never the request body (it may hold card data); an answer holding a secret is stored sealed under the idempotency
// key.

import type { RequestHandler, Response } from 'express';
import type { Logger } from '../observability/logger';
import type { Database } from '../persistence/database';
import type { KeyVault } from '../security/purpose-keys';
import { completeIdempotencyKey, releaseIdempotencyKey, reserveIdempotencyKey } from '../persistence/idempotency-store';
import type { ReservationAge } from '../persistence/idempotency-store';
import { ApiError } from './api-error';
import { callerOf } from './auth';
import { idempotencyKeySchema } from './schemas';

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

/** What a request's digest is made of: method, path and canonical body. */
function requestText(method: string, path: string, body: unknown): string {
  return `${method}\n${path}\n${canonicalJson(body ?? {})}`;
}

/**
 * Keyed digest of method, path and canonical body, naming its key (`<kid>.<hex>`): what tells "the same request" from
 * "another one". Keyed, because a body may hold a card number, whose plain hash could be brute-forced from its last
 * four digits.
 */
export function requestHash(vault: KeyVault, method: string, path: string, body: unknown): string {
  return vault.keys('idempotency').fingerprint(requestText(method, path, body));
}

/** Marks the answer as holding a secret shown once (a new API key): its stored copy is sealed by the vault. */
export function markAnswerSecret(res: Response): void {
  res.locals.answerHoldsSecret = true;
}

/** The idempotency key the current request carries, scoped by its caller, if any; set by {@link idempotency}. */
export function idempotencyScopeOf(res: Response): string | undefined {
  return res.locals.idempotencyScope as string | undefined;
}

/**
 * The request digest its idempotency record holds (it names the key it was made under; an older one when a retry
 * took the record over after a rotation): what ids derived from the key are derived under, so a retry derives the
 * same ones.
 */
export function idempotencyFingerprintOf(res: Response): string | undefined {
  return res.locals.idempotencyFingerprint as string | undefined;
}

function idempotencyError(status: number, code: string, message: string): ApiError {
  return new ApiError(status, 'idempotency_error', code, message, 'Idempotency-Key');
}

/** What {@link idempotency} needs beyond the database and the vault. */
export interface IdempotencyOptions {
  /** How long a reservation holds before a copy of the request may take it over (after a crash). */
  lockMs: number;
  now?: () => Date;
  /** Where failures to record or release a key are logged. */
  logger: Logger;
}

/**
 * Middleware for POST routes, placed after authentication and role checks.
 * Without the header it does nothing. With it, the key is reserved before the route runs (one atomic insert of an
 * IN_PROGRESS record holding the request's digest), so of concurrent copies exactly one runs:
 * - another copy of the same request gets 409 `idempotency_key_in_progress` while it runs, and its answer after;
 * - a request with another body gets 422 `idempotency_key_reused`, whatever became of the first;
 * - the answer (unless 5xx) replaces the reservation and is replayed with `Idempotent-Replayed: true`;
 * - a 5xx or an answer never sent releases the reservation: the same request may run again;
 * - a reservation whose holder died is taken over once its lock (`lockMs`) has passed.
 */
export function idempotency(db: Database, vault: KeyVault, options: IdempotencyOptions): RequestHandler {
  const keys = vault.keys('idempotency');
  const now = options.now ?? (() => new Date());
  const { logger } = options;
  const logFailure = (msg: string) => (error: unknown) => {
    logger.error({ err: error }, msg);
  };
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (key === undefined) return next();
    if (!idempotencyKeySchema.safeParse(key).success) {
      throw new ApiError(
        400,
        'invalid_request_error',
        'invalid_idempotency_key',
        `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`,
        'Idempotency-Key',
      );
    }
    const scope = `${callerOf(res).id}:${key}`;
    const text = requestText(req.method, req.originalUrl, req.body);

    const reservedAt = now();
    const reservation = await reserveIdempotencyKey(db, {
      scope,
      requestHash: keys.fingerprint(text),
      sameRequest: (stored) => keys.matches(text, stored),
      now: reservedAt,
      lockMs: options.lockMs,
    });
    switch (reservation.kind) {
      case 'reused':
        throw idempotencyError(
          422,
          'idempotency_key_reused',
          'this Idempotency-Key was used with another request; use a new key for a new request',
        );
      case 'in_progress':
        throw idempotencyError(409, 'idempotency_key_in_progress', 'a request with this key is still being processed');
      case 'replay': {
        const { statusCode, body, sealed } = reservation.answer;
        res.set('Idempotent-Replayed', 'true');
        res.status(statusCode).json(JSON.parse(sealed ? keys.open(body) : body));
        return;
      }
      case 'reserved':
        break;
    }

    const { lockToken } = reservation;
    // How old the reservation is when the answer (or the release) is written: it decides how that write filters.
    const age = (): ReservationAge => ({ reservedAt, now: now(), lockMs: options.lockMs });
    let settled = false;
    res.locals.idempotencyScope = scope;
    res.locals.idempotencyFingerprint = reservation.requestHash;
    // An answer that never went through res.json (the connection failed first, or a bare res.end()): release.
    res.on('close', () => {
      if (settled || !res.writableFinished) return;
      settled = true;
      releaseIdempotencyKey(db, scope, lockToken, age()).catch(logFailure('idempotency key not released'));
    });
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (settled) return json(body);
      settled = true;
      const statusCode = res.statusCode;
      // The answer is sent once the record is written, so a client that retries at once finds it.
      let written: Promise<unknown>;
      if (statusCode >= 500) {
        written = releaseIdempotencyKey(db, scope, lockToken, age()).catch(logFailure('idempotency key not released'));
      } else {
        // Stored as JSON text (one string is far cheaper for the database than a nested document), sealed when it
        // holds a secret.
        const text = JSON.stringify(body);
        const sealed = res.locals.answerHoldsSecret === true;
        written = completeIdempotencyKey(
          db,
          scope,
          lockToken,
          { statusCode, body: sealed ? keys.seal(text) : text, sealed },
          age(),
        )
          .then((stored) => {
            if (!stored) logger.warn('idempotency reservation was taken over');
          })
          .catch(logFailure('idempotency record not saved'));
      }
      void written.finally(() => json(body));
      return res;
    };
    next();
  };
}
