// The worker's webhook dispatcher on the real Temporal dev server and database, against real HTTP receivers on
// 127.0.0.1: a receiver that takes a notice at once costs no workflow; one that fails gets the delivery workflow, which
// goes on after the first attempt; an outbox entry whose worker died is swept into a workflow; the bounds hold.

import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { WebhookDispatcherOptions } from '../../src/activities/webhook-dispatcher';
import { WebhookDispatcher } from '../../src/activities/webhook-dispatcher';
import { WebhookDeliveryStarter, createWebhookActivities } from '../../src/activities/webhooks';
import { notice, supplierAnswerUpdate } from '../../src/contracts/order-contract';
import type { WebhookDeliveryResult } from '../../src/contracts/webhook-delivery-contract';
import { webhookDeliveryWorkflowId } from '../../src/contracts/webhook-delivery-contract';
import { insertNotices } from '../../src/persistence/notice-store';
import { registerParty } from '../../src/persistence/party-store';
import { findWebhookDelivery, recordWebhookDelivery } from '../../src/persistence/webhook-delivery-store';
import { WebhookOutbox } from '../../src/persistence/webhook-outbox-store';
import type { WorkflowEnv } from '../support/workflow-env';
import { startOrder, startWorkflowEnv } from '../support/workflow-env';

interface Receiver {
  url: string;
  requests: number;
  /** The most requests that were open at the same time. */
  peakOpen: number;
  close(): Promise<void>;
}

const receivers: Receiver[] = [];

/** A receiver answering with `answer(n, response)` for its n-th request (it may hold the answer back). */
async function receiver(answer: (n: number, response: ServerResponse) => void): Promise<Receiver> {
  let open = 0;
  const r: Receiver = { url: '', requests: 0, peakOpen: 0, close: async () => undefined };
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      r.requests += 1;
      open += 1;
      r.peakOpen = Math.max(r.peakOpen, open);
      response.on('close', () => (open -= 1));
      answer(r.requests, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  r.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  receivers.push(r);
  return r;
}

const ok = (_n: number, response: ServerResponse) => response.writeHead(204).end();

let env: WorkflowEnv;
const retry = { initialMs: 100, maxIntervalMs: 300, horizonMs: 60_000, attemptTimeoutMs: 5_000 };

beforeAll(async () => {
  env = await startWorkflowEnv();
});

afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await env?.close();
});

/** A party with a webhook at `url` and `count` notices for it in the database. */
async function hookedNotices(url: string, count = 1): Promise<{ noticeId: string; recipientId: string }[]> {
  const recipientId = `supplier-hook-${randomUUID().slice(0, 8)}`;
  await registerParty(env.db, env.vault, { id: recipientId, role: 'supplier', name: 'Hooked', webhookUrl: url });
  const drafts = Array.from({ length: count }, (_, n) =>
    notice('SUPPLIER_INQUIRY', `o-${randomUUID()}`, recipientId, new Date().toISOString(), { n }),
  );
  await insertNotices(env.db, drafts);
  return drafts.map((draft) => ({ noticeId: draft.noticeId, recipientId }));
}

/** A dispatcher of the test's own, on the env's task queue (the env's worker runs the delivery workflows). */
function dispatcher(options: Partial<WebhookDispatcherOptions> = {}): WebhookDispatcher {
  const activities = createWebhookActivities({ db: env.db, vault: env.vault, policy: { allowPrivate: true } });
  return new WebhookDispatcher(
    env.db,
    (input) => activities.attemptWebhookDelivery(input),
    new WebhookDeliveryStarter(env.client, env.taskQueue, retry),
    {
      maxInFlight: 8,
      maxQueued: 100,
      firstAttemptTimeoutMs: 2_000,
      sweepEveryMs: 60_000,
      orphanAfterMs: 0,
      ...options,
    },
  );
}

async function workflowExists(noticeId: string): Promise<boolean> {
  try {
    await env.client.workflow.getHandle(webhookDeliveryWorkflowId(noticeId)).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

async function outboxIds(): Promise<string[]> {
  const entries = await env.db.connection.collection('webhook_outbox').find({}).toArray();
  return entries.map((entry) => String(entry._id));
}

describe('webhook dispatcher', () => {
  test('first attempt › a receiver that takes it at once › is DELIVERED with one attempt, no workflow, outbox empty', async () => {
    const ready = await receiver(ok);
    const [target] = await hookedNotices(ready.url);
    const dispatch = dispatcher();

    await dispatch.dispatch([target!]);
    await dispatch.idle();

    expect(ready.requests).toBe(1);
    expect(await findWebhookDelivery(env.db, target!.noticeId)).toMatchObject({ state: 'DELIVERED', attempts: 1 });
    expect(await workflowExists(target!.noticeId)).toBe(false);
    expect(await outboxIds()).not.toContain(target!.noticeId);
  });

  test('first attempt › a receiver that fails once › hands over to the workflow, which delivers on attempt 2', async () => {
    const flaky = await receiver((n, response) => response.writeHead(n === 1 ? 503 : 204).end());
    const [target] = await hookedNotices(flaky.url);
    const dispatch = dispatcher();

    await dispatch.dispatch([target!]);
    await dispatch.idle();
    const result: WebhookDeliveryResult = await env.client.workflow
      .getHandle(webhookDeliveryWorkflowId(target!.noticeId))
      .result();

    expect(result).toEqual({ noticeId: target!.noticeId, state: 'DELIVERED', attempts: 2 });
    expect(flaky.requests).toBe(2);
    expect(await findWebhookDelivery(env.db, target!.noticeId)).toMatchObject({ state: 'DELIVERED', attempts: 2 });
    expect(await outboxIds()).not.toContain(target!.noticeId);
  });

  test('first attempt › a receiver answering 404 › is FAILED at once, no workflow', async () => {
    const wrong = await receiver((_n, response) => response.writeHead(404).end());
    const [target] = await hookedNotices(wrong.url);
    const dispatch = dispatcher();

    await dispatch.dispatch([target!]);
    await dispatch.idle();

    expect(await findWebhookDelivery(env.db, target!.noticeId)).toMatchObject({
      state: 'FAILED',
      attempts: 1,
      lastError: 'HTTP 404',
    });
    expect(await workflowExists(target!.noticeId)).toBe(false);
  });

  test('first attempt › given the notice it just wrote › sends the body a read-back notice gives, without reading it', async () => {
    const bodies: string[] = [];
    const recording = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        bodies.push(body);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => recording.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(recording.address() as AddressInfo).port}/hooks`;
    const recipientId = `supplier-draft-${randomUUID().slice(0, 8)}`;
    await registerParty(env.db, env.vault, { id: recipientId, role: 'supplier', name: 'Drafts', webhookUrl: url });
    const stored = notice('SUPPLIER_INQUIRY', `o-${randomUUID()}`, recipientId, new Date().toISOString(), { n: 1 });
    await insertNotices(env.db, [stored]);
    const unstored = notice('SUPPLIER_INQUIRY', `o-${randomUUID()}`, recipientId, new Date().toISOString(), { n: 2 });
    const activities = createWebhookActivities({ db: env.db, vault: env.vault, policy: { allowPrivate: true } });
    const input = (noticeId: string) => ({ noticeId, recipientId, redelivery: 0, attempts: 1, timeoutMs: 2_000 });

    const readBack = await activities.attemptWebhookDelivery(input(stored.noticeId));
    const handedOver = await activities.attemptWebhookDelivery(input(stored.noticeId), stored);
    const neverStored = await activities.attemptWebhookDelivery(input(unstored.noticeId), unstored);
    recording.closeAllConnections();
    await new Promise((resolve) => recording.close(resolve));

    expect([readBack.delivered, handedOver.delivered, neverStored.delivered]).toEqual([true, true, true]);
    expect(bodies[1]).toBe(bodies[0]);
    expect(JSON.parse(bodies[2]!)).toMatchObject({ type: 'SUPPLIER_INQUIRY', data: { noticeId: unstored.noticeId } });
  });

  test('sweep › an outbox entry whose worker died before its attempt › gets a workflow that delivers it', async () => {
    const ready = await receiver(ok);
    const [target] = await hookedNotices(ready.url);
    // The worker wrote the entry, then died: no attempt, no record.
    await new WebhookOutbox(env.db).add([target!]);

    const handed = await dispatcher().sweep();
    const result: WebhookDeliveryResult = await env.client.workflow
      .getHandle(webhookDeliveryWorkflowId(target!.noticeId))
      .result();

    expect(handed).toBeGreaterThanOrEqual(1);
    expect(result).toEqual({ noticeId: target!.noticeId, state: 'DELIVERED', attempts: 1 });
    expect(await outboxIds()).not.toContain(target!.noticeId);
  });

  test('sweep › an entry whose first attempt failed before its workflow started › numbers the next attempt 2', async () => {
    const ready = await receiver(ok);
    const [target] = await hookedNotices(ready.url);
    await new WebhookOutbox(env.db).add([target!]);
    await recordWebhookDelivery(env.db, {
      ...target!,
      redelivery: 0,
      attempts: 1,
      state: 'PENDING',
      lastError: 'HTTP 503',
      at: new Date(),
    });

    await dispatcher().sweep();
    const result: WebhookDeliveryResult = await env.client.workflow
      .getHandle(webhookDeliveryWorkflowId(target!.noticeId))
      .result();

    expect(result).toEqual({ noticeId: target!.noticeId, state: 'DELIVERED', attempts: 2 });
    expect(ready.requests).toBe(1);
  });

  test('sweep › an entry younger than the orphan bound › is left to its worker', async () => {
    const ready = await receiver(ok);
    const [target] = await hookedNotices(ready.url);
    await new WebhookOutbox(env.db).add([target!]);

    expect(await dispatcher({ orphanAfterMs: 60_000 }).sweep()).toBe(0);
    expect(await outboxIds()).toContain(target!.noticeId);
    expect(await workflowExists(target!.noticeId)).toBe(false);
    await new WebhookOutbox(env.db).remove([target!.noticeId]);
  });

  test('bounds › 12 notices to a slow receiver with 3 in flight at most › never more than 3 open, all delivered', async () => {
    const slow = await receiver((_n, response) => setTimeout(() => response.writeHead(204).end(), 50));
    const targets = await hookedNotices(slow.url, 12);
    const dispatch = dispatcher({ maxInFlight: 3 });

    await dispatch.dispatch(targets);
    await dispatch.idle();

    expect(slow.requests).toBe(12);
    expect(slow.peakOpen).toBe(3);
    for (const target of targets) {
      expect(await findWebhookDelivery(env.db, target.noticeId)).toMatchObject({ state: 'DELIVERED', attempts: 1 });
    }
  });

  test('bounds › more notices than the queue holds › the overflow goes straight to workflows, each delivered once', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = await receiver((_n, response) => void gate.then(() => response.writeHead(204).end()));
    const targets = await hookedNotices(held.url, 5);
    const dispatch = dispatcher({ maxInFlight: 1, maxQueued: 2 });

    const dispatched = dispatch.dispatch(targets);
    await dispatched;
    release();
    await dispatch.idle();
    const overflow = targets.slice(2);
    const results: WebhookDeliveryResult[] = await Promise.all(
      overflow.map((target) => env.client.workflow.getHandle(webhookDeliveryWorkflowId(target.noticeId)).result()),
    );

    expect(results.map((result) => result.state)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED']);
    expect(await workflowExists(targets[0]!.noticeId)).toBe(false);
    expect(await workflowExists(targets[1]!.noticeId)).toBe(false);
    expect(held.requests).toBe(5);
    expect(await outboxIds()).toEqual(expect.not.arrayContaining(targets.map((target) => target.noticeId)));
  });

  test('order › its supplier takes webhooks at once › the inquiry is delivered without a delivery workflow', async () => {
    const ready = await receiver(ok);
    const supplierId = `supplier-ready-${randomUUID().slice(0, 8)}`;
    await registerParty(env.db, env.vault, { id: supplierId, role: 'supplier', name: 'Ready', webhookUrl: ready.url });
    const { handle, input } = await startOrder(env, { supplierId });
    const noticeId = `${input.orderId}:SUPPLIER_INQUIRY:${supplierId}`;

    await handle.executeUpdate(supplierAnswerUpdate, {
      args: [{ supplierId, answer: { available: false, items: [] } }],
    });
    await handle.result();
    for (let tries = 0; tries < 100 && (await findWebhookDelivery(env.db, noticeId))?.state !== 'DELIVERED'; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    expect(await findWebhookDelivery(env.db, noticeId)).toMatchObject({ state: 'DELIVERED', attempts: 1 });
    expect(await workflowExists(noticeId)).toBe(false);
  });
});
