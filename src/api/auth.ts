// Authentication, role checks and per-key rate limits: `Authorization: Bearer <api key>` names the calling party, or
// else the console's session cookie (a key exchanged at POST /v1/session), with the same role rules. A request made
// with the cookie that changes anything must carry the session's CSRF token. Keys and session ids are looked up by
// SHA-256 only; neither is ever logged, cached or stored in clear. A revoked key or a disabled party is refused within
// the key cache's TTL (in the process that made the change: at once), and so are the sessions opened with that key.

import { timingSafeEqual } from 'node:crypto';
import { parse as parseCookies } from 'cookie';
import type { Request, RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { PartyRole } from '../domain/order';
import type { Database } from '../persistence/database';
import type { KeyHolder, Party } from '../persistence/party-store';
import { findKeyHolder, findKeyHolderById } from '../persistence/party-store';
import { csrfTokenOf, findSession, hashSessionId } from '../persistence/session-store';
import { hashApiKey } from '../security/vault';
import { ApiError, forbidden } from './api-error';

/** The console's session cookie. */
export const SESSION_COOKIE = 'sf_session';

/** The header carrying a session's CSRF token on every state-changing request made with the session cookie. */
export const CSRF_HEADER = 'x-csrf-token';

/** Methods that change nothing: the only ones a cookie-authenticated request may make without the CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** How long a found entry is trusted without asking the database again, by default. */
export const PARTY_CACHE_TTL_MS = 30_000;

/** How long a looked-up API key is trusted by default: the bound on how late a revocation or disable takes effect. */
export const API_KEY_CACHE_TTL_MS = 5_000;

/** How many entries the cache holds before it forgets the oldest. */
export const PARTY_CACHE_MAX_ENTRIES = 1000;

/**
 * A bounded in-memory cache of recent lookups (parties by id, key holders by key digest). Only hits are cached, so
 * a party registered a moment ago can call at once; a changed entry is seen again after at most the TTL.
 */
export class PartyCache<Value = Party> {
  private readonly entries = new Map<string, { value: Value; expiresAt: number }>();

  constructor(
    private readonly ttlMs = PARTY_CACHE_TTL_MS,
    private readonly maxEntries = PARTY_CACHE_MAX_ENTRIES,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The cached value for a key, unless expired. */
  get(key: string): Value | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Remembers a value until the TTL, or until `notAfter` (epoch ms) if earlier; evicts the oldest when full. */
  set(key: string, value: Value, notAfter?: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    const expiresAt = Math.min(this.clock() + this.ttlMs, notAfter ?? Number.POSITIVE_INFINITY);
    this.entries.set(key, { value, expiresAt });
  }

  /** Forgets one entry. */
  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every entry whose value matches, e.g. all keys of a party just disabled. */
  forget(matches: (value: Value) => boolean): void {
    for (const [key, entry] of this.entries) {
      if (matches(entry.value)) this.entries.delete(key);
    }
  }
}

/** A key holder found through a session: when the session ends. */
export type CachedHolder = KeyHolder & { sessionExpiresAt?: Date | undefined };

/** The cache of key holders (by key digest, and by `session:` and a session digest) that {@link authenticate} reads
 * and the party routes clear. */
export type ApiKeyCache = PartyCache<CachedHolder>;

/** A new key-holder cache trusting a lookup for `ttlMs` on the given clock. */
export function createApiKeyCache(ttlMs = API_KEY_CACHE_TTL_MS, clock: () => number = Date.now): ApiKeyCache {
  return new PartyCache<CachedHolder>(ttlMs, PARTY_CACHE_MAX_ENTRIES, clock);
}

function unauthenticated(code: string, message: string): ApiError {
  return new ApiError(401, 'authentication_error', code, message);
}

/** What {@link authenticate} needs beyond the database; every field has a default. */
export interface AuthenticateOptions {
  cache?: ApiKeyCache;
  /** Requests each API key may make per minute; unlimited when absent. */
  ratePerMinute?: number;
  now?: () => Date;
  /**
   * Skip the CSRF token for cookie requests: only for routes that change nothing and check the request's `Origin`
   * themselves (the codec endpoint Temporal UI calls, which cannot send the token).
   */
  csrfExempt?: boolean;
}

/** The session id in the request's cookie, if any. */
export function sessionIdOf(req: Request): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  const value = parseCookies(header)[SESSION_COOKIE];
  return value && /^sfs_[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined;
}

/** The cache key of a session: its digest, never the id. */
export function sessionCacheKey(sessionId: string): string {
  return `session:${hashSessionId(sessionId)}`;
}

/**
 * Middleware that resolves the caller from its API key (or, without an Authorization header, from its session
 * cookie) into `res.locals.party`, then counts the request against the key's rate limit. Answers 401 with
 * `WWW-Authenticate: Bearer` when the key is missing, malformed, unknown, revoked or expired; 401 `session_expired`
 * for a session cookie that is unknown, expired or whose key was revoked; 403 `csrf_token_invalid` for a
 * state-changing request made with the cookie without the session's `X-CSRF-Token`; 403 `party_disabled` for a
 * disabled party; 429 `rate_limited` with `Retry-After` (whole seconds) past the key's limit. Every authenticated
 * answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`.
 */
export function authenticate(db: Database, options: AuthenticateOptions = {}): RequestHandler {
  const now = options.now ?? (() => new Date());
  const cache = options.cache ?? createApiKeyCache(API_KEY_CACHE_TTL_MS, () => now().getTime());
  const limit = options.ratePerMinute;
  const limiter = limit === undefined ? undefined : new RateLimiterMemory({ points: limit, duration: 60 });
  return async (req, res, next) => {
    const header = req.get('authorization');
    const sessionId = header === undefined ? sessionIdOf(req) : undefined;
    const holder = sessionId
      ? await sessionHolder(db, cache, req, sessionId, now(), options.csrfExempt === true)
      : await bearerHolder(db, cache, header, res, now());
    if (holder.disabled) {
      throw new ApiError(403, 'permission_error', 'party_disabled', `party ${holder.party.id} is disabled`);
    }
    if (limiter && limit !== undefined) await consumeRate(limiter, limit, holder.keyId, res);
    res.locals.party = holder.party;
    res.locals.apiKeyId = holder.keyId;
    if (sessionId) {
      res.locals.sessionId = sessionId;
      res.locals.sessionExpiresAt = holder.sessionExpiresAt;
    }
    next();
  };
}

async function bearerHolder(
  db: Database,
  cache: ApiKeyCache,
  header: string | undefined,
  res: Response,
  now: Date,
): Promise<CachedHolder> {
  const match = header ? /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header) : null;
  const apiKey = match?.[1];
  if (!apiKey) {
    res.set('WWW-Authenticate', 'Bearer realm="settleflow"');
    throw header
      ? unauthenticated('invalid_authorization_header', 'use Authorization: Bearer <api key>')
      : unauthenticated('missing_api_key', 'send your API key as Authorization: Bearer <api key>');
  }
  const digest = hashApiKey(apiKey);
  let holder = cache.get(digest);
  if (!holder) {
    holder = await findKeyHolder(db, apiKey, now);
    if (holder) cache.set(digest, holder, holder.keyExpiresAt?.getTime());
  }
  if (!holder) {
    res.set('WWW-Authenticate', 'Bearer realm="settleflow", error="invalid_token"');
    throw unauthenticated('invalid_api_key', 'the API key is not valid');
  }
  return holder;
}

async function sessionHolder(
  db: Database,
  cache: ApiKeyCache,
  req: Request,
  sessionId: string,
  now: Date,
  csrfExempt: boolean,
): Promise<CachedHolder> {
  const cacheKey = sessionCacheKey(sessionId);
  let holder = cache.get(cacheKey);
  if (!holder) {
    const session = await findSession(db, sessionId, now);
    const keyHolder = session && (await findKeyHolderById(db, session.keyId, now));
    if (session && keyHolder) {
      holder = { ...keyHolder, sessionExpiresAt: session.expiresAt };
      const keyEnd = keyHolder.keyExpiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
      cache.set(cacheKey, holder, Math.min(keyEnd, session.expiresAt.getTime()));
    }
  }
  if (!holder) throw unauthenticated('session_expired', 'the session has ended: sign in again');
  if (!csrfExempt && !SAFE_METHODS.has(req.method) && !csrfTokenMatches(req.get(CSRF_HEADER), sessionId)) {
    throw new ApiError(
      403,
      'permission_error',
      'csrf_token_invalid',
      'a request that changes something with the session cookie must send the X-CSRF-Token from GET /v1/session',
    );
  }
  return holder;
}

function csrfTokenMatches(sent: string | undefined, sessionId: string): boolean {
  if (!sent) return false;
  const expected = Buffer.from(csrfTokenOf(sessionId), 'utf8');
  const actual = Buffer.from(sent, 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Counts one request against a key's budget and sets the RateLimit headers.
 * @throws ApiError 429 `rate_limited` with `Retry-After` once the budget of the minute is spent
 */
async function consumeRate(limiter: RateLimiterMemory, limit: number, keyId: string, res: Response): Promise<void> {
  let state: RateLimiterRes;
  let limited = false;
  try {
    state = await limiter.consume(keyId);
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    state = rejection;
    limited = true;
  }
  const resetSeconds = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
  res.set({
    'RateLimit-Limit': String(limit),
    'RateLimit-Remaining': String(Math.max(0, state.remainingPoints)),
    'RateLimit-Reset': String(resetSeconds),
  });
  if (limited) {
    res.set('Retry-After', String(resetSeconds));
    throw new ApiError(
      429,
      'invalid_request_error',
      'rate_limited',
      `too many requests for this API key (${limit} per minute); retry after ${resetSeconds} s`,
    );
  }
}

/** The authenticated caller; only valid behind {@link authenticate}. */
export function callerOf(res: Response): Party {
  const party = res.locals.party as Party | undefined;
  if (!party) throw new Error('callerOf used on a route without authenticate');
  return party;
}

/** Middleware admitting only callers with one of `roles`; 403 otherwise. */
export function requireRole(...roles: PartyRole[]): RequestHandler {
  return (_req, res, next) => {
    const party = callerOf(res);
    if (!roles.includes(party.role)) {
      throw forbidden(`this action is for ${roles.join(' or ')} parties, and you are a ${party.role}`);
    }
    next();
  };
}
