// The benchmark's floor: a workflow that does nothing but the engine work an order's workflow costs (as many Updates,
// activities, local activities and timers as the orders' histories show), so a benchmark can divide by it.
// Benchmark code only: the product worker never registers it.

import { defineUpdate } from '@temporalio/workflow';

/** How much engine work one floor workflow does; the benchmark measures it from real order histories. */
export interface FloorInput {
  /** Updates the bench sends, one at a time, as the parties' answers arrive. */
  updates: number;
  /** No-op activities in all: one in each Update's handler while they last, the rest in the main coroutine. */
  activities: number;
  /** No-op local activities, run in the main coroutine after the Updates. */
  localActivities: number;
  /** Timers started: timed waits while the Updates arrive (cancelled by the next Update, as deadlines are). */
  timers: number;
  /**
   * Child workflows, each awaited in the handler of an Update spread over them (as an order's payment children run
   * in its payment and delivery answers), and what each child does: no-op activities and local activities.
   */
  children?: { count: number; activities: number; localActivities: number } | undefined;
  /**
   * Search attribute upserts, one in each Update's handler while they last (as an order upserts its status at its
   * steps), and how many keyword search attributes the workflow starts with (the orders' own keys, floor values).
   */
  searchAttributes?: { initial: number; upserts: number } | undefined;
}

/** What one floor child workflow does. */
export interface FloorChildInput {
  activities: number;
  localActivities: number;
}

/** One party-like round trip into the floor workflow; answers the number of Updates received so far. */
export const floorPingUpdate = defineUpdate<number, []>('floorPing');

/** The task queue of the benchmark's floor worker, beside the order worker's queue. */
export function floorTaskQueue(orderTaskQueue: string): string {
  return `${orderTaskQueue}-floor`;
}
