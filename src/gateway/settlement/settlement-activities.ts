// The settlement workflow's activities on the gateway worker: each a step of src/gateway/settlement/settlement-batches.ts,
// plus the signals to the orders of a completed batch (through the worker's own Temporal client). A step the bank did
// not answer fails retryably; one it refused fails for good. They never write an order's documents.

import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { SettlementLineSignal } from '../../contracts/settlement-contract';
import { settlementLineSignal } from '../../contracts/settlement-contract';
import { PaymentOperationError } from '../card-payments';
import type { BatchState, SettlementBatches } from './settlement-batches';

/** Signals sent at once to a batch's orders. */
const SIGNALS_AT_ONCE = 8;

/** How often a running step heartbeats besides its own progress. */
const HEARTBEAT_EVERY_MS = 20_000;

function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // Outside an activity (a test or the benchmark calling the step directly): nothing to report to.
  }
}

/** The settlement activities, bound to the running settlement operations. */
export function createSettlementActivities(batches: SettlementBatches) {
  async function run<T>(work: () => Promise<T>): Promise<T> {
    // The worker is alive while the timer fires: a crashed worker's long step (a claim, pricing or completion of a day
    // of a million payments takes minutes) times out after the workflow's heartbeat timeout, not its start-to-close.
    const timer = setInterval(heartbeat, HEARTBEAT_EVERY_MS);
    try {
      return await work();
    } catch (error) {
      if (error instanceof PaymentOperationError) {
        throw ApplicationFailure.create({
          message: error.message,
          type: `PaymentOperationError:${error.code}`,
          nonRetryable: !error.retryable,
        });
      }
      throw error;
    } finally {
      clearInterval(timer);
    }
  }

  return {
    /** Opens (or finds) the cut-off's batch. */
    async openSettlementBatch(input: { cutoffAt: string; workflowId: string }): Promise<BatchState> {
      return run(() => batches.open(input));
    },
    /** Claims the open settlement requests due by the cut-off into the batch (one pass; see claimPage). */
    async claimSettlementPage(input: { batchId: string; afterId: string; limit: number }) {
      return run(() => batches.claimPage(input, heartbeat));
    },
    /** Prices the batch's payouts and books their fee and payout journals. */
    async priceSettlementBatch(batchId: string): Promise<BatchState> {
      return run(() => batches.price(batchId));
    },
    /** Sends the batch's pacs.008 messages and takes the bank's immediate pacs.002. */
    async sendSettlementBatch(batchId: string): Promise<BatchState> {
      return run(() => batches.send(batchId));
    },
    /** Takes the bank's outcome of every accepted payout (retried while they clear). */
    async followSettlementBatch(batchId: string): Promise<BatchState> {
      return run(() => batches.follow(batchId));
    },
    /** Books the outcomes, marks the lines and releases the rejected ones. */
    async completeSettlementBatch(batchId: string): Promise<BatchState> {
      return run(() => batches.complete(batchId));
    },
    /** Marks the batch whose outcome did not come in time. */
    async markSettlementUnresolved(input: { batchId: string; detail: string }): Promise<BatchState> {
      return run(() => batches.markUnresolved(input.batchId, input.detail));
    },
    /**
     * Signals the batch's orders with their lines' outcomes, every line in one call (a few at once). An order that no
     * longer runs (closed, or a payment without an order workflow) is passed over: its line stays the record. A
     * retried call signals again from the start, and an order drops a repeat. `afterId` and `limit` are what workflows
     * started before this change pass; the answer always says done.
     */
    async signalSettlementOrders(input: {
      batchId: string;
      afterId: string;
      limit: number;
    }): Promise<{ lastId: string; done: boolean; signalled: number }> {
      const client = Context.current().client;
      let signalled = 0;
      let lastId = input.afterId;
      let pending: { workflowId: string; signal: SettlementLineSignal }[] = [];
      const send = async () => {
        heartbeat();
        const sent = await Promise.all(
          pending.map(async ({ workflowId, signal }) => {
            try {
              await client.workflow.getHandle(workflowId).signal(settlementLineSignal, signal);
              return 1;
            } catch (error) {
              if (!(error instanceof WorkflowNotFoundError)) throw error;
              return 0;
            }
          }),
        );
        signalled += sent.reduce<number>((sum, one) => sum + one, 0);
        pending = [];
      };
      return run(async () => {
        for await (const { lineId, workflowId, signal } of batches.signals(input.batchId)) {
          lastId = lineId;
          pending.push({ workflowId, signal });
          if (pending.length >= SIGNALS_AT_ONCE) await send();
        }
        await send();
        return { lastId, done: true, signalled };
      });
    },
  };
}

/** The settlement activities' type, for `proxyActivities` in the settlement workflow. */
export type SettlementActivities = ReturnType<typeof createSettlementActivities>;
