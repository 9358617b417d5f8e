// Authentication and role checks: `Authorization: Bearer <api key>` names the calling party.
// Keys are looked up by SHA-256 only; the key itself is never logged, cached or stored in clear.

import type { RequestHandler, Response } from 'express';
import type { PartyRole } from '../domain/order';
import type { Database } from '../persistence/database';
import type { Party } from '../persistence/party-store';
import { findPartyByApiKey } from '../persistence/party-store';
import { hashApiKey } from '../security/vault';
import { ApiError, forbidden } from './api-error';

/** How long a found key is trusted without asking the database again. */
export const PARTY_CACHE_TTL_MS = 30_000;

/** How many keys the cache holds before it forgets the oldest. */
export const PARTY_CACHE_MAX_ENTRIES = 1000;

/**
 * A bounded in-memory cache of recent key lookups, keyed by the key's SHA-256. Only hits are cached, so a party
 * registered a moment ago can call at once; a deleted or rotated key keeps working for at most the TTL.
 */
export class PartyCache {
  private readonly entries = new Map<string, { party: Party; expiresAt: number }>();

  constructor(
    private readonly ttlMs = PARTY_CACHE_TTL_MS,
    private readonly maxEntries = PARTY_CACHE_MAX_ENTRIES,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The cached party for a key digest, unless expired. */
  get(keyDigest: string): Party | undefined {
    const entry = this.entries.get(keyDigest);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock()) {
      this.entries.delete(keyDigest);
      return undefined;
    }
    return entry.party;
  }

  /** Remembers a party for a key digest, evicting the oldest entry when full. */
  set(keyDigest: string, party: Party): void {
    this.entries.delete(keyDigest);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(keyDigest, { party, expiresAt: this.clock() + this.ttlMs });
  }
}

function unauthenticated(code: string, message: string): ApiError {
  return new ApiError(401, 'authentication_error', code, message);
}

/**
 * Middleware that resolves the caller from its API key into `res.locals.party`.
 * Answers 401 with `WWW-Authenticate: Bearer` when the key is missing, malformed or unknown.
 */
export function authenticate(db: Database, cache: PartyCache = new PartyCache()): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    const match = header ? /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header) : null;
    const apiKey = match?.[1];
    if (!apiKey) {
      res.set('WWW-Authenticate', 'Bearer realm="settleflow"');
      throw header
        ? unauthenticated('invalid_authorization_header', 'use Authorization: Bearer <api key>')
        : unauthenticated('missing_api_key', 'send your API key as Authorization: Bearer <api key>');
    }
    const digest = hashApiKey(apiKey);
    let party = cache.get(digest);
    if (!party) {
      party = await findPartyByApiKey(db, apiKey);
      if (party) cache.set(digest, party);
    }
    if (!party) {
      res.set('WWW-Authenticate', 'Bearer realm="settleflow", error="invalid_token"');
      throw unauthenticated('invalid_api_key', 'the API key is not valid');
    }
    res.locals.party = party;
    next();
  };
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
