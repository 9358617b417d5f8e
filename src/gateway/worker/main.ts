// The gateway worker process: the only process holding the bank connection. Connects to the database, the bank host
// and Temporal, resumes pending reversals, and runs payment child workflows and bank activities on the gateway's task
// queue until SIGINT/SIGTERM. It never logs card data (every bank line is masked).

import { NativeConnection } from '@temporalio/worker';
import { loadConfig, requireVaultKey } from '../../config';
import { createLogger } from '../../observability/logger';
import { createGatewayMetrics, serveMetrics } from '../../observability/metrics';
import { connectDatabase } from '../../persistence/database';
import { retryUntilReady } from '../../retry-until-ready';
import { Vault } from '../../security/vault';
import { GATEWAY_REVERSALS } from '../bank-connector/reversal-queue';
import { DEFAULT_GATEWAY_SETTINGS, startGatewayRuntime } from '../gateway-runtime';
import { createGatewayWorker } from './create-gateway-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const vault = new Vault(requireVaultKey(config));
  const db = await connectDatabase(config.mongodbUri);
  const log = (line: string) => console.log(`gateway: ${line}`);
  const g = config.gateway;
  const runtime = await startGatewayRuntime({
    db,
    vault,
    log,
    settings: {
      ...DEFAULT_GATEWAY_SETTINGS,
      bankHostAddress: g.bankHostAddress,
      acquirerId: g.acquirerId,
      terminalId: g.terminalId,
      requestTimeoutMs: g.requestTimeoutMs,
      echoIntervalMs: g.echoIntervalMs,
      reconnectMaxMs: g.reconnectMaxMs,
      maxInFlight: g.maxInFlight,
      reversalHorizonMs: g.reversalHorizonMs,
      reversalRetryInitialMs: g.reversalRetryInitialMs,
      reversalRetryMaxMs: g.reversalRetryMaxMs,
      echeck: g.echeck,
      micropayments: g.micropayments,
    },
  });
  // The bank link's gauges on GATEWAY_METRICS_PORT (the API reads them for the console's monitoring page).
  const metricsLogger = createLogger({ service: 'settleflow-gateway', level: config.logging.level });
  const metrics = createGatewayMetrics({
    link: () => runtime.connection.stats(),
    reversalsPending: () => db.connection.collection(GATEWAY_REVERSALS).countDocuments({ state: 'pending' }),
    refreshMs: config.metrics.refreshMs,
    logger: metricsLogger,
  });
  const metricsServer =
    config.metrics.gatewayPort > 0
      ? await serveMetrics(metrics.registry, {
          host: config.metrics.host,
          port: config.metrics.gatewayPort,
          token: config.metrics.token,
          logger: metricsLogger,
        })
      : undefined;
  if (metricsServer) log(`metrics on http://${config.metrics.host}:${metricsServer.port}/metrics`);
  const connection = await retryUntilReady(
    `Temporal at ${config.temporal.address}`,
    () => NativeConnection.connect({ address: config.temporal.address }),
    log,
  );
  const worker = await createGatewayWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: g.taskQueue,
    runtime,
    workflowBundle: g.workflowBundlePath ? { codePath: g.workflowBundlePath } : undefined,
  });
  console.log(`settleflow gateway worker polling task queue ${g.taskQueue}; bank host ${g.bankHostAddress}`);
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
