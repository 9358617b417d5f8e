// Test support for workflow tests: a real Temporal dev server and database (started by jest's
// globalSetup), a worker on a task queue of the test file's own, and helpers to start and drive orders.

import { createHash, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import type { OrderWorkflowInput } from '../../src/contracts/order-contract';
import { initialSearchAttributes, orderWorkflowId } from '../../src/contracts/order-contract';
import type { BankConnector } from '../../src/bank/bank-connector';
import { loadConfig } from '../../src/config';
import type { OrderDeadlines } from '../../src/domain/order';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import { Vault } from '../../src/security/vault';
import { AesGcmPayloadCodec, payloadDataConverter } from '../../src/temporal/codec';
import type { PayloadKey } from '../../src/temporal/payload-keys';
import { StaticPayloadKeys, derivedPayloadKey } from '../../src/temporal/payload-keys';
import { createOrderWorker } from '../../src/worker/create-worker';
import { SimulatedBank } from './legacy-bank';

/** The servers' coordinates, as jest's globalSetup exported them. */
export function testServers(): {
  temporalAddress: string;
  mongoUri: string;
  vaultKey: string;
  /** The workflow bundle made once per test run; undefined outside jest (the worker then bundles itself). */
  bundlePath: string | undefined;
} {
  const { TEMPORAL_ADDRESS, MONGODB_URI, SETTLEFLOW_VAULT_KEY, SETTLEFLOW_WORKFLOW_BUNDLE } = process.env;
  if (!TEMPORAL_ADDRESS || !MONGODB_URI || !SETTLEFLOW_VAULT_KEY) {
    throw new Error('test servers are not set up: run the tests with `npm test` (jest globalSetup starts them)');
  }
  return {
    temporalAddress: TEMPORAL_ADDRESS,
    mongoUri: MONGODB_URI,
    vaultKey: SETTLEFLOW_VAULT_KEY,
    bundlePath: SETTLEFLOW_WORKFLOW_BUNDLE || undefined,
  };
}

/**
 * The key recorded histories (test/fixtures/histories) are sealed under when recorded with the codec: test data, not a
 * secret, so a fixture recorded in one run replays in any other.
 */
export const FIXTURE_PAYLOAD_KEY: PayloadKey = {
  kid: 'fixtures-v1',
  key: createHash('sha256').update('settleflow recorded histories').digest(),
};

/**
 * The Temporal payload keys of the test run: the key derived from its vault key (as a process configured with it
 * derives it) encrypts, and the fixtures' key opens recorded histories; while recording fixtures (RECORD_FIXTURES=1,
 * scripts/record-history.ts) the fixtures' key encrypts.
 */
export function testPayloadKeys(): StaticPayloadKeys {
  const derived = derivedPayloadKey(testServers().vaultKey);
  return new StaticPayloadKeys(
    process.env.RECORD_FIXTURES === '1' ? [FIXTURE_PAYLOAD_KEY, derived] : [derived, FIXTURE_PAYLOAD_KEY],
  );
}

/**
 * The environment that makes a settleflow process a test starts (the API's, the worker's or the gateway worker's entry
 * point) encrypt Temporal payloads under the run's test keys (TEMPORAL_PAYLOAD_KEYS, the override) instead of its key
 * ring's: every test database has a key ring of its own, while the run's processes share one Temporal namespace (and the
 * settlement Schedule in it) and the tests' clients read what those processes write.
 */
export function testPayloadKeysEnv(): { TEMPORAL_PAYLOAD_KEYS: string } {
  const derived = derivedPayloadKey(testServers().vaultKey);
  const keys = process.env.RECORD_FIXTURES === '1' ? [FIXTURE_PAYLOAD_KEY, derived] : [derived, FIXTURE_PAYLOAD_KEY];
  return { TEMPORAL_PAYLOAD_KEYS: keys.map(({ kid, key }) => `${kid}:${key.toString('base64')}`).join(',') };
}

/** Every payload in a history (objects with `data` bytes and a `metadata` map). */
function payloadsIn(node: unknown, out: Payload[] = []): Payload[] {
  if (Array.isArray(node)) node.forEach((item) => payloadsIn(item, out));
  else if (node && typeof node === 'object' && !(node instanceof Uint8Array)) {
    const candidate = node as Payload;
    if (candidate.data instanceof Uint8Array && candidate.metadata && typeof candidate.metadata === 'object') {
      out.push(candidate);
      return out;
    }
    Object.values(node).forEach((value) => payloadsIn(value, out));
  }
  return out;
}

/**
 * A history as text with every payload decoded by the codec (failure messages and stack traces included, which the
 * failure converter moved into payloads): what an operator with the codec sees. For checks on history contents.
 */
export async function decodedHistoryText(history: temporal.api.history.v1.IHistory): Promise<string> {
  const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
  const decoded = await new AesGcmPayloadCodec(testPayloadKeys()).decode(payloadsIn(history));
  return [raw, ...decoded.map((payload) => Buffer.from(payload.data ?? []).toString('utf8'))].join('\n');
}

/** The data converter every test client and worker uses: the product's payload codec under the run's keys. */
export function testDataConverter() {
  return payloadDataConverter(testPayloadKeys());
}

/** A MongoDB URI naming a database of its own, so test files never see each other's data. */
export function uniqueDatabaseUri(baseUri: string, prefix: string): string {
  const url = new URL(baseUri);
  url.pathname = `/${prefix}_${randomUUID().slice(0, 8)}`;
  return url.toString();
}

/** A running worker, a client and a database for one test file. */
export interface WorkflowEnv {
  client: Client;
  db: Database;
  vault: Vault;
  taskQueue: string;
  databaseUri: string;
  /** Starts a worker on the env's task queue (one is started by `startWorkflowEnv` unless told not to). */
  startWorker(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects to the test servers and starts a worker on a fresh task queue. Orders started without a gateway task queue
 * take the order workflow's pre-gateway path (kept for recorded histories), paying through the test-only legacy bank
 * (legacy-bank.ts), which `bank` replaces (a test may pass one with outages).
 */
export async function startWorkflowEnv(
  options: { worker?: boolean; bank?: (db: Database) => BankConnector } = {},
): Promise<WorkflowEnv> {
  const servers = testServers();
  const databaseUri = uniqueDatabaseUri(servers.mongoUri, 'wf');
  const db = await connectDatabase(databaseUri);
  const vault = new Vault(servers.vaultKey);
  const taskQueue = `test-${randomUUID()}`;
  const clientConnection = await Connection.connect({ address: servers.temporalAddress });
  const client = new Client({ connection: clientConnection, dataConverter: testDataConverter() });
  const workers: { worker: Worker; running: Promise<void>; connection: NativeConnection }[] = [];

  const env: WorkflowEnv = {
    client,
    db,
    vault,
    taskQueue,
    databaseUri,
    async startWorker() {
      const connection = await NativeConnection.connect({ address: servers.temporalAddress });
      const worker = await createOrderWorker({
        connection,
        namespace: 'default',
        taskQueue,
        db,
        vault,
        payloadKeys: testPayloadKeys(),
        config: loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_HORIZON_HOURS: '0.01' }),
        bank: options.bank?.(db) ?? new SimulatedBank(db),
        workflowBundle: servers.bundlePath ? { codePath: servers.bundlePath } : undefined,
      });
      workers.push({ worker, running: worker.run(), connection });
    },
    async close() {
      for (const { worker, running, connection } of workers) {
        worker.shutdown();
        await running;
        await connection.close();
      }
      await clientConnection.close();
      await db.connection.dropDatabase();
      await db.close();
    },
  };
  if (options.worker !== false) await env.startWorker();
  return env;
}

/** Parties of one order, unique per call so tests never share orders. */
export function orderParties(carriers = 2) {
  const run = randomUUID().slice(0, 8);
  return {
    sellerId: `seller-${run}`,
    customerId: `customer-${run}`,
    supplierId: `supplier-${run}`,
    carrierIds: Array.from({ length: carriers }, (_, i) => `carrier-${run}-${i + 1}`),
  };
}

/** Deadlines short enough for tests that wait for them, long enough for tests that do not. */
export const LONG_DEADLINES: OrderDeadlines = {
  supplierAnswerMs: 120_000,
  carrierAnswerMs: 120_000,
  paymentMs: 120_000,
  deliveryMs: 600_000,
  sellerConfirmationMs: 600_000,
  disputeResolutionMs: 600_000,
};

/** Starts an order workflow directly (as the API would) and returns its handle and input. */
export async function startOrder(
  env: WorkflowEnv,
  overrides: Partial<OrderWorkflowInput> = {},
): Promise<{ handle: WorkflowHandle; input: OrderWorkflowInput }> {
  const input: OrderWorkflowInput = {
    orderId: `o-${randomUUID()}`,
    ...orderParties(),
    items: [
      { sku: 'PUMP-7', description: 'pump', quantity: 2, unitPrice: { amount: 12_500, currency: 'EUR' } },
      { sku: 'SEAL-2', description: 'seal kit', quantity: 5, unitPrice: { amount: 990, currency: 'EUR' } },
    ],
    shipTo: { name: 'Plant 2', line1: 'Werkstrasse 1', city: 'Munich', postalCode: '80331', country: 'DE' },
    deadlines: LONG_DEADLINES,
    placedAt: new Date().toISOString(),
    gatewayFee: { bps: 150, fixedMinor: 25 },
    ...overrides,
  };
  const handle = await env.client.workflow.start('orderWorkflow', {
    workflowId: orderWorkflowId(input.orderId),
    taskQueue: env.taskQueue,
    args: [input],
    typedSearchAttributes: initialSearchAttributes(input),
  });
  return { handle, input };
}

/** The supplier's answer that reserves exactly what the order asks for. */
export function fullReservation(input: OrderWorkflowInput) {
  return {
    supplierId: input.supplierId,
    answer: {
      available: true,
      reservationId: `res-${input.orderId}`,
      items: input.items.map(({ sku, quantity }) => ({ sku, quantity })),
    },
  };
}

/** An acceptance from one carrier. */
export function acceptance(carrierId: string, amount: number, deliveryDate = '2026-12-10') {
  return {
    carrierId,
    answer: {
      accepted: true,
      pickupDate: '2026-12-01',
      deliveryDate,
      route: 'MUC-HAM',
      method: 'road',
      price: { amount, currency: 'EUR' },
    },
  };
}

/** A card payment sealed the way the API seals it. */
export function sealedCard(vault: Vault, customerId: string, number: string) {
  return {
    customerId,
    payment: {
      method: 'card' as const,
      sealedCard: vault.seal(JSON.stringify({ number, expMonth: 12, expYear: 2034, cvc: '123' })),
      brand: 'visa',
      last4: number.slice(-4),
    },
  };
}

/** Waits until the workflow reports `status` through its query (polling, bounded). */
export async function waitForStatus(handle: WorkflowHandle, status: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = (await handle.query('status')) as { status: string };
    if (view.status === status) return;
    if (Date.now() > deadline) throw new Error(`order stayed ${view.status}, expected ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
