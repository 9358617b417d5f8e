// The settlement batches' collections and their shapes: what reconciliation and reports read (README, Settlement
// batches). Every "only one wins" decision is a unique insert (FerretDB has no transactions): a payment is claimed by
// inserting `settlement_claims` `<paymentId>#<round>`, so of two cut-offs (or two runs of one) exactly one takes it;
// a rejected payout releases it by inserting `settlement_releases` under the same id, after which round + 1 may be
// claimed. Batches and lines are written only by their cut-off's settlement workflow. Never stores an IBAN in clear.
//
// Collections (all `_id` strings):
// - settlement_requests  `<paymentId>`: an order at step 8 asks for its payment's settlement.
//     { orderId, orderWorkflowId, sellerId, currency, requestedAt: Date, open: boolean }
//     `open` is a scan hint only (false once claimed, true again once released); the claims are the truth.
// - settlement_claims    `<paymentId>#<round>`: { paymentId, round, batchId, at: Date }  (insert-only)
// - settlement_releases  `<paymentId>#<round>`: { paymentId, round, batchId, reason, at: Date }  (insert-only)
// - settlement_batches   `<batchId>` (`batch-YYYYMMDDTHHMMSSZ`): one per cut-off, see {@link SettlementBatchRecord}.
// - settlement_lines     `<batchId>:<paymentId>`: one per payment in the batch, see {@link SettlementLineRecord}.
// - settlement_fee_schedules `<sellerId>:<currency>:v<version>`: {@link FeeScheduleRecord} (insert-only versions).
// - settlement_payout_accounts `<sellerId>`: the seller's payout IBAN, sealed by the vault, and its last 4.
// - settlement_spool `<owner>:<attempt>:<n>`: { owner, records }: ids a step read before working on them
//     (src/persistence/spool.ts), kept only while the step runs.

import type { Connection } from 'mongoose';
import type { Database } from '../../persistence/database';
import { spillCollection } from '../../persistence/spill-store';
import type { FeeMethod, FeeRule, FeeScheduleVersion } from './fees';

/** Collection names, for readers of the batches (reconciliation, reports). */
export const SETTLEMENT_COLLECTIONS = {
  requests: 'settlement_requests',
  claims: 'settlement_claims',
  releases: 'settlement_releases',
  batches: 'settlement_batches',
  lines: 'settlement_lines',
  feeSchedules: 'settlement_fee_schedules',
  payoutAccounts: 'settlement_payout_accounts',
  spool: 'settlement_spool',
} as const;

/** An order's request to settle its payment. */
export interface SettlementRequestRecord {
  _id: string;
  orderId: string;
  orderWorkflowId: string;
  sellerId: string;
  currency: string;
  requestedAt: Date;
  open: boolean;
}

/** A payment taken by a batch (round 1, or a later round after a release). */
export interface SettlementClaimRecord {
  _id: string;
  paymentId: string;
  round: number;
  batchId: string;
  at: Date;
}

/** A claim given back: its payout was rejected or returned, the payment is payable again. */
export interface SettlementReleaseRecord extends SettlementClaimRecord {
  reason: string;
}

/** A batch's state: claiming payments, payouts priced and booked, sent to the bank, then completed. */
export type SettlementBatchStatus = 'CLAIMING' | 'PRICED' | 'SENT' | 'COMPLETED' | 'UNRESOLVED';

/**
 * A payout: what one seller receives in one currency from one batch, one credit transfer of the batch's pacs.008.
 * `NO_ACCOUNT` (no payout IBAN) and `REJECTED` (pacs.002 RJCT) and `RETURNED` (pacs.004) give the lines back.
 */
export interface SettlementPayout {
  payoutId: string;
  sellerId: string;
  currency: string;
  lines: number;
  grossMinor: number;
  feeMinor: number;
  netMinor: number;
  status: 'PENDING' | 'NO_ACCOUNT' | 'ACCEPTED' | 'REJECTED' | 'PAID' | 'RETURNED';
  messageId?: string | undefined;
  endToEndId?: string | undefined;
  /** The payout account's IBAN, last 4 characters only. */
  ibanLast4?: string | undefined;
  reason?: string | undefined;
}

/** One cut-off's batch. */
export interface SettlementBatchRecord {
  _id: string;
  cutoffAt: Date;
  /** The settlement workflow that owns the batch (a second workflow of the same cut-off only reads it). */
  workflowId: string;
  status: SettlementBatchStatus;
  /** Payments claimed so far. */
  lineCount: number;
  /** One per seller and currency (bounded by the sellers with payments in the batch). */
  payouts: SettlementPayout[];
  /** The pacs.008 messages sent, one per currency. */
  messages: { currency: string; messageId: string; transactions: number; status?: string | undefined }[];
  createdAt: Date;
  updatedAt: Date;
  /** Why the batch is `UNRESOLVED` (the bank's outcome did not come in time). */
  detail?: string | undefined;
}

/** One payment in a batch. */
export interface SettlementLineRecord {
  _id: string;
  batchId: string;
  paymentId: string;
  orderId: string;
  orderWorkflowId: string;
  sellerId: string;
  currency: string;
  /** The payment's method as the fee schedule names it. */
  feeMethod: FeeMethod;
  round: number;
  grossMinor: number;
  feeMinor: number;
  netMinor: number;
  /** The rule applied and where it came from (a schedule version, or the gateway settings in force). */
  fee: FeeRule & { source: string };
  status: 'CLAIMED' | 'PAID' | 'REJECTED';
  reason?: string | undefined;
  createdAt: Date;
  updatedAt: Date;
}

/** A stored fee schedule version. */
export interface FeeScheduleRecord extends FeeScheduleVersion {
  _id: string;
  createdAt: Date;
  createdBy: string;
}

/** A seller's payout account. */
export interface PayoutAccountRecord {
  _id: string;
  /** The IBAN sealed by the vault; opened only to build a pacs.008. */
  sealedIban: string;
  ibanLast4: string;
  accountHolder: string;
  updatedAt: Date;
  updatedBy: string;
}

/** The typed collections. */
export function settlementCollections(db: Database) {
  const connection = db.connection as Connection;
  return {
    requests: connection.collection<SettlementRequestRecord>(SETTLEMENT_COLLECTIONS.requests),
    claims: connection.collection<SettlementClaimRecord>(SETTLEMENT_COLLECTIONS.claims),
    releases: connection.collection<SettlementReleaseRecord>(SETTLEMENT_COLLECTIONS.releases),
    batches: connection.collection<SettlementBatchRecord>(SETTLEMENT_COLLECTIONS.batches),
    lines: connection.collection<SettlementLineRecord>(SETTLEMENT_COLLECTIONS.lines),
    feeSchedules: connection.collection<FeeScheduleRecord>(SETTLEMENT_COLLECTIONS.feeSchedules),
    payoutAccounts: connection.collection<PayoutAccountRecord>(SETTLEMENT_COLLECTIONS.payoutAccounts),
    // In the spill database (spill-store.ts): written while a step's cursor reads the ids in this one.
    spool: spillCollection(connection, SETTLEMENT_COLLECTIONS.spool),
  };
}

/**
 * The indexes every settlement query uses: requests by `open` then id (the claim scan), claims by payment, lines by
 * batch then id (paging, payouts, signals), batches by cut-off (the listing), schedules by seller and currency.
 */
export async function ensureSettlementIndexes(db: Database): Promise<void> {
  const c = settlementCollections(db);
  await Promise.all([
    c.requests.createIndex({ open: 1, _id: 1 }),
    c.claims.createIndex({ paymentId: 1 }),
    c.lines.createIndex({ batchId: 1, _id: 1 }),
    c.lines.createIndex({ batchId: 1, sellerId: 1, currency: 1 }),
    c.batches.createIndex({ cutoffAt: -1, _id: -1 }),
    c.feeSchedules.createIndex({ sellerId: 1, currency: 1, effectiveFrom: 1 }),
    c.spool.createIndex({ owner: 1 }),
  ]);
}
