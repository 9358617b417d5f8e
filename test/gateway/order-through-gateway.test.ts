// The order lifecycle paying through the gateway: the order worker and the gateway worker (its own task queue, the
// only holder of the bank connection) on the real Temporal server, the real bank host. An order declined once then
// paid (authorized at the payment notification, captured at delivery by the child workflow `payment-<id>-<n>`), and
// an order cancelled after authorization (voided). After each, the bank's books of the card equal the ledger.
// With RECORD_FIXTURES=1 it writes the histories to test/fixtures/histories/v3-*.json for the replay test.

import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import type { OrderWorkflowInput } from '../../src/contracts/order-contract';
import {
  cancelOrderUpdate,
  carrierAnswerUpdate,
  paymentNotificationUpdate,
  settlementConfirmationUpdate,
  shipmentEventUpdate,
  supplierAnswerUpdate,
} from '../../src/contracts/order-contract';
import type { OrderView } from '../../src/domain/order';
import { cardAccounts } from '../../src/gateway/card-payments';
import type { GatewayRuntime } from '../../src/gateway/gateway-runtime';
import { DEFAULT_GATEWAY_SETTINGS, startGatewayRuntime } from '../../src/gateway/gateway-runtime';
import { createGatewayWorker } from '../../src/gateway/worker/create-gateway-worker';
import { balances, journalsForOrder } from '../../src/persistence/ledger-store';
import type { TestCard } from '../support/bank-control';
import { bankHostEnv, cardAtBank, openTestCard } from '../support/bank-control';
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

const OPENING = 10_000_000;
const TOTAL = 29_950;
let env: WorkflowEnv;
let runtime: GatewayRuntime;
let gatewayWorker: Worker;
let gatewayRun: Promise<void>;
let gatewayConnection: NativeConnection;
const gatewayQueue = `gateway-test-${randomUUID()}`;

beforeAll(async () => {
  env = await startWorkflowEnv();
  runtime = await startGatewayRuntime({
    db: env.db,
    vault: env.vault,
    settings: { ...DEFAULT_GATEWAY_SETTINGS, bankHostAddress: bankHostEnv().address, requestTimeoutMs: 2_000 },
    log: () => undefined,
  });
  gatewayConnection = await NativeConnection.connect({ address: testServers().temporalAddress });
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
});

const seal = (customerId: string, card: { number: string; expMonth: number; expYear: number; cvc: string }) => ({
  customerId,
  payment: {
    method: 'card' as const,
    sealedCard: env.vault.seal(JSON.stringify(card)),
    brand: 'visa',
    last4: card.number.slice(-4),
  },
});

async function confirmedOrder(orderId: string) {
  const { handle, input } = await startOrder(env, {
    orderId,
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
  const bank = await cardAtBank(card.number);
  expect({ held: bank.held, charged: OPENING - bank.balance }).toEqual({
    held: ledger.get(`${cardAccounts.cardHolds} EUR`) ?? 0,
    charged: ledger.get(`${cardAccounts.clearing} EUR`) ?? 0,
  });
}

async function record(name: string, handle: { fetchHistory(): Promise<unknown> }): Promise<void> {
  if (process.env.RECORD_FIXTURES !== '1') return;
  const file = path.resolve(__dirname, '..', 'fixtures', 'histories', `v3-${name}.json`);
  writeFileSync(file, JSON.stringify(await handle.fetchHistory()));
}

describe('order paying through the gateway worker', () => {
  it('order › declined then paid, captured at delivery by the child workflow › CLOSED, bank and ledger agree', async () => {
    const orderId = `gw-${randomUUID()}`;
    const card = await openTestCard(OPENING);
    const { handle, input } = await confirmedOrder(orderId);
    const declined = await handle.executeUpdate(paymentNotificationUpdate, {
      args: [seal(input.customerId, { number: '4000000000009995', expMonth: 12, expYear: 2034, cvc: '123' })],
    });
    expect([declined.payment.status, declined.payment.declineCode]).toEqual(['DECLINED', 'insufficient_funds']);
    const paid = await handle.executeUpdate(paymentNotificationUpdate, { args: [seal(input.customerId, card)] });
    expect(paid.payment.status).toBe('AUTHORIZED');
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING, held: TOTAL });
    await expectBooksAgree(orderId, card);
    for (const type of ['picked_up', 'in_transit', 'delivered'] as const) {
      await handle.executeUpdate(shipmentEventUpdate, { args: [{ carrierId: 'carrier-b', type }] });
    }
    await waitForStatus(handle, 'AWAITING_SELLER_CONFIRMATION');
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING - TOTAL, held: 0 });
    await handle.executeUpdate(settlementConfirmationUpdate, { args: [{ sellerId: input.sellerId, confirmed: true }] });
    const view = (await handle.result()) as OrderView;
    expect(view.status).toBe('CLOSED');
    expect(view.payments.map((p) => [p.attempt, p.status])).toEqual([
      [1, 'DECLINED'],
      [2, 'CAPTURED'],
    ]);
    const payment = await runtime.payments.find(`payment-${orderId}-2`);
    expect([payment?.status, payment?.capturedMinor]).toEqual(['succeeded', TOTAL]);
    const child = await env.client.workflow.getHandle(`payment-${orderId}-2`).describe();
    expect(child.taskQueue).toBe(gatewayQueue);
    await expectBooksAgree(orderId, card);
    await record('closed-through-gateway', handle);
  });

  it('order › cancelled by the customer after authorization › the child voids it, nothing held, books agree', async () => {
    const orderId = `gw-${randomUUID()}`;
    const card = await openTestCard(OPENING);
    const { handle, input } = await confirmedOrder(orderId);
    await handle.executeUpdate(paymentNotificationUpdate, { args: [seal(input.customerId, card)] });
    await handle.executeUpdate(cancelOrderUpdate, {
      args: [{ actor: { partyId: input.customerId, role: 'customer' }, reason: 'changed my mind' }],
    });
    const view = (await handle.result()) as OrderView;
    expect(view.status).toBe('CANCELLED');
    expect(view.compensations.map((c) => c.type)).toContain('PAYMENT_VOIDED');
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING, held: 0 });
    expect((await runtime.payments.find(`payment-${orderId}-1`))?.status).toBe('canceled');
    await expectBooksAgree(orderId, card);
    await record('voided-through-gateway', handle);
  });
});
