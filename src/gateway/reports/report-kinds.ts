// The printable reports (issue 9 E) as kinds of one shape: a kind turns its parameters into a ReportDocument (title,
// columns, a stream of rows, which columns total per currency), and report-renderers.ts prints any document as CSV or
// PDF. The kinds: the daily clearing report and the clearing statistics (here), the seller's settlement statement per
// batch (settlement-statement.ts) and the reconciliation report of a run (reconciliation-report.ts). A new kind is a
// `ReportKind` in REPORT_KINDS and a route in src/api/reports-routes.ts. Must never load a whole report into memory:
// rows are an async stream the renderers consume as they write.

import type { Database } from '../../persistence/database';
import type { ClearingMethod, ClearingStatisticsRow, FeeLookup } from './clearing-statistics';
import type { ClearingStatisticsQuery } from './payment-queries';
import { clearingStatisticsRows } from './payment-queries';
import { reconciliationReport } from './reconciliation-report';
import { settlementStatementReport } from './settlement-statement';

/** What a column holds, and so how it is printed and totalled. */
export type ReportColumnKind = 'text' | 'count' | 'money' | 'rate' | 'ms';

/** One column of a report. */
export interface ReportColumn {
  key: string;
  header: string;
  kind: ReportColumnKind;
  /** Its share of the PDF page's width (points at A4 landscape). */
  width: number;
  /** A `count` column that counts rows: blank on each row, the number of rows in the totals. */
  countsRows?: boolean | undefined;
}

/** One row: its currency (money columns are in its minor units) and a value per column key. */
export interface ReportRow {
  currency: string;
  values: Record<string, string | number | null>;
  /** A line of detail printed under the row in the PDF and as its own column in the CSV (e.g. decline reasons). */
  note?: string | undefined;
}

/** A report ready to print. */
export interface ReportDocument {
  kind: string;
  title: string;
  /** Lines under the title: what the report covers and for whom. */
  subtitle: string[];
  /** The download's file name without its extension. */
  fileStem: string;
  columns: ReportColumn[];
  /** Header of the CSV column holding each row's note. */
  noteHeader?: string | undefined;
  /** The rows, streamed. */
  rows: AsyncIterable<ReportRow>;
  /** Keys of the `count` and `money` columns totalled per currency at the end. */
  totals: string[];
  /**
   * A text column whose values are totalled apart too (per value and currency, before the totals per currency), e.g.
   * the reconciliation's classes; `groupOrder` orders its values (others after them, alphabetically).
   */
  groupTotalsBy?: { key: string; order?: readonly string[] | undefined } | undefined;
  /** What the PDF prints when there is no row (default `No payments.`). */
  emptyText?: string | undefined;
}

/** What a kind reads its rows from. */
export interface ReportContext {
  db: Database;
  feeOf: FeeLookup;
}

/**
 * A kind of report: its id (the route's name) and how its parameters become a document (after reading what the
 * document's title needs; the rows stay a stream). May throw ReportNotFoundError or ReportParameterError.
 */
export interface ReportKind<
  Params,
  Result extends ReportDocument | Promise<ReportDocument> = ReportDocument,
  Context extends Partial<ReportContext> = ReportContext,
> {
  id: string;
  document(context: Context, params: Params): Result;
}

/** Parameters of the daily clearing report: one UTC day, one seller or all. */
export interface DailyClearingParams {
  date: string;
  sellerId?: string | undefined;
  method?: ClearingMethod | undefined;
  currency?: string | undefined;
}

const CLEARING_COLUMNS: ReportColumn[] = [
  { key: 'sellerId', header: 'Seller', kind: 'text', width: 104 },
  { key: 'method', header: 'Method', kind: 'text', width: 62 },
  { key: 'currency', header: 'Currency', kind: 'text', width: 42 },
  { key: 'payments', header: 'Payments', kind: 'count', width: 46 },
  { key: 'approved', header: 'Approved', kind: 'count', width: 46 },
  { key: 'declined', header: 'Declined', kind: 'count', width: 44 },
  { key: 'pending', header: 'Pending', kind: 'count', width: 40 },
  { key: 'approvalRate', header: 'Approval', kind: 'rate', width: 44 },
  { key: 'authorized', header: 'Authorized', kind: 'money', width: 64 },
  { key: 'captured', header: 'Captured', kind: 'money', width: 64 },
  { key: 'refunded', header: 'Refunded', kind: 'money', width: 58 },
  { key: 'fees', header: 'Fees', kind: 'money', width: 54 },
  { key: 'net', header: 'Net', kind: 'money', width: 64 },
  { key: 'latencyP50', header: 'p50 ms', kind: 'ms', width: 38 },
  { key: 'latencyP95', header: 'p95 ms', kind: 'ms', width: 38 },
];

/** A statistics row as a report row. */
export function clearingReportRow(row: ClearingStatisticsRow): ReportRow {
  const reasons = Object.entries(row.declineReasons);
  return {
    currency: row.currency,
    values: {
      sellerId: row.sellerId,
      method: row.method,
      currency: row.currency,
      payments: row.payments,
      approved: row.approved,
      declined: row.declined,
      pending: row.pending,
      approvalRate: row.approvalRate,
      authorized: row.authorizedMinor,
      captured: row.capturedMinor,
      refunded: row.refundedMinor,
      fees: row.feesMinor,
      net: row.netMinor,
      latencyP50: row.authorizationLatency?.p50Ms ?? null,
      latencyP95: row.authorizationLatency?.p95Ms ?? null,
    },
    note: reasons.length === 0 ? undefined : reasons.map(([code, count]) => `${code} ${count}`).join(', '),
  };
}

async function* reportRows(rows: AsyncIterable<ClearingStatisticsRow>, withDay = false): AsyncGenerator<ReportRow> {
  for await (const row of rows) {
    const printed = clearingReportRow(row);
    yield withDay ? { ...printed, values: { day: row.day, ...printed.values } } : printed;
  }
}

/** The daily clearing report: the clearing statistics of one day, a row per seller, method and currency. */
export const dailyClearingReport: ReportKind<DailyClearingParams> = {
  id: 'daily-clearing',
  document(context, params) {
    const scope = params.sellerId === undefined ? 'all sellers' : `seller ${params.sellerId}`;
    const narrowed = [
      params.method === undefined ? undefined : `method ${params.method}`,
      params.currency === undefined ? undefined : `currency ${params.currency}`,
    ].filter((part): part is string => part !== undefined);
    return {
      kind: 'daily-clearing',
      title: `Daily clearing report ${params.date}`,
      subtitle: [
        `Payments created on ${params.date} (UTC), ${[scope, ...narrowed].join(', ')}.`,
        'Amounts in each currency with its ISO 4217 decimals; fees by the fee schedule in force; net = captured - refunded - fees.',
      ],
      fileStem: `daily-clearing-${params.date}${params.sellerId === undefined ? '' : `-${params.sellerId}`}`,
      columns: CLEARING_COLUMNS,
      noteHeader: 'Decline reasons',
      rows: reportRows(
        clearingStatisticsRows(
          context.db,
          {
            from: params.date,
            to: params.date,
            sellerId: params.sellerId,
            method: params.method,
            currency: params.currency,
          },
          context.feeOf,
        ),
      ),
      totals: ['payments', 'approved', 'declined', 'pending', 'authorized', 'captured', 'refunded', 'fees', 'net'],
    };
  },
};

/** The clearing statistics of a range of days as one download: the daily report's columns after a Day column. */
export const clearingStatisticsReport: ReportKind<ClearingStatisticsQuery> = {
  id: 'clearing-statistics',
  document(context, query) {
    return {
      kind: 'clearing-statistics',
      title: `Clearing statistics ${query.from} to ${query.to}`,
      subtitle: [`Payments created on ${query.from} to ${query.to} (UTC).`],
      fileStem: `clearing-statistics-${query.from}-${query.to}`,
      columns: [{ key: 'day', header: 'Day', kind: 'text', width: 56 }, ...CLEARING_COLUMNS],
      noteHeader: 'Decline reasons',
      rows: reportRows(clearingStatisticsRows(context.db, query, context.feeOf), true),
      totals: ['payments', 'approved', 'declined', 'pending', 'authorized', 'captured', 'refunded', 'fees', 'net'],
    };
  },
};

/** Every report kind by id. */
export const REPORT_KINDS = {
  'daily-clearing': dailyClearingReport,
  'clearing-statistics': clearingStatisticsReport,
  'settlement-statement': settlementStatementReport,
  reconciliation: reconciliationReport,
} as const;
