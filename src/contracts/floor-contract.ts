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

/**
 * The order workflow's engine work on the happy path with `carriers` candidate carriers: one Update per party
 * answer (supplier, each carrier, payment, three shipment events, settlement confirmation), the three timed waits
 * (supplier, carrier and payment deadlines), and as many activities as an order runs: the read-model writer's writes
 * (13 requested, about 11.5 after coalescing, as the benchmark's history profile shows) plus collectPayment and
 * settlePayment, rounded to 4 + 9 = 13 (each Update's handler here runs one).
 */
export function floorInputFor(carriers: number): FloorInput {
  return { updates: 6 + carriers, mainActivities: 4, timers: 3 };
}
