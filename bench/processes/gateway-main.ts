// The benchmark's gateway worker process: settleflow's gateway worker (startGatewayRuntime + createGatewayWorker,
// product code only, as src/gateway/worker/main.ts runs them) on the benchmark's gateway task queue, connected to the
// benchmark's bank host, in a process of its own so its memory and CPU can be measured apart from the order worker.
// Configured by the environment like src/gateway/worker/main.ts, without its metrics server; reports MongoDB command
// timings to the parent. It never logs card data (the connector masks every bank line).

import { Context } from '@temporalio/activity';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { gatewaySettingsFrom, startGatewayRuntime } from '../../src/gateway/gateway-runtime';
import { createGatewayWorker } from '../../src/gateway/worker/create-gateway-worker';
import { connectDatabase } from '../../src/persistence/database';
import { openKeyRing } from '../../src/security/open-key-ring';
import { configuredPayloadKeys } from '../../src/temporal/payload-keys';
import { reportFailure, reportReady, serveParent } from '../lib/ipc';
import { timeMongoCommands } from '../lib/mongo-timing';
import { Timings } from '../lib/timings';

async function main(): Promise<void> {
  const config = loadConfig();
  const timings = new Timings();
  const db = await connectDatabase(config.mongodbUri);
  timeMongoCommands(db, timings, () => {
    try {
      return Context.current().info.activityType.replace(/ /g, '-');
    } catch {
      return undefined;
    }
  });
  // The key ring, as the gateway worker opens it (the payment-instruction key that opens the customers' JWEs).
  const vault = await openKeyRing(config, db, 'gateway');
  const runtime = await startGatewayRuntime({
    db,
    vault,
    log: (line) => console.log(`gateway: ${line}`),
    settings: gatewaySettingsFrom(config),
  });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await createGatewayWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.gateway.taskQueue,
    runtime,
    payloadKeys: configuredPayloadKeys(config, vault),
  });
  const running = worker.run();
  serveParent({
    timings: (reset) => timings.snapshot(reset),
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await runtime.close();
      await connection.close();
      await db.close();
    },
  });
  reportReady();
  await running;
}

main().catch(reportFailure);
