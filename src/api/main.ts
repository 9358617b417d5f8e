// The API process: reads the configuration, starts tracing when configured, connects to MongoDB and Temporal
// (waiting for Temporal to come up), serves the app and shuts down cleanly on SIGINT/SIGTERM. Everything else lives
// in createApp. Logs are pino JSON lines on stdout (pretty at a developer's terminal).

import { listen } from './listen';
import { Client } from '@temporalio/client';
import { loadConfig } from '../config';
import type { Logger } from '../observability/logger';
import { createLogger, loggingFrom } from '../observability/logger';
import { createApiMetrics } from '../observability/metrics';
import { readModelCounts } from '../observability/read-model-counts';
import { clientInterceptors } from '../observability/temporal-interceptors';
import { startTracing } from '../observability/tracing';
import { connectDatabase } from '../persistence/database';
import { startIdempotencySweeper } from '../persistence/idempotency-store';
import { openKeyRing } from '../security/open-key-ring';
import { connectTemporalClient } from '../temporal-connection';
import { payloadDataConverter } from '../temporal/codec';
import { configuredPayloadKeys } from '../temporal/payload-keys';

let logger: Logger = createLogger({ service: 'settleflow-api' });

async function main(): Promise<void> {
  const config = loadConfig();
  logger = createLogger({ service: 'settleflow-api', ...loggingFrom(config) });
  const tracing = await startTracing(config.tracing, 'settleflow-api', logger);
  // Loaded once tracing has started, so the HTTP server under Express is instrumented.
  const { createApp } = await import('./app');
  const { sweepNotificationIds } = await import('./signed-notification');
  logger.info({ mongodb: config.mongodb.deployment }, 'connecting to MongoDB');
  const db = await connectDatabase(config.mongodbUri, config.mongodb.options);
  // One key per purpose, reloaded every SETTLEFLOW_KEY_REFRESH_MS; start-up stops here without the right KEK.
  const vault = await openKeyRing(config, db, 'api', {
    onRefreshError: (error) => logger.error({ err: error }, 'reloading the keys failed'),
  });
  // Temporal payloads under the key ring's `temporal-payloads` key (TEMPORAL_PAYLOAD_KEYS overrides it).
  const payloadKeys = configuredPayloadKeys(config, vault);
  logger.info(`connecting to Temporal at ${config.temporal.address}, namespace ${config.temporal.namespace}`);
  const connection = await connectTemporalClient(config.temporal, (line) => logger.warn(line));
  const temporal = new Client({
    connection,
    namespace: config.temporal.namespace,
    interceptors: clientInterceptors(tracing),
    dataConverter: payloadDataConverter(payloadKeys),
  });
  const metrics = createApiMetrics(readModelCounts(db), { refreshMs: config.metrics.refreshMs, logger });
  const app = createApp({ db, temporal, config, vault, payloadKeys, logger, metrics });
  // Reads the order counts every METRICS_REFRESH_MS, so the monitoring page's throughput has a history from the start
  // even when nothing scrapes /metrics.
  const sampler = setInterval(() => {
    void metrics.registry.getSingleMetric('settleflow_orders')?.get();
  }, config.metrics.refreshMs);
  sampler.unref();
  // FerretDB has no TTL index: this process deletes Idempotency-Key records past IDEMPOTENCY_TTL_HOURS itself.
  const sweeper = startIdempotencySweeper(db, {
    ttlHours: config.idempotency.ttlHours,
    intervalMs: config.idempotency.sweepIntervalMs,
    batchSize: config.idempotency.sweepBatchSize,
    logger,
    alsoSweep: [
      (now) => sweepNotificationIds(db, new Date(now.getTime() - 2 * config.paymentNotificationWindowSeconds * 1000)),
    ],
  });

  // Loopback by default: the API carries API keys and card data over plain HTTP, so exposing it is an explicit
  // choice (HOST=0.0.0.0, e.g. behind a TLS-terminating proxy or in a container).
  const host = config.host;
  const server = await listen(app, { port: config.port, host, keepAliveTimeoutMs: config.keepAliveTimeoutMs });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ host, port }, `settleflow API listening on http://${host}:${port}`);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received; closing`);
    clearInterval(sampler);
    const sweeperStopped = sweeper.stop();
    server.close((error) => {
      void Promise.allSettled([sweeperStopped, connection.close(), tracing?.shutdown()])
        .then(() => db.close())
        .finally(() => {
          logger.info('closed');
          process.exit(error ? 1 : 0);
        });
    });
    // Requests in flight get API_SHUTDOWN_GRACE_MS to finish (their Updates are durable in Temporal either way).
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), config.shutdown.apiGraceMs).unref();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'failed to start');
  process.exit(1);
});
