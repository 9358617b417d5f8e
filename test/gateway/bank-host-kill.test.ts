// A SIGKILL of the bank host in the middle of a payment: the bank host of this file (its own process, database and
// ports, started and killed here; the run's shared bank host is never touched) is killed while the order's payment is
// at the bank, then started again on the same database and ports. Orders run on the real Temporal server with the
// order worker and a gateway worker connected to that bank host.
// - capture: the bank has applied the 0220 (durably) when it dies, before answering; the capture is repeated under the
//   same RRN once the bank is back, the bank answers the repeat with its first answer, the order closes, and the card
//   is charged exactly once;
// - authorization: the bank has applied the 0100 when it dies; the gateway reverses it (0420, repeated until the
//   restarted bank acknowledges it), the attempt is declined as `reversed`, the customer pays again and the order
//   closes with one charge and nothing held.
// After each, the bank host's own balance and holds of the card equal settleflow's ledger for the order.

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import type { OrderWorkflowInput } from '../../src/contracts/order-contract';
import {
  carrierAnswerUpdate,
  paymentNotificationUpdate,
  settlementConfirmationUpdate,
  shipmentEventUpdate,
  supplierAnswerUpdate,
} from '../../src/contracts/order-contract';
import type { OrderView } from '../../src/domain/order';
import { cardAccounts } from '../../src/gateway/card-payments';
import { rrnFor } from '../../src/gateway/bank-connector/card-client';
import type { GatewayRuntime } from '../../src/gateway/gateway-runtime';
import { DEFAULT_GATEWAY_SETTINGS, startGatewayRuntime } from '../../src/gateway/gateway-runtime';
import { createGatewayWorker } from '../../src/gateway/worker/create-gateway-worker';
import { balances, journalsForOrder } from '../../src/persistence/ledger-store';
import type { TestCard } from '../support/bank-control';
import { freshPan } from '../support/bank-control';
import type { WorkflowEnv } from '../support/workflow-env';
import {
  acceptance,
  fullReservation,
  startOrder,
  startWorkflowEnv,
  testPayloadKeys,
  testServers,
  waitForStatus,
} from '../support/workflow-env';

interface BankHostProcess {
  child: { kill(signal: string): boolean };
  exited: Promise<unknown>;
  stop(): Promise<void>;
}
interface BankHostModule {
  bankDatabaseUri(mongoUri: string, database: string): string;
  bankHostEnv(options: {
    mongoUri: string;
    ports: { iso8583: number; iso20022: number; control: number };
    adminToken: string;
    iso20022Token: string;
    secret: string;
  }): NodeJS.ProcessEnv;
  startBankHost(options: { env: NodeJS.ProcessEnv; logFile: string }): Promise<BankHostProcess>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bankHostModule = require('../../scripts/lib/bank-host') as BankHostModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { findFreePort } = require('../../scripts/lib/services') as { findFreePort(): Promise<number> };

const OPENING = 10_000_000;
const TOTAL = 29_950;
let env: WorkflowEnv;
let bankEnv: NodeJS.ProcessEnv;
let bank: BankHostProcess | undefined;
let controlUrl: string;
let adminToken: string;
let logFile: string;
let runtime: GatewayRuntime;
let gatewayWorker: Worker;
let gatewayRun: Promise<void>;
let gatewayConnection: NativeConnection;
const gatewayQueue = `bank-kill-${randomUUID()}`;

async function control<T>(method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${controlUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`bank control ${method} ${route}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function startBank(): Promise<void> {
  bank = await bankHostModule.startBankHost({ env: bankEnv, logFile });
}

async function killBank(): Promise<void> {
  bank?.child.kill('SIGKILL');
  await bank?.exited;
  bank = undefined;
}

beforeAll(async () => {
  const servers = testServers();
  const ports = { iso8583: await findFreePort(), iso20022: await findFreePort(), control: await findFreePort() };
  adminToken = randomUUID().replace(/-/g, '');
  controlUrl = `http://127.0.0.1:${ports.control}`;
  logFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'settleflow-bank-kill-')), 'bank-host.log');
  bankEnv = bankHostModule.bankHostEnv({
    mongoUri: bankHostModule.bankDatabaseUri(servers.mongoUri, `settleflow_bank_kill_${randomUUID().slice(0, 8)}`),
    ports,
    adminToken,
    iso20022Token: randomBytes(24).toString('hex'),
    secret: randomBytes(32).toString('base64'),
  });
  await startBank();
  env = await startWorkflowEnv();
  runtime = await startGatewayRuntime({
    db: env.db,
    vault: env.vault,
    settings: {
      ...DEFAULT_GATEWAY_SETTINGS,
      bankHostAddress: `127.0.0.1:${ports.iso8583}`,
      requestTimeoutMs: 2_000,
      reconnectMaxMs: 300,
      reversalRetryInitialMs: 100,
      reversalRetryMaxMs: 300,
    },
    log: () => undefined,
  });
  gatewayConnection = await NativeConnection.connect({ address: servers.temporalAddress });
  gatewayWorker = await createGatewayWorker({
    connection: gatewayConnection,
    namespace: 'default',
    taskQueue: gatewayQueue,
    runtime,
    payloadKeys: testPayloadKeys(),
    workflowBundle: process.env.SETTLEFLOW_GATEWAY_WORKFLOW_BUNDLE
      ? { codePath: process.env.SETTLEFLOW_GATEWAY_WORKFLOW_BUNDLE }
      : undefined,
  });
  gatewayRun = gatewayWorker.run();
}, 120_000);

afterAll(async () => {
  gatewayWorker?.shutdown();
  await gatewayRun;
  await gatewayConnection?.close();
  await runtime?.close();
  await env?.close();
  await bank?.stop();
});

async function openCard(): Promise<TestCard> {
  const number = freshPan();
  const expYear = new Date().getUTCFullYear() + 3;
  await control('POST', '/v1/accounts', {
    kind: 'card',
    pan: number,
    expiry: `${String(expYear % 100).padStart(2, '0')}12`,
    cvc: '123',
    balances: { EUR: OPENING },
  });
  return { number, expMonth: 12, expYear, cvc: '123' };
}

async function cardAtBank(pan: string): Promise<{ balance: number; held: number }> {
  const view = await control<{ balances: Record<string, number>; held: Record<string, number> }>(
    'POST',
    '/v1/cards/lookup',
    { pan },
  );
  return { balance: view.balances.EUR ?? 0, held: view.held.EUR ?? 0 };
}

async function bankEntries(rrn: string): Promise<{ mti: string; responseCode: string }[]> {
  return (
    await control<{ transactions: { mti: string; responseCode: string }[] }>('GET', `/v1/transactions?rrn=${rrn}`)
  ).transactions;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const seal = (customerId: string, card: TestCard) => ({
  customerId,
  payment: {
    method: 'card' as const,
    sealedCard: env.vault.seal(JSON.stringify(card)),
    brand: 'visa',
    last4: card.number.slice(-4),
  },
});

async function confirmedOrder() {
  const { handle, input } = await startOrder(env, {
    carrierIds: ['carrier-a', 'carrier-b'],
    gatewayTaskQueue: gatewayQueue,
  } as Partial<OrderWorkflowInput>);
  await handle.executeUpdate(supplierAnswerUpdate, { args: [fullReservation(input)] });
  await handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance('carrier-a', 5_000)] });
  await handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance('carrier-b', 4_000)] });
  await waitForStatus(handle, 'CONFIRMED');
  return { handle, input };
}

async function expectBooksAgree(orderId: string, card: TestCard): Promise<void> {
  const ledger = balances(await journalsForOrder(env.db, orderId));
  const books = await cardAtBank(card.number);
  expect({ held: books.held, charged: OPENING - books.balance }).toEqual({
    held: ledger.get(`${cardAccounts.cardHolds} EUR`) ?? 0,
    charged: ledger.get(`${cardAccounts.clearing} EUR`) ?? 0,
  });
}

describe('bank host SIGKILL', () => {
  it('bank host › killed after applying the capture, before answering › repeated once back, charged once, CLOSED', async () => {
    const card = await openCard();
    const { handle, input } = await confirmedOrder();
    const paid = await handle.executeUpdate(paymentNotificationUpdate, { args: [seal(input.customerId, card)] });
    expect(paid.payment.status).toBe('AUTHORIZED');
    // The bank applies the capture (durably) and holds its answer back; it is killed meanwhile.
    await control('POST', '/v1/fault-rules', { action: 'delay', delayMs: 60_000, pan: card.number, mti: '0220' });
    const rrn = rrnFor(`payment-${input.orderId}-1:authorization`);
    for (const type of ['picked_up', 'in_transit', 'delivered'] as const) {
      await handle.executeUpdate(shipmentEventUpdate, { args: [{ carrierId: 'carrier-b', type }] });
    }
    await until('the capture applied at the bank', async () =>
      (await bankEntries(rrn)).some((e) => e.mti === '0220' && e.responseCode === '00') ? true : undefined,
    );
    await killBank();
    await startBank();

    await waitForStatus(handle, 'AWAITING_SELLER_CONFIRMATION', 60_000);
    await handle.executeUpdate(settlementConfirmationUpdate, { args: [{ sellerId: input.sellerId, confirmed: true }] });
    const view = (await handle.result()) as OrderView;
    expect(view.status).toBe('CLOSED');
    expect(view.payments.map((p) => [p.attempt, p.status])).toEqual([[1, 'CAPTURED']]);
    expect(await cardAtBank(card.number)).toEqual({ balance: OPENING - TOTAL, held: 0 });
    expect((await bankEntries(rrn)).filter((e) => e.mti === '0220' && e.responseCode === '00')).toHaveLength(1);
    expect((await runtime.payments.find(`payment-${input.orderId}-1`))?.status).toBe('succeeded');
    await expectBooksAgree(input.orderId, card);
  }, 180_000);

  it('bank host › killed after applying the authorization › reversed once back, paid again, charged once, CLOSED', async () => {
    const card = await openCard();
    const { handle, input } = await confirmedOrder();
    await control('POST', '/v1/fault-rules', { action: 'delay', delayMs: 60_000, pan: card.number, mti: '0100' });
    const rrn = rrnFor(`payment-${input.orderId}-1:authorization`);
    const first = handle.executeUpdate(paymentNotificationUpdate, { args: [seal(input.customerId, card)] });
    await until('the authorization applied at the bank', async () =>
      (await bankEntries(rrn)).some((e) => e.mti === '0100' && e.responseCode === '00') ? true : undefined,
    );
    await killBank();
    await startBank();

    const reversed = await first;
    expect([reversed.payment.status, reversed.payment.declineCode]).toEqual(['DECLINED', 'reversed']);
    expect(await cardAtBank(card.number)).toEqual({ balance: OPENING, held: 0 });
    expect((await bankEntries(rrn)).map((e) => e.mti)).toEqual(['0100', '0420']);
    await expectBooksAgree(input.orderId, card);

    const second = await handle.executeUpdate(paymentNotificationUpdate, { args: [seal(input.customerId, card)] });
    expect(second.payment.status).toBe('AUTHORIZED');
    for (const type of ['picked_up', 'in_transit', 'delivered'] as const) {
      await handle.executeUpdate(shipmentEventUpdate, { args: [{ carrierId: 'carrier-b', type }] });
    }
    await waitForStatus(handle, 'AWAITING_SELLER_CONFIRMATION', 60_000);
    await handle.executeUpdate(settlementConfirmationUpdate, { args: [{ sellerId: input.sellerId, confirmed: true }] });
    const view = (await handle.result()) as OrderView;
    expect(view.status).toBe('CLOSED');
    expect(view.payments.map((p) => [p.attempt, p.status])).toEqual([
      [1, 'DECLINED'],
      [2, 'CAPTURED'],
    ]);
    expect(await cardAtBank(card.number)).toEqual({ balance: OPENING - TOTAL, held: 0 });
    await expectBooksAgree(input.orderId, card);
  }, 180_000);
});
