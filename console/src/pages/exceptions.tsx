// The exception queue (operators): the reconciliation's breaks, filtered by state, class, day, run and assignee, a
// page at a time, refreshed every few seconds. A break opens its own page, where it is assigned, commented on and
// resolved.

import { useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useSearch } from 'wouter';
import { api, unwrap } from '../api/client';
import type { operations } from '../api/schema';
import { ErrorMessage, PageHeading, Pager, StatusBadge, TableRegion, UpdatedAt } from '../components';
import { formatMoney, formatTime, humanize } from '../format';
import { POLL_MS, useLoad } from '../hooks';
import { RECONCILIATION_CLASSES } from './reconciliation';

type Query = NonNullable<operations['listReconciliationExceptions']['parameters']['query']>;

interface Filters {
  status: string;
  class: string;
  day: string;
  runId: string;
  assignee: string;
}

/** The states of a break. */
export const EXCEPTION_STATES = ['OPEN', 'ASSIGNED', 'RESOLVED'] as const;

function toQuery(filters: Filters, cursor: string | undefined): Query {
  const query: Query = { limit: 25 };
  if (filters.status) query.status = filters.status as Query['status'];
  if (filters.class) query.class = filters.class as Query['class'];
  if (filters.day) query.day = filters.day;
  if (filters.runId.trim()) query.runId = filters.runId.trim();
  if (filters.assignee.trim()) query.assignee = filters.assignee.trim();
  if (cursor) query.cursor = cursor;
  return query;
}

/** The exception queue page. */
export function ExceptionsPage() {
  const search = new URLSearchParams(useSearch());
  const initial: Filters = {
    status: search.get('status') ?? 'OPEN',
    class: search.get('class') ?? '',
    day: search.get('day') ?? '',
    runId: search.get('runId') ?? '',
    assignee: search.get('assignee') ?? '',
  };
  const [draft, setDraft] = useState<Filters>(initial);
  const [filters, setFilters] = useState<Filters>(initial);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const queue = useLoad(
    async () => unwrap(await api.GET('/v1/reconciliation/exceptions', { params: { query: toQuery(filters, cursor) } })),
    [filters, cursor],
    POLL_MS,
  );
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
  };
  const set = (field: keyof Filters) => (event: { target: { value: string } }) =>
    setDraft((current) => ({ ...current, [field]: event.target.value }));
  const rows = queue.data?.data ?? [];
  const money = (amount: number | undefined, currency: string) =>
    amount === undefined ? '—' : formatMoney({ amount, currency });
  return (
    <>
      <PageHeading title="Exception queue">
        <p>
          <Link href="/reconciliation">Reconciliation runs</Link> ·{' '}
          <Link href="/correction-rules">Correction rules</Link>
        </p>
      </PageHeading>
      <form className="filters card" onSubmit={apply} aria-label="Filter breaks">
        <div className="field">
          <label htmlFor="x-status">State</label>
          <select id="x-status" value={draft.status} onChange={set('status')}>
            <option value="">Any state</option>
            {EXCEPTION_STATES.map((state) => (
              <option key={state} value={state}>
                {humanize(state)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="x-class">Class</label>
          <select id="x-class" value={draft.class} onChange={set('class')}>
            <option value="">Any class</option>
            {RECONCILIATION_CLASSES.filter((name) => name !== 'MATCHED').map((name) => (
              <option key={name} value={name}>
                {humanize(name)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="x-day">Day</label>
          <input id="x-day" type="date" value={draft.day} onChange={set('day')} />
        </div>
        <div className="field">
          <label htmlFor="x-run">Run</label>
          <input id="x-run" value={draft.runId} onChange={set('runId')} placeholder="recon-2026-11-27-…" />
        </div>
        <div className="field">
          <label htmlFor="x-assignee">Assignee</label>
          <input id="x-assignee" value={draft.assignee} onChange={set('assignee')} />
        </div>
        <div className="actions">
          <button type="submit">Apply filters</button>
        </div>
      </form>
      <ErrorMessage message={queue.data ? undefined : queue.error} />
      <UpdatedAt at={queue.updatedAt} error={queue.data ? queue.error : undefined} />
      <TableRegion label="Breaks">
        <table>
          <caption className="visually-hidden">Breaks (page {cursors.length})</caption>
          <thead>
            <tr>
              <th scope="col">Break</th>
              <th scope="col">Class</th>
              <th scope="col">State</th>
              <th scope="col">Day</th>
              <th scope="col" className="num">
                Bank
              </th>
              <th scope="col" className="num">
                Ledger
              </th>
              <th scope="col" className="num">
                Difference
              </th>
              <th scope="col">Assignee</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.exceptionId}>
                <th scope="row" className="wrap small">
                  <Link href={`/exceptions/${encodeURIComponent(row.exceptionId)}`}>{row.key}</Link>
                </th>
                <td>{humanize(row.class)}</td>
                <td>
                  <StatusBadge status={row.status} />
                </td>
                <td className="nowrap">{row.day}</td>
                <td className="num">{money(row.bankAmountMinor, row.currency)}</td>
                <td className="num">{money(row.ledgerAmountMinor, row.currency)}</td>
                <td className="num">{money(row.differenceMinor, row.currency)}</td>
                <td>{row.assignee ?? '—'}</td>
                <td>{formatTime(row.updatedAt)}</td>
              </tr>
            ))}
            {!queue.loading && rows.length === 0 && (
              <tr>
                <td colSpan={9}>No break matches.</td>
              </tr>
            )}
          </tbody>
        </table>
      </TableRegion>
      <Pager label="Pages of breaks" cursors={cursors} nextCursor={queue.data?.nextCursor} onChange={setCursors} />
    </>
  );
}
