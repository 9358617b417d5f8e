// `GET /v1/monitoring/summary` (operators only): what the console's monitoring page draws, fed by the Prometheus
// metrics and nothing else: the API's own registry (read in process, so its gauges refresh as on a scrape), the
// order worker's /metrics (WORKER_METRICS_URL) and the gateway worker's /metrics (GATEWAY_METRICS_URL, the bank
// link), each read within MONITORING_SCRAPE_TIMEOUT_MS. A worker that does not answer makes its part `unknown`,
// never a failed request. Reads only; never returns an id, a key or card data (metric labels are bounded sets).

import { Router } from 'express';
import type { RequestHandler } from 'express';
import { summarizeMetrics } from '../observability/monitoring-summary';
import { parsePrometheusText, scrapeMetrics } from '../observability/prometheus-samples';
import type { ApiDeps } from './api-deps';
import { monitoringSummaryRoute } from './console-routes';
import { mountRoute } from './route-registry';

/** The monitoring route; `authenticated` resolves the caller. */
export function consoleMonitoringRouter(
  deps: Pick<ApiDeps, 'config' | 'metrics' | 'now'>,
  authenticated: RequestHandler,
): Router {
  const router = Router({ caseSensitive: true });
  const { token, workerUrl, gatewayUrl, scrapeTimeoutMs } = deps.config.metrics;

  mountRoute(router, monitoringSummaryRoute, { authenticated }, async (_req, res) => {
    const [api, worker, gateway] = await Promise.all([
      deps.metrics.registry.metrics().then(parsePrometheusText),
      scrapeMetrics(workerUrl, { token, timeoutMs: scrapeTimeoutMs }),
      scrapeMetrics(gatewayUrl, { token, timeoutMs: scrapeTimeoutMs }),
    ]);
    res.json(summarizeMetrics({ api, worker, gateway, history: deps.metrics.orderHistory, now: deps.now() }));
  });

  return router;
}
