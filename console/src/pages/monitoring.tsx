// Monitoring: orders by status, throughput by minute, payment approval and decline reasons, how fast suppliers and
// carriers answer, and the bank link's state, from GET /v1/monitoring/summary (computed from the API's and the
// workers' Prometheus metrics), redrawn every few seconds. Each chart has a text equivalent; a worker whose metrics
// could not be read shows as unknown.

import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { api, unwrap } from '../api/client';
import type { SchemaMonitoringSummary } from '../api/schema';
import { ErrorMessage, PageHeading, TableRegion, UpdatedAt } from '../components';
import { formatDuration, formatTime, humanize } from '../format';
import { useLoad } from '../hooks';

const MONITORING_POLL_MS = 5000;

function Chart({ title, summary, children }: { title: string; summary: string; children: React.ReactElement }) {
  const id = title.toLowerCase().replace(/[^a-z]+/g, '-');
  return (
    <figure className="card chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>
        <h2 className="h3">{title}</h2>
        <p className="muted small">{summary}</p>
      </figcaption>
      <div className="chart-area" role="img" aria-label={`${title}: ${summary}`}>
        <ResponsiveContainer width="100%" height={240}>
          {children}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

function shortTime(iso: string): string {
  return new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
}

const SOURCE_NAMES = { api: 'API', worker: 'Order worker', gateway: 'Gateway worker' } as const;

function Sources({ sources }: { sources: SchemaMonitoringSummary['sources'] }) {
  return (
    <p className="muted small sources">
      Metrics read from:{' '}
      {sources.map((source, index) => (
        <span key={source.name}>
          {index > 0 && ' · '}
          {SOURCE_NAMES[source.name]}{' '}
          <strong>
            {source.state === 'up' ? 'up' : source.state === 'not_configured' ? 'not configured' : 'unknown'}
          </strong>
          {source.error ? ` (${source.error})` : ''}
        </span>
      ))}
    </p>
  );
}

function yesNo(value: boolean | null): string {
  return value === null ? 'unknown' : value ? 'yes' : 'no';
}

function BankLink({ link }: { link: SchemaMonitoringSummary['bankLink'] }) {
  const unknown = link.state === 'unknown';
  return (
    <section className="card bank-link" aria-labelledby="bank-link-title">
      <h2 id="bank-link-title" className="h3">
        Bank link
      </h2>
      <p>
        <span className={`badge badge-link-${link.state}`}>
          {link.state === 'up' ? 'Up' : link.state === 'down' ? 'Down' : 'Unknown'}
        </span>
        {link.connection && <span className="muted"> · {humanize(link.connection)}</span>}
      </p>
      {unknown ? (
        <p className="muted small">The gateway worker's metrics could not be read.</p>
      ) : (
        <dl className="facts">
          <dt>Signed on</dt>
          <dd>
            {yesNo(link.signedOn)}
            {link.signedOnAt && <span className="muted"> · since {formatTime(link.signedOnAt)}</span>}
          </dd>
          <dt>Last echo</dt>
          <dd>{link.lastEchoAt ? formatTime(link.lastEchoAt) : 'none yet'}</dd>
          <dt>In flight</dt>
          <dd>{link.inFlight ?? 'unknown'}</dd>
          <dt>Reversals pending</dt>
          <dd>{link.reversalsPending ?? 'unknown'}</dd>
        </dl>
      )}
    </section>
  );
}

function Charts({ summary }: { summary: SchemaMonitoringSummary }) {
  const statuses = summary.byStatus.map((row) => ({ status: humanize(row.status), count: row.count ?? 0 }));
  const counted = summary.byStatus.some((row) => row.count !== null);
  const total = summary.byStatus.reduce((sum, row) => sum + (row.count ?? 0), 0);
  const throughput = summary.throughput.map((bucket) => ({ ...bucket, time: shortTime(bucket.minute) }));
  const placed = summary.throughput.reduce((sum, bucket) => sum + bucket.placed, 0);
  const closed = summary.throughput.reduce((sum, bucket) => sum + bucket.closed, 0);
  const { payments, answerLatency } = summary;
  const rate = payments.approvalRate === null ? '—' : `${(payments.approvalRate * 100).toFixed(1)} %`;
  const busiest = [...statuses].sort((a, b) => b.count - a.count)[0];
  const since = summary.throughputSince ? formatTime(summary.throughputSince) : 'now';
  const webhooks = summary.webhookAttempts;
  return (
    <>
      <div className="tiles">
        <div className="tile card">
          <p className="tile-label">Orders</p>
          <p className="tile-value">{counted ? total : 'unknown'}</p>
        </div>
        <div className="tile card">
          <p className="tile-label">Payment approval</p>
          <p className="tile-value">{rate}</p>
          <p className="muted small">
            {payments.captured} captured, {payments.declined} declined, {payments.unknown} unknown
            {payments.authorized > 0 ? `, ${payments.authorized} authorized` : ''}
          </p>
        </div>
        <div className="tile card">
          <p className="tile-label">Supplier answer p50 / p99</p>
          <p className="tile-value">
            {formatDuration(answerLatency.supplier.p50Ms)} / {formatDuration(answerLatency.supplier.p99Ms)}
          </p>
          <p className="muted small">{answerLatency.supplier.count} answers</p>
        </div>
        <div className="tile card">
          <p className="tile-label">Carrier answer p50 / p99</p>
          <p className="tile-value">
            {formatDuration(answerLatency.carrier.p50Ms)} / {formatDuration(answerLatency.carrier.p99Ms)}
          </p>
          <p className="muted small">{answerLatency.carrier.count} answers</p>
        </div>
        <div className="tile card">
          <p className="tile-label">Webhook attempts</p>
          <p className="tile-value">{webhooks ? webhooks.delivered : 'unknown'}</p>
          <p className="muted small">
            {webhooks ? `delivered; ${webhooks.retry} to retry, ${webhooks.failed} failed` : 'order worker not read'}
          </p>
        </div>
      </div>
      <BankLink link={summary.bankLink} />
      <div className="charts">
        <Chart
          title="Orders by status"
          summary={
            counted
              ? `${total} orders; most are ${busiest ? `${busiest.status} (${busiest.count})` : 'none'}.`
              : 'Not counted yet.'
          }
        >
          <BarChart data={statuses} margin={{ top: 8, right: 8, bottom: 48, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="status" angle={-35} textAnchor="end" interval={0} height={60} tick={{ fontSize: 11 }} />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Bar dataKey="count" name="Orders" fill="#2457a6" isAnimationActive={false} />
          </BarChart>
        </Chart>
        <Chart
          title="Throughput"
          summary={`Last 60 minutes: ${placed} orders placed, ${closed} closed or cancelled (counted since ${since}).`}
        >
          <LineChart data={throughput} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="time" minTickGap={24} tick={{ fontSize: 11 }} />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Legend />
            <Line dataKey="placed" name="Placed per minute" stroke="#2457a6" dot={false} isAnimationActive={false} />
            <Line
              dataKey="closed"
              name="Closed or cancelled per minute"
              stroke="#1c7c3c"
              dot={false}
              isAnimationActive={false}
            />
          </LineChart>
        </Chart>
        <Chart
          title="Payment outcomes"
          summary={`Approval rate ${rate}; ${payments.declineReasons.map((r) => `${r.code} ${r.count}`).join(', ') || 'no declines'}.`}
        >
          <BarChart
            data={[
              { outcome: 'Captured', count: payments.captured },
              { outcome: 'Declined', count: payments.declined },
              { outcome: 'Unknown', count: payments.unknown },
              ...payments.declineReasons.map((reason) => ({ outcome: reason.code, count: reason.count })),
            ]}
            margin={{ top: 8, right: 8, bottom: 48, left: 0 }}
          >
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="outcome" angle={-35} textAnchor="end" interval={0} height={60} tick={{ fontSize: 11 }} />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Bar dataKey="count" name="Payment attempts" fill="#8a4b08" isAnimationActive={false} />
          </BarChart>
        </Chart>
      </div>
      <section className="card" aria-labelledby="decline-title">
        <h2 id="decline-title" className="h3">
          Decline reasons
        </h2>
        <TableRegion label="Decline reasons">
          <table>
            <thead>
              <tr>
                <th scope="col">Bank's reason</th>
                <th scope="col" className="num">
                  Attempts
                </th>
              </tr>
            </thead>
            <tbody>
              {payments.declineReasons.map((reason) => (
                <tr key={reason.code}>
                  <td>{reason.code}</td>
                  <td className="num">{reason.count}</td>
                </tr>
              ))}
              {payments.declineReasons.length === 0 && (
                <tr>
                  <td colSpan={2}>No declines.</td>
                </tr>
              )}
            </tbody>
          </table>
        </TableRegion>
      </section>
    </>
  );
}

/** The monitoring page. */
export function MonitoringPage() {
  const summary = useLoad(async () => unwrap(await api.GET('/v1/monitoring/summary')), [], MONITORING_POLL_MS);
  return (
    <>
      <PageHeading title="Monitoring" />
      <ErrorMessage message={summary.data ? undefined : summary.error} />
      <UpdatedAt at={summary.updatedAt} error={summary.data ? summary.error : undefined} />
      {summary.data && <Sources sources={summary.data.sources} />}
      {summary.data && <Charts summary={summary.data} />}
    </>
  );
}
