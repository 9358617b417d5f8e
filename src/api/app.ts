// The settleflow HTTP API as an Express app factory: request ids, access logs and metrics, security headers, parsing,
// authentication with per-key rate limits, routes, `/metrics` and the central error handler. No `listen` here
// (main.ts and the tests mount it), and no request body is ever logged; no answer may be cached (several carry
// secrets shown once).

import express from 'express';
import helmet from 'helmet';
import type { Express, RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { observeRequests } from '../observability/http-middleware';
import type { Logger } from '../observability/logger';
import { createLogger } from '../observability/logger';
import type { ApiMetrics } from '../observability/metrics';
import { createApiMetrics } from '../observability/metrics';
import { readModelCounts } from '../observability/read-model-counts';
import type { Database } from '../persistence/database';
import type { PartyAccount } from '../persistence/party-store';
import { KeyRing } from '../security/key-ring';
import type { KeyVault } from '../security/purpose-keys';
import type { PayloadKeys } from '../temporal/payload-keys';
import { configuredPayloadKeys } from '../temporal/payload-keys';
import type { ApiDeps } from './api-deps';
import { ApiError, errorHandler } from './api-error';
import { PARTY_CACHE_MAX_ENTRIES, PartyCache, authenticate, createApiKeyCache } from './auth';
import { CODEC_PATH, codecCors, codecRouter } from './codec-router';
import { consoleLedgerRouter } from './console-ledger-router';
import { consoleMonitoringRouter } from './console-monitoring-router';
import { consoleNoticesRouter } from './console-notices-router';
import { consolePartiesRouter } from './console-parties-router';
import { consoleSessionRouter } from './console-session';
import { consoleSettingsRouter } from './console-settings-router';
import { consoleStaticRouter } from './console-static';
import { healthRouter } from './health-router';
import { idempotency } from './idempotency';
import { inboxRouter } from './inbox-router';
import { metricsRouter } from './metrics-router';
import { openApiDocument } from './openapi';
import { orderActionsRouter } from './order-actions-router';
import { ordersRouter } from './orders-router';
import { partiesRouter } from './parties-router';
import { paymentsRouter } from './payments-router';
import { settlementRouter } from './settlement-router';
import { reportsRouter } from './reports-router';
import { walletsRouter } from './wallets-router';
import { reconciliationRouter } from './reconciliation-router';
import { allowedMethods, mountRoute } from './route-registry';
import { API_ROUTES, openApiRoute } from './routes';
import { webhooksRouter } from './webhooks-router';
import { jwksRouter } from './jwks-router';

/**
 * What {@link createApp} needs; `now` defaults to the system clock, `logger` to JSON lines on stdout at LOG_LEVEL,
 * `metrics` to a registry of the app's own.
 */
export interface CreateAppDeps {
  db: Database;
  temporal: Client;
  config: Config;
  vault: KeyVault;
  /** The Temporal payload keys (the codec endpoint's); by default those of the configuration. */
  payloadKeys?: PayloadKeys;
  now?: () => Date;
  logger?: Logger;
  metrics?: ApiMetrics;
}

/**
 * A POST without a body counts as `{}`; a body that is not JSON is a 415 (express.json leaves it unparsed).
 * Runs after express.json, which has already parsed every JSON body.
 */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (req.method !== 'POST' || req.body !== undefined) return next();
  const hasBody = req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? '0') > 0;
  if (hasBody && !req.is('application/json')) {
    throw new ApiError(415, 'invalid_request_error', 'unsupported_media_type', 'send the body as application/json');
  }
  req.body = {};
  next();
};

/**
 * A method a known path does not declare: 405 with `Allow` (RFC 9110), in the error shape; OPTIONS gets 200 with
 * `Allow`, as Express's routers answer it. Runs after every route, so only requests no route took get here.
 */
const methodNotAllowed: RequestHandler = (req, res, next) => {
  const allow = allowedMethods(API_ROUTES, req.path);
  if (allow.length === 0) return next();
  res.set('Allow', allow.join(', '));
  if (req.method === 'OPTIONS') {
    res.status(200).end();
    return;
  }
  throw new ApiError(
    405,
    'invalid_request_error',
    'method_not_allowed',
    `${req.method} is not allowed on ${req.path}; allowed: ${allow.join(', ')}`,
  );
};

/**
 * OPTIONS, answered from the route registry before any router: Express's routers would each list only their own
 * methods for a path that two routers serve (GET and PATCH /v1/parties/{partyId}). A literal path (`/v1/parties/me`)
 * lists only its own routes, not those of a parameterized path it also matches.
 */
const optionsFromRegistry: RequestHandler = (req, res, next) => {
  if (req.method !== 'OPTIONS') return next();
  const path = req.path.replace(/\/+$/, '').toLowerCase();
  const literal = API_ROUTES.filter((route) => !route.path.includes('{') && route.path.toLowerCase() === path);
  const allow = allowedMethods(literal.length > 0 ? literal : API_ROUTES, req.path);
  if (allow.length === 0) return next();
  res.set('Allow', allow.join(', '));
  res.status(200).end();
};

/**
 * A literal path is a resource of its own, not a value of a parameterized path it also matches: `/v1/parties/me` is
 * not `/v1/parties/{partyId}` with partyId "me" (no party may be called "me", and the document's pattern says so). A
 * method only the parameterized path declares (PATCH there) is 405 with the literal path's `Allow`, before any router
 * could take it as the template's.
 */
const literalMethodNotAllowed: RequestHandler = (req, res, next) => {
  if (req.method === 'OPTIONS') return next();
  const path = req.path.replace(/\/+$/, '');
  const literal = API_ROUTES.filter((route) => !route.path.includes('{') && route.path === path);
  if (literal.length === 0) return next();
  const allow = allowedMethods(literal, req.path);
  if (allow.includes(req.method)) return next();
  res.set('Allow', allow.join(', '));
  throw new ApiError(
    405,
    'invalid_request_error',
    'method_not_allowed',
    `${req.method} is not allowed on ${req.path}; allowed: ${allow.join(', ')}`,
  );
};

/** Builds the API. */
export function createApp(input: CreateAppDeps): Express {
  const logger = input.logger ?? createLogger({ service: 'settleflow-api', level: input.config.logging.level });
  const metrics =
    input.metrics ?? createApiMetrics(readModelCounts(input.db), { refreshMs: input.config.metrics.refreshMs, logger });
  const deps: ApiDeps = {
    db: input.db,
    temporal: input.temporal,
    config: input.config,
    vault: input.vault,
    payloadKeys:
      input.payloadKeys ??
      configuredPayloadKeys(input.config, input.vault instanceof KeyRing ? input.vault : undefined),
    now: input.now ?? (() => new Date()),
    logger,
    metrics,
  };
  const clock = () => deps.now().getTime();
  const keyCache = createApiKeyCache(deps.config.apiKeyCacheMs, clock);
  // The parties new orders name: a disable shows here as soon as in the key cache (at once in this process).
  const partyCache = new PartyCache<PartyAccount>(deps.config.apiKeyCacheMs, PARTY_CACHE_MAX_ENTRIES, clock);
  const authenticated = authenticate(deps.db, {
    cache: keyCache,
    ratePerMinute: deps.config.apiRatePerMinute,
    now: deps.now,
  });
  const idempotent = idempotency(deps.db, deps.vault, {
    lockMs: deps.config.idempotency.lockMs,
    now: deps.now,
    logger: deps.logger,
  });
  const document = openApiDocument();

  const app = express();
  // Paths are case-sensitive, as the OpenAPI document says: `/v1/parties/ME` names a party "ME", never `me`.
  app.set('case sensitive routing', true);
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(observeRequests(deps.logger, deps.metrics));
  // A JSON API: nothing to render, frame or load, so the strictest policy (helmet's defaults are for HTML pages).
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      crossOriginResourcePolicy: { policy: 'same-origin' },
      referrerPolicy: { policy: 'no-referrer' },
      xFrameOptions: { action: 'deny' },
    }),
  );
  // Answers carry API keys, webhook secrets, orders and payments: no browser or proxy may keep a copy.
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  app.use(express.json({ limit: deps.config.apiBodyLimit }));
  app.use(requireJsonBody);
  // Temporal UI's preflights to the codec endpoint, answered for TEMPORAL_UI_ORIGIN only (before the generic OPTIONS).
  app.use(CODEC_PATH, codecCors(deps));
  app.use(optionsFromRegistry);
  app.use(literalMethodNotAllowed);

  const system = express.Router({ caseSensitive: true });
  mountRoute(system, openApiRoute, {}, (_req, res) => {
    res.json(document);
  });
  app.use(system);
  app.use(healthRouter(deps));
  app.use(jwksRouter(deps));
  app.use(metricsRouter(deps, authenticated));
  app.use(partiesRouter(deps, authenticated, idempotent, keyCache, partyCache));
  app.use(ordersRouter(deps, authenticated, idempotent, partyCache));
  app.use(orderActionsRouter(deps, authenticated, idempotent));
  app.use(inboxRouter(deps, authenticated));
  app.use(paymentsRouter(deps, authenticated));
  app.use(walletsRouter(deps, authenticated, idempotent));
  app.use(settlementRouter(deps, authenticated, idempotent));
  app.use(reportsRouter(deps, authenticated));
  app.use(reconciliationRouter(deps, authenticated, idempotent));
  app.use(webhooksRouter(deps, authenticated, idempotent));
  app.use(consoleSessionRouter(deps, authenticated, keyCache));
  app.use(consolePartiesRouter(deps, authenticated, keyCache));
  app.use(consoleSettingsRouter(deps, authenticated));
  app.use(consoleMonitoringRouter(deps, authenticated));
  app.use(consoleNoticesRouter(deps, authenticated));
  app.use(consoleLedgerRouter(deps, authenticated));
  app.use(codecRouter(deps, keyCache));
  app.use(consoleStaticRouter(deps.config.consoleDir));

  app.use(methodNotAllowed);
  app.use((req) => {
    throw new ApiError(404, 'not_found_error', 'route_not_found', `no route ${req.method} ${req.path}`);
  });
  app.use(errorHandler(deps.logger));
  return app;
}
