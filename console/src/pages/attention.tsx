// The NEEDS_ATTENTION queue: every order waiting for an operator, oldest first, with the actions its reason admits
// (RETRY, CANCEL, EXTEND), refreshed every few seconds.

import { Link } from 'wouter';
import { api, unwrap } from '../api/client';
import { ResolveAttention } from '../actions';
import { ErrorMessage, PageHeading, UpdatedAt } from '../components';
import { formatMoney, formatTime } from '../format';
import { POLL_MS, useLoad } from '../hooks';

/** The attention queue page. */
export function AttentionPage() {
  const queue = useLoad(
    async () => unwrap(await api.GET('/v1/orders', { params: { query: { status: 'NEEDS_ATTENTION', limit: 100 } } })),
    [],
    POLL_MS,
  );
  const orders = [...(queue.data?.data ?? [])].sort((a, b) =>
    (a.attention?.since ?? '').localeCompare(b.attention?.since ?? ''),
  );
  return (
    <>
      <PageHeading title="Needs attention" />
      <p>
        Orders wait here when a bank call's outcome is unknown or a delivery or dispute is overdue. Nothing is guessed:
        retry the call, give the wait more time, or cancel.
      </p>
      <ErrorMessage message={queue.data ? undefined : queue.error} />
      <UpdatedAt at={queue.updatedAt} error={queue.data ? queue.error : undefined} />
      {orders.length === 0 && !queue.loading && <p className="card">No order needs attention.</p>}
      <ul className="queue">
        {orders.map((order) => (
          <li key={order.orderId} className="card">
            <h2 className="h3">
              <Link href={`/orders/${encodeURIComponent(order.orderId)}`}>{order.orderId}</Link>
            </h2>
            <p className="muted small">
              {formatMoney(order.total)} · seller {order.sellerId} · waiting since {formatTime(order.attention?.since)}
            </p>
            <ResolveAttention order={order} onDone={queue.reload} />
          </li>
        ))}
      </ul>
    </>
  );
}
