// Durability: the worker runs as a separate process and is killed with SIGKILL in the middle of an order;
// a new worker process picks the order up and it completes with every step once and nothing lost. The order pays
// through a gateway worker (in the test's process) and the run's bank host, as every new order does.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import {
  carrierAnswerUpdate,
  paymentNotificationUpdate,
  settlementConfirmationUpdate,
  shipmentEventUpdate,
  supplierAnswerUpdate,
} from '../../src/contracts/order-contract';
import type { OrderView } from '../../src/domain/order';
import type { TestGateway } from '../support/gateway-env';
import { startTestGateway } from '../support/gateway-env';
import type { WorkflowEnv } from '../support/workflow-env';
import {
  acceptance,
  fullReservation,
  sealedCard,
  startOrder,
  startWorkflowEnv,
  testPayloadKeysEnv,
  testServers,
  waitForStatus,
} from '../support/workflow-env';

const root = path.resolve(__dirname, '..', '..');
let env: WorkflowEnv;
let gateway: TestGateway;
const children: ChildProcess[] = [];

/** Starts `src/worker/main.ts` as its own process and resolves once it polls the task queue. */
async function startWorkerProcess(): Promise<ChildProcess> {
  const servers = testServers();
  const child = spawn(process.execPath, [path.join(root, 'scripts/run-ts.js'), path.join(root, 'src/worker/main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: servers.temporalAddress,
      TEMPORAL_TASK_QUEUE: env.taskQueue,
      MONGODB_URI: env.databaseUri,
      SETTLEFLOW_VAULT_KEY: servers.vaultKey,
      SETTLEFLOW_WORKFLOW_BUNDLE: servers.bundlePath ?? '',
      ...testPayloadKeysEnv(),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('polling task queue')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('exit', (code) => reject(new Error(`worker exited with ${code}: ${output}`)));
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  env = await startWorkflowEnv({ worker: false });
  gateway = await startTestGateway({ db: env.db, vault: env.vault });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await gateway?.close();
  await env?.close();
});

describe('durability', () => {
  it('worker process › SIGKILL mid-order, then restarted › the order closes with each step once', async () => {
    const firstWorker = await startWorkerProcess();
    const { handle, input } = await startOrder(env, {
      carrierIds: ['carrier-a', 'carrier-b'],
      gatewayTaskQueue: gateway.taskQueue,
    });
    await handle.executeUpdate(supplierAnswerUpdate, { args: [fullReservation(input)] });
    await handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance('carrier-a', 5_000)] });

    // The second carrier's answer is in flight when the worker dies.
    const inFlight = handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance('carrier-b', 6_000)] });
    await kill(firstWorker);
    await startWorkerProcess();
    await inFlight;
    const afterRestart = (await handle.query('status')) as OrderView;
    expect(afterRestart.quotes.map((q) => q.carrierId).sort()).toEqual(['carrier-a', 'carrier-b']);

    await waitForStatus(handle, 'CONFIRMED');
    await handle.executeUpdate(paymentNotificationUpdate, {
      args: [sealedCard(env.vault, input.customerId, '4242424242424242')],
    });
    for (const type of ['picked_up', 'in_transit', 'delivered'] as const) {
      await handle.executeUpdate(shipmentEventUpdate, { args: [{ carrierId: 'carrier-a', type }] });
    }
    await waitForStatus(handle, 'AWAITING_SELLER_CONFIRMATION');
    await handle.executeUpdate(settlementConfirmationUpdate, { args: [{ sellerId: input.sellerId, confirmed: true }] });
    const result = (await handle.result()) as OrderView;

    expect(result.status).toBe('CLOSED');
    expect(result.timeline.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.quotes).toHaveLength(2);
    const stored = await env.db.orders.findById(input.orderId).lean();
    expect(stored?.status).toBe('CLOSED');
    expect(stored?.timeline.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await env.db.notices.countDocuments({ orderId: input.orderId, kind: 'TRANSPORT_INQUIRY' })).toBe(2);
    expect(await env.db.ledger.countDocuments({ orderId: input.orderId, kind: 'CAPTURE' })).toBe(1);
  }, 120_000);
});
