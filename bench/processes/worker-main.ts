// The benchmark's worker process: settleflow's order worker (createOrderWorker, product code only) on the
// benchmark's task queue, and beside it the benchmark's own floor worker (bench/floor) on a queue of its own, in a
// process of its own so its memory and CPU can be measured apart from the API and the bots.
// Configured by the environment like src/worker/main.ts; reports MongoDB command timings to the parent.

import { Context } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { connectDatabase } from '../../src/persistence/database';
import { openKeyRing } from '../../src/security/open-key-ring';
import { configuredPayloadKeys } from '../../src/temporal/payload-keys';
import { createOrderWorker } from '../../src/worker/create-worker';
import { createFloorActivities } from '../floor/floor-activities';
import { floorTaskQueue } from '../floor/floor-contract';
import { reportFailure, reportReady, serveParent } from '../lib/ipc';
import { timeMongoCommands } from '../lib/mongo-timing';
import { Timings } from '../lib/timings';

async function main(): Promise<void> {
  const config = loadConfig();
  const timings = new Timings();
  const db = await connectDatabase(config.mongodbUri);
  timeMongoCommands(db, timings, () => {
    try {
      const { activityType, isLocal } = Context.current().info;
      return `${isLocal ? 'local ' : ''}${activityType}`.replace(/ /g, '-');
    } catch {
      return undefined;
    }
  });
  // The key ring, as the worker process opens it (notices signed, webhook secrets).
  const vault = await openKeyRing(config, db, 'worker');
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const workers = await Promise.all([
    createOrderWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      db,
      vault,
      payloadKeys: configuredPayloadKeys(config, vault),
      config,
    }),
    Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: floorTaskQueue(config.temporal.taskQueue),
      workflowsPath: require.resolve('../floor/floor-workflow'),
      activities: createFloorActivities(),
    }),
  ]);
  const running = Promise.all(workers.map((worker) => worker.run()));
  serveParent({
    timings: (reset) => timings.snapshot(reset),
    stop: async () => {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await db.close();
    },
  });
  reportReady();
  await running;
}

main().catch(reportFailure);
