// A no-op workflow for benchmarks: Updates, activities, local activities and timers in the order workflow's numbers
// (measured from its histories), with no business logic and no I/O, to measure the engine's floor. Deterministic;
// registered only by the benchmark's own floor worker.

import * as wf from '@temporalio/workflow';
import type { FloorActivities } from './floor-activities';
import type { FloorChildInput, FloorInput } from './floor-contract';
import { floorPingUpdate } from './floor-contract';
import { orderSearchAttributes } from '../../src/contracts/order-contract';

const { floorNoop } = wf.proxyActivities<FloorActivities>({ startToCloseTimeout: '30s' });
const local = wf.proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '30s' });

/**
 * Waits for `updates` pings, with `timers` timed waits spread over them and the child workflows run in some of their
 * handlers, then runs the activities and local activities the handlers did not; returns the number of Updates
 * received.
 */
export async function floorWorkflow(input: FloorInput): Promise<number> {
  let received = 0;
  let activitiesLeft = input.activities;
  let upsertsLeft = input.searchAttributes?.upserts ?? 0;
  const children = input.children ?? { count: 0, activities: 0, localActivities: 0 };
  // Child k (1-based) runs in the handler of Update round(k * updates / (count + 1)): spread, never the first.
  const childAt = new Map<number, number>();
  for (let k = 1; k <= children.count; k += 1) {
    childAt.set(Math.max(1, Math.round((k * input.updates) / (children.count + 1))), k);
  }
  wf.setHandler(floorPingUpdate, async () => {
    received += 1;
    const number = received;
    if (upsertsLeft > 0) {
      upsertsLeft -= 1;
      wf.upsertSearchAttributes([{ key: orderSearchAttributes.status, value: `FLOOR_${number}` }]);
    }
    if (activitiesLeft > 0) {
      activitiesLeft -= 1;
      await floorNoop();
    }
    const child = childAt.get(number);
    if (child !== undefined) {
      await wf.executeChild(floorChildWorkflow, {
        workflowId: `${wf.workflowInfo().workflowId}-child-${child}`,
        args: [{ activities: children.activities, localActivities: children.localActivities }],
      });
    }
    return number;
  });
  // Each timed wait ends with the Update it waits for, as a deadline ends with the party's answer; a wait whose
  // condition already holds starts no timer, so spread waits never outnumber the Updates.
  // The targets rise by at least one Update per wait, so each wait starts a timer of its own.
  const spread = Math.min(input.timers, input.updates);
  for (let timer = 1; timer <= spread; timer += 1) {
    const target = Math.floor((timer * input.updates) / spread);
    await wf.condition(() => received >= target, '1 day');
  }
  await wf.condition(() => received >= input.updates);
  // Timers beyond the Updates' number: short ones that fire.
  for (let timer = spread; timer < input.timers; timer += 1) await wf.sleep(1);
  while (activitiesLeft > 0) {
    activitiesLeft -= 1;
    await floorNoop();
  }
  for (; upsertsLeft > 0; upsertsLeft -= 1) {
    wf.upsertSearchAttributes([{ key: orderSearchAttributes.status, value: `FLOOR_END_${upsertsLeft}` }]);
  }
  for (let i = 0; i < input.localActivities; i += 1) await local.floorNoop();
  await wf.condition(wf.allHandlersFinished);
  return received;
}

/** A floor child: its no-op activities, then its no-op local activities, as a payment child's bank calls. */
export async function floorChildWorkflow(input: FloorChildInput): Promise<void> {
  for (let i = 0; i < input.activities; i += 1) await floorNoop();
  for (let i = 0; i < input.localActivities; i += 1) await local.floorNoop();
}
