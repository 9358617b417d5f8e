// `GET /metrics`: the API's Prometheus metrics. Open while METRICS_TOKEN is unset (the API listens on loopback unless
// told otherwise); with it set, only the token as a bearer, or an operator's API key. Never answers with anything
// but metric values (no ids, no keys: the labels are bounded sets).

import { Router } from 'express';
import type { RequestHandler } from 'express';
import { metricsTokenMatches } from '../observability/metrics';
import type { ApiDeps } from './api-deps';
import { requireRole } from './auth';
import { expressPath } from './route-registry';
import { metricsRoute } from './routes';

/** The metrics route; `authenticated` is the API's key check (used when the token does not match). */
export function metricsRouter(deps: Pick<ApiDeps, 'config' | 'metrics'>, authenticated: RequestHandler): Router {
  const router = Router({ caseSensitive: true });
  // Without the token (or with none configured) the request goes on to the second route: an operator's key.
  const token: RequestHandler = (req, _res, next) =>
    next(metricsTokenMatches(deps.config.metrics.token, req.get('authorization')) ? undefined : 'route');
  const serve: RequestHandler = async (_req, res) => {
    const registry = deps.metrics.registry;
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  };
  const path = expressPath(metricsRoute.path);
  router.get(path, token, serve);
  router.get(path, authenticated, requireRole('operator'), serve);
  return router;
}
