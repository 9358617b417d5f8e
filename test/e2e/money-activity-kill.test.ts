// An order worker process SIGKILLed in the middle of its money activity (not between workflow tasks): two orders paid
// through the gateway worker and the bank host (authorized, captured at delivery), each held by a test-only worker
// (test/support/held-worker.ts) right after its settlement journal is posted and before anyone heard of it. Then one
// SIGKILL, a new product worker, and both orders complete (one closes, one is disputed and refunded through the
// gateway); the bank host's journal and the ledger's journals for each order are exactly the expected ones, by RRN,
// named account and amount: nothing authorized, captured, settled, refunded or booked twice. (The card operations
// themselves run in the gateway worker: its SIGKILL is test/gateway/gateway-worker-kill.test.ts, the bank host's
// test/gateway/bank-host-kill.test.ts.) The API runs in the test over HTTP; the order workers are separate processes
// on its task queue and database; the gateway worker is the harness's.
// Recovery waits for the killed attempts' start-to-close timeout (Temporal cannot know a killed worker's activities
// are gone before it), about a minute.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { OrderStatus, OrderView } from '../../src/domain/order';
import type { ApiHarness, ApiResponse, CastMember, Json } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { testPayloadKeysEnv } from '../support/workflow-env';
import { bankEntries } from '../support/bank-control';
import { rrnFor } from '../../src/gateway/bank-connector/card-client';

const root = path.resolve(__dirname, '..', '..');
const RECOVERY_MS = 180_000;

let h: ApiHarness;
const children: ChildProcess[] = [];

beforeAll(async () => {
  h = await startApiHarness();
  await h.stopWorker();
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await h?.close();
});

/** A worker running as a process of its own, with everything it printed. */
interface WorkerProcess {
  child: ChildProcess;
  /** Resolves once the process has printed `text`. */
  printed(text: string): Promise<void>;
}

/** Starts a worker entry point (the product's or the held one) on the harness's task queue and database. */
async function startWorkerProcess(entry: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [path.join(root, 'scripts/run-ts.js'), path.join(root, entry)], {
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_TASK_QUEUE: h.config.temporal.taskQueue,
      MONGODB_URI: h.config.mongodbUri,
      ...testPayloadKeysEnv(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  const waiting: { text: string; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const w of waiting.filter(({ text }) => output.includes(text))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<never>((_, reject) => {
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`worker ${entry} exited (${code ?? signal}): ${output}`));
    });
  });
  exited.catch(() => undefined);
  const printed = (text: string): Promise<void> =>
    Promise.race([
      output.includes(text) ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ text, resolve })),
      exited,
    ]);
  await printed('polling task queue');
  return { child, printed };
}

async function sigkill(worker: WorkerProcess): Promise<void> {
  const exited = new Promise((resolve) => worker.child.once('exit', resolve));
  worker.child.kill('SIGKILL');
  await exited;
}

const VISA_OK = { method: 'card', card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' } };

/** The harness order's total: 2 × 125.00 + 5 × 9.90 EUR, and the gateway's fee on it (150 bps + 0.25). */
const TOTAL = 29_950;
const FEE = 474;
const NET = TOTAL - FEE;

function act(member: CastMember, orderId: string, action: string, body: unknown): Promise<ApiResponse> {
  return h.api('POST', `/v1/orders/${orderId}/${action}`, { key: h.key(member), body });
}

async function actOk(member: CastMember, orderId: string, action: string, body: unknown): Promise<Json> {
  const response = await act(member, orderId, action, body);
  expect([orderId, action, response.status, response.body?.error]).toEqual([orderId, action, 200, undefined]);
  return response.body;
}

/**
 * An action whose answer waited on a killed worker: 200 once the new worker finished it, or 504 when the API's
 * Update deadline came first (the order then goes on without the caller, and the test reads it).
 */
async function answeredOrTimedOut(request: Promise<ApiResponse>): Promise<void> {
  const response = await request;
  expect([200, 504]).toContain(response.status);
}

async function readOrder(orderId: string): Promise<OrderView> {
  const response = await h.api('GET', `/v1/orders/${orderId}`, { key: h.key('operator') });
  expect(response.status).toBe(200);
  return response.body as OrderView;
}

/** Polls the order twice a second, well inside the API key rate limit, until `ready` holds (bounded). */
async function waitForOrder(orderId: string, ready: (view: OrderView) => boolean): Promise<OrderView> {
  const deadline = Date.now() + RECOVERY_MS;
  for (;;) {
    const view = await readOrder(orderId);
    if (ready(view)) return view;
    if (Date.now() > deadline) throw new Error(`order ${orderId} never got there: ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const waitForStatus = (orderId: string, status: OrderStatus) => waitForOrder(orderId, (v) => v.status === status);

/** Places the order under a known id and takes it to CONFIRMED, carrierB chosen. */
async function confirmedOrder(orderId: string): Promise<void> {
  const order = await h.placeOrder({ orderId });
  await waitForStatus(orderId, 'AWAITING_SUPPLIER');
  await actOk('supplier', orderId, 'supplier-answer', {
    available: true,
    reservationId: `res-${orderId}`,
    items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
  });
  await waitForStatus(orderId, 'AWAITING_CARRIER');
  for (const [member, amount] of [
    ['carrierA', 9_000],
    ['carrierB', 8_000],
  ] as const) {
    await actOk(member, orderId, 'carrier-answer', {
      accepted: true,
      pickupDate: '2026-12-01',
      deliveryDate: '2026-12-10',
      route: 'MUC-HAM',
      method: 'road',
      price: { amount, currency: 'EUR' },
    });
  }
  await waitForStatus(orderId, 'CONFIRMED');
}

async function deliver(orderId: string): Promise<void> {
  for (const type of ['picked_up', 'in_transit', 'delivered'])
    await actOk('carrierB', orderId, 'shipment-events', { type });
}

/** Waits for the seller's step (the transfer notice and settlement note issued), then confirms: the deal closes. */
async function confirmSettlement(orderId: string): Promise<OrderView> {
  await waitForOrder(orderId, (v) => v.status === 'AWAITING_SELLER_CONFIRMATION' && v.settlement !== undefined);
  await actOk('seller', orderId, 'settlement-confirmation', { confirmed: true });
  return waitForStatus(orderId, 'CLOSED');
}

/** The MTIs and field 39 codes the bank host's own journal holds under an RRN. */
async function bankEntriesOf(rrn: string): Promise<string[]> {
  return (await bankEntries(rrn)).map((entry) => `${entry.mti}/${entry.responseCode}`);
}

/** The order's journals, each with its legs by account. */
async function journals(orderId: string) {
  const records = await h.db.ledger.find({ orderId }).sort({ _id: 1 }).lean();
  return records.map((j) => ({
    journalId: j._id,
    kind: j.kind,
    legs: j.legs
      .map(({ account, direction, amount, currency }) => ({ account, direction, amount, currency }))
      .sort((a, b) => a.account.localeCompare(b.account)),
  }));
}

const leg = (account: string, direction: 'DEBIT' | 'CREDIT', amount: number) => ({
  account,
  direction,
  amount,
  currency: 'EUR',
});

const ledger = (orderId: string) => {
  const seller = h.parties.seller.id;
  const byAccount = (legs: ReturnType<typeof leg>[]) => legs.sort((a, b) => a.account.localeCompare(b.account));
  const paymentId = `payment-${orderId}-1`;
  return {
    authorization: {
      journalId: `${paymentId}:authorization`,
      kind: 'AUTHORIZATION',
      legs: byAccount([leg('bank:card-holds', 'DEBIT', TOTAL), leg('gateway:authorizations', 'CREDIT', TOTAL)]),
    },
    capture: {
      journalId: `${paymentId}:capture`,
      kind: 'CAPTURE',
      legs: byAccount([
        leg('gateway:authorizations', 'DEBIT', TOTAL),
        leg('bank:card-holds', 'CREDIT', TOTAL),
        leg('gateway:clearing', 'DEBIT', TOTAL),
        leg(`seller:${seller}:payable`, 'CREDIT', TOTAL),
      ]),
    },
    settlement: {
      journalId: `${orderId}:settlement`,
      kind: 'SETTLEMENT',
      legs: byAccount([
        leg(`seller:${seller}:payable`, 'DEBIT', TOTAL),
        leg('gateway:fee-revenue', 'CREDIT', FEE),
        leg(`seller:${seller}:bank`, 'CREDIT', NET),
      ]),
    },
    refund: {
      journalId: `${paymentId}:refund:1`,
      kind: 'REFUND',
      legs: byAccount([leg(`seller:${seller}:bank`, 'DEBIT', TOTAL), leg('gateway:clearing', 'CREDIT', TOTAL)]),
    },
  };
};

describe('money activity kill', () => {
  it('worker process › SIGKILL while settling, then a new worker › both orders complete; bank host and ledger record each movement once', async () => {
    expect(h.config.gatewayFee).toEqual({ bps: 150, fixedMinor: 25 });
    const id = (name: string) => `ord-kill-${name}-${randomUUID()}`;
    const o = {
      /** settlement: the settlement journal is posted; the activity's completion is lost; then the seller confirms. */
      settled: id('settled'),
      /** the same, then the seller disputes and an operator refunds (through the gateway worker). */
      refunded: id('refunded'),
    };
    const holds = [`journal:${o.settled}:settlement`, `journal:${o.refunded}:settlement`];
    const held = await startWorkerProcess('test/support/held-worker.ts', { SETTLEFLOW_TEST_HOLDS: holds.join(',') });
    await Promise.all(Object.values(o).map(confirmedOrder));

    // Paid through the gateway worker and the bank host (authorized), delivered (captured), then into the settlement.
    for (const orderId of Object.values(o)) {
      await actOk('customer', orderId, 'payment-notification', VISA_OK);
      await deliver(orderId);
    }
    await Promise.all(holds.map((point) => held.printed(`test-hold: holding ${point}`)));

    // Mid-flight: the payment is captured at the bank host and booked, the settlement posted, and nothing after it.
    for (const orderId of Object.values(o)) {
      const l = ledger(orderId);
      expect(await journals(orderId)).toEqual([l.settlement, l.authorization, l.capture]);
      expect(await bankEntriesOf(rrnFor(`payment-${orderId}-1:authorization`))).toEqual(['0100/00', '0220/00']);
      expect((await readOrder(orderId)).settlement).toBeUndefined();
    }

    await sigkill(held);
    await startWorkerProcess('src/worker/main.ts');

    // Both orders complete on the new worker: one closes, the other is disputed and refunded.
    const closed = await confirmSettlement(o.settled);
    await waitForOrder(o.refunded, (v) => v.status === 'AWAITING_SELLER_CONFIRMATION' && v.settlement !== undefined);
    await actOk('seller', o.refunded, 'settlement-confirmation', { confirmed: false, reason: 'goods damaged' });
    await waitForStatus(o.refunded, 'DISPUTED');
    await answeredOrTimedOut(act('operator', o.refunded, 'dispute-resolution', { resolution: 'REFUND', note: 'x' }));
    const refunded = await waitForStatus(o.refunded, 'CANCELLED');

    for (const order of [closed, refunded]) {
      expect(order.payments).toEqual([
        expect.objectContaining({ attempt: 1, status: 'CAPTURED', amount: { amount: TOTAL, currency: 'EUR' } }),
      ]);
      const steps = order.timeline.map((e) => e.step);
      expect(steps).toEqual([...new Set(steps)]);
    }
    expect(closed.timeline.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(refunded.cancellationReason).toBe('DISPUTE_REFUNDED');
    expect(refunded.compensations.filter((c) => c.type === 'PAYMENT_REFUNDED')).toHaveLength(1);

    // The bank host: one authorization and one capture per order, one refund for the refunded one; nothing else.
    for (const orderId of Object.values(o)) {
      expect(await bankEntriesOf(rrnFor(`payment-${orderId}-1:authorization`))).toEqual(['0100/00', '0220/00']);
    }
    expect(await bankEntriesOf(rrnFor(`payment-${o.settled}-1:refund:1`))).toEqual([]);
    expect(await bankEntriesOf(rrnFor(`payment-${o.refunded}-1:refund:1`))).toEqual(['0200/00']);

    // The ledger: authorization, capture and settlement once each, by account and amount; the refund once, charged
    // back to the seller's bank account since the seller had been paid out.
    const s = ledger(o.settled);
    expect(await journals(o.settled)).toEqual([s.settlement, s.authorization, s.capture]);
    const r = ledger(o.refunded);
    expect(await journals(o.refunded)).toEqual([r.settlement, r.authorization, r.capture, r.refund]);
  }, 300_000);
});
