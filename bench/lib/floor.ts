// The engine's floor: floor workflows (bench/floor/floor-workflow.ts, on the benchmark's own floor worker) doing the
// order workflow's engine work, as measured from real order histories, with no business logic, driven by Updates sent
// straight through the Temporal client, each awaited in turn as the parties' answers are. What settleflow's
// lifecycle throughput is divided by.

import { setMaxListeners } from 'node:events';
import type { Client } from '@temporalio/client';
import type { FloorInput } from '../floor/floor-contract';
import { floorPingUpdate } from '../floor/floor-contract';
import type { LatencySummary } from '../../scripts/demo/latency';
import { LatencyBook, summarize } from '../../scripts/demo/latency';
import { runPool } from '../../scripts/demo/pool';
import type { EngineWork } from './histories';
import { orderSearchAttributes } from '../../src/contracts/order-contract';

/** The workflow type of the floor, as the benchmark's floor worker registers it. */
export const FLOOR_WORKFLOW_TYPE = 'floorWorkflow';

/**
 * The floor's input from the mean engine work of sampled order histories, each count rounded to the nearest whole:
 * child workflows with what their own histories did; external signals are not reproduced (the report counts them).
 */
export function floorInputFrom(work: EngineWork): FloorInput {
  return {
    updates: Math.round(work.updates),
    activities: Math.round(work.activities),
    localActivities: Math.round(work.localActivities),
    timers: Math.round(work.timers),
    children:
      Math.round(work.childWorkflows) > 0
        ? {
            count: Math.round(work.childWorkflows),
            activities: Math.round(work.childWork?.activities ?? 0),
            localActivities: Math.round(work.childWork?.localActivities ?? 0),
          }
        : undefined,
    searchAttributes: {
      initial: Math.round(work.initialSearchAttributes ?? 0),
      upserts: Math.round(work.searchAttributeUpserts ?? 0),
    },
  };
}

/** The first `count` of an order's start attributes, with floor values (the same keys, so the same indexing). */
function floorSearchAttributes(count: number, workflowId: string) {
  const a = orderSearchAttributes;
  const all = [
    { key: a.status, value: 'PLACED' },
    { key: a.sellerId, value: 'floor-seller' },
    { key: a.customerId, value: `${workflowId}-customer` },
    { key: a.supplierId, value: 'floor-supplier' },
    { key: a.total, value: 1_000 },
  ];
  return all.slice(0, Math.min(count, all.length));
}

/** A floor run's figures. */
export interface FloorReport {
  workflows: number;
  /** Floor workflows that returned their result before the run was stopped. */
  completed: number;
  /** Whether the budget stopped the run before every workflow completed. */
  truncated: boolean;
  /** From the first start to the last result (or to the stop). */
  wallMs: number;
  /** Completed workflows per second of wall time. */
  perSecond: number;
  /** Starts and Updates answered per second: comparable with the lifecycle's accepted requests per second. */
  callsPerSecond: number;
  /** Each floorPing Update's round trip through the client. */
  updateRoundTrip: LatencySummary;
  /** The round trips themselves, to merge runs exactly. */
  updateSamples: number[];
  workflowIds: string[];
  /** Workflows that had not completed when the run was stopped. */
  unfinishedIds: string[];
}

/**
 * Runs `count` floor workflows at once, each through `input.updates` Updates in sequence, to their results.
 * `signal` stops it early: calls in flight are abandoned and the workflows left open are listed as unfinished.
 */
export async function runFloor(
  client: Client,
  options: { taskQueue: string; count: number; input: FloorInput; idPrefix: string; signal?: AbortSignal },
): Promise<FloorReport> {
  const book = new LatencyBook();
  const ids = Array.from({ length: options.count }, (_, i) => `${options.idPrefix}-${i}`);
  const done = new Set<string>();
  let calls = 0;
  const started = performance.now();
  const signal = options.signal ?? new AbortController().signal;
  setMaxListeners(0, signal);
  let endedAt: number | undefined;
  signal.addEventListener('abort', () => (endedAt ??= performance.now()), { once: true });
  const call = <T>(fn: () => Promise<T>) => client.connection.withAbortSignal(signal, fn);
  await runPool(ids, options.count, async (workflowId) => {
    try {
      const handle = await call(() =>
        client.workflow.start(FLOOR_WORKFLOW_TYPE, {
          taskQueue: options.taskQueue,
          workflowId,
          args: [options.input],
          typedSearchAttributes: floorSearchAttributes(options.input.searchAttributes?.initial ?? 0, workflowId),
        }),
      );
      calls += 1;
      for (let i = 0; i < options.input.updates; i += 1) {
        const sentAt = performance.now();
        await call(() => handle.executeUpdate(floorPingUpdate));
        book.record('update', performance.now() - sentAt);
        calls += 1;
      }
      await call(() => handle.result());
      done.add(workflowId);
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  });
  const wallMs = (endedAt ?? performance.now()) - started;
  return {
    workflows: options.count,
    completed: done.size,
    truncated: done.size < options.count,
    wallMs,
    perSecond: done.size / (wallMs / 1000),
    callsPerSecond: calls / (wallMs / 1000),
    updateRoundTrip: summarize(book.samples('update')),
    updateSamples: [...book.samples('update')],
    workflowIds: ids,
    unfinishedIds: ids.filter((id) => !done.has(id)),
  };
}
