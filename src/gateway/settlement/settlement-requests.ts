// The orders' side of settlement batches: an order at step 8 asks for its captured payment's settlement, and a refund
// asks whether a batch holds the payment. Database only (no bank, no vault), so the order worker may call it. It must
// never claim, price or pay anything: that is the settlement workflow's alone.

import type { Database } from '../../persistence/database';
import type { SettlementRequestRecord } from './settlement-store';
import { settlementCollections } from './settlement-store';

/** Records an order's request to settle its payment (idempotent: the first request and its time stay). */
export async function requestSettlement(
  db: Database,
  input: { paymentId: string; orderId: string; orderWorkflowId: string; sellerId: string; currency: string },
  now: Date,
): Promise<void> {
  const record: SettlementRequestRecord = {
    _id: input.paymentId,
    orderId: input.orderId,
    orderWorkflowId: input.orderWorkflowId,
    sellerId: input.sellerId,
    currency: input.currency,
    requestedAt: now,
    open: true,
  };
  await settlementCollections(db).requests.updateOne(
    { _id: input.paymentId },
    { $setOnInsert: record },
    { upsert: true },
  );
}

/** Whether a batch holds the payment: claimed and not given back (its payout is sent, or settled). */
export async function isClaimedForSettlement(db: Database, paymentId: string): Promise<boolean> {
  const c = settlementCollections(db);
  const claims = await c.claims.find({ paymentId }).toArray();
  const latest = claims.sort((a, b) => b.round - a.round)[0];
  if (!latest) return false;
  return (await c.releases.findOne({ _id: latest._id })) === null;
}
