// Reports (operators): the three downloads (the daily clearing report of a day, a batch's settlement statement, a
// run's reconciliation report, each as CSV or PDF: plain links, the session cookie authenticates them), the clearing
// statistics as a table with filters (and as CSV), and the transaction search. Amounts in the currency's decimals.

import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, unwrap } from '../api/client';
import type { SchemaClearingStatisticsPage, operations } from '../api/schema';
import { ChoiceField, DownloadLinks, ErrorMessage, PageHeading, Pager, StatusBadge, TableRegion } from '../components';
import { formatDuration, formatMoney, formatTime, humanize } from '../format';
import { useLoad } from '../hooks';
import { todayUtc } from './reconciliation';
import { CURRENCIES, FEE_METHODS } from './settlement';

type StatisticsQuery = NonNullable<operations['getClearingStatistics']['parameters']['query']>;
type SearchQuery = NonNullable<operations['searchTransactions']['parameters']['query']>;

const PAYMENT_STATUSES = [
  'requires_payment_method',
  'processing',
  'requires_capture',
  'succeeded',
  'partially_refunded',
  'refunded',
  'canceled',
  'failed',
  'unknown',
] as const;

function Downloads() {
  const [day, setDay] = useState(todayUtc);
  const [batchId, setBatchId] = useState('');
  const [runId, setRunId] = useState('');
  const batches = useLoad(
    async () => unwrap(await api.GET('/v1/settlement/batches', { params: { query: { limit: 50 } } })),
    [],
  );
  const runs = useLoad(
    async () => unwrap(await api.GET('/v1/reconciliation/runs', { params: { query: { limit: 50 } } })),
    [],
  );
  // The newest batch that paid something out (most cut-offs of a quiet day pay nothing), else the newest.
  const batch =
    batchId || batches.data?.data.find((b) => b.lineCount > 0)?.batchId || batches.data?.data[0]?.batchId || '';
  const run = runId || runs.data?.data.find((r) => r.status === 'COMPLETED')?.runId || '';
  return (
    <section className="card" aria-labelledby="downloads-title">
      <h2 id="downloads-title">Downloads</h2>
      <div className="report-rows">
        <div className="report-row">
          <div className="field">
            <label htmlFor="daily-date">Daily clearing report: day (UTC)</label>
            <input id="daily-date" type="date" value={day} onChange={(event) => setDay(event.target.value)} />
          </div>
          {day && (
            <DownloadLinks
              label={`the daily clearing report of ${day}`}
              path={`/v1/reports/daily-clearing?date=${day}`}
              formats={['csv', 'pdf']}
            />
          )}
        </div>
        <div className="report-row">
          <div className="field">
            <label htmlFor="statement-batch">Settlement statement: batch</label>
            <select id="statement-batch" value={batch} onChange={(event) => setBatchId(event.target.value)}>
              {(batches.data?.data ?? []).map((b) => (
                <option key={b.batchId} value={b.batchId}>
                  {b.batchId} ({humanize(b.status)}, {b.lineCount} lines)
                </option>
              ))}
              {batch === '' && <option value="">No batch yet</option>}
            </select>
          </div>
          {batch && (
            <DownloadLinks
              label={`the settlement statement of ${batch}`}
              path={`/v1/reports/settlement-statement?batchId=${encodeURIComponent(batch)}`}
              formats={['csv', 'pdf']}
            />
          )}
        </div>
        <div className="report-row">
          <div className="field">
            <label htmlFor="report-run">Reconciliation report: run</label>
            <select id="report-run" value={run} onChange={(event) => setRunId(event.target.value)}>
              {(runs.data?.data ?? [])
                .filter((r) => r.status === 'COMPLETED')
                .map((r) => (
                  <option key={r.runId} value={r.runId}>
                    {r.day} ({r.runId})
                  </option>
                ))}
              {run === '' && <option value="">No run yet</option>}
            </select>
          </div>
          {run && (
            <DownloadLinks
              label={`the reconciliation report of ${run}`}
              path={`/v1/reports/reconciliation?runId=${encodeURIComponent(run)}`}
              formats={['csv', 'pdf']}
            />
          )}
        </div>
      </div>
      <ErrorMessage message={batches.error ?? runs.error} />
    </section>
  );
}

interface StatisticsFilters {
  from: string;
  to: string;
  sellerId: string;
  method: string;
  currency: string;
}

function statisticsQuery(filters: StatisticsFilters, cursor: string | undefined): StatisticsQuery {
  const query: StatisticsQuery = { from: filters.from, limit: 50 };
  if (filters.to) query.to = filters.to;
  if (filters.sellerId.trim()) query.sellerId = filters.sellerId.trim();
  if (filters.method) query.method = filters.method as StatisticsQuery['method'];
  if (filters.currency) query.currency = filters.currency;
  if (cursor) query.cursor = cursor;
  return query;
}

function Statistics() {
  const initial: StatisticsFilters = { from: todayUtc(), to: '', sellerId: '', method: '', currency: '' };
  const [draft, setDraft] = useState(initial);
  const [filters, setFilters] = useState(initial);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const stats = useLoad(
    async () =>
      // JSON is asked for (no `format`), so the answer is the page, not the CSV text.
      unwrap(
        await api.GET('/v1/reports/clearing-statistics', { params: { query: statisticsQuery(filters, cursor) } }),
      ) as SchemaClearingStatisticsPage,
    [filters, cursor],
  );
  const set = (field: keyof StatisticsFilters) => (event: { target: { value: string } }) =>
    setDraft((current) => ({ ...current, [field]: event.target.value }));
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
  };
  const csv = new URLSearchParams(
    Object.entries(statisticsQuery(filters, undefined))
      .filter(([name]) => name !== 'limit')
      .map(([name, value]) => [name, String(value)]),
  );
  const rows = stats.data?.data ?? [];
  return (
    <section className="card" aria-labelledby="stats-title">
      <h2 id="stats-title">Clearing statistics</h2>
      <form className="filters" onSubmit={apply} aria-label="Filter clearing statistics">
        <div className="field">
          <label htmlFor="s-from">From (UTC)</label>
          <input id="s-from" type="date" required value={draft.from} onChange={set('from')} />
        </div>
        <div className="field">
          <label htmlFor="s-to">To (UTC, inclusive)</label>
          <input id="s-to" type="date" value={draft.to} onChange={set('to')} />
        </div>
        <div className="field">
          <label htmlFor="s-seller">Seller id</label>
          <input id="s-seller" value={draft.sellerId} onChange={set('sellerId')} />
        </div>
        <ChoiceField
          id="s-method"
          label="Method"
          any="Any method"
          choices={FEE_METHODS}
          value={draft.method}
          onChange={set('method')}
        />
        <ChoiceField
          id="s-currency"
          label="Currency"
          any="Any currency"
          choices={CURRENCIES}
          value={draft.currency}
          onChange={set('currency')}
        />
        <div className="actions full">
          <button type="submit">Show statistics</button>
          <DownloadLinks
            label="these statistics"
            path={`/v1/reports/clearing-statistics?${csv.toString()}`}
            formats={['csv']}
          />
        </div>
      </form>
      <ErrorMessage message={stats.error} />
      <TableRegion label="Clearing statistics">
        <table>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Seller</th>
              <th scope="col">Method</th>
              <th scope="col" className="num">
                Payments
              </th>
              <th scope="col" className="num">
                Approved
              </th>
              <th scope="col" className="num">
                Declined
              </th>
              <th scope="col" className="num">
                Approval
              </th>
              <th scope="col" className="num">
                Captured
              </th>
              <th scope="col" className="num">
                Refunded
              </th>
              <th scope="col" className="num">
                Fees
              </th>
              <th scope="col" className="num">
                Net
              </th>
              <th scope="col" className="num">
                Auth. p50 / p95
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const money = (amount: number) => formatMoney({ amount, currency: row.currency });
              return (
                <tr key={`${row.day}-${row.sellerId}-${row.method}-${row.currency}`}>
                  <td className="nowrap">{row.day}</td>
                  <th scope="row">{row.sellerId}</th>
                  <td>
                    {row.method} <span className="muted small">{row.currency}</span>
                  </td>
                  <td className="num">{row.payments}</td>
                  <td className="num">{row.approved}</td>
                  <td
                    className="num"
                    title={Object.entries(row.declineReasons)
                      .map(([c, n]) => `${c}: ${n}`)
                      .join(', ')}
                  >
                    {row.declined}
                  </td>
                  <td className="num">
                    {row.approvalRate === null ? '—' : `${(row.approvalRate * 100).toFixed(1)} %`}
                  </td>
                  <td className="num">{money(row.capturedMinor)}</td>
                  <td className="num">{money(row.refundedMinor)}</td>
                  <td className="num">{money(row.feesMinor)}</td>
                  <td className="num">{money(row.netMinor)}</td>
                  <td className="num nowrap">
                    {row.authorizationLatency
                      ? `${formatDuration(row.authorizationLatency.p50Ms)} / ${formatDuration(row.authorizationLatency.p95Ms)}`
                      : '—'}
                  </td>
                </tr>
              );
            })}
            {!stats.loading && rows.length === 0 && (
              <tr>
                <td colSpan={12}>No payment on these days.</td>
              </tr>
            )}
          </tbody>
        </table>
      </TableRegion>
      <Pager label="Pages of statistics" cursors={cursors} nextCursor={stats.data?.nextCursor} onChange={setCursors} />
    </section>
  );
}

interface SearchFilters {
  sellerId: string;
  status: string;
  method: string;
  currency: string;
  from: string;
  to: string;
  minAmount: string;
  maxAmount: string;
}

const NO_SEARCH: SearchFilters = {
  sellerId: '',
  status: '',
  method: '',
  currency: '',
  from: '',
  to: '',
  minAmount: '',
  maxAmount: '',
};

function searchQuery(filters: SearchFilters, cursor: string | undefined): SearchQuery {
  const query: SearchQuery = { limit: 20 };
  if (filters.sellerId.trim()) query.sellerId = filters.sellerId.trim();
  if (filters.status) query.status = filters.status as SearchQuery['status'];
  if (filters.method) query.method = filters.method as SearchQuery['method'];
  if (filters.currency) query.currency = filters.currency;
  if (filters.from) query.from = new Date(`${filters.from}T00:00:00Z`).toISOString();
  if (filters.to) query.to = new Date(Date.parse(`${filters.to}T00:00:00Z`) + 86_400_000).toISOString();
  if (filters.minAmount !== '') query.minAmount = Number(filters.minAmount);
  if (filters.maxAmount !== '') query.maxAmount = Number(filters.maxAmount);
  if (cursor) query.cursor = cursor;
  return query;
}

function TransactionSearch() {
  const [draft, setDraft] = useState(NO_SEARCH);
  const [filters, setFilters] = useState(NO_SEARCH);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const found = useLoad(
    async () => unwrap(await api.GET('/v1/transactions', { params: { query: searchQuery(filters, cursor) } })),
    [filters, cursor],
  );
  const set = (field: keyof SearchFilters) => (event: { target: { value: string } }) =>
    setDraft((current) => ({ ...current, [field]: event.target.value }));
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
  };
  const rows = found.data?.data ?? [];
  return (
    <section className="card" aria-labelledby="search-title">
      <h2 id="search-title">Transaction search</h2>
      <form className="filters" onSubmit={apply} aria-label="Search transactions">
        <div className="field">
          <label htmlFor="t-seller">Seller id</label>
          <input id="t-seller" value={draft.sellerId} onChange={set('sellerId')} />
        </div>
        <ChoiceField
          id="t-status"
          label="Status"
          any="Any status"
          choices={PAYMENT_STATUSES}
          value={draft.status}
          onChange={set('status')}
          show={humanize}
        />
        <ChoiceField
          id="t-method"
          label="Method"
          any="Any method"
          choices={FEE_METHODS}
          value={draft.method}
          onChange={set('method')}
        />
        <ChoiceField
          id="t-currency"
          label="Currency"
          any="Any currency"
          choices={CURRENCIES}
          value={draft.currency}
          onChange={set('currency')}
        />
        <div className="field">
          <label htmlFor="t-from">Created from</label>
          <input id="t-from" type="date" value={draft.from} onChange={set('from')} />
        </div>
        <div className="field">
          <label htmlFor="t-to">Created up to</label>
          <input id="t-to" type="date" value={draft.to} onChange={set('to')} />
        </div>
        <div className="field">
          <label htmlFor="t-min">Amount from (minor units)</label>
          <input id="t-min" type="number" min={0} value={draft.minAmount} onChange={set('minAmount')} />
        </div>
        <div className="field">
          <label htmlFor="t-max">Amount up to (minor units)</label>
          <input id="t-max" type="number" min={0} value={draft.maxAmount} onChange={set('maxAmount')} />
        </div>
        <div className="actions full">
          <button type="submit">Search</button>
        </div>
      </form>
      <ErrorMessage message={found.error} />
      <TableRegion label="Transactions">
        <table>
          <thead>
            <tr>
              <th scope="col">Payment</th>
              <th scope="col">Seller</th>
              <th scope="col">Method</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col" className="num">
                Captured
              </th>
              <th scope="col" className="num">
                Refunded
              </th>
              <th scope="col">Card / decline</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const money = (amount: number) => formatMoney({ amount, currency: row.amount.currency });
              return (
                <tr key={row.paymentId}>
                  <th scope="row" className="wrap small">
                    {row.paymentId}
                  </th>
                  <td>{row.sellerId}</td>
                  <td>{row.method}</td>
                  <td>
                    <StatusBadge status={row.status} />
                  </td>
                  <td className="num">{formatMoney(row.amount)}</td>
                  <td className="num">{money(row.capturedMinor)}</td>
                  <td className="num">{money(row.refundedMinor)}</td>
                  <td>
                    {row.last4 ? `•••• ${row.last4}` : '—'}
                    {row.declineCode ? <span className="muted small"> · {row.declineCode}</span> : ''}
                  </td>
                  <td>{formatTime(row.createdAt)}</td>
                </tr>
              );
            })}
            {!found.loading && rows.length === 0 && (
              <tr>
                <td colSpan={9}>No payment matches.</td>
              </tr>
            )}
          </tbody>
        </table>
      </TableRegion>
      <Pager
        label="Pages of transactions"
        cursors={cursors}
        nextCursor={found.data?.nextCursor}
        onChange={setCursors}
      />
    </section>
  );
}

/** The reports page. */
export function ReportsPage() {
  return (
    <>
      <PageHeading title="Reports" />
      <Downloads />
      <Statistics />
      <TransactionSearch />
    </>
  );
}
