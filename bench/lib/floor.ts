// The engine's floor: floor workflows (src/workflows/floor-workflow.ts) doing the order workflow's engine work with
// no business logic, driven by Updates sent straight through the Temporal client, each awaited in turn as the
// parties' answers are. What settleflow's lifecycle throughput is divided by.

import type { Client } from '@temporalio/client';
import type { FloorInput } from '../../src/contracts/floor-contract';
import { floorPingUpdate } from '../../src/contracts/floor-contract';
import type { LatencySummary } from '../../src/bots/latency';
import { LatencyBook, summarize } from '../../src/bots/latency';
import { runPool } from '../../src/bots/pool';

/** The workflow type of the floor, as the worker registers it. */
export const FLOOR_WORKFLOW_TYPE = 'floorWorkflow';

/** A floor run's figures. */
export interface FloorReport {
  workflows: number;
  /** From the first start to the last result. */
  wallMs: number;
  perSecond: number;
  /** Each floorPing Update's round trip through the client. */
  updateRoundTrip: LatencySummary;
  workflowIds: string[];
}

/** Runs `count` floor workflows at once, each through `input.updates` Updates in sequence, to their results. */
export async function runFloor(
  client: Client,
  options: { taskQueue: string; count: number; input: FloorInput; idPrefix: string },
): Promise<FloorReport> {
  const book = new LatencyBook();
  const ids = Array.from({ length: options.count }, (_, i) => `${options.idPrefix}-${i}`);
  const started = performance.now();
  await runPool(ids, options.count, async (workflowId) => {
    const handle = await client.workflow.start(FLOOR_WORKFLOW_TYPE, {
      taskQueue: options.taskQueue,
      workflowId,
      args: [options.input],
    });
    for (let i = 0; i < options.input.updates; i += 1) {
      const sentAt = performance.now();
      await handle.executeUpdate(floorPingUpdate);
      book.record('update', performance.now() - sentAt);
    }
    await handle.result();
  });
  const wallMs = performance.now() - started;
  return {
    workflows: options.count,
    wallMs,
    perSecond: options.count / (wallMs / 1000),
    updateRoundTrip: summarize(book.samples('update')),
    workflowIds: ids,
  };
}
