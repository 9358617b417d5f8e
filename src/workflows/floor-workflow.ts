// A no-op workflow for benchmarks: Updates, activities and timers in the order workflow's numbers, with no
// business logic and no I/O, to measure the engine's floor. Deterministic.

import * as wf from '@temporalio/workflow';
import type { OrderActivities } from '../activities';
import type { FloorInput } from '../contracts/floor-contract';
import { floorPingUpdate } from '../contracts/floor-contract';

const { floorNoop } = wf.proxyActivities<OrderActivities>({ startToCloseTimeout: '30s' });

/** Waits for `updates` pings across `timers` timed waits, then runs `mainActivities` no-op activities. */
export async function floorWorkflow(input: FloorInput): Promise<number> {
  let received = 0;
  wf.setHandler(floorPingUpdate, async () => {
    received += 1;
    await floorNoop();
    return received;
  });
  const perTimer = Math.ceil(input.updates / Math.max(1, input.timers));
  for (let timer = 1; timer <= input.timers; timer += 1) {
    const target = Math.min(input.updates, timer * perTimer);
    await wf.condition(() => received >= target, '1 day');
  }
  await wf.condition(() => received >= input.updates);
  for (let i = 0; i < input.mainActivities; i += 1) await floorNoop();
  await wf.condition(wf.allHandlersFinished);
  return received;
}
