// One reconciliation run (operators): status, lines read, items per class, the 0500/0510 totals per currency, the
// items a page at a time filtered by class, the corrections applied, and the reconciliation report as CSV or PDF.
// Refreshed while the run is running.

import { useState } from 'react';
import { Link } from 'wouter';
import { api, unwrap } from '../api/client';
import type { SchemaReconciliationRun } from '../api/schema';
import {
  DownloadLinks,
  ErrorMessage,
  Facts,
  PageHeading,
  Pager,
  StatusBadge,
  TableRegion,
  UpdatedAt,
} from '../components';
import { formatMoney, formatTime, humanize } from '../format';
import { POLL_MS, useLoad } from '../hooks';
import { RECONCILIATION_CLASSES, breaksOf } from './reconciliation';

type Totals = NonNullable<SchemaReconciliationRun['totals']>[number];

function TotalsTable({ totals }: { totals: Totals[] }) {
  const money = (amount: number, currency: string) => formatMoney({ amount, currency });
  return (
    <TableRegion label="0500 totals">
      <table>
        <thead>
          <tr>
            <th scope="col">Currency</th>
            <th scope="col">Side</th>
            <th scope="col" className="num">
              Debits
            </th>
            <th scope="col" className="num">
              Credits
            </th>
            <th scope="col" className="num">
              Net
            </th>
            <th scope="col">0510</th>
          </tr>
        </thead>
        <tbody>
          {totals.flatMap((t) =>
            (
              [
                ['Gateway', t.gateway],
                ['Bank', t.bank],
              ] as const
            ).map(([side, sums]) => (
              <tr key={`${t.currency}-${side}`}>
                <th scope="row">{t.currency}</th>
                <td>{side}</td>
                <td className="num">
                  {sums ? `${sums.debits.count} · ${money(sums.debits.amount, t.currency)}` : '—'}
                </td>
                <td className="num">
                  {sums ? `${sums.credits.count} · ${money(sums.credits.amount, t.currency)}` : '—'}
                </td>
                <td className="num">{sums ? money(sums.netAmount, t.currency) : '—'}</td>
                <td>{side === 'Gateway' ? <StatusBadge status={t.settlementCode.toUpperCase()} /> : ''}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </TableRegion>
  );
}

function Items({
  runId,
  classFilter,
  setClassFilter,
}: {
  runId: string;
  classFilter: string;
  setClassFilter: (c: string) => void;
}) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const items = useLoad(
    async () =>
      unwrap(
        await api.GET('/v1/reconciliation/runs/{runId}/items', {
          params: {
            path: { runId },
            query: {
              limit: 50,
              ...(classFilter ? { class: classFilter as (typeof RECONCILIATION_CLASSES)[number] } : {}),
              ...(cursor ? { cursor } : {}),
            },
          },
        }),
      ),
    [runId, classFilter, cursor],
  );
  const rows = items.data?.data ?? [];
  const money = (amount: number | undefined, currency: string) =>
    amount === undefined ? '—' : formatMoney({ amount, currency });
  return (
    <section className="card" aria-labelledby="items-title">
      <h2 id="items-title">Items</h2>
      <div className="field narrow">
        <label htmlFor="item-class">Class</label>
        <select
          id="item-class"
          value={classFilter}
          onChange={(event) => {
            setClassFilter(event.target.value);
            setCursors([undefined]);
          }}
        >
          <option value="">Every class</option>
          {RECONCILIATION_CLASSES.map((name) => (
            <option key={name} value={name}>
              {humanize(name)}
            </option>
          ))}
        </select>
      </div>
      <ErrorMessage message={items.error} />
      <TableRegion label="Reconciliation items">
        <table>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Class</th>
              <th scope="col" className="num">
                Bank
              </th>
              <th scope="col" className="num">
                Ledger
              </th>
              <th scope="col" className="num">
                Difference
              </th>
              <th scope="col">Order</th>
              <th scope="col">Kind / note</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((item) => (
              <tr key={item.itemId}>
                <th scope="row" className="wrap small">
                  {item.key}
                </th>
                <td>
                  {item.class === 'MATCHED' ? (
                    <StatusBadge status={item.class} />
                  ) : (
                    <Link href={`/exceptions/${encodeURIComponent(item.itemId)}`}>{humanize(item.class)}</Link>
                  )}
                </td>
                <td className="num">{money(item.bankAmountMinor, item.currency)}</td>
                <td className="num">{money(item.ledgerAmountMinor, item.currency)}</td>
                <td className="num">{money(item.differenceMinor, item.currency)}</td>
                <td>
                  {item.orderId ? (
                    <Link href={`/orders/${encodeURIComponent(item.orderId)}`}>{item.orderId}</Link>
                  ) : (
                    '—'
                  )}
                  {item.orderStatus ? <span className="muted small"> ({humanize(item.orderStatus)})</span> : ''}
                </td>
                <td className="small">
                  {[item.kind, item.otherDay ? `bank booked it ${item.otherDay}` : undefined, item.note]
                    .filter(Boolean)
                    .join(' · ') || '—'}
                </td>
              </tr>
            ))}
            {!items.loading && rows.length === 0 && (
              <tr>
                <td colSpan={7}>No item{classFilter ? ` of class ${humanize(classFilter)}` : ''}.</td>
              </tr>
            )}
          </tbody>
        </table>
      </TableRegion>
      <Pager label="Pages of items" cursors={cursors} nextCursor={items.data?.nextCursor} onChange={setCursors} />
    </section>
  );
}

function Corrections({ runId, generation }: { runId: string; generation: unknown }) {
  const corrections = useLoad(
    async () => unwrap(await api.GET('/v1/reconciliation/runs/{runId}/corrections', { params: { path: { runId } } })),
    [runId, generation],
  );
  const rows = corrections.data?.data ?? [];
  return (
    <section className="card" aria-labelledby="corrections-title">
      <h2 id="corrections-title">Corrections applied</h2>
      <ErrorMessage message={corrections.error} />
      {rows.length === 0 ? (
        <p className="muted">
          None yet.{' '}
          <Link href={`/correction-rules?runId=${encodeURIComponent(runId)}`}>Dry-run the correction rules</Link>{' '}
          against this run.
        </p>
      ) : (
        <TableRegion label="Corrections applied">
          <table>
            <thead>
              <tr>
                <th scope="col">Break</th>
                <th scope="col">Action</th>
                <th scope="col">Rule</th>
                <th scope="col">Journal</th>
                <th scope="col">Reason</th>
                <th scope="col">Applied</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.itemId}>
                  <th scope="row" className="wrap small">
                    <Link href={`/exceptions/${encodeURIComponent(row.itemId)}`}>{row.itemId}</Link>
                  </th>
                  <td>
                    <StatusBadge status={row.action} />
                  </td>
                  <td>
                    {row.ruleId ?? '—'} (v{row.ruleSetVersion})
                  </td>
                  <td className="wrap small">{row.journal?.journalId ?? '—'}</td>
                  <td className="small">{row.reason}</td>
                  <td className="small">
                    {formatTime(row.appliedAt)}
                    <br />
                    {row.appliedBy}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
    </section>
  );
}

/** The run page. */
export function RunDetailPage({ runId }: { runId: string }) {
  const [classFilter, setClassFilter] = useState('');
  const loaded = useLoad(
    async () => unwrap(await api.GET('/v1/reconciliation/runs/{runId}', { params: { path: { runId } } })),
    [runId],
    POLL_MS,
  );
  const run = loaded.data;
  const reportPath = `/v1/reports/reconciliation?runId=${encodeURIComponent(runId)}`;
  return (
    <>
      <PageHeading title={run ? `Reconciliation of ${run.day}` : 'Reconciliation'}>
        <p>
          <Link href="/reconciliation">← All runs</Link>
        </p>
      </PageHeading>
      <ErrorMessage message={run ? undefined : loaded.error} />
      {run?.status === 'RUNNING' && <UpdatedAt at={loaded.updatedAt} error={loaded.error} />}
      {run && (
        <>
          <div className="detail-top">
            <section className="card" aria-labelledby="run-facts">
              <h2 id="run-facts">Run</h2>
              <Facts
                items={[
                  ['Status', <StatusBadge key="s" status={run.status} />],
                  ['Run', <code key="r">{run.runId}</code>],
                  ['Account', `•••• ${run.accountLast4}`],
                  ['Currencies', run.currencies.join(', ')],
                  ['Bank lines', run.bankLines ?? '—'],
                  ['Ledger lines', run.ledgerLines ?? '—'],
                  ['Started', formatTime(run.startedAt)],
                  ['Completed', formatTime(run.completedAt)],
                  ...(run.failure ? ([['Failure', run.failure]] as [string, string][]) : []),
                ]}
              />
              <p>
                Reconciliation report:{' '}
                <DownloadLinks label="the reconciliation report" path={reportPath} formats={['csv', 'pdf']} />
              </p>
            </section>
            <section className="card" aria-labelledby="run-classes">
              <h2 id="run-classes">Items by class</h2>
              <TableRegion label="Items by class">
                <table>
                  <tbody>
                    {RECONCILIATION_CLASSES.map((name) => (
                      <tr key={name}>
                        <th scope="row">
                          <button type="button" className="link" onClick={() => setClassFilter(name)}>
                            {humanize(name)}
                          </button>
                        </th>
                        <td className="num">{run.counts?.[name] ?? 0}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableRegion>
              {run.counts && (
                <p>
                  {breaksOf(run)} breaks:{' '}
                  <Link href={`/exceptions?runId=${encodeURIComponent(run.runId)}`}>
                    work them in the exception queue
                  </Link>
                </p>
              )}
            </section>
          </div>
          {run.totals && run.totals.length > 0 && (
            <section className="card" aria-labelledby="totals-title">
              <h2 id="totals-title">0500 / 0510 totals</h2>
              <TotalsTable totals={run.totals} />
            </section>
          )}
          {run.status !== 'RUNNING' && (
            <>
              <Items runId={runId} classFilter={classFilter} setClassFilter={setClassFilter} />
              <Corrections runId={runId} generation={run.status} />
            </>
          )}
        </>
      )}
    </>
  );
}
