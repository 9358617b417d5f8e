// The seller's settlement statement of one batch (issue 9 E), as a report kind: the batch, its cut-off, each payment
// of the seller settled in it (order, payment reference, method, gross, fee, net, the fee schedule version priced
// with), totals per currency (gross, fees, net payout) and each payout's outcome at the bank (pacs.002 accepted or
// rejected, pacs.004 returned). Reads `settlement_batches` and streams `settlement_lines` with a cursor on the index
// (batchId, sellerId, currency); never loads a batch's lines into memory. Read-only: never writes a batch or a line.
// Whether the caller may see a seller's lines is decided by the caller (src/api/reports-router.ts); here, a batch the
// seller has no line in is "not found", exactly as a batch that does not exist, so ids do not leak.

import type { Database } from '../../persistence/database';
import type { SettlementBatchRecord, SettlementLineRecord, SettlementPayout } from '../settlement/settlement-store';
import { settlementCollections } from '../settlement/settlement-store';
import { ReportNotFoundError, ReportParameterError } from './report-errors';
import type { ReportColumn, ReportContext, ReportDocument, ReportKind, ReportRow } from './report-kinds';
import { formatMinor } from './report-renderers';

/** Parameters of a settlement statement: the batch, and the seller (required of a batch of several sellers). */
export interface SettlementStatementParams {
  batchId: string;
  sellerId?: string | undefined;
}

const STATEMENT_COLUMNS: ReportColumn[] = [
  { key: 'orderId', header: 'Order', kind: 'text', width: 136 },
  { key: 'paymentId', header: 'Payment reference', kind: 'text', width: 176 },
  { key: 'method', header: 'Method', kind: 'text', width: 50 },
  { key: 'currency', header: 'Currency', kind: 'text', width: 40 },
  { key: 'payments', header: 'Payments', kind: 'count', width: 40, countsRows: true },
  { key: 'gross', header: 'Gross', kind: 'money', width: 66 },
  { key: 'fee', header: 'Fee', kind: 'money', width: 56 },
  { key: 'net', header: 'Net', kind: 'money', width: 66 },
  { key: 'lineStatus', header: 'Line', kind: 'text', width: 46 },
  { key: 'payout', header: 'Payout', kind: 'text', width: 50 },
  { key: 'feeSchedule', header: 'Fee schedule', kind: 'text', width: 44 },
];

/** How a line's fee source (`schedule:<seller>:<currency>:v<n>`, `settings:gateway`...) is printed: `v2`, `*v1`. */
export function feeScheduleLabel(source: string): string {
  const match = /^schedule:(.+):[A-Z]{3}:v(\d+)$/.exec(source);
  if (match === null) return source;
  return match[1] === '*' ? `*v${match[2]}` : `v${match[2]}`;
}

/** What the bank did with a payout, in words (pacs.002 accepted / rejected, pacs.004 returned). */
export function payoutOutcome(payout: Pick<SettlementPayout, 'status' | 'reason'>): string {
  const reason = payout.reason === undefined ? '' : ` ${payout.reason}`;
  switch (payout.status) {
    case 'PENDING':
      return 'not sent yet';
    case 'NO_ACCOUNT':
      return 'not sent: the seller has no payout account';
    case 'ACCEPTED':
      return 'accepted by the bank (pacs.002 ACSP), not yet settled';
    case 'PAID':
      return 'accepted by the bank (pacs.002) and settled';
    case 'REJECTED':
      return `rejected by the bank (pacs.002 RJCT${reason})`;
    case 'RETURNED':
      return `accepted by the bank (pacs.002), then returned (pacs.004${reason})`;
  }
}

function statementRow(line: SettlementLineRecord, payouts: ReadonlyMap<string, SettlementPayout>): ReportRow {
  return {
    currency: line.currency,
    values: {
      orderId: line.orderId,
      paymentId: line.paymentId,
      method: line.feeMethod,
      currency: line.currency,
      gross: line.grossMinor,
      fee: line.feeMinor,
      net: line.netMinor,
      lineStatus: line.status,
      payout: payouts.get(line.currency)?.status ?? null,
      feeSchedule: feeScheduleLabel(line.fee?.source ?? ''),
    },
  };
}

async function* statementRows(
  db: Database,
  batchId: string,
  sellerId: string,
  payouts: ReadonlyMap<string, SettlementPayout>,
): AsyncGenerator<ReportRow> {
  const cursor = settlementCollections(db).lines.find({ batchId, sellerId }).sort({ _id: 1 }).batchSize(500);
  try {
    for await (const line of cursor) yield statementRow(line, payouts);
  } finally {
    await cursor.close();
  }
}

/** The sellers with lines in a batch (bounded by the batch's sellers, never by its lines). */
async function sellersOf(db: Database, batch: SettlementBatchRecord): Promise<string[]> {
  if (batch.status !== 'CLAIMING') return [...new Set(batch.payouts.map((payout) => payout.sellerId))].sort();
  return ((await settlementCollections(db).lines.distinct('sellerId', { batchId: batch._id })) as string[]).sort();
}

/**
 * The seller's settlement statement of a batch.
 * @throws ReportNotFoundError when the batch does not exist or holds no line of the seller
 * @throws ReportParameterError (`seller_required`) for a batch of several sellers and no seller named
 */
export const settlementStatementReport: ReportKind<
  SettlementStatementParams,
  Promise<ReportDocument>,
  Pick<ReportContext, 'db'>
> = {
  id: 'settlement-statement',
  async document(context, params): Promise<ReportDocument> {
    const c = settlementCollections(context.db);
    const batch = await c.batches.findOne({ _id: params.batchId });
    if (batch === null) throw new ReportNotFoundError('batch_not_found', `no settlement batch ${params.batchId}`);
    let sellerId = params.sellerId;
    if (sellerId === undefined) {
      const sellers = await sellersOf(context.db, batch);
      if (sellers.length > 1) {
        throw new ReportParameterError(
          'seller_required',
          `batch ${batch._id} holds the payments of ${sellers.length} sellers: name one with sellerId`,
          'sellerId',
        );
      }
      sellerId = sellers[0];
    }
    const held =
      sellerId !== undefined &&
      (batch.payouts.some((payout) => payout.sellerId === sellerId) ||
        (await c.lines.findOne({ batchId: batch._id, sellerId }, { projection: { _id: 1 } })) !== null);
    if (!held || sellerId === undefined) {
      throw new ReportNotFoundError('batch_not_found', `no settlement batch ${params.batchId}`);
    }
    const payouts = new Map(
      batch.payouts.filter((payout) => payout.sellerId === sellerId).map((payout) => [payout.currency, payout]),
    );
    const cutoff = batch.cutoffAt.toISOString().replace('.000Z', 'Z');
    return {
      kind: 'settlement-statement',
      title: `Settlement statement ${batch._id}`,
      subtitle: [
        `Seller ${sellerId}; batch ${batch._id}, cut-off ${cutoff} (UTC), batch status ${batch.status}.`,
        ...[...payouts.values()]
          .sort((a, b) => (a.currency < b.currency ? -1 : 1))
          .map(
            (payout) =>
              `Payout ${payout.currency}: ${payout.lines} payments, gross ${formatMinor(payout.grossMinor, payout.currency)}, ` +
              `fees ${formatMinor(payout.feeMinor, payout.currency)}, net payout ${formatMinor(payout.netMinor, payout.currency)}; ` +
              `${payout.status}: ${payoutOutcome(payout)}.`,
          ),
        'Amounts in each currency with its ISO 4217 decimals; net = gross - fee; fee schedule: the version the batch priced the payment with (*: the default schedule).',
      ],
      fileStem: `settlement-statement-${batch._id}-${sellerId}`,
      columns: STATEMENT_COLUMNS,
      rows: statementRows(context.db, batch._id, sellerId, payouts),
      totals: ['payments', 'gross', 'fee', 'net'],
      emptyText: 'No payments.',
    };
  },
};
