// Graceful shutdown of settleflow's own processes against the cluster: SIGTERM drains what is in flight instead of
// dropping it. A worker stopped while an activity runs (a webhook delivery attempt the test's receiver holds open)
// lets it finish: the receiver's answer is recorded as DELIVERED, then the worker exits 0. An API stopped while a
// request is in flight (its headers read, its body not yet sent) refuses new connections, still answers that request
// 201 once its body arrives, and exits 0.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import type { RegisteredParty } from '../../src/persistence/party-store';
import { registerParty } from '../../src/persistence/party-store';
import { Vault } from '../../src/security/vault';
import type { SettleflowProcess } from './processes';
import { freePort, startProcess } from './processes';

const run = randomUUID().slice(0, 8);

let db: Database;
let seller: RegisteredParty;
let customer: RegisteredParty;
let supplier: RegisteredParty;
let carrier: RegisteredParty;
let receiver: http.Server;
const processes: SettleflowProcess[] = [];

/** Webhook requests by notice id (the `webhook-id` header), in arrival order. */
const attemptsByNotice = new Map<string, number>();
/** The first notice whose second attempt arrived: held open until the test answers it. */
let heldNotice: { noticeId: string; answer: () => void } | undefined;
let noticeHeld: (noticeId: string) => void;
const held = new Promise<string>((resolve) => (noticeHeld = resolve));

function laneEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through \`npm run test:cluster\``);
  return value;
}

/** The lane's processes with webhooks to loopback, quick retries, and shutdown limits far beyond the test's waits. */
const env = {
  TEMPORAL_TASK_QUEUE: `cluster-shutdown-${run}`,
  GATEWAY_TASK_QUEUE: `cluster-shutdown-gateway-${run}`,
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_RETRY_INITIAL_MS: '50',
  WEBHOOK_RETRY_MAX_INTERVAL_MS: '100',
  WEBHOOK_TIMEOUT_MS: '120000',
  WORKER_SHUTDOWN_GRACE_MS: '120000',
  WORKER_SHUTDOWN_FORCE_MS: '180000',
  API_SHUTDOWN_GRACE_MS: '120000',
  LOG_LEVEL: 'info',
};

beforeAll(async () => {
  // Every party's webhook: each notice's first attempt gets a 503 (retryable), so its second attempt runs as an
  // activity; the first second attempt is held open; every other attempt is taken at once.
  receiver = http.createServer((req, res) => {
    const noticeId = String(req.headers['webhook-id'] ?? '');
    const attempts = (attemptsByNotice.get(noticeId) ?? 0) + 1;
    attemptsByNotice.set(noticeId, attempts);
    req.resume();
    if (attempts === 1) {
      res.writeHead(503).end();
    } else if (attempts === 2 && heldNotice === undefined) {
      heldNotice = { noticeId, answer: () => void (res.headersSent || res.writeHead(204).end()) };
      noticeHeld(noticeId);
    } else {
      res.writeHead(204).end();
    }
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

  db = await connectDatabase(laneEnv('MONGODB_URI'));
  const vault = new Vault(laneEnv('SETTLEFLOW_VAULT_KEY'));
  const party = (id: string, role: 'seller' | 'customer' | 'supplier' | 'carrier', webhookUrl?: string) =>
    registerParty(db, vault, { id: `${id}-${run}`, role, name: `${id} ${run}`, webhookUrl });
  [seller, customer, supplier, carrier] = await Promise.all([
    party('shutdown-seller', 'seller', receiverUrl),
    party('shutdown-customer', 'customer', receiverUrl),
    party('shutdown-supplier', 'supplier', receiverUrl),
    party('shutdown-carrier', 'carrier', receiverUrl),
  ]);
}, 120_000);

afterAll(async () => {
  heldNotice?.answer();
  for (const proc of processes) await proc.kill();
  await new Promise((resolve) => receiver?.close(resolve));
  await db?.connection.dropDatabase();
  await db?.close();
});

/** A valid place-order body for the test's parties. */
function orderBody(orderId: string) {
  return {
    orderId,
    customerId: customer.id,
    supplierId: supplier.id,
    carrierIds: [carrier.id],
    items: [{ sku: 'PUMP-7', description: 'pump', quantity: 1, unitPrice: { amount: 12_500, currency: 'EUR' } }],
    shipTo: { name: 'Plant 2', line1: 'Werkstrasse 1', city: 'Munich', postalCode: '80331', country: 'DE' },
    deadlines: { supplierAnswerMs: 600_000, carrierAnswerMs: 600_000, paymentMs: 600_000 },
  };
}

/** Resolves once the socket has received `text`; rejects if it closes first. */
function receivedOn(socket: net.Socket, text: string, seen: { data: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (seen.data.includes(text)) {
        socket.off('data', check);
        socket.off('close', closed);
        resolve();
      }
    };
    const closed = () => reject(new Error(`the connection closed before "${text}" came: ${seen.data}`));
    socket.on('data', check);
    socket.once('close', closed);
    check();
  });
}

describe('graceful shutdown', () => {
  let api: SettleflowProcess;
  let apiPort: number;

  it('worker › SIGTERM while a webhook attempt (an activity) is in flight › it finishes, is recorded, exit 0', async () => {
    apiPort = await freePort();
    const worker = startProcess('shutdown-worker', 'src/worker/main.ts', env);
    api = startProcess('shutdown-api', 'src/api/main.ts', { ...env, PORT: String(apiPort) });
    processes.push(worker, api);
    await Promise.all([worker.printed('polling task queue'), api.printed('settleflow API listening')]);

    const placed = await fetch(`http://127.0.0.1:${apiPort}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${seller.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(orderBody(`sd-${run}-1`)),
    });
    expect(placed.status).toBe(201);

    const noticeId = await held;
    worker.child.kill('SIGTERM');
    await worker.printed('STOPPING');
    // The worker stopped polling but waits for its activity: the receiver answers only now.
    expect(worker.child.exitCode).toBeNull();
    heldNotice?.answer();

    expect(await worker.exited).toEqual({ code: 0, signal: null });
    const record = await db.connection.collection('webhook_deliveries').findOne({ _id: noticeId as never });
    expect({ state: record?.state, attempts: record?.attempts }).toEqual({ state: 'DELIVERED', attempts: 2 });
    expect(attemptsByNotice.get(noticeId)).toBe(2);
  });

  it('API › SIGTERM while a request is in flight › new connections refused, that request answered 201, exit 0', async () => {
    const orderId = `sd-${run}-2`;
    const body = JSON.stringify(orderBody(orderId));
    const socket = net.connect(apiPort, '127.0.0.1');
    const seen = { data: '' };
    socket.on('data', (chunk: Buffer) => (seen.data += chunk.toString('utf8')));
    // The headers alone, asking to continue: the server answers 100 once it has read them and the request is the app's.
    socket.write(
      [
        'POST /v1/orders HTTP/1.1',
        `Host: 127.0.0.1:${apiPort}`,
        `Authorization: Bearer ${seller.apiKey}`,
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Expect: 100-continue',
        'Connection: close',
        '',
        '',
      ].join('\r\n'),
    );
    await receivedOn(socket, 'HTTP/1.1 100 Continue', seen);

    api.child.kill('SIGTERM');
    await api.printed('SIGTERM received; closing');
    await expect(fetch(`http://127.0.0.1:${apiPort}/health`)).rejects.toThrow();

    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(body);
    await ended;
    const finalStatus = /HTTP\/1\.1 (\d{3})(?![\s\S]*HTTP\/1\.1 \d{3})/.exec(seen.data)?.[1];
    expect(finalStatus).toBe('201');
    expect(seen.data).toContain(`"orderId":"${orderId}"`);
    expect(await api.exited).toEqual({ code: 0, signal: null });
  });
});
