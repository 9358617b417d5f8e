// Test support: the gateway's bank side and its Temporal worker in the test's process, connected to the run's bank
// host (jest's globalSetup started it), on a task queue of its own; orders started with that `taskQueue` as their
// gateway task queue pay through it, as orders the API places do in the product.

import { randomUUID } from 'node:crypto';
import { NativeConnection } from '@temporalio/worker';
import type { GatewayRuntime, GatewaySettings } from '../../src/gateway/gateway-runtime';
import { DEFAULT_GATEWAY_SETTINGS, startGatewayRuntime } from '../../src/gateway/gateway-runtime';
import { createGatewayWorker } from '../../src/gateway/worker/create-gateway-worker';
import type { Database } from '../../src/persistence/database';
import type { Vault } from '../../src/security/vault';
import { bankHostEnv } from './bank-control';
import { testPayloadKeys, testServers } from './workflow-env';

/** A running gateway worker of one test file. */
export interface TestGateway {
  taskQueue: string;
  runtime: GatewayRuntime;
  close(): Promise<void>;
}

/** Starts the gateway's bank side and worker on `db` (the order worker's database) with `settings` over defaults. */
export async function startTestGateway(options: {
  db: Database;
  vault: Vault;
  settings?: Partial<GatewaySettings>;
}): Promise<TestGateway> {
  const taskQueue = `gateway-test-${randomUUID()}`;
  const runtime = await startGatewayRuntime({
    db: options.db,
    vault: options.vault,
    settings: { ...DEFAULT_GATEWAY_SETTINGS, bankHostAddress: bankHostEnv().address, ...options.settings },
    log: () => undefined,
  });
  const connection = await NativeConnection.connect({ address: testServers().temporalAddress });
  const bundle = process.env.SETTLEFLOW_GATEWAY_WORKFLOW_BUNDLE;
  const worker = await createGatewayWorker({
    connection,
    namespace: 'default',
    taskQueue,
    runtime,
    payloadKeys: testPayloadKeys(),
    workflowBundle: bundle ? { codePath: bundle } : undefined,
  });
  const running = worker.run();
  return {
    taskQueue,
    runtime,
    async close() {
      worker.shutdown();
      await running;
      await connection.close();
      await runtime.close();
    },
  };
}
