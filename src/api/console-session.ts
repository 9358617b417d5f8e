// The console's sign-in: a party's API key exchanged for a session cookie (HttpOnly, SameSite=Strict, Secure over
// HTTPS, Path=/), the session read back with its CSRF token, and sign-out. The key is never stored, logged or
// answered; the session id only ever travels in the cookie and is stored as its digest.

import { Router } from 'express';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { orderWorkflowId } from '../contracts/order-contract';
import { findKeyHolder } from '../persistence/party-store';
import { closeSession, csrfTokenOf, openSession } from '../persistence/session-store';
import type { ApiDeps } from './api-deps';
import { ApiError } from './api-error';
import type { ApiKeyCache } from './auth';
import { SESSION_COOKIE, callerOf, sessionCacheKey, sessionIdOf } from './auth';
import { getSessionRoute, signInRoute, signOutRoute } from './console-routes';
import { expressPath, mountRoute } from './route-registry';

/** Failed sign-ins per minute per client address before 429: keys are unguessable, this keeps the noise down. */
export const SIGN_IN_FAILURES_PER_MINUTE = 20;

function cookieOptions(deps: Pick<ApiDeps, 'config'>, req: Request): CookieOptions {
  const mode = deps.config.session.cookieSecure;
  return {
    httpOnly: true,
    sameSite: 'strict',
    secure: mode === 'always' || (mode === 'auto' && req.secure),
    path: '/',
  };
}

/**
 * What the console learns about its session; operators also get the address of an order's workflow in Temporal UI
 * (`{orderId}` to fill in), when TEMPORAL_UI_URL is set.
 */
function sessionAnswer(deps: Pick<ApiDeps, 'config'>, res: Response, sessionId: string, expiresAt: Date) {
  const { id, role, name } = callerOf(res);
  const ui = deps.config.temporalUiUrl;
  const namespace = encodeURIComponent(deps.config.temporal.namespace);
  return {
    party: { id, role, name },
    expiresAt: expiresAt.toISOString(),
    csrfToken: csrfTokenOf(sessionId),
    workflowUrlTemplate:
      role === 'operator' && ui ? `${ui}/namespaces/${namespace}/workflows/${orderWorkflowId('{orderId}')}` : null,
  };
}

/** The session routes; `authenticated` resolves the caller, `keyCache` is forgotten for a session signed out. */
export function consoleSessionRouter(
  deps: Pick<ApiDeps, 'db' | 'config' | 'now'>,
  authenticated: RequestHandler,
  keyCache: ApiKeyCache,
): Router {
  const router = Router({ caseSensitive: true });
  const failures = new RateLimiterMemory({ keyPrefix: 'sign-in', points: SIGN_IN_FAILURES_PER_MINUTE, duration: 60 });
  const ttlMs = deps.config.session.ttlMinutes * 60_000;

  mountRoute(router, signInRoute, {}, async (req, res, { body }) => {
    const client = req.ip ?? 'unknown';
    const spent = await failures.get(client);
    if (spent && spent.remainingPoints <= 0) {
      const seconds = Math.max(1, Math.ceil(spent.msBeforeNext / 1000));
      res.set('Retry-After', String(seconds));
      throw new ApiError(
        429,
        'invalid_request_error',
        'rate_limited',
        `too many failed sign-ins; retry in ${seconds} s`,
      );
    }
    const { apiKey } = body;
    const now = deps.now();
    const holder = await findKeyHolder(deps.db, apiKey, now);
    if (!holder) {
      await failures.penalty(client, 1).catch((error: unknown) => {
        if (!(error instanceof RateLimiterRes)) throw error;
      });
      throw new ApiError(401, 'authentication_error', 'invalid_api_key', 'the API key is not valid', 'apiKey');
    }
    if (holder.disabled) {
      throw new ApiError(403, 'permission_error', 'party_disabled', `party ${holder.party.id} is disabled`);
    }
    const { sessionId, record } = await openSession(deps.db, {
      partyId: holder.party.id,
      keyId: holder.keyId,
      ttlMs,
      now,
    });
    res.cookie(SESSION_COOKIE, sessionId, { ...cookieOptions(deps, req), expires: record.expiresAt });
    res.locals.party = holder.party;
    res.status(201).json(sessionAnswer(deps, res, sessionId, record.expiresAt));
  });

  // Without a session cookie there is no session to read or end: 204, not an error (the console asks at start).
  const withSessionCookie: RequestHandler = (req, res, next) => {
    if (sessionIdOf(req) === undefined) {
      res.status(204).end();
      return;
    }
    next();
  };

  // Cookie first, then the session's authentication: not mountRoute's bearer-or-cookie for any caller.
  router.get(expressPath(getSessionRoute.path), withSessionCookie, authenticated, (_req, res) => {
    const sessionId = res.locals.sessionId as string | undefined;
    const expiresAt = res.locals.sessionExpiresAt as Date | undefined;
    if (!sessionId || !expiresAt) {
      res.status(204).end();
      return;
    }
    res.json(sessionAnswer(deps, res, sessionId, expiresAt));
  });

  router.delete(expressPath(signOutRoute.path), withSessionCookie, authenticated, async (req, res) => {
    const sessionId = res.locals.sessionId as string | undefined;
    if (!sessionId) {
      res.status(204).end();
      return;
    }
    await closeSession(deps.db, sessionId);
    keyCache.delete(sessionCacheKey(sessionId));
    res.clearCookie(SESSION_COOKIE, cookieOptions(deps, req));
    res.status(204).end();
  });

  return router;
}
