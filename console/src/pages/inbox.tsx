// The signed-in party's inbox: the notices and inquiries its orders sent it, open inquiries first if asked, refreshed
// every few seconds. What a notice says is the recipient's own business: shown here only to that party.

import { useState } from 'react';
import { Link } from 'wouter';
import { api, unwrap } from '../api/client';
import { ErrorMessage, PageHeading, TableRegion, UpdatedAt } from '../components';
import { formatTime, humanize } from '../format';
import { POLL_MS, useLoad } from '../hooks';

/** The inbox page. */
export function InboxPage() {
  const [openOnly, setOpenOnly] = useState(false);
  const inbox = useLoad(
    async () =>
      unwrap(await api.GET('/v1/inbox', { params: { query: { limit: 100, ...(openOnly ? { open: 'true' } : {}) } } })),
    [openOnly],
    POLL_MS,
  );
  const rows = inbox.data?.data ?? [];
  return (
    <>
      <PageHeading title="Inbox" />
      <div className="card">
        <label className="checkbox">
          <input type="checkbox" checked={openOnly} onChange={(event) => setOpenOnly(event.target.checked)} /> Only
          inquiries still waiting for my answer
        </label>
      </div>
      <ErrorMessage message={inbox.data ? undefined : inbox.error} />
      <UpdatedAt at={inbox.updatedAt} error={inbox.data ? inbox.error : undefined} />
      <TableRegion label="Inbox">
        <table>
          <thead>
            <tr>
              <th scope="col">Notice</th>
              <th scope="col">Order</th>
              <th scope="col">State</th>
              <th scope="col">At</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((notice) => (
              <tr key={notice.noticeId}>
                <td>{humanize(notice.kind)}</td>
                <td>
                  <Link href={`/orders/${encodeURIComponent(notice.orderId)}`}>{notice.orderId}</Link>
                </td>
                <td>{notice.open ? 'Waiting for your answer' : notice.actionRequired ? 'Answered or closed' : '—'}</td>
                <td>{formatTime(notice.at)}</td>
              </tr>
            ))}
            {!inbox.loading && rows.length === 0 && (
              <tr>
                <td colSpan={4}>No notices.</td>
              </tr>
            )}
          </tbody>
        </table>
      </TableRegion>
    </>
  );
}
