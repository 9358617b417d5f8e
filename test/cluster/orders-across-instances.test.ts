// settleflow on the real Temporal server cluster (PostgreSQL, several history shards, four services as processes):
// two order workers, one gateway worker and two APIs, all settleflow's own entry points as processes. Orders are
// spread over both APIs (and so both workers); mid-run, while orders are at every step, one worker and one API are
// SIGKILLed. Every order still closes, through the surviving API (calls resent with their Idempotency-Key, as a load
// balancer would after a dropped connection). Then, by named account and amount: each card was charged exactly the
// order's total at the bank host and nothing stays held; each order's ledger has exactly the expected journals by
// deterministic id; no lifecycle step appears twice on any timeline. Finally the survivors stop gracefully on SIGTERM.

import { randomUUID } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { cardAccounts } from '../../src/gateway/card-payments';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import { balances, journalsForOrder } from '../../src/persistence/ledger-store';
import type { RegisteredParty } from '../../src/persistence/party-store';
import { registerParty } from '../../src/persistence/party-store';
import { Vault } from '../../src/security/vault';
import type { TestCard } from '../support/bank-control';
import { cardAtBank, openTestCard } from '../support/bank-control';
import type { Answer, SettleflowProcess } from './processes';
import { Balancer, freePort, startProcess } from './processes';

const ORDERS = 8;
/** Orders paid before the kill: the others are placed, confirmed, paying or shipping when it lands. */
const PAID_BEFORE_KILL = 3;
const OPENING = 10_000_000;
/** 2 × 125.00 + 5 × 9.90 EUR. */
const TOTAL = 29_950;
const RECOVERY_MS = 240_000;

const run = randomUUID().slice(0, 8);
const CAST = {
  seller: 'seller',
  customer: 'customer',
  supplier: 'supplier',
  carrierA: 'carrier',
  carrierB: 'carrier',
  operator: 'operator',
} as const;
type Member = keyof typeof CAST;

let db: Database;
let parties: Record<Member, RegisteredParty>;
const processes: SettleflowProcess[] = [];
let workerA: SettleflowProcess;
let workerB: SettleflowProcess;
let apiA: SettleflowProcess;
let apiB: SettleflowProcess;
let balancer: Balancer;

function laneEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through \`npm run test:cluster\``);
  return value;
}

beforeAll(async () => {
  db = await connectDatabase(laneEnv('MONGODB_URI'));
  const vault = new Vault(laneEnv('SETTLEFLOW_VAULT_KEY'));
  parties = Object.fromEntries(
    await Promise.all(
      Object.entries(CAST).map(async ([member, role]) => [
        member,
        await registerParty(db, vault, { id: `${member}-${run}`, role, name: `${member} ${run}` }),
      ]),
    ),
  ) as Record<Member, RegisteredParty>;
  const env = {
    TEMPORAL_TASK_QUEUE: `cluster-orders-${run}`,
    GATEWAY_TASK_QUEUE: `cluster-gateway-${run}`,
    PAYMENTS_THROUGH_GATEWAY: 'true',
    PAYMENT_RATE_PER_MINUTE: '100000',
    API_RATE_PER_MINUTE: '100000',
    // A call resent after its API died finds the first copy's reservation; it may take the key over after this.
    IDEMPOTENCY_LOCK_MS: '3000',
    // Orders pay out by themselves here (settlement batches have their own tests, test/gateway/settlement.test.ts).
    SETTLEMENT_ORDER_PAYOUT: 'per_order',
    LOG_LEVEL: 'info',
  };
  const [portA, portB] = [await freePort(), await freePort()];
  const gateway = startProcess('gateway', 'src/gateway/worker/main.ts', env);
  workerA = startProcess('worker-a', 'src/worker/main.ts', env);
  workerB = startProcess('worker-b', 'src/worker/main.ts', env);
  apiA = startProcess('api-a', 'src/api/main.ts', { ...env, PORT: String(portA) });
  apiB = startProcess('api-b', 'src/api/main.ts', { ...env, PORT: String(portB) });
  processes.push(gateway, workerA, workerB, apiA, apiB);
  await Promise.all([
    gateway.printed('polling task queue'),
    workerA.printed('polling task queue'),
    workerB.printed('polling task queue'),
    apiA.printed('settleflow API listening'),
    apiB.printed('settleflow API listening'),
  ]);
  balancer = new Balancer([
    { name: 'api-a', baseUrl: `http://127.0.0.1:${portA}` },
    { name: 'api-b', baseUrl: `http://127.0.0.1:${portB}` },
  ]);
}, 300_000);

afterAll(async () => {
  for (const proc of processes) await proc.kill();
  await db?.connection.dropDatabase();
  await db?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every answer a step got, to show which API served it; `afterKill`: sent once the killed API was gone. */
const answers: { orderId: string; step: string; via: string; afterKill: boolean }[] = [];
let killed = false;

/**
 * Sends one step with its own Idempotency-Key until it is answered: resent on a dropped connection (next API), on
 * 409 `idempotency_key_in_progress` (the dead API's reservation, until it lapses) and on 504 `update_timeout` (the
 * Update waits for a worker; the same key attaches to the same Update). Bounded by RECOVERY_MS.
 */
async function step(member: Member, orderId: string, name: string, urlPath: string, body: unknown, prefer?: number) {
  const deadline = Date.now() + RECOVERY_MS;
  const idempotencyKey = `${orderId}:${name}`;
  for (;;) {
    const sentAfterKill = killed;
    const answer: Answer = await balancer.call('POST', urlPath, {
      key: parties[member].apiKey,
      body,
      idempotencyKey,
      prefer,
    });
    if (answer.status === 200 || answer.status === 201) {
      answers.push({ orderId, step: name, via: answer.via, afterKill: sentAfterKill });
      return answer.body;
    }
    const code = answer.body?.error?.code;
    const retryable = (answer.status === 409 && code === 'idempotency_key_in_progress') || answer.status === 504;
    if (!retryable || Date.now() > deadline) {
      throw new Error(`${orderId} ${name}: ${answer.status} ${JSON.stringify(answer.body)} (via ${answer.via})`);
    }
    await sleep(500);
  }
}

async function waitFor(orderId: string, ready: (view: { status: string; settlement?: unknown }) => boolean) {
  const deadline = Date.now() + RECOVERY_MS;
  for (;;) {
    const answer = await balancer.call('GET', `/v1/orders/${orderId}`, { key: parties.operator.apiKey });
    if (answer.status === 200 && ready(answer.body)) return answer.body;
    if (Date.now() > deadline) throw new Error(`order ${orderId} never got there: ${JSON.stringify(answer.body)}`);
    await sleep(400);
  }
}

let paid = 0;
let paidEnough: () => void;
const enoughPaid = new Promise<void>((resolve) => (paidEnough = resolve));

/** Takes one order from placement to CLOSED, paying with its own card through the gateway and the bank host. */
async function driveOrder(index: number, card: TestCard) {
  const orderId = `cl-${run}-${index}`;
  const prefer = index % 2;
  await step(
    'seller',
    orderId,
    'place',
    '/v1/orders',
    {
      orderId,
      customerId: parties.customer.id,
      supplierId: parties.supplier.id,
      carrierIds: [parties.carrierA.id, parties.carrierB.id],
      items: [
        { sku: 'PUMP-7', description: 'pump', quantity: 2, unitPrice: { amount: 12_500, currency: 'EUR' } },
        { sku: 'SEAL-2', description: 'seal kit', quantity: 5, unitPrice: { amount: 990, currency: 'EUR' } },
      ],
      shipTo: { name: 'Plant 2', line1: 'Werkstrasse 1', city: 'Munich', postalCode: '80331', country: 'DE' },
      deadlines: { supplierAnswerMs: 600_000, carrierAnswerMs: 600_000, paymentMs: 600_000 },
    },
    prefer,
  );
  const action = (member: Member, name: string, body: unknown, label = name) =>
    step(member, orderId, label, `/v1/orders/${orderId}/${name}`, body, prefer);
  await waitFor(orderId, (v) => v.status === 'AWAITING_SUPPLIER');
  await action('supplier', 'supplier-answer', {
    available: true,
    reservationId: `res-${orderId}`,
    items: [
      { sku: 'PUMP-7', quantity: 2 },
      { sku: 'SEAL-2', quantity: 5 },
    ],
  });
  await waitFor(orderId, (v) => v.status === 'AWAITING_CARRIER');
  for (const [member, amount] of [
    ['carrierA', 9_000],
    ['carrierB', 8_000],
  ] as const) {
    await action(
      member,
      'carrier-answer',
      {
        accepted: true,
        pickupDate: '2026-12-01',
        deliveryDate: '2026-12-10',
        route: 'MUC-HAM',
        method: 'road',
        price: { amount, currency: 'EUR' },
      },
      `carrier-answer-${member}`,
    );
  }
  await waitFor(orderId, (v) => v.status === 'CONFIRMED');
  await action('customer', 'payment-notification', { method: 'card', card });
  paid += 1;
  if (paid >= PAID_BEFORE_KILL) paidEnough();
  for (const type of ['picked_up', 'in_transit', 'delivered']) {
    await action('carrierB', 'shipment-events', { type }, `shipment-${type}`);
  }
  await waitFor(orderId, (v) => v.status === 'AWAITING_SELLER_CONFIRMATION' && v.settlement !== undefined);
  await action('seller', 'settlement-confirmation', { confirmed: true });
  return waitFor(orderId, (v) => v.status === 'CLOSED');
}

describe('settleflow on the Temporal server cluster', () => {
  it('cluster › the server itself › Temporal 1.29.1 on PostgreSQL with several history shards', async () => {
    const connection = await Connection.connect({ address: laneEnv('TEMPORAL_ADDRESS') });
    try {
      const info = await connection.workflowService.getClusterInfo({});
      expect([info.serverVersion, info.persistenceStore, info.visibilityStore]).toEqual([
        '1.29.1',
        'postgres12',
        'postgres12',
      ]);
      expect(info.historyShardCount).toBe(Number(laneEnv('CLUSTER_HISTORY_SHARDS')));
      expect(info.historyShardCount).toBeGreaterThan(1);
    } finally {
      await connection.close();
    }
  });

  it('orders › spread over two workers and two APIs, one of each SIGKILLed mid-run › all close, money moved once', async () => {
    const cards = await Promise.all(Array.from({ length: ORDERS }, () => openTestCard(OPENING)));
    const driving = cards.map((card, index) => driveOrder(index, card));
    driving.forEach((promise) => promise.catch(() => undefined));

    await enoughPaid;
    await Promise.all([workerA.kill(), apiA.kill()]);
    killed = true;
    const views = await Promise.all(driving);

    // Every order closed, each with one captured payment and no lifecycle step twice on its timeline.
    expect(views.map((v) => v.status)).toEqual(Array(ORDERS).fill('CLOSED'));
    for (const view of views) {
      expect(view.payments.map((p: { status: string }) => p.status)).toEqual(['CAPTURED']);
      const steps = view.timeline.map((entry: { step: number }) => entry.step);
      expect(steps).toEqual([...new Set(steps)]);
      expect(view.shipment.events.map((e: { type: string }) => e.type)).toEqual([
        'picked_up',
        'in_transit',
        'delivered',
      ]);
    }

    // Spread: both APIs placed orders and both workers ran activities before the kill; the survivors did the rest.
    const placedVia = new Set(answers.filter((a) => a.step === 'place').map((a) => a.via));
    expect([...placedVia].sort()).toEqual(['api-a', 'api-b']);
    expect(workerA.output()).toContain('activity completed');
    expect(workerB.output()).toContain('activity completed');
    expect(new Set(answers.filter((a) => a.afterKill).map((a) => a.via))).toEqual(new Set(['api-b']));
    expect(answers.filter((a) => a.afterKill).length).toBeGreaterThan(0);

    // Money, at the bank host: each card charged the order's total exactly once, nothing left held.
    for (const card of cards) {
      expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING - TOTAL, held: 0 });
    }
    // Money, in the ledger: the same journals by deterministic id for every order, each once, balances by account.
    const journalIds = [];
    for (const view of views) {
      const journals = await journalsForOrder(db, view.orderId);
      journalIds.push(journals.map((j) => j._id.split(view.orderId).join('<order>')).sort());
      const ledger = balances(journals);
      expect({
        holds: ledger.get(`${cardAccounts.cardHolds} EUR`) ?? 0,
        authorizations: ledger.get(`${cardAccounts.authorizations} EUR`) ?? 0,
        clearing: ledger.get(`${cardAccounts.clearing} EUR`) ?? 0,
      }).toEqual({ holds: 0, authorizations: 0, clearing: TOTAL });
    }
    const [first] = journalIds;
    expect(first?.length).toBeGreaterThan(0);
    expect(new Set(first).size).toBe(first?.length);
    for (const ids of journalIds) expect(ids).toEqual(first);
  });

  it('shutdown › SIGTERM to the surviving worker and API › both drain and exit 0', async () => {
    const [worker, api] = await Promise.all([workerB.stop(), apiB.stop()]);
    expect([worker, api]).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
  });
});
