// The worker process: connects to Temporal and the database and runs order workflows until SIGINT/SIGTERM. Logs go
// through pino (the Temporal SDK's and the workflows' too, through its Runtime), metrics are served on
// WORKER_METRICS_PORT (the SDK's own merged in from TEMPORAL_METRICS_PORT on loopback), traces are exported when an
// OTLP endpoint is set.

import { Runtime } from '@temporalio/worker';
import { loadConfig } from '../config';
import { createLogger, loggingFrom, temporalLoggerFor } from '../observability/logger';
import type { Logger } from '../observability/logger';
import { createWorkerMetrics, scrapeText, serveMetrics } from '../observability/metrics';
import { startTracing } from '../observability/tracing';
import { connectDatabase } from '../persistence/database';
import { openKeyRing } from '../security/open-key-ring';
import { connectTemporalWorker } from '../temporal-connection';
import { configuredPayloadKeys } from '../temporal/payload-keys';
import { createOrderWorker } from './create-worker';

let logger: Logger = createLogger({ service: 'settleflow-worker' });

async function main(): Promise<void> {
  const config = loadConfig();
  logger = createLogger({ service: 'settleflow-worker', ...loggingFrom(config) });
  const { metrics: metricsSettings } = config;
  // The SDK's Prometheus exporter has no authentication: loopback only, merged into this worker's /metrics.
  const temporalMetricsUrl =
    metricsSettings.temporalPort > 0 ? `http://127.0.0.1:${metricsSettings.temporalPort}/metrics` : undefined;
  Runtime.install({
    logger: temporalLoggerFor(logger),
    ...(temporalMetricsUrl
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsSettings.temporalPort}` } } } }
      : {}),
  });
  const tracing = await startTracing(config.tracing, 'settleflow-worker', logger);
  const metrics = createWorkerMetrics();
  const metricsServer =
    metricsSettings.workerPort > 0
      ? await serveMetrics(metrics.registry, {
          host: metricsSettings.host,
          port: metricsSettings.workerPort,
          token: metricsSettings.token,
          logger,
          merged: temporalMetricsUrl ? () => scrapeText(temporalMetricsUrl) : undefined,
        })
      : undefined;
  if (metricsServer) {
    logger.info(
      { port: metricsServer.port },
      `worker metrics on http://${metricsSettings.host}:${metricsServer.port}/metrics`,
    );
  }

  logger.info({ mongodb: config.mongodb.deployment }, 'connecting to MongoDB');
  const db = await connectDatabase(config.mongodbUri, config.mongodb.options);
  const vault = await openKeyRing(config, db, 'worker', {
    onRefreshError: (error) => logger.error({ err: error }, 'reloading the keys failed'),
  });
  // Temporal payloads under the key ring's `temporal-payloads` key (TEMPORAL_PAYLOAD_KEYS overrides it).
  const payloadKeys = configuredPayloadKeys(config, vault);
  logger.info({ payloadKey: (await payloadKeys.current()).kid }, 'Temporal payloads encrypted (AES-256-GCM)');
  const connection = await connectTemporalWorker(config.temporal, (line) => logger.warn(line));
  const worker = await createOrderWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    db,
    vault,
    payloadKeys,
    config,
    workflowBundle: config.workflowBundlePath ? { codePath: config.workflowBundlePath } : undefined,
    logger,
    metrics,
    tracing,
    // SIGTERM/SIGINT (handled by the SDK): polling stops, in-flight activities get the grace period to finish, then
    // are cancelled; past the force time the worker stops anyway and Temporal retries what was left elsewhere.
    shutdown: { graceMs: config.shutdown.workerGraceMs, forceMs: config.shutdown.workerForceMs },
  });
  logger.info(
    { taskQueue: config.temporal.taskQueue, temporal: config.temporal.address, namespace: config.temporal.namespace },
    `settleflow worker polling task queue ${config.temporal.taskQueue} at ${config.temporal.address}`,
  );
  await worker.run();
  await connection.close();
  await db.close();
  await metricsServer?.close();
  await tracing?.shutdown();
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'worker failed');
  process.exit(1);
});
