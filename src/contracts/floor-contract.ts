// The benchmark's floor: a workflow that does nothing but what the order workflow costs the engine
// (the same number of activities, Updates and timers), so a benchmark can divide by it.

import { defineUpdate } from '@temporalio/workflow';

/** How much engine work one floor workflow does. */
export interface FloorInput {
  /** Updates the bench sends, each running one no-op activity in its handler. */
  updates: number;
  /** No-op activities the main coroutine runs after the timers. */
  mainActivities: number;
  /** Timed waits (conditions with a timeout) the main coroutine makes while the updates arrive. */
  timers: number;
}

/** One party-like round trip into the floor workflow; answers the number of Updates received so far. */
export const floorPingUpdate = defineUpdate<number, []>('floorPing');

/** The order workflow's engine work on the happy path with `carriers` candidate carriers. */
export function floorInputFor(carriers: number): FloorInput {
  return { updates: 6 + carriers, mainActivities: 7, timers: 3 };
}
