// The gateway worker process: the only process holding the bank connection. Connects to the database, the bank host
// and Temporal, resumes pending reversals, and runs payment child workflows and bank activities on the gateway's task
// queue until SIGINT/SIGTERM. It never logs card data (every bank line is masked).

import { Client } from '@temporalio/client';
import { loadConfig } from '../../config';
import { createLogger } from '../../observability/logger';
import { createGatewayMetrics, serveMetrics } from '../../observability/metrics';
import { activityObservability } from '../../observability/temporal-interceptors';
import { connectDatabase } from '../../persistence/database';
import { connectTemporalClient, connectTemporalWorker } from '../../temporal-connection';
import { ensureReconciliationSchedule } from '../reconciliation/schedule';
import { openKeyRing } from '../../security/open-key-ring';
import { payloadDataConverter } from '../../temporal/codec';
import { configuredPayloadKeys } from '../../temporal/payload-keys';
import { GATEWAY_REVERSALS } from '../bank-connector/reversal-queue';
import { countMatching } from '../../persistence/count';
import { gatewaySettingsFrom, startGatewayRuntime } from '../gateway-runtime';
import { ensureSettlementSchedule } from '../settlement/settlement-schedule';
import { createGatewayWorker } from './create-gateway-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.gateway.echeck.iso20022Token === undefined) {
    // Without it every e-check, payout and statement would be refused by the bank (401): say so now, not per payment.
    throw new Error(
      "BANK_HOST_ISO20022_TOKEN is not set: the gateway's token on the bank host's ISO 20022 channel (README, Bank host)",
    );
  }
  const db = await connectDatabase(config.mongodbUri, config.mongodb.options);
  const log = (line: string) => console.log(`gateway: ${line}`);
  const vault = await openKeyRing(config, db, 'gateway', {
    onRefreshError: (error) => log(`reloading the keys failed: ${error}`),
  });
  const runtime = await startGatewayRuntime({
    db,
    vault,
    log,
    settings: gatewaySettingsFrom(config),
  });
  // The bank link's gauges on GATEWAY_METRICS_PORT (the API reads them for the console's monitoring page).
  const logger = createLogger({ service: 'settleflow-gateway', level: config.logging.level });
  const metrics = createGatewayMetrics({
    link: () => runtime.connection.stats(),
    reversalsPending: () => countMatching(db.connection, GATEWAY_REVERSALS, { state: 'pending' }),
    refreshMs: config.metrics.refreshMs,
    logger: logger,
  });
  const metricsServer =
    config.metrics.gatewayPort > 0
      ? await serveMetrics(metrics.registry, {
          host: config.metrics.host,
          port: config.metrics.gatewayPort,
          token: config.metrics.token,
          logger: logger,
        })
      : undefined;
  if (metricsServer) log(`metrics on http://${config.metrics.host}:${metricsServer.port}/metrics`);
  // The same TLS, API key, namespace and search-attribute checks as the order worker (src/temporal-connection.ts).
  const connection = await connectTemporalWorker(config.temporal, log);
  // Temporal payloads under the key ring's `temporal-payloads` key (TEMPORAL_PAYLOAD_KEYS overrides it).
  const payloadKeys = configuredPayloadKeys(config, vault);
  const worker = await createGatewayWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.gateway.taskQueue,
    runtime,
    payloadKeys,
    workflowBundle: config.gateway.workflowBundlePath ? { codePath: config.gateway.workflowBundlePath } : undefined,
    // A log line per activity (with the request id the order's Update carried) and the payment counters.
    activityInterceptors: [activityObservability({ logger: logger, metrics: metrics.activities })],
  });
  // The Schedules (cut-offs; the daily reconciliation), created or brought up to date through one client whose
  // payloads (the Schedules' workflow arguments) are sealed by the codec like any other.
  const clientConnection = await connectTemporalClient(config.temporal, log);
  const client = new Client({
    connection: clientConnection,
    namespace: config.temporal.namespace,
    dataConverter: payloadDataConverter(payloadKeys),
  });
  // Cut-offs: paused with SETTLEMENT_SCHEDULE=off.
  const schedule = await ensureSettlementSchedule(client, {
    ...config.settlement,
    taskQueue: config.gateway.taskQueue,
  });
  log(
    `settlement cut-off schedule ${schedule}: ${config.settlement.scheduleEnabled ? 'on' : 'paused'}, ` +
      (config.settlement.cron ? `cron ${config.settlement.cron}` : `every ${config.settlement.intervalMs} ms`),
  );
  const cron = config.gateway.reconciliation.scheduleCron;
  if (cron !== undefined) {
    // The daily reconciliation after end of day: one Schedule per settlement account, created or set to this cron.
    const scheduleId = await ensureReconciliationSchedule(client, {
      iban: config.gateway.echeck.creditorIban,
      cron,
      taskQueue: config.gateway.taskQueue,
    });
    log(`reconciliation schedule ${scheduleId}: ${cron} (UTC)`);
  }
  await clientConnection.close();
  console.log(
    `settleflow gateway worker polling task queue ${config.gateway.taskQueue}; bank host ${config.gateway.bankHostAddress}`,
  );
  await worker.run();
  await runtime.close();
  await metricsServer?.close();
  await connection.close();
  await db.close();
}

main().catch((error: unknown) => {
  console.error('gateway worker failed:', error);
  process.exit(1);
});
