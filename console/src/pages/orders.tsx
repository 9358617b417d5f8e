// Orders: the caller's orders (all of them for operators), filtered by status, party, total and placing date, a page
// at a time with the API's cursor, refreshed every few seconds.

import { useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from 'wouter';
import { api, unwrap } from '../api/client';
import type { operations } from '../api/schema';
import { ErrorMessage, PageHeading, Pager, StatusBadge, TableRegion, UpdatedAt } from '../components';
import { ORDER_STATUSES, formatMoney, formatTime, humanize } from '../format';
import { POLL_MS, useLoad } from '../hooks';
import { useParty } from '../session';

type Query = NonNullable<operations['listOrders']['parameters']['query']>;
type PartyField = 'sellerId' | 'customerId' | 'supplierId' | 'carrierId';

interface Filters {
  status: string;
  partyField: PartyField;
  partyId: string;
  minTotal: string;
  maxTotal: string;
  from: string;
  to: string;
}

const EMPTY: Filters = {
  status: '',
  partyField: 'sellerId',
  partyId: '',
  minTotal: '',
  maxTotal: '',
  from: '',
  to: '',
};
const PAGE_SIZE = 20;

function toQuery(filters: Filters, cursor: string | undefined): Query {
  const query: Query = { limit: PAGE_SIZE };
  if (filters.status) query.status = filters.status as Query['status'];
  if (filters.partyId.trim()) query[filters.partyField] = filters.partyId.trim();
  if (filters.minTotal !== '') query.minTotal = Number(filters.minTotal);
  if (filters.maxTotal !== '') query.maxTotal = Number(filters.maxTotal);
  if (filters.from) query.placedFrom = new Date(`${filters.from}T00:00:00Z`).toISOString();
  if (filters.to) query.placedTo = new Date(Date.parse(`${filters.to}T00:00:00Z`) + 86_400_000).toISOString();
  if (cursor) query.cursor = cursor;
  return query;
}

/** The orders page. */
export function OrdersPage() {
  const party = useParty();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  // The cursors of the pages before the current one, so "Previous" goes back.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const seesTotals = ['operator', 'seller', 'customer'].includes(party.role);

  const orders = useLoad(
    async () => unwrap(await api.GET('/v1/orders', { params: { query: toQuery(filters, cursor) } })),
    [filters, cursor],
    POLL_MS,
  );

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
  };
  const reset = () => {
    setDraft(EMPTY);
    setFilters(EMPTY);
    setCursors([undefined]);
  };
  const set = (field: keyof Filters) => (event: { target: { value: string } }) =>
    setDraft((current) => ({ ...current, [field]: event.target.value }));

  const rows = orders.data?.data ?? [];
  return (
    <>
      <PageHeading title="Orders" />
      <form className="filters card" onSubmit={apply} aria-label="Filter orders">
        <div className="field">
          <label htmlFor="f-status">Status</label>
          <select id="f-status" value={draft.status} onChange={set('status')}>
            <option value="">Any status</option>
            {ORDER_STATUSES.map((status) => (
              <option key={status} value={status}>
                {humanize(status)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-party-field">Party role</label>
          <select id="f-party-field" value={draft.partyField} onChange={set('partyField')}>
            <option value="sellerId">Seller</option>
            <option value="customerId">Customer</option>
            <option value="supplierId">Supplier</option>
            <option value="carrierId">Carrier</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-party">Party id</label>
          <input id="f-party" value={draft.partyId} onChange={set('partyId')} placeholder="e.g. seller-acme" />
        </div>
        {seesTotals && (
          <>
            <div className="field">
              <label htmlFor="f-min">Total from (minor units)</label>
              <input id="f-min" type="number" min={0} value={draft.minTotal} onChange={set('minTotal')} />
            </div>
            <div className="field">
              <label htmlFor="f-max">Total up to (minor units)</label>
              <input id="f-max" type="number" min={0} value={draft.maxTotal} onChange={set('maxTotal')} />
            </div>
          </>
        )}
        <div className="field">
          <label htmlFor="f-from">Placed from</label>
          <input id="f-from" type="date" value={draft.from} onChange={set('from')} />
        </div>
        <div className="field">
          <label htmlFor="f-to">Placed up to</label>
          <input id="f-to" type="date" value={draft.to} onChange={set('to')} />
        </div>
        <div className="actions">
          <button type="submit">Apply filters</button>
          <button type="button" className="secondary" onClick={reset}>
            Reset
          </button>
        </div>
      </form>
      <ErrorMessage message={orders.data ? undefined : orders.error} />
      <UpdatedAt at={orders.updatedAt} error={orders.data ? orders.error : undefined} />
      <TableRegion label="Orders">
        <table>
          <caption className="visually-hidden">Orders, newest first (page {cursors.length})</caption>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Status</th>
              <th scope="col">Seller</th>
              <th scope="col">Customer</th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col">Placed</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((order) => (
              <tr key={order.orderId}>
                <th scope="row">
                  <Link href={`/orders/${encodeURIComponent(order.orderId)}`}>{order.orderId}</Link>
                </th>
                <td>
                  <StatusBadge status={order.status ?? order.quoteOutcome} />
                </td>
                <td>{order.sellerId ?? '—'}</td>
                <td>{order.customerId ?? '—'}</td>
                <td className="num">{formatMoney(order.total)}</td>
                <td>{formatTime(order.placedAt)}</td>
                <td>{formatTime(order.updatedAt)}</td>
              </tr>
            ))}
            {!orders.loading && rows.length === 0 && (
              <tr>
                <td colSpan={7}>No orders match.</td>
              </tr>
            )}
          </tbody>
        </table>
      </TableRegion>
      <Pager label="Pages of orders" cursors={cursors} nextCursor={orders.data?.nextCursor} onChange={setCursors} />
    </>
  );
}
