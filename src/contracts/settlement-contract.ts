// The contract between the settlement workflow (one per cut-off, on the gateway's task queue) and the orders it pays
// out: the signal naming an order's batch line, the settlement workflow's id and input, and the patch id behind which
// an order waits for its batch. Types and pure functions only, so workflow code on both sides may import it.

import { defineSignal } from '@temporalio/workflow';
import type { Money } from '../domain/money';

/** The patch from which an order's step 8 waits for its settlement batch instead of paying out by itself. */
export const SETTLEMENT_BATCHES_PATCH = 'settlement-batches-v1';

/** The workflow type of a cut-off's settlement. */
export const SETTLEMENT_WORKFLOW_TYPE = 'settlementWorkflow';

/** The Temporal Schedule that starts one settlement workflow per cut-off (created by the gateway worker). */
export const SETTLEMENT_SCHEDULE_ID = 'settlement-cutoffs';

/** The prefix of a settlement workflow's id; the Schedule appends `-<cut-off time>` (RFC 3339, seconds, UTC). */
export const SETTLEMENT_WORKFLOW_ID_PREFIX = 'settlement-cutoff';

/** A cut-off time as the ids carry it: RFC 3339 UTC to the second (`2026-11-27T06:00:00Z`). */
export function cutoffStamp(cutoffAt: Date | string): string {
  return new Date(cutoffAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The settlement workflow's id of a cut-off: the same id as the Schedule gives the run it starts at that time. */
export function settlementWorkflowId(cutoffAt: Date | string): string {
  return `${SETTLEMENT_WORKFLOW_ID_PREFIX}-${cutoffStamp(cutoffAt)}`;
}

/** The batch id of a cut-off: one batch per cut-off time (`batch-20261127T060000Z`). */
export function batchIdFor(cutoffAt: Date | string): string {
  return `batch-${cutoffStamp(cutoffAt).replace(/[-:]/g, '')}`;
}

/** The settlement workflow's input; a Schedule's run passes none and takes its cut-off from its scheduled time. */
export interface SettlementWorkflowInput {
  /** The cut-off (ISO 8601): payments whose order asked for settlement until then are in the batch. */
  cutoffAt?: string | undefined;
  /** Requests claimed per activity (SETTLEMENT_PAGE_SIZE). */
  pageSize?: number | undefined;
  /** How long the bank's outcome of the payouts is awaited, retries included (SETTLEMENT_OUTCOME_TIMEOUT_MS). */
  outcomeTimeoutMs?: number | undefined;
  /** How long the bank clears a credit transfer before its outcome is asked (SETTLEMENT_CLEARING_MS). */
  clearingMs?: number | undefined;
  /**
   * Carried across continue-as-new: where claiming stopped, or (`signalsAfterId`) where signalling the orders their
   * lines stopped.
   */
  resume?: { afterId: string; pages: number; signalsAfterId?: string | undefined } | undefined;
  /** Activity pages per run before continuing as new (claims, then signals); 200 when absent. */
  pagesPerRun?: number | undefined;
}

/** One order's line of a batch, as the settlement workflow signals it to the order's workflow. */
export interface SettlementLineSignal {
  batchId: string;
  lineId: string;
  paymentId: string;
  /** `PAID`: the bank settled the payout (ACSC); `REJECTED`: rejected or returned, the amount is payable again. */
  status: 'PAID' | 'REJECTED';
  gross: Money;
  fee: Money;
  net: Money;
  /** The bank's reason (ISO 20022 code) or settleflow's (`NO_PAYOUT_ACCOUNT`) for a rejected line. */
  reason?: string | undefined;
  at: string;
}

/** The signal the settlement workflow sends each order of a batch once its line's outcome is known. */
export const settlementLineSignal = defineSignal<[SettlementLineSignal]>('settlementLine');
