// One order: the ten steps as a timeline (who acted and when), the parties, payments (brand and last four digits
// only), for operators and the order's seller the gateway's card payments and the ledger's journals, compensations,
// notices, the operator's actions, and a link to its workflow in Temporal UI.

import { Link } from 'wouter';
import { api, unwrap } from '../api/client';
import type { SchemaOrderLedger } from '../api/schema';
import { CancelOrder, ResolveAttention, ResolveDispute } from '../actions';
import { ErrorMessage, PageHeading, StatusBadge, TableRegion, UpdatedAt } from '../components';
import { STEPS, formatMoney, formatTime, humanize } from '../format';
import { POLL_MS, useLoad } from '../hooks';
import { useParty } from '../session';

/** The order detail page. */
export function OrderDetailPage({ orderId }: { orderId: string }) {
  const party = useParty();
  const order = useLoad(
    async () => unwrap(await api.GET('/v1/orders/{orderId}', { params: { path: { orderId } } })),
    [orderId],
    POLL_MS,
  );
  const notices = useLoad(
    async () => unwrap(await api.GET('/v1/orders/{orderId}/notices', { params: { path: { orderId } } })),
    [orderId],
    POLL_MS,
  );
  // Only operators and sellers may read an order's ledger (a seller only its own orders': the order page says so).
  const mayReadLedger = party.role === 'operator' || party.role === 'seller';
  const ledger = useLoad(
    async () =>
      mayReadLedger
        ? unwrap(await api.GET('/v1/orders/{orderId}/ledger', { params: { path: { orderId } } }))
        : undefined,
    [orderId, mayReadLedger],
    POLL_MS,
  );
  const data = order.data;
  const reload = () => Promise.all([order.reload(), notices.reload(), ledger.reload()]);
  const mayCancel =
    party.role === 'operator' ||
    (party.role === 'seller' && data?.sellerId === party.id) ||
    (party.role === 'customer' && data?.customerId === party.id);
  const workflowUrl = party.workflowUrlTemplate?.replace('{orderId}', encodeURIComponent(orderId));

  return (
    <>
      <PageHeading title={`Order ${orderId}`}>
        <p>
          <Link href="/orders">← All orders</Link>
        </p>
      </PageHeading>
      <ErrorMessage message={data ? undefined : order.error} />
      <UpdatedAt at={order.updatedAt} error={data ? order.error : undefined} />
      {data && (
        <div className="detail-layout">
          <div className="detail-top">
            <section className="card" aria-labelledby="summary-title">
              <h2 id="summary-title">Summary</h2>
              <dl className="facts">
                <dt>Status</dt>
                <dd>
                  <StatusBadge status={data.status ?? data.quoteOutcome} />
                  {data.cancellationReason && <span> · {humanize(data.cancellationReason)}</span>}
                </dd>
                <dt>Total</dt>
                <dd>{formatMoney(data.total)}</dd>
                {data.transportCost && (
                  <>
                    <dt>Transport cost</dt>
                    <dd>{formatMoney(data.transportCost)}</dd>
                  </>
                )}
                <dt>Placed</dt>
                <dd>{formatTime(data.placedAt)}</dd>
                <dt>Updated</dt>
                <dd>{formatTime(data.updatedAt)}</dd>
                {workflowUrl && (
                  <>
                    <dt>Workflow</dt>
                    <dd>
                      <a href={workflowUrl} target="_blank" rel="noreferrer noopener">
                        Open in Temporal UI<span className="visually-hidden"> (opens in a new tab)</span>
                      </a>
                    </dd>
                  </>
                )}
              </dl>
            </section>

            <section className="card" aria-labelledby="parties-title">
              <h2 id="parties-title">Parties</h2>
              <dl className="facts">
                <dt>Seller</dt>
                <dd>{data.sellerId ?? '—'}</dd>
                <dt>Customer</dt>
                <dd>{data.customerId ?? '—'}</dd>
                <dt>Supplier</dt>
                <dd>{data.supplierId ?? '—'}</dd>
                <dt>Candidate carriers</dt>
                <dd>{data.carrierIds?.join(', ') || '—'}</dd>
                <dt>Chosen carrier</dt>
                <dd>{data.carrierId ?? '—'}</dd>
              </dl>
            </section>
          </div>

          <section className="card timeline-card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">Timeline</h2>
            <ol className="timeline">
              {STEPS.map((step) => {
                const entry = data.timeline?.find((item) => item.step === step.step);
                return (
                  <li key={step.step} className={entry ? 'reached' : 'pending'}>
                    <span className="step-number" aria-hidden="true">
                      {step.step}
                    </span>
                    <div>
                      <p className="step-title">
                        {step.label}
                        <span className="visually-hidden">, step {step.step},</span>
                        <span className="step-state">{entry ? ' done' : ' not reached'}</span>
                      </p>
                      {entry && (
                        <p className="muted small">
                          {entry.actor} · <time dateTime={entry.at}>{formatTime(entry.at)}</time>
                          <br />
                          {entry.outcome}
                        </p>
                      )}
                    </div>
                  </li>
                );
              })}
            </ol>
          </section>

          <div className="detail-rest">
            {party.role === 'operator' && data.status === 'NEEDS_ATTENTION' && (
              <section className="card" aria-labelledby="attention-title">
                <h2 id="attention-title">Needs attention</h2>
                <ResolveAttention order={data} onDone={reload} />
              </section>
            )}
            {party.role === 'operator' && <ResolveDispute order={data} onDone={reload} />}
            {mayCancel && <CancelOrder order={data} onDone={reload} />}

            <section className="card" aria-labelledby="payments-title">
              <h2 id="payments-title">Payments</h2>
              {data.payments && data.payments.length > 0 ? (
                <TableRegion label="Payments">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">#</th>
                        <th scope="col">Card</th>
                        <th scope="col" className="num">
                          Amount
                        </th>
                        <th scope="col">Status</th>
                        <th scope="col">Decline reason</th>
                        <th scope="col">At</th>
                      </tr>
                    </thead>
                    <tbody>
                      {data.payments.map((payment) => (
                        <tr key={payment.attempt}>
                          <td>{payment.attempt}</td>
                          <td className="nowrap">
                            {payment.brand} •••• {payment.last4}
                          </td>
                          <td className="num">{formatMoney(payment.amount)}</td>
                          <td>{humanize(payment.status)}</td>
                          <td>{payment.declineCode ?? '—'}</td>
                          <td>{formatTime(payment.at)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableRegion>
              ) : (
                <p className="muted">No payment yet.</p>
              )}
              {data.settlement && (
                <dl className="facts">
                  <dt>Settled gross</dt>
                  <dd>{formatMoney(data.settlement.gross)}</dd>
                  <dt>Gateway fee</dt>
                  <dd>{formatMoney(data.settlement.fee)}</dd>
                  <dt>Paid to the seller</dt>
                  <dd>{formatMoney(data.settlement.net)}</dd>
                </dl>
              )}
            </section>

            {mayReadLedger && <LedgerSection ledger={ledger.data} error={ledger.error} />}

            <section className="card" aria-labelledby="compensations-title">
              <h2 id="compensations-title">Compensations</h2>
              {data.compensations && data.compensations.length > 0 ? (
                <ul>
                  {data.compensations.map((item) => (
                    <li key={`${item.type}-${item.at}`}>
                      {humanize(item.type)} · {formatTime(item.at)}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="muted">None.</p>
              )}
            </section>

            <section className="card" aria-labelledby="notices-title">
              <h2 id="notices-title">Notices</h2>
              {notices.data && notices.data.data.length > 0 ? (
                <TableRegion label="Notices">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Kind</th>
                        <th scope="col">To</th>
                        <th scope="col">At</th>
                      </tr>
                    </thead>
                    <tbody>
                      {notices.data.data.map((notice) => (
                        <tr key={notice.noticeId}>
                          <td>
                            {humanize(notice.kind)}
                            {notice.actionRequired ? ' (needs an answer)' : ''}
                          </td>
                          <td>{notice.recipientId}</td>
                          <td>{formatTime(notice.at)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableRegion>
              ) : (
                <p className="muted">No notices.</p>
              )}
            </section>
          </div>
        </div>
      )}
    </>
  );
}

function minor(amount: number, currency: string) {
  return formatMoney({ amount, currency });
}

/** The gateway's card payments of the order and the ledger's journals, with the balance left on each account. */
function LedgerSection({ ledger, error }: { ledger: SchemaOrderLedger | undefined; error: string | undefined }) {
  return (
    <section className="card" aria-labelledby="ledger-title">
      <h2 id="ledger-title">Ledger</h2>
      <ErrorMessage message={ledger ? undefined : error} />
      {ledger && (
        <>
          <h3>Card payments at the gateway</h3>
          {ledger.payments.length > 0 ? (
            <TableRegion label="Gateway payments">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Payment</th>
                    <th scope="col">Card</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">
                      Authorized
                    </th>
                    <th scope="col" className="num">
                      Captured
                    </th>
                    <th scope="col" className="num">
                      Refunded
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {ledger.payments.map((payment) => (
                    <tr key={payment.paymentId}>
                      <td className="nowrap">{payment.paymentId}</td>
                      <td className="nowrap">•••• {payment.last4}</td>
                      <td>
                        {humanize(payment.status)}
                        {payment.declineCode ? ` (${payment.declineCode})` : ''}
                      </td>
                      <td className="num">{minor(payment.authorizedMinor, payment.amount.currency)}</td>
                      <td className="num">{minor(payment.capturedMinor, payment.amount.currency)}</td>
                      <td className="num">{minor(payment.refundedMinor, payment.amount.currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableRegion>
          ) : (
            <p className="muted">No card payment at the gateway.</p>
          )}
          <h3>Journals</h3>
          {ledger.journals.length > 0 ? (
            <>
              <TableRegion label="Ledger journals">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Journal</th>
                      <th scope="col">Account</th>
                      <th scope="col" className="num">
                        Debit
                      </th>
                      <th scope="col" className="num">
                        Credit
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {ledger.journals.flatMap((journal) =>
                      journal.legs.map((leg, index) => (
                        <tr key={`${journal.journalId}-${index}`}>
                          {index === 0 && (
                            <th scope="row" rowSpan={journal.legs.length} className="journal">
                              {humanize(journal.kind)}
                              <br />
                              <span className="muted small wrap">{journal.journalId}</span>
                              <br />
                              <span className="muted small">{formatTime(journal.at)}</span>
                            </th>
                          )}
                          <td className="wrap">{leg.account}</td>
                          <td className="num">{leg.direction === 'DEBIT' ? formatMoney(leg.amount) : ''}</td>
                          <td className="num">{leg.direction === 'CREDIT' ? formatMoney(leg.amount) : ''}</td>
                        </tr>
                      )),
                    )}
                  </tbody>
                </table>
              </TableRegion>
              <TableRegion label="Account balances">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Account</th>
                      <th scope="col" className="num">
                        Balance (debit +, credit −)
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {ledger.balances.map((row) => (
                      <tr key={`${row.account}-${row.currency}`}>
                        <td className="nowrap">{row.account}</td>
                        <td className="num">{minor(row.balanceMinor, row.currency)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableRegion>
            </>
          ) : (
            <p className="muted">No journal posted yet.</p>
          )}
        </>
      )}
    </section>
  );
}
