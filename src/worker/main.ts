// The worker process: connects to Temporal and the database and runs order workflows until SIGINT/SIGTERM.

import { NativeConnection } from '@temporalio/worker';
import { loadConfig, requireVaultKey } from '../config';
import { connectDatabase } from '../persistence/database';
import { Vault } from '../security/vault';
import { retryUntilReady } from '../retry-until-ready';
import { createOrderWorker } from './create-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const vault = new Vault(requireVaultKey(config));
  const db = await connectDatabase(config.mongodbUri);
  const connection = await retryUntilReady(
    `Temporal at ${config.temporal.address}`,
    () => NativeConnection.connect({ address: config.temporal.address }),
    (line) => console.log(`worker: ${line}`),
  );
  const worker = await createOrderWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    db,
    vault,
    config,
    workflowBundle: config.workflowBundlePath ? { codePath: config.workflowBundlePath } : undefined,
  });
  console.log(`settleflow worker polling task queue ${config.temporal.taskQueue} at ${config.temporal.address}`);
  await worker.run();
  await connection.close();
  await db.close();
}

main().catch((error: unknown) => {
  console.error('worker failed:', error);
  process.exit(1);
});
