// Reconciliation (operators): the runs, newest day first, refreshed every few seconds, and a form that starts (or
// joins) the reconciliation of a day: a day runs once, so starting it again answers the same run.

import { useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import { useAction } from '../actions';
import { api, unwrap } from '../api/client';
import type { SchemaReconciliationRun } from '../api/schema';
import { ErrorMessage, PageHeading, Pager, StatusBadge, StatusMessage, TableRegion, UpdatedAt } from '../components';
import { formatTime, humanize } from '../format';
import { POLL_MS, useLoad } from '../hooks';

/** Every class of a reconciliation item, breaks after MATCHED (as the API's RECONCILIATION_CLASSES). */
export const RECONCILIATION_CLASSES = [
  'MATCHED',
  'AMOUNT_MISMATCH',
  'MISSING_IN_BANK',
  'MISSING_IN_LEDGER',
  'DUPLICATE',
  'TIMING',
] as const;

/** The breaks of a run: every item not MATCHED. */
export function breaksOf(run: SchemaReconciliationRun): number {
  return Object.entries(run.counts ?? {}).reduce((sum, [name, count]) => sum + (name === 'MATCHED' ? 0 : count), 0);
}

const START_CHECKS = 20;
const START_CHECK_MS = 250;

/** Today as YYYY-MM-DD (UTC), the day the API's runs and reports speak of. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

function StartRun({ onDone }: { onDone: () => unknown }) {
  const [day, setDay] = useState(todayUtc);
  const [, navigate] = useLocation();
  const action = useAction(onDone);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run('', async () => {
      const run = unwrap(await api.POST('/v1/reconciliation/runs', { body: { day } }));
      // The workflow records its run as it starts: open the run's page once the list has it (a bounded wait; past it
      // the page opens anyway and says the run is not there yet).
      for (let attempt = 0; attempt < START_CHECKS; attempt += 1) {
        const listed = unwrap(await api.GET('/v1/reconciliation/runs', { params: { query: { limit: 100 } } }));
        if (listed.data.some((r) => r.runId === run.runId)) break;
        await new Promise((resolve) => window.setTimeout(resolve, START_CHECK_MS));
      }
      navigate(`/reconciliation/${encodeURIComponent(run.runId)}`);
      return run;
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="start-run-title">
      <h2 id="start-run-title">Reconcile a day</h2>
      <p className="muted small">
        Reads the bank's camt.053 statement of the settlement account for the day, the ledger's clearing journals and
        the 0500/0510 totals, and classifies every item; breaks go to the exception queue. A day runs once.
      </p>
      <div className="inline-fields">
        <span>
          <label htmlFor="run-day">Day (UTC)</label>
          <input id="run-day" type="date" required value={day} onChange={(event) => setDay(event.target.value)} />
        </span>
        <button type="submit" disabled={action.busy || !day}>
          Start reconciliation
        </button>
      </div>
      <ErrorMessage message={action.error} />
      <StatusMessage message={action.busy ? 'Starting…' : undefined} />
    </form>
  );
}

/** The runs page. */
export function ReconciliationPage() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const runs = useLoad(
    async () =>
      unwrap(
        await api.GET('/v1/reconciliation/runs', { params: { query: { limit: 20, ...(cursor ? { cursor } : {}) } } }),
      ),
    [cursor],
    POLL_MS,
  );
  const rows = runs.data?.data ?? [];
  return (
    <>
      <PageHeading title="Reconciliation">
        <p>
          <Link href="/exceptions">Exception queue</Link> · <Link href="/correction-rules">Correction rules</Link>
        </p>
      </PageHeading>
      <StartRun onDone={runs.reload} />
      <ErrorMessage message={runs.data ? undefined : runs.error} />
      <UpdatedAt at={runs.updatedAt} error={runs.data ? runs.error : undefined} />
      <TableRegion label="Reconciliation runs">
        <table>
          <caption className="visually-hidden">Reconciliation runs, newest day first (page {cursors.length})</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Status</th>
              <th scope="col">Account</th>
              <th scope="col" className="num">
                Bank lines
              </th>
              <th scope="col" className="num">
                Ledger lines
              </th>
              <th scope="col" className="num">
                Matched
              </th>
              <th scope="col" className="num">
                Breaks
              </th>
              <th scope="col">0510</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((run) => (
              <tr key={run.runId}>
                <th scope="row">
                  <Link href={`/reconciliation/${encodeURIComponent(run.runId)}`} aria-label={`Run of ${run.day}`}>
                    {run.day}
                  </Link>
                </th>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td>•••• {run.accountLast4}</td>
                <td className="num">{run.bankLines ?? '—'}</td>
                <td className="num">{run.ledgerLines ?? '—'}</td>
                <td className="num">{run.counts?.MATCHED ?? '—'}</td>
                <td className="num">{run.counts ? breaksOf(run) : '—'}</td>
                <td>
                  {(run.totals ?? []).map((t) => `${t.currency} ${humanize(t.settlementCode)}`).join(', ') || '—'}
                </td>
                <td>{formatTime(run.startedAt)}</td>
              </tr>
            ))}
            {!runs.loading && rows.length === 0 && (
              <tr>
                <td colSpan={9}>No reconciliation yet.</td>
              </tr>
            )}
          </tbody>
        </table>
      </TableRegion>
      <Pager label="Pages of runs" cursors={cursors} nextCursor={runs.data?.nextCursor} onChange={setCursors} />
    </>
  );
}
