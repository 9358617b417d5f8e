// The API test harness: for one test file, a database of its own, an order worker and a gateway worker (connected to
// the run's bank host) on task queues of its own, the app on a real HTTP socket (127.0.0.1, port 0), a fresh cast of
// parties, and `api()` to call it with fetch. Every payment goes through the gateway worker and the bank host, as in
// the product. The servers (Temporal dev server, FerretDB, bank host) and the bundles come from jest's globalSetup.

import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Express } from 'express';
import { createApp } from '../../src/api/app';
import { listen } from '../../src/api/listen';
import type { Config } from '../../src/config';
import { loadConfig } from '../../src/config';
import type { OrderStatus, OrderView } from '../../src/domain/order';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import { clientInterceptors } from '../../src/observability/temporal-interceptors';
import type { RegisteredParty } from '../../src/persistence/party-store';
import { registerParty } from '../../src/persistence/party-store';
import { Vault } from '../../src/security/vault';
import type { KeyRing } from '../../src/security/key-ring';
import { openKeyRing } from '../../src/security/open-key-ring';
import { createOrderWorker } from '../../src/worker/create-worker';
import type { GatewayRuntime } from '../../src/gateway/gateway-runtime';
import { DEFAULT_GATEWAY_SETTINGS, startGatewayRuntime } from '../../src/gateway/gateway-runtime';
import { createGatewayWorker } from '../../src/gateway/worker/create-gateway-worker';
import { bankHostEnv } from './bank-control';
import { captureLogger } from './log-capture';
import { payloadDataConverter } from '../../src/temporal/codec';
import type { PayloadKeys } from '../../src/temporal/payload-keys';
import { configuredPayloadKeys } from '../../src/temporal/payload-keys';
import { testPayloadKeys, uniqueDatabaseUri } from './workflow-env';

/** The cast every test file gets: the parties of its orders, and an outsider of each role for negative tests. */
export const CAST = {
  seller: 'seller',
  customer: 'customer',
  supplier: 'supplier',
  carrierA: 'carrier',
  carrierB: 'carrier',
  operator: 'operator',
  otherSeller: 'seller',
  otherCustomer: 'customer',
  otherSupplier: 'supplier',
  otherCarrier: 'carrier',
} as const;

/** A name in the cast. */
export type CastMember = keyof typeof CAST;

/** A response body as the API sent it; tests read into it freely and assert on the values they find. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** An answer from the API as a test sees it. */
export interface ApiResponse<Body = Json> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  body: Body;
}

/** Options of one call: the caller's API key (omit for none), a JSON body or a raw one, extra headers. */
export interface ApiCallOptions {
  key?: string | undefined;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** The running API of one test file. */
export interface ApiHarness {
  app: Express;
  baseUrl: string;
  db: Database;
  client: Client;
  /** The legacy single-key vault (SETTLEFLOW_VAULT_KEY): what tests seal `v1.` values with; the key ring reads them. */
  vault: Vault;
  /**
   * The key rings of the API, the order worker and the gateway worker: one each, on the test's database, as the three
   * processes have in production (a rotation reaches each by its own reload).
   */
  keyRings: { api: KeyRing; worker: KeyRing; gateway: KeyRing };
  config: Config;
  /** The registered cast, with their API keys. */
  parties: Record<CastMember, RegisteredParty>;
  /** Every JSON line the app logged (requests, 5xx failures, idempotency problems), at LOG_LEVEL (info by default). */
  logs: string[];
  /** Every JSON line the in-process worker logged (one per activity execution). */
  workerLogs: string[];
  /** The gateway's bank side (card payments, message record) the in-process gateway worker runs on. */
  gateway: GatewayRuntime;
  /** Every line the gateway's bank side logged (connects, timeouts, reversals; masked). */
  gatewayLogs: string[];
  /** Calls the API over HTTP. */
  api<Body = Json>(method: string, path: string, options?: ApiCallOptions): Promise<ApiResponse<Body>>;
  /** The API key of a cast member. */
  key(member: CastMember): string;
  /** A valid place-order body for the cast's seller, with a unique order id. */
  orderBody(overrides?: Record<string, unknown>): Record<string, unknown> & { orderId: string };
  /** Places an order as the cast's seller and returns it; throws unless the API answers 201. */
  placeOrder(overrides?: Record<string, unknown>): Promise<OrderView>;
  /** Polls GET /v1/orders/:id (as an operator) until the order has `status`. */
  waitForStatus(orderId: string, status: OrderStatus, timeoutMs?: number): Promise<OrderView>;
  /**
   * Places an order (as `seller`, the cast's seller by default, with `order` overriding the body), has the supplier
   * reserve every item and both carriers quote (`carrierPrices`, 9,000 and 8,000 by default), and returns it once it
   * is CONFIRMED, waiting for the payment; throws on any other answer.
   */
  confirmedOrder(options?: {
    seller?: CastMember;
    order?: Record<string, unknown>;
    carrierPrices?: readonly [number, number];
  }): Promise<OrderView>;
  /** Stops the in-process worker, for tests that run their workers as processes of their own on `config`'s queue. */
  stopWorker(): Promise<void>;
  /** Stops the server and worker, drops the database and closes every connection. */
  close(): Promise<void>;
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the API tests through jest (its globalSetup sets it)`);
  return value;
}

/** How a harness is set up beyond its configuration. */
export interface ApiHarnessOptions {
  /**
   * Temporal payloads under each process's key ring (`temporal-payloads`, as in production) instead of the run's test
   * keys (testPayloadKeys): for tests that rotate them. Histories are then not readable with decodedHistoryText.
   */
  payloadKeysFromKeyRing?: boolean;
}

/** Starts everything one API test file needs; `env` overrides configuration (webhooks allow private addresses, a
 * short deadline). */
export async function startApiHarness(
  env: Record<string, string> = {},
  options: ApiHarnessOptions = {},
): Promise<ApiHarness> {
  const temporalAddress = requiredEnv('TEMPORAL_ADDRESS');
  const vaultKey = requiredEnv('SETTLEFLOW_VAULT_KEY');
  const bundlePath = requiredEnv('SETTLEFLOW_WORKFLOW_BUNDLE');
  const run = randomUUID().slice(0, 8);
  const config = loadConfig({
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: `api-test-${run}`,
    MONGODB_URI: uniqueDatabaseUri(requiredEnv('MONGODB_URI'), 'settleflow_test'),
    SETTLEFLOW_VAULT_KEY: vaultKey,
    SETTLEFLOW_KEK: requiredEnv('SETTLEFLOW_KEK'),
    DATA_DIR: process.env.DATA_DIR,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_RETRY_INITIAL_MS: '50',
    WEBHOOK_RETRY_MAX_INTERVAL_MS: '200',
    WEBHOOK_RETRY_HORIZON_HOURS: '0.0005',
    // Test files pay many orders with one customer a minute; the rate limit has its own test (payments.test.ts).
    PAYMENT_RATE_PER_MINUTE: '1000',
    GATEWAY_TASK_QUEUE: `api-test-gateway-${run}`,
    BANK_HOST_ADDRESS: bankHostEnv().address,
    BANK_HOST_ISO20022_URL: requiredEnv('BANK_HOST_ISO20022_URL'),
    BANK_HOST_ISO20022_TOKEN: requiredEnv('BANK_HOST_ISO20022_TOKEN'),
    // Orders pay out by themselves unless a test asks for settlement batches (test/api/settlement.test.ts).
    SETTLEMENT_ORDER_PAYOUT: 'per_order',
    ...env,
  });
  const vault = new Vault(vaultKey);
  const db = await connectDatabase(config.mongodbUri);
  const keyRings = {
    api: await openKeyRing(config, db, 'api'),
    worker: await openKeyRing(config, db, 'worker'),
    gateway: await openKeyRing(config, db, 'gateway'),
  };
  const payloadKeysOf = (ring: KeyRing): PayloadKeys =>
    options.payloadKeysFromKeyRing ? configuredPayloadKeys(config, ring) : testPayloadKeys();
  // The gateway's ring made the first payment-instruction key: the API's reloads now (not in SETTLEFLOW_KEY_REFRESH_MS)
  // so its JWKS publishes it.
  await keyRings.api.refresh();
  const connection = await Connection.connect({ address: temporalAddress });
  // As in the API process: the request id of each call goes into the workflow's headers.
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    interceptors: clientInterceptors(),
    dataConverter: payloadDataConverter(payloadKeysOf(keyRings.api)),
  });
  const apiLog = captureLogger('settleflow-api', config.logging.level);
  const workerLog = captureLogger('settleflow-worker', config.logging.level);
  const workerConnection = await NativeConnection.connect({ address: temporalAddress });
  const worker = await createOrderWorker({
    connection: workerConnection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    db,
    vault: keyRings.worker,
    payloadKeys: payloadKeysOf(keyRings.worker),
    config,
    workflowBundle: { codePath: bundlePath },
    logger: workerLog.logger,
  });
  const workerRun = worker.run();

  // The gateway worker: the only holder of the bank connection, on the gateway task queue the API names in new orders.
  const gatewayLogs: string[] = [];
  const g = config.gateway;
  const gateway = await startGatewayRuntime({
    db,
    vault: keyRings.gateway,
    settings: {
      ...DEFAULT_GATEWAY_SETTINGS,
      bankHostAddress: g.bankHostAddress,
      // The acquirer, settlement account and ISO 20022 channel of the configuration (a test may name its own).
      acquirerId: g.acquirerId,
      echeck: g.echeck,
      reconciliation: g.reconciliation,
      requestTimeoutMs: g.requestTimeoutMs,
      reversalHorizonMs: g.reversalHorizonMs,
      reversalRetryInitialMs: g.reversalRetryInitialMs,
      reversalRetryMaxMs: g.reversalRetryMaxMs,
    },
    log: (line) => gatewayLogs.push(line),
  });
  const gatewayConnection = await NativeConnection.connect({ address: temporalAddress });
  const gatewayBundle = process.env.SETTLEFLOW_GATEWAY_WORKFLOW_BUNDLE;
  const gatewayWorker = await createGatewayWorker({
    connection: gatewayConnection,
    namespace: config.temporal.namespace,
    taskQueue: g.taskQueue,
    runtime: gateway,
    payloadKeys: payloadKeysOf(keyRings.gateway),
    workflowBundle: gatewayBundle ? { codePath: gatewayBundle } : undefined,
  });
  const gatewayRun = gatewayWorker.run();

  const logs = apiLog.lines;
  const app = createApp({
    db,
    temporal: client,
    config,
    vault: keyRings.api,
    payloadKeys: payloadKeysOf(keyRings.api),
    logger: apiLog.logger,
  });
  const server = await listen(app, { port: 0, host: '127.0.0.1', keepAliveTimeoutMs: config.keepAliveTimeoutMs });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const parties = Object.fromEntries(
    await Promise.all(
      Object.entries(CAST).map(async ([member, role]) => [
        member,
        await registerParty(db, keyRings.api, { id: `${member}-${run}`, role, name: `${member} ${run}` }),
      ]),
    ),
  ) as Record<CastMember, RegisteredParty>;

  const api = async <Body = Json>(method: string, path: string, options: ApiCallOptions = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed as Body };
  };

  const key = (member: CastMember): string => parties[member].apiKey;

  const orderBody = (overrides: Record<string, unknown> = {}) => ({
    orderId: `ord-${randomUUID()}`,
    customerId: parties.customer.id,
    supplierId: parties.supplier.id,
    carrierIds: [parties.carrierA.id, parties.carrierB.id],
    items: [
      { sku: 'PUMP-7', description: 'pump', quantity: 2, unitPrice: { amount: 12_500, currency: 'EUR' } },
      { sku: 'SEAL-2', description: 'seal kit', quantity: 5, unitPrice: { amount: 990, currency: 'EUR' } },
    ],
    shipTo: { name: 'Plant 2', line1: 'Werkstrasse 1', city: 'Munich', postalCode: '80331', country: 'DE' },
    deadlines: { supplierAnswerMs: 300_000, carrierAnswerMs: 300_000, paymentMs: 300_000 },
    ...overrides,
  });

  const placeOrder = async (overrides: Record<string, unknown> = {}): Promise<OrderView> => {
    const response = await api<OrderView>('POST', '/v1/orders', { key: key('seller'), body: orderBody(overrides) });
    if (response.status !== 201) throw new Error(`placing an order failed: ${JSON.stringify(response.body)}`);
    return response.body;
  };

  const waitForStatus = async (orderId: string, status: OrderStatus, timeoutMs = 30_000): Promise<OrderView> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await api<OrderView>('GET', `/v1/orders/${orderId}`, { key: key('operator') });
      if (response.status === 200 && response.body.status === status) return response.body;
      if (Date.now() > deadline) {
        throw new Error(`order ${orderId} is ${response.body?.status ?? response.status}, expected ${status}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const confirmedOrder: ApiHarness['confirmedOrder'] = async (options = {}) => {
    const expectOk = (what: string, response: ApiResponse<unknown>, status = 200) => {
      if (response.status !== status)
        throw new Error(`${what} failed: ${response.status} ${JSON.stringify(response.body)}`);
    };
    const placed = await api<OrderView>('POST', '/v1/orders', {
      key: key(options.seller ?? 'seller'),
      body: orderBody(options.order ?? {}),
    });
    expectOk('placing the order', placed, 201);
    const { orderId } = placed.body;
    await waitForStatus(orderId, 'AWAITING_SUPPLIER');
    const supplier = await api('POST', `/v1/orders/${orderId}/supplier-answer`, {
      key: key('supplier'),
      body: {
        available: true,
        reservationId: 'res-1',
        items: placed.body.items.map(({ sku, quantity }) => ({ sku, quantity })),
      },
    });
    expectOk("the supplier's answer", supplier);
    await waitForStatus(orderId, 'AWAITING_CARRIER');
    const [priceA, priceB] = options.carrierPrices ?? [9_000, 8_000];
    for (const [member, amount] of [
      ['carrierA', priceA],
      ['carrierB', priceB],
    ] as const) {
      const answer = await api('POST', `/v1/orders/${orderId}/carrier-answer`, {
        key: key(member),
        body: {
          accepted: true,
          pickupDate: '2026-12-01',
          deliveryDate: '2026-12-10',
          route: 'MUC-HAM',
          method: 'road',
          price: { amount, currency: 'EUR' },
        },
      });
      expectOk(`${member}'s answer`, answer);
    }
    return waitForStatus(orderId, 'CONFIRMED');
  };

  let workerStopped: Promise<void> | undefined;
  const stopWorker = (): Promise<void> =>
    (workerStopped ??= (async () => {
      worker.shutdown();
      await workerRun;
      await workerConnection.close();
    })());

  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await stopWorker();
    gatewayWorker.shutdown();
    await gatewayRun;
    await gatewayConnection.close();
    await gateway.close();
    await connection.close();
    for (const ring of Object.values(keyRings)) ring.close();
    await db.connection.dropDatabase();
    await db.close();
  };

  return {
    app,
    baseUrl,
    db,
    client,
    vault,
    keyRings,
    config,
    parties,
    logs,
    workerLogs: workerLog.lines,
    gateway,
    gatewayLogs,
    api,
    key,
    orderBody,
    placeOrder,
    waitForStatus,
    confirmedOrder,
    stopWorker,
    close,
  };
}
