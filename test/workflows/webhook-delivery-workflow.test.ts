// The webhook delivery workflow on the real Temporal dev server and database, against real HTTP receivers on
// 127.0.0.1: backoff with full jitter until the receiver takes the message, giving up at the horizon or at once on a
// refused address or a 4xx, records operators can read, and orders that never wait for a webhook.

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { createActivities } from '../../src/activities';
import { WebhookDeliveryStarter } from '../../src/activities/webhooks';
import { SimulatedBank } from '../support/legacy-bank';
import { notice, supplierAnswerUpdate } from '../../src/contracts/order-contract';
import type {
  WebhookDeliveryInput,
  WebhookDeliveryResult,
  WebhookRetryPolicy,
} from '../../src/contracts/webhook-delivery-contract';
import { webhookDeliveryWorkflowId } from '../../src/contracts/webhook-delivery-contract';
import type { OrderView } from '../../src/domain/order';
import { insertNotices } from '../../src/persistence/notice-store';
import { registerParty } from '../../src/persistence/party-store';
import { findWebhookDelivery } from '../../src/persistence/webhook-delivery-store';
import { FIRST_ATTEMPT_TIMEOUT_MS } from '../../src/contracts/webhook-delivery-contract';
import type { WorkflowEnv } from '../support/workflow-env';
import { decodedHistoryText, startOrder, startWorkflowEnv } from '../support/workflow-env';

const SECRET_BODY = 'receiver-secret-41c2e8-never-echo';

interface Receiver {
  url: string;
  requests: { headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

const receivers: Receiver[] = [];

async function receiver(answer: (n: number, response: ServerResponse) => void): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      requests.push({ headers: request.headers, body });
      answer(requests.length, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const r: Receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  receivers.push(r);
  return r;
}

const failWithSecret = (_n: number, response: ServerResponse) =>
  response.writeHead(500, { 'content-type': 'text/plain' }).end(SECRET_BODY);

let env: WorkflowEnv;
const written: string[] = [];
const writes: jest.SpyInstance[] = [];

beforeAll(async () => {
  // Everything the process writes (the worker's log, console) is kept to search for the receiver's body.
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    writes.push(
      jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
        written.push(String(chunk));
        return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write),
    );
  }
  env = await startWorkflowEnv();
});

afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await env?.close();
  for (const spy of writes) spy.mockRestore();
});

/** A party with a webhook at `url` and one notice for it in the database. */
async function hookedNotice(url: string): Promise<{ noticeId: string; recipientId: string }> {
  const recipientId = `supplier-hook-${randomUUID().slice(0, 8)}`;
  await registerParty(env.db, env.vault, { id: recipientId, role: 'supplier', name: 'Hooked', webhookUrl: url });
  const draft = notice('SUPPLIER_INQUIRY', `o-${randomUUID()}`, recipientId, new Date().toISOString(), { n: 1 });
  await insertNotices(env.db, [draft]);
  return { noticeId: draft.noticeId, recipientId };
}

async function startDelivery(
  target: { noticeId: string; recipientId: string },
  retry: WebhookRetryPolicy,
): Promise<WorkflowHandle> {
  const input: WebhookDeliveryInput = { ...target, redelivery: 0, priorAttempts: 0, retry };
  return env.client.workflow.start('webhookDeliveryWorkflow', {
    workflowId: webhookDeliveryWorkflowId(target.noticeId),
    taskQueue: env.taskQueue,
    args: [input],
  });
}

/** The workflow's whole history, every payload and failure message in it decoded (as an operator sees it). */
async function historyText(handle: WorkflowHandle): Promise<string> {
  return decodedHistoryText(await handle.fetchHistory());
}

/** The durations of the workflow's timers (its waits between attempts), in ms. */
async function timerDurationsMs(handle: WorkflowHandle): Promise<number[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((event) => event.timerStartedEventAttributes?.startToFireTimeout)
    .filter((duration) => duration !== undefined && duration !== null)
    .map((duration) => Number(duration.seconds ?? 0) * 1000 + Math.round((duration.nanos ?? 0) / 1e6));
}

describe('webhook delivery workflow', () => {
  test('delivery › a receiver that fails 3 times then succeeds › gets it on the 4th attempt after growing jittered waits', async () => {
    const flaky = await receiver((n, response) =>
      n <= 3 ? failWithSecret(n, response) : response.writeHead(204).end(),
    );
    const target = await hookedNotice(flaky.url);
    const retry = { initialMs: 200, maxIntervalMs: 800, horizonMs: 60_000, attemptTimeoutMs: 5_000 };

    const handle = await startDelivery(target, retry);
    const result: WebhookDeliveryResult = await handle.result();

    expect(result).toEqual({ noticeId: target.noticeId, state: 'DELIVERED', attempts: 4 });
    expect(flaky.requests).toHaveLength(4);
    expect(new Set(flaky.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([target.noticeId]));
    const waits = await timerDurationsMs(handle);
    expect(waits).toHaveLength(3);
    // Full jitter: each wait is a random share of a cap that doubles (200, 400, 800 ms).
    waits.forEach((wait, i) => {
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(Math.min(800, 200 * 2 ** i));
    });
    const record = await findWebhookDelivery(env.db, target.noticeId);
    expect(record).toMatchObject({
      recipientId: target.recipientId,
      state: 'DELIVERED',
      attempts: 4,
      redeliveries: 0,
      lastError: null,
    });
    expect(record?.deliveredAt).not.toBeNull();
  });

  test('delivery › a receiver that takes it at once › costs one workflow task, the attempt a local activity', async () => {
    const ready = await receiver((_n, response) => response.writeHead(204).end());
    const target = await hookedNotice(ready.url);
    const retry = { initialMs: 200, maxIntervalMs: 800, horizonMs: 60_000, attemptTimeoutMs: 5_000 };

    const handle = await startDelivery(target, retry);
    const result: WebhookDeliveryResult = await handle.result();
    const events = (await handle.fetchHistory()).events ?? [];

    expect(result).toEqual({ noticeId: target.noticeId, state: 'DELIVERED', attempts: 1 });
    expect(ready.requests).toHaveLength(1);
    expect(events.filter((event) => event.workflowTaskCompletedEventAttributes)).toHaveLength(1);
    expect(events.filter((event) => event.activityTaskScheduledEventAttributes)).toHaveLength(0);
    expect(await findWebhookDelivery(env.db, target.noticeId)).toMatchObject({ state: 'DELIVERED', attempts: 1 });
  });

  test('delivery › a receiver that holds the first request › gives up at its own bound and gets it on the second attempt', async () => {
    let held: ServerResponse | undefined;
    const slow = await receiver((n, response) => {
      if (n === 1) held = response;
      else response.writeHead(204).end();
    });
    const target = await hookedNotice(slow.url);
    const retry = { initialMs: 50, maxIntervalMs: 100, horizonMs: 60_000, attemptTimeoutMs: 30_000 };

    const handle = await startDelivery(target, retry);
    const result: WebhookDeliveryResult = await handle.result();
    held?.destroy();
    const events = (await handle.fetchHistory()).events ?? [];

    expect(result).toEqual({ noticeId: target.noticeId, state: 'DELIVERED', attempts: 2 });
    expect(slow.requests).toHaveLength(2);
    expect(events.filter((event) => event.activityTaskScheduledEventAttributes)).toHaveLength(1);
    // The first attempt gave up at its own bound, not at WEBHOOK_TIMEOUT_MS (here 30 s).
    expect(await historyText(handle)).toContain(`timeout after ${FIRST_ATTEMPT_TIMEOUT_MS} ms`);
  });

  test('delivery › a receiver that always fails › is FAILED at the horizon, its answer nowhere in record, history or logs', async () => {
    const dead = await receiver(failWithSecret);
    const target = await hookedNotice(dead.url);
    const retry = { initialMs: 100, maxIntervalMs: 300, horizonMs: 1_500, attemptTimeoutMs: 5_000 };

    const handle = await startDelivery(target, retry);
    const result: WebhookDeliveryResult = await handle.result();

    expect(result.state).toBe('FAILED');
    expect(result.lastError).toBe('HTTP 500');
    expect(result.attempts).toBe(dead.requests.length);
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    const record = await findWebhookDelivery(env.db, target.noticeId);
    expect(record).toMatchObject({ state: 'FAILED', attempts: result.attempts, lastError: 'HTTP 500' });
    expect(JSON.stringify(record)).not.toContain(SECRET_BODY);
    expect(await historyText(handle)).not.toContain(SECRET_BODY);
    expect(written.join('')).not.toContain(SECRET_BODY);
  });

  test('delivery › a receiver answering 404 › gives up at once', async () => {
    const gone = await receiver((_n, response) => response.writeHead(404).end(SECRET_BODY));
    const target = await hookedNotice(gone.url);

    const handle = await startDelivery(target, {
      initialMs: 100,
      maxIntervalMs: 300,
      horizonMs: 60_000,
      attemptTimeoutMs: 5_000,
    });
    const result: WebhookDeliveryResult = await handle.result();

    expect(result).toEqual({ noticeId: target.noticeId, state: 'FAILED', attempts: 1, lastError: 'HTTP 404' });
    expect(await timerDurationsMs(handle)).toEqual([]);
    expect(await findWebhookDelivery(env.db, target.noticeId)).toMatchObject({ state: 'FAILED', attempts: 1 });
  });

  test('delivery › a party registered with a metadata address before the check existed › is refused at delivery', async () => {
    const target = await hookedNotice('http://169.254.169.254/latest/meta-data/');

    const handle = await startDelivery(target, {
      initialMs: 100,
      maxIntervalMs: 300,
      horizonMs: 60_000,
      attemptTimeoutMs: 5_000,
    });
    const result: WebhookDeliveryResult = await handle.result();

    expect(result).toEqual({
      noticeId: target.noticeId,
      state: 'FAILED',
      attempts: 1,
      lastError: 'address refused: cloud metadata address',
    });
    expect(await findWebhookDelivery(env.db, target.noticeId)).toMatchObject({
      state: 'FAILED',
      lastError: 'address refused: cloud metadata address',
    });
  });

  test('order › its supplier has a dead webhook › the order completes while the delivery still retries', async () => {
    const dead = await receiver(failWithSecret);
    const supplierId = `supplier-dead-${randomUUID().slice(0, 8)}`;
    await registerParty(env.db, env.vault, {
      id: supplierId,
      role: 'supplier',
      name: 'Dead hook',
      webhookUrl: dead.url,
    });
    const { handle, input } = await startOrder(env, { supplierId });

    await handle.executeUpdate(supplierAnswerUpdate, {
      args: [{ supplierId, answer: { available: false, items: [] } }],
    });
    const order: OrderView = await handle.result();

    expect(order.status).toBe('CANCELLED');
    const delivery = env.client.workflow.getHandle(
      webhookDeliveryWorkflowId(`${input.orderId}:SUPPLIER_INQUIRY:${supplierId}`),
    );
    expect((await delivery.describe()).status.name).toBe('RUNNING');
    await delivery.terminate('test done');
  });

  test('legacy activity › deliverWebhook called twice by an old order workflow › starts one delivery workflow', async () => {
    const healthy = await receiver((_n, response) => response.writeHead(200).end());
    const target = await hookedNotice(healthy.url);
    const retry = { initialMs: 100, maxIntervalMs: 300, horizonMs: 60_000, attemptTimeoutMs: 5_000 };
    const starter = new WebhookDeliveryStarter(env.client, env.taskQueue, retry);
    const activities = createActivities({
      db: env.db,
      vault: env.vault,
      bank: new SimulatedBank(env.db),
      webhookDeliveries: starter,
    });

    await activities.deliverWebhook({ noticeId: target.noticeId });
    await activities.deliverWebhook({ noticeId: target.noticeId });
    const result: WebhookDeliveryResult = await env.client.workflow
      .getHandle(webhookDeliveryWorkflowId(target.noticeId))
      .result();

    expect(result.state).toBe('DELIVERED');
    expect(healthy.requests).toHaveLength(1);
    expect(await starter.start([target])).toBe(0);
  });
});
