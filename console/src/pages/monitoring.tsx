// Monitoring: orders by status, throughput by minute, payment approval and decline reasons, and how fast suppliers and
// carriers answer, from GET /v1/monitoring/summary, redrawn every few seconds. Each chart has a text equivalent.

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
import { formatDuration, humanize } from '../format';
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

function Charts({ summary }: { summary: SchemaMonitoringSummary }) {
  const statuses = summary.byStatus.map((row) => ({ status: humanize(row.status), count: row.count }));
  const total = summary.byStatus.reduce((sum, row) => sum + row.count, 0);
  const throughput = summary.throughput.map((bucket) => ({ ...bucket, time: shortTime(bucket.minute) }));
  const placed = summary.throughput.reduce((sum, bucket) => sum + bucket.placed, 0);
  const closed = summary.throughput.reduce((sum, bucket) => sum + bucket.closed, 0);
  const { payments, answerLatency } = summary;
  const rate = payments.approvalRate === null ? '—' : `${(payments.approvalRate * 100).toFixed(1)} %`;
  const busiest = [...summary.byStatus].sort((a, b) => b.count - a.count)[0];
  return (
    <>
      <div className="tiles">
        <div className="tile card">
          <p className="tile-label">Orders</p>
          <p className="tile-value">{total}</p>
        </div>
        <div className="tile card">
          <p className="tile-label">Payment approval</p>
          <p className="tile-value">{rate}</p>
          <p className="muted small">
            {payments.captured} captured, {payments.declined} declined, {payments.unknown} unknown
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
      </div>
      <div className="charts">
        <Chart
          title="Orders by status"
          summary={`${total} orders; most are ${busiest ? `${humanize(busiest.status)} (${busiest.count})` : 'none'}.`}
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
          summary={`Last 60 minutes: ${placed} orders placed, ${closed} closed (over the newest ${summary.windowOrders} orders).`}
        >
          <LineChart data={throughput} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="time" minTickGap={24} tick={{ fontSize: 11 }} />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Legend />
            <Line dataKey="placed" name="Placed per minute" stroke="#2457a6" dot={false} isAnimationActive={false} />
            <Line dataKey="closed" name="Closed per minute" stroke="#1c7c3c" dot={false} isAnimationActive={false} />
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
      {summary.data && <Charts summary={summary.data} />}
    </>
  );
}
