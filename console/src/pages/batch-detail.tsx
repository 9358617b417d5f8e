// One settlement batch (operators): its cut-off and status, the payouts per seller and currency (gross, fee, net, the
// bank's pacs.002 answer, the reason of a rejected one), the pacs.008 messages, its lines a page at a time (rejected
// lines with their reason, optionally alone), and the settlement statement as CSV or PDF. Refreshed while the batch
// is still on its way.

import { useState } from 'react';
import { Link } from 'wouter';
import { api, unwrap } from '../api/client';
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
import { formatMoney, formatTime } from '../format';
import { POLL_MS, useLoad } from '../hooks';
import { payoutTotals } from './settlement';

const LINES_PAGE = 50;
const FINAL = new Set(['COMPLETED', 'UNRESOLVED']);

/** The batch page. */
export function BatchDetailPage({ batchId }: { batchId: string }) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [onlyRejected, setOnlyRejected] = useState(false);
  const cursor = cursors[cursors.length - 1];
  const loaded = useLoad(
    async () =>
      unwrap(
        await api.GET('/v1/settlement/batches/{batchId}', {
          params: { path: { batchId }, query: { limit: LINES_PAGE, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    [batchId, cursor],
    POLL_MS,
  );
  const batch = loaded.data?.batch;
  const lines = (loaded.data?.lines ?? []).filter((line) => !onlyRejected || line.status === 'REJECTED');
  const statementPath = `/v1/reports/settlement-statement?batchId=${encodeURIComponent(batchId)}`;
  return (
    <>
      <PageHeading title={`Batch ${batchId}`}>
        <p>
          <Link href="/settlement">← All batches</Link>
        </p>
      </PageHeading>
      <ErrorMessage message={loaded.data ? undefined : loaded.error} />
      {batch && !FINAL.has(batch.status) && <UpdatedAt at={loaded.updatedAt} error={loaded.error} />}
      {batch && (
        <>
          <div className="detail-top">
            <section className="card" aria-labelledby="batch-facts">
              <h2 id="batch-facts">Batch</h2>
              <Facts
                items={[
                  ['Status', <StatusBadge key="s" status={batch.status} />],
                  ['Cut-off', formatTime(batch.cutoffAt)],
                  ['Lines', batch.lineCount],
                  ['Workflow', <code key="w">{batch.workflowId}</code>],
                  ['Updated', formatTime(batch.updatedAt)],
                  ...(batch.detail ? ([['Detail', batch.detail]] as [string, string][]) : []),
                ]}
              />
            </section>
            <section className="card" aria-labelledby="batch-totals">
              <h2 id="batch-totals">Totals</h2>
              <Facts
                items={payoutTotals(batch.payouts).flatMap((sum) => [
                  [`Gross ${sum.currency}`, formatMoney({ amount: sum.grossMinor, currency: sum.currency })],
                  [`Fees ${sum.currency}`, formatMoney({ amount: sum.feeMinor, currency: sum.currency })],
                  [
                    `Net ${sum.currency}`,
                    <strong key="n">{formatMoney({ amount: sum.netMinor, currency: sum.currency })}</strong>,
                  ],
                ])}
              />
              {batch.payouts.length === 0 && <p className="muted">Nothing was paid out in this batch.</p>}
              <p>
                Settlement statement:{' '}
                <DownloadLinks label="the settlement statement" path={statementPath} formats={['csv', 'pdf']} />
              </p>
            </section>
          </div>
          <section className="card" aria-labelledby="payouts-title">
            <h2 id="payouts-title">Payouts</h2>
            <TableRegion label="Payouts">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Seller</th>
                    <th scope="col">Currency</th>
                    <th scope="col" className="num">
                      Lines
                    </th>
                    <th scope="col" className="num">
                      Gross
                    </th>
                    <th scope="col" className="num">
                      Fee
                    </th>
                    <th scope="col" className="num">
                      Net
                    </th>
                    <th scope="col">Status (pacs.002)</th>
                    <th scope="col">Account</th>
                    <th scope="col">Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {batch.payouts.map((payout) => (
                    <tr key={payout.payoutId}>
                      <th scope="row">{payout.sellerId}</th>
                      <td>{payout.currency}</td>
                      <td className="num">{payout.lines}</td>
                      <td className="num">{formatMoney({ amount: payout.grossMinor, currency: payout.currency })}</td>
                      <td className="num">{formatMoney({ amount: payout.feeMinor, currency: payout.currency })}</td>
                      <td className="num">{formatMoney({ amount: payout.netMinor, currency: payout.currency })}</td>
                      <td>
                        <StatusBadge status={payout.status} />
                      </td>
                      <td>{payout.ibanLast4 ? `•••• ${payout.ibanLast4}` : '—'}</td>
                      <td>{payout.reason ?? '—'}</td>
                    </tr>
                  ))}
                  {batch.payouts.length === 0 && (
                    <tr>
                      <td colSpan={9}>No payout.</td>
                    </tr>
                  )}
                </tbody>
              </table>
            </TableRegion>
            {batch.messages.length > 0 && (
              <>
                <h3 className="h3">Messages to the bank</h3>
                <ul className="plain">
                  {batch.messages.map((message) => (
                    <li key={message.messageId}>
                      pacs.008 <code>{message.messageId}</code> ({message.currency}, {message.transactions} transfers):{' '}
                      {message.status ? <StatusBadge status={message.status} /> : 'no answer yet'}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </section>
          <section className="card" aria-labelledby="lines-title">
            <h2 id="lines-title">Lines</h2>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={onlyRejected}
                onChange={(event) => setOnlyRejected(event.target.checked)}
              />
              Only rejected lines (of this page)
            </label>
            <TableRegion label="Batch lines">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Order</th>
                    <th scope="col">Seller</th>
                    <th scope="col">Method</th>
                    <th scope="col" className="num">
                      Gross
                    </th>
                    <th scope="col" className="num">
                      Fee
                    </th>
                    <th scope="col" className="num">
                      Net
                    </th>
                    <th scope="col">Status</th>
                    <th scope="col">Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {lines.map((line) => (
                    <tr key={line.lineId}>
                      <th scope="row" className="wrap small">
                        {line.lineId}
                      </th>
                      <td>
                        <Link href={`/orders/${encodeURIComponent(line.orderId)}`}>{line.orderId}</Link>
                      </td>
                      <td>{line.sellerId}</td>
                      <td>{line.method}</td>
                      <td className="num">{formatMoney({ amount: line.grossMinor, currency: line.currency })}</td>
                      <td className="num" title={`${line.fee.bps} bps + ${line.fee.fixedMinor} (${line.fee.source})`}>
                        {formatMoney({ amount: line.feeMinor, currency: line.currency })}
                      </td>
                      <td className="num">{formatMoney({ amount: line.netMinor, currency: line.currency })}</td>
                      <td>
                        <StatusBadge status={line.status} />
                      </td>
                      <td>{line.reason ?? '—'}</td>
                    </tr>
                  ))}
                  {!loaded.loading && lines.length === 0 && (
                    <tr>
                      <td colSpan={9}>{onlyRejected ? 'No rejected line on this page.' : 'No line.'}</td>
                    </tr>
                  )}
                </tbody>
              </table>
            </TableRegion>
            <Pager
              label="Pages of lines"
              cursors={cursors}
              nextCursor={loaded.data?.nextCursor}
              onChange={setCursors}
            />
          </section>
        </>
      )}
    </>
  );
}
