// The indexes of the reports' queries on `gateway_payments` (clearing statistics, daily clearing report, transaction
// search), created at start-up with the other collections' indexes (src/persistence/database.ts). Each query of
// payment-queries.ts names the index it runs on. Must never drop or change an index another module made.

import type { Connection } from 'mongoose';

/** The collection of every payment (card, e-check, e-cash, micropayment), as card-payments.ts names it. */
const PAYMENTS_COLLECTION = 'gateway_payments';

/** The reports' indexes on `gateway_payments`, by name. */
export const PAYMENT_REPORT_INDEXES = [
  // Statistics and search of one seller: seller equality, then a creation-time range, newest first, id as tie-break.
  { key: { sellerId: 1, createdAt: -1, _id: -1 }, name: 'reports_seller_createdAt' },
  // Statistics and search across sellers (operators): a creation-time range.
  { key: { createdAt: -1, _id: -1 }, name: 'reports_createdAt' },
  // Search by status across sellers (operators' "every failed payment today").
  { key: { status: 1, createdAt: -1, _id: -1 }, name: 'reports_status_createdAt' },
] as const;

/**
 * Creates the reports' indexes when missing (idempotent; concurrent start-ups are harmless). One command per index:
 * FerretDB 1.24 drops the connection (a panic, "slice bounds out of range") on a createIndexes of several indexes
 * that all exist already, which is every start after the first.
 */
export async function ensurePaymentReportIndexes(connection: Connection): Promise<void> {
  const payments = connection.collection(PAYMENTS_COLLECTION);
  for (const index of PAYMENT_REPORT_INDEXES) await payments.createIndex({ ...index.key }, { name: index.name });
}
