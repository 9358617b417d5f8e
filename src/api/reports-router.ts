// The reports' handlers: clearing statistics (JSON pages or CSV), the daily clearing report, the settlement statement
// and the reconciliation report (CSV or PDF, streamed as a download) and the transaction search. A seller's filter is
// forced to itself (another seller is 403; a batch without its lines is 404); operators see all. Downloads start only
// once the first rows are read, so a failing database is still a JSON error, never a half-sent file passed off as
// whole. Read-only: it must never write a payment or the ledger.

import { Router } from 'express';
import type { RequestHandler, Response } from 'express';
import type { ClearingMethod, FeeLookup } from '../gateway/reports/clearing-statistics';
import {
  InvalidReportCursorError,
  clearingStatisticsPage,
  searchTransactions,
} from '../gateway/reports/payment-queries';
import { loadFeeLookup } from '../gateway/reports/fee-lookup';
import { ReportNotFoundError, ReportParameterError } from '../gateway/reports/report-errors';
import type { ReportDocument, ReportRow } from '../gateway/reports/report-kinds';
import { clearingStatisticsReport, dailyClearingReport } from '../gateway/reports/report-kinds';
import { reconciliationReport } from '../gateway/reports/reconciliation-report';
import { settlementStatementReport } from '../gateway/reports/settlement-statement';
import type { ReportFormat } from '../gateway/reports/report-renderers';
import { REPORT_CONTENT_TYPES, writeReport } from '../gateway/reports/report-renderers';
import type { PaymentStatus } from '../domain/payment';
import type { Party } from '../persistence/party-store';
import { cachedSettings, effectiveSettings } from '../persistence/settings-store';
import type { ApiDeps } from './api-deps';
import { ApiError, forbidden } from './api-error';
import { callerOf } from './auth';
import { mountRoute } from './route-registry';
import {
  MAX_STATISTICS_DAYS,
  clearingStatisticsRoute,
  dailyClearingReportRoute,
  reconciliationReportRoute,
  settlementStatementRoute,
  transactionSearchRoute,
} from './reports-routes';

/** The seller filter a caller may use: a seller's own id (another is 403), an operator's choice. */
function sellerScope(caller: Party, sellerId: string | undefined): string | undefined {
  if (caller.role === 'operator') return sellerId;
  if (sellerId !== undefined && sellerId !== caller.id) throw forbidden('a seller sees only its own payments');
  return caller.id;
}

/**
 * The fee of each payment: the settlement fee schedule version in force at its time; without one, the fee new orders
 * are placed with (settings over configuration).
 */
async function feeLookup(deps: Pick<ApiDeps, 'db' | 'config'>, sellerId?: string): Promise<FeeLookup> {
  const stored = await cachedSettings(deps.db);
  return loadFeeLookup(
    deps.db,
    (seller) => effectiveSettings(deps.config, stored.settings, seller).gatewayFee,
    sellerId,
  );
}

/** A report kind's refusal as the API answers it. */
function reportError(error: unknown): never {
  if (error instanceof ReportNotFoundError) {
    const param = error.code === 'run_not_found' ? 'runId' : 'batchId';
    throw new ApiError(404, 'not_found_error', error.code, error.message, param);
  }
  if (error instanceof ReportParameterError) {
    throw new ApiError(422, 'invalid_request_error', error.code, error.message, error.param);
  }
  throw error;
}

function invalidCursor(error: unknown): never {
  if (error instanceof InvalidReportCursorError) {
    throw new ApiError(422, 'invalid_request_error', error.code, error.message, 'cursor');
  }
  throw error;
}

function checkRange(from: string, to: string): void {
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
  if (days < 0 || days >= MAX_STATISTICS_DAYS) {
    throw new ApiError(
      422,
      'invalid_request_error',
      'date_range_invalid',
      `to must be from or a later day, at most ${MAX_STATISTICS_DAYS} days on`,
      'to',
    );
  }
}

/**
 * The document with its first row already read, so that a failure to read (the database down) is thrown before a
 * byte of the download is sent.
 */
async function primed(document: ReportDocument): Promise<ReportDocument> {
  const iterator = document.rows[Symbol.asyncIterator]();
  const first = await iterator.next();
  async function* rows(): AsyncGenerator<ReportRow> {
    if (first.done) return;
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { ...document, rows: rows() };
}

/** Streams a report as a download; a failure after the first byte cuts the connection (the file is visibly short). */
async function download(res: Response, document: ReportDocument, format: ReportFormat): Promise<void> {
  const ready = await primed(document);
  res.status(200);
  res.setHeader('Content-Type', REPORT_CONTENT_TYPES[format]);
  res.setHeader('Content-Disposition', `attachment; filename="${ready.fileStem}.${format}"`);
  res.setHeader('Cache-Control', 'no-store');
  try {
    await writeReport(ready, format, res);
  } catch (error) {
    res.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

/** GET /v1/reports/{clearing-statistics,daily-clearing,settlement-statement,reconciliation} and /v1/transactions. */
export function reportsRouter(deps: Pick<ApiDeps, 'db' | 'config'>, authenticated: RequestHandler): Router {
  const router = Router({ caseSensitive: true });
  const guards = { authenticated };

  mountRoute(router, clearingStatisticsRoute, guards, async (_req, res, { query }) => {
    const to = query.to ?? query.from;
    checkRange(query.from, to);
    const statisticsQuery = {
      from: query.from,
      to,
      sellerId: sellerScope(callerOf(res), query.sellerId),
      method: query.method as ClearingMethod | undefined,
      currency: query.currency,
    };
    const feeOf = await feeLookup(deps, statisticsQuery.sellerId);
    if (query.format === 'csv') {
      await download(res, clearingStatisticsReport.document({ db: deps.db, feeOf }, statisticsQuery), 'csv');
      return;
    }
    const page = await clearingStatisticsPage(deps.db, statisticsQuery, feeOf, {
      limit: query.limit,
      cursor: query.cursor,
    }).catch(invalidCursor);
    res.json({ data: page.rows, nextCursor: page.nextCursor ?? null });
  });

  mountRoute(router, dailyClearingReportRoute, guards, async (_req, res, { query }) => {
    const sellerId = sellerScope(callerOf(res), query.sellerId);
    const feeOf = await feeLookup(deps, sellerId);
    const document = dailyClearingReport.document(
      { db: deps.db, feeOf },
      {
        date: query.date,
        sellerId,
        method: query.method as ClearingMethod | undefined,
        currency: query.currency,
      },
    );
    await download(res, document, query.format);
  });

  mountRoute(router, settlementStatementRoute, guards, async (_req, res, { query }) => {
    const caller = callerOf(res);
    const document = await settlementStatementReport
      .document(
        { db: deps.db },
        {
          batchId: query.batchId,
          sellerId: sellerScope(caller, query.sellerId),
        },
      )
      .catch(reportError);
    await download(res, document, query.format);
  });

  mountRoute(router, reconciliationReportRoute, guards, async (_req, res, { query }) => {
    const document = await reconciliationReport.document({ db: deps.db }, { runId: query.runId }).catch(reportError);
    await download(res, document, query.format);
  });

  mountRoute(router, transactionSearchRoute, guards, async (_req, res, { query }) => {
    const page = await searchTransactions(
      deps.db,
      {
        sellerId: sellerScope(callerOf(res), query.sellerId),
        status: query.status as PaymentStatus | undefined,
        method: query.method as ClearingMethod | undefined,
        currency: query.currency,
        from: query.from === undefined ? undefined : new Date(query.from),
        to: query.to === undefined ? undefined : new Date(query.to),
        minAmount: query.minAmount,
        maxAmount: query.maxAmount,
      },
      { limit: query.limit, cursor: query.cursor },
    ).catch(invalidCursor);
    res.json({ data: page.data, nextCursor: page.nextCursor ?? null });
  });

  return router;
}
