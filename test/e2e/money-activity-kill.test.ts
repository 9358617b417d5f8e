// A worker process SIGKILLed in the middle of money activities (not between workflow tasks): five orders, each held
// by a test-only worker (test/support/held-worker.ts) at another point of collecting, settling or refunding, right
// after the bank or the ledger did its part and before anyone heard of it. Then one SIGKILL, a new product worker,
// and every order completes; the bank's records and the ledger's journals for each order are exactly the expected
// ones, by reference, named account and amount: nothing authorized, captured, refunded or booked twice.
// The API runs in the test over HTTP; the workers are separate processes on its task queue and database.
// Recovery waits for the killed attempts' start-to-close timeout (Temporal cannot know a killed worker's activities
// are gone before it), about a minute.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { OrderStatus, OrderView } from '../../src/domain/order';
import type { ApiHarness, ApiResponse, CastMember, Json } from '../support/harness';
import { startApiHarness } from '../support/harness';

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

const isCaptured = (view: OrderView) => view.payments.some((p) => p.status === 'CAPTURED');

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

/** The bank's records of an order's references, oldest reference first. */
async function bankRecords(orderId: string) {
  const records = await h.db.bankOperations
    .find({ _id: { $regex: `^${orderId}:` } })
    .sort({ _id: 1 })
    .lean();
  return records.map((r) => ({ reference: r._id, operation: r.operation, approved: r.approved, amount: r.amount }));
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

const bank = (orderId: string) => ({
  auth: { reference: `${orderId}:pay:1:auth`, operation: 'AUTHORIZE', approved: true, amount: TOTAL },
  capture: { reference: `${orderId}:pay:1:capture`, operation: 'CAPTURE', approved: true, amount: TOTAL },
  refund: { reference: `${orderId}:pay:1:refund`, operation: 'REFUND', approved: true, amount: TOTAL },
});

const leg = (account: string, direction: 'DEBIT' | 'CREDIT', amount: number) => ({
  account,
  direction,
  amount,
  currency: 'EUR',
});

const ledger = (orderId: string) => {
  const seller = h.parties.seller.id;
  const byAccount = (legs: ReturnType<typeof leg>[]) => legs.sort((a, b) => a.account.localeCompare(b.account));
  return {
    capture: {
      journalId: `${orderId}:capture`,
      kind: 'CAPTURE',
      legs: byAccount([leg('gateway:clearing', 'DEBIT', TOTAL), leg(`seller:${seller}:payable`, 'CREDIT', TOTAL)]),
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
      journalId: `${orderId}:refund`,
      kind: 'REFUND',
      legs: byAccount([leg(`seller:${seller}:bank`, 'DEBIT', TOTAL), leg('gateway:clearing', 'CREDIT', TOTAL)]),
    },
  };
};

describe('money activity kill', () => {
  it('worker process › SIGKILL while collecting, settling and refunding, then a new worker › every order completes; bank and ledger record each movement once', async () => {
    expect(h.config.gatewayFee).toEqual({ bps: 150, fixedMinor: 25 });
    const id = (name: string) => `ord-kill-${name}-${randomUUID()}`;
    const o = {
      /** collectPayment: the bank authorized; the capture was never asked. */
      authorized: id('authorized'),
      /** collectPayment: the bank captured; the capture is not booked. */
      captured: id('captured'),
      /** collectPayment: captured and booked; the activity's completion is lost. */
      collected: id('collected'),
      /** settlement: the settlement journal is posted; the activity's completion is lost. */
      settled: id('settled'),
      /** the dispute's refund: the bank refunded; the refund is not booked. */
      refunded: id('refunded'),
    };
    const holds = [
      `bank:${o.authorized}:pay:1:auth`,
      `bank:${o.captured}:pay:1:capture`,
      `journal:${o.collected}:capture`,
      `journal:${o.settled}:settlement`,
      `bank:${o.refunded}:pay:1:refund`,
    ];
    const held = await startWorkerProcess('test/support/held-worker.ts', { SETTLEFLOW_TEST_HOLDS: holds.join(',') });
    await Promise.all(Object.values(o).map(confirmedOrder));

    // Into the money activities: three payments whose answers wait on the held worker, a settlement, a refund.
    const pending = [o.authorized, o.captured, o.collected].map((orderId) =>
      act('customer', orderId, 'payment-notification', VISA_OK),
    );
    await actOk('customer', o.settled, 'payment-notification', VISA_OK);
    await deliver(o.settled);
    await actOk('customer', o.refunded, 'payment-notification', VISA_OK);
    await deliver(o.refunded);
    await waitForOrder(o.refunded, (v) => v.status === 'AWAITING_SELLER_CONFIRMATION' && v.settlement !== undefined);
    await actOk('seller', o.refunded, 'settlement-confirmation', { confirmed: false, reason: 'goods damaged' });
    await waitForStatus(o.refunded, 'DISPUTED');
    pending.push(act('operator', o.refunded, 'dispute-resolution', { resolution: 'REFUND', note: 'damaged' }));
    for (const request of pending) request.catch(() => undefined); // awaited below, once the orders are done
    await Promise.all(holds.map((point) => held.printed(`test-hold: holding ${point}`)));

    // Mid-flight: each effect happened at the bank or in the ledger, and nothing after it.
    expect(await bankRecords(o.authorized)).toEqual([bank(o.authorized).auth]);
    expect(await journals(o.authorized)).toEqual([]);
    expect(await bankRecords(o.captured)).toEqual([bank(o.captured).auth, bank(o.captured).capture]);
    expect(await journals(o.captured)).toEqual([]);
    expect(await journals(o.collected)).toEqual([ledger(o.collected).capture]);
    expect(await journals(o.settled)).toEqual([ledger(o.settled).capture, ledger(o.settled).settlement]);
    expect(await bankRecords(o.refunded)).toEqual([
      bank(o.refunded).auth,
      bank(o.refunded).capture,
      bank(o.refunded).refund,
    ]);
    expect(await journals(o.refunded)).toEqual([ledger(o.refunded).capture, ledger(o.refunded).settlement]);
    for (const orderId of [o.authorized, o.captured, o.collected])
      expect((await readOrder(orderId)).payments).toEqual([]);

    await sigkill(held);
    await startWorkerProcess('src/worker/main.ts');

    // Every order completes on the new worker.
    const closed: OrderView[] = [];
    for (const orderId of [o.authorized, o.captured, o.collected]) {
      await waitForOrder(orderId, isCaptured);
      await deliver(orderId);
      closed.push(await confirmSettlement(orderId));
    }
    closed.push(await confirmSettlement(o.settled));
    const refunded = await waitForStatus(o.refunded, 'CANCELLED');
    await Promise.all(pending.map(answeredOrTimedOut));

    for (const order of [...closed, refunded]) {
      expect(order.payments).toEqual([
        expect.objectContaining({ attempt: 1, status: 'CAPTURED', amount: { amount: TOTAL, currency: 'EUR' } }),
      ]);
      const steps = order.timeline.map((e) => e.step);
      expect(steps).toEqual([...new Set(steps)]);
    }
    for (const order of closed) expect(order.timeline.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(refunded.cancellationReason).toBe('DISPUTE_REFUNDED');
    expect(refunded.compensations.filter((c) => c.type === 'PAYMENT_REFUNDED')).toHaveLength(1);

    // The bank: one authorization and one capture per order, one refund for the refunded one; nothing else.
    for (const orderId of [o.authorized, o.captured, o.collected, o.settled]) {
      expect(await bankRecords(orderId)).toEqual([bank(orderId).auth, bank(orderId).capture]);
    }
    expect(await bankRecords(o.refunded)).toEqual([
      bank(o.refunded).auth,
      bank(o.refunded).capture,
      bank(o.refunded).refund,
    ]);

    // The ledger: capture and settlement once each, by account and amount; the refund once, charged back to the
    // seller's bank account since the seller had been paid out.
    for (const orderId of [o.authorized, o.captured, o.collected, o.settled]) {
      expect(await journals(orderId)).toEqual([ledger(orderId).capture, ledger(orderId).settlement]);
    }
    expect(await journals(o.refunded)).toEqual([
      ledger(o.refunded).capture,
      ledger(o.refunded).refund,
      ledger(o.refunded).settlement,
    ]);
  }, 300_000);
});
