// One break of the exception queue (operators): what the bank and the ledger say, its state, comments and resolution;
// assign it, comment on it, resolve it by hand (WRITE_OFF, NO_ACTION, ACCEPT: no money moves here), each against the
// version read, so a change made meanwhile by someone else is refused and shown; and its audit trail (who, when,
// before, after).

import { useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from 'wouter';
import { useAction } from '../actions';
import { api, unwrap } from '../api/client';
import type { SchemaReconciliationException } from '../api/schema';
import { ErrorMessage, Facts, PageHeading, StatusBadge, StatusMessage, TableRegion } from '../components';
import { formatMoney, formatTime, humanize } from '../format';
import { useLoad } from '../hooks';
import { useParty } from '../session';

const RESOLUTIONS = [
  ['ACCEPT', 'Accept: the difference is right as it is'],
  ['NO_ACTION', 'No action: nothing to correct'],
  ['WRITE_OFF', 'Write off: the difference is lost'],
] as const;

function nestedText(value: Record<string, unknown>): string {
  return `(${Object.entries(value)
    .filter(([k, v]) => k !== 'at' && v !== undefined && v !== null)
    .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ')})`;
}

/** An audit entry's state as short text. */
export function stateText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'object') return String(value);
  return Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? nestedText(v as Record<string, unknown>) : String(v)}`)
    .join(', ');
}

function Work({ item, onDone }: { item: SchemaReconciliationException; onDone: () => unknown }) {
  const party = useParty();
  const [assignee, setAssignee] = useState(item.assignee ?? party.id);
  const [comment, setComment] = useState('');
  const [resolution, setResolution] = useState<(typeof RESOLUTIONS)[number][0]>('ACCEPT');
  const [note, setNote] = useState('');
  const action = useAction(onDone);
  const path = { params: { path: { exceptionId: item.exceptionId } } };
  const assign = (event: FormEvent) => {
    event.preventDefault();
    void action.run(`Assigned to ${assignee.trim()}.`, async () =>
      unwrap(
        await api.POST('/v1/reconciliation/exceptions/{exceptionId}/assign', {
          ...path,
          body: { assignee: assignee.trim(), version: item.version },
        }),
      ),
    );
  };
  const addComment = (event: FormEvent) => {
    event.preventDefault();
    void action.run('Comment added.', async () => {
      const saved = unwrap(
        await api.POST('/v1/reconciliation/exceptions/{exceptionId}/comments', {
          ...path,
          body: { text: comment.trim(), version: item.version },
        }),
      );
      setComment('');
      return saved;
    });
  };
  const resolve = (event: FormEvent) => {
    event.preventDefault();
    void action.run(`Resolved: ${humanize(resolution)}.`, async () =>
      unwrap(
        await api.POST('/v1/reconciliation/exceptions/{exceptionId}/resolve', {
          ...path,
          body: { action: resolution, note: note.trim(), version: item.version },
        }),
      ),
    );
  };
  if (item.status === 'RESOLVED') return <StatusMessage message={action.done} />;
  return (
    <section className="card" aria-labelledby="work-title">
      <h2 id="work-title">Work the break</h2>
      <form onSubmit={assign} className="inline-fields" aria-label="Assign the break">
        <span>
          <label htmlFor="assignee">Assignee</label>
          <input
            id="assignee"
            required
            maxLength={100}
            value={assignee}
            onChange={(e) => setAssignee(e.target.value)}
          />
        </span>
        <button type="submit" disabled={action.busy || !assignee.trim()}>
          Assign
        </button>
      </form>
      <form onSubmit={addComment} aria-label="Comment on the break">
        <label htmlFor="comment">New comment</label>
        <textarea id="comment" rows={2} maxLength={2000} value={comment} onChange={(e) => setComment(e.target.value)} />
        <div className="actions">
          <button type="submit" className="secondary" disabled={action.busy || !comment.trim()}>
            Add comment
          </button>
        </div>
      </form>
      <form onSubmit={resolve} aria-label="Resolve the break">
        <fieldset className="plain-fieldset">
          <legend>Resolve by hand</legend>
          {RESOLUTIONS.map(([value, label]) => (
            <label className="checkbox" key={value}>
              <input
                type="radio"
                name="resolution"
                value={value}
                checked={resolution === value}
                onChange={() => setResolution(value)}
              />
              {label}
            </label>
          ))}
        </fieldset>
        <label htmlFor="resolve-note">Note (required: why)</label>
        <input id="resolve-note" required maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
        <div className="actions">
          <button type="submit" disabled={action.busy || !note.trim()}>
            Resolve break
          </button>
        </div>
      </form>
      <ErrorMessage message={action.error} />
      <StatusMessage message={action.done} />
    </section>
  );
}

function Audit({ exceptionId, version }: { exceptionId: string; version: number }) {
  const audit = useLoad(
    async () =>
      unwrap(await api.GET('/v1/reconciliation/exceptions/{exceptionId}/audit', { params: { path: { exceptionId } } })),
    [exceptionId, version],
  );
  const entries = audit.data?.data ?? [];
  return (
    <section className="card" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit trail</h2>
      <ErrorMessage message={audit.error} />
      <TableRegion label="Break audit trail">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry, index) => (
              <tr key={index}>
                <td className="nowrap">{formatTime(entry.at)}</td>
                <td>{entry.actor}</td>
                <th scope="row">{humanize(entry.action)}</th>
                <td className="small">{stateText(entry.before)}</td>
                <td className="small">{stateText(entry.after)}</td>
              </tr>
            ))}
            {!audit.loading && entries.length === 0 && (
              <tr>
                <td colSpan={5}>Nothing yet.</td>
              </tr>
            )}
          </tbody>
        </table>
      </TableRegion>
    </section>
  );
}

/** The break page. */
export function ExceptionDetailPage({ exceptionId }: { exceptionId: string }) {
  const loaded = useLoad(
    async () =>
      unwrap(await api.GET('/v1/reconciliation/exceptions/{exceptionId}', { params: { path: { exceptionId } } })),
    [exceptionId],
  );
  const item = loaded.data;
  const money = (amount: number | undefined) =>
    amount === undefined || !item ? '—' : formatMoney({ amount, currency: item.currency });
  return (
    <>
      <PageHeading title={item ? `${humanize(item.class)} ${item.key}` : 'Break'}>
        <p>
          <Link href="/exceptions">← Exception queue</Link>
          {item && (
            <>
              {' · '}
              <Link href={`/reconciliation/${encodeURIComponent(item.runId)}`}>Run of {item.day}</Link>
            </>
          )}
        </p>
      </PageHeading>
      <ErrorMessage message={loaded.error} />
      {item && (
        <>
          <div className="detail-top">
            <section className="card" aria-labelledby="break-facts">
              <h2 id="break-facts">Break</h2>
              <Facts
                items={[
                  ['State', <StatusBadge key="s" status={item.status} />],
                  ['Class', humanize(item.class)],
                  ['Key', <code key="k">{item.key}</code>],
                  ['Bank', money(item.bankAmountMinor)],
                  ['Ledger', money(item.ledgerAmountMinor)],
                  ['Difference (bank − ledger)', money(item.differenceMinor)],
                  [
                    'Order',
                    item.orderId ? (
                      <Link key="o" href={`/orders/${encodeURIComponent(item.orderId)}`}>
                        {item.orderId}
                      </Link>
                    ) : (
                      '—'
                    ),
                  ],
                  ['Payment', item.paymentId ?? '—'],
                  ['Journal', item.journalId ?? '—'],
                  ...(item.otherDay ? ([['Bank booked it', item.otherDay]] as [string, string][]) : []),
                  ['Assignee', item.assignee ?? '—'],
                  ['Version', item.version],
                ]}
              />
              {item.resolution && (
                <p>
                  <strong>Resolved</strong> by{' '}
                  {item.resolution.by === 'rule' ? `rule ${item.resolution.ruleId ?? ''}` : item.resolution.actor} (
                  {humanize(item.resolution.action)}) {formatTime(item.resolution.at)}
                  {item.resolution.note ? `: ${item.resolution.note}` : ''}
                  {item.resolution.journalId ? ` · journal ${item.resolution.journalId}` : ''}
                </p>
              )}
            </section>
            <section className="card" aria-labelledby="comments-title">
              <h2 id="comments-title">Comments</h2>
              {item.comments.length === 0 ? (
                <p className="muted">No comment yet.</p>
              ) : (
                <ul className="plain comments">
                  {item.comments.map((comment, index) => (
                    <li key={index}>
                      <p className="muted small">
                        {comment.by}, {formatTime(comment.at)}
                      </p>
                      <p>{comment.text}</p>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
          <Work item={item} onDone={loaded.reload} />
          <Audit exceptionId={exceptionId} version={item.version} />
        </>
      )}
    </>
  );
}
