// Operator and party actions on an order: cancel, resolve a dispute, resolve an order that needs attention. Each is
// one API call; the answer (or the API's error) is shown, and the page's data reloads.

import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, messageOf, unwrap } from './api/client';
import type { SchemaOrder } from './api/schema';
import { ErrorMessage, StatusMessage } from './components';
import { ATTENTION_ACTIONS, humanize } from './format';

const TERMINAL = new Set(['CLOSED', 'CANCELLED']);

/** Runs one action with busy, error and done states; `run(label, call)` shows `label` once `call` succeeded. */
export function useAction(onDone: () => unknown) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const run = async (label: string, call: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      await call();
      setDone(label);
      await onDone();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run };
}

/** Cancelling an order, with a reason; shown while the order can still be cancelled. */
export function CancelOrder({ order, onDone }: { order: SchemaOrder; onDone: () => unknown }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const action = useAction(onDone);
  if (TERMINAL.has(order.status ?? '')) {
    // Once cancelled, only the outcome stays (announced), not the form.
    return action.done ? <StatusMessage message={action.done} /> : null;
  }
  const id = `cancel-${order.orderId}`;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run('The order was cancelled.', async () =>
      unwrap(
        await api.POST('/v1/orders/{orderId}/cancel', {
          params: { path: { orderId: order.orderId } },
          body: reason.trim() ? { reason: reason.trim() } : {},
        }),
      ),
    );
  };
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Cancel the order</h2>
      {!open ? (
        <button type="button" className="danger" onClick={() => setOpen(true)}>
          Cancel order…
        </button>
      ) : (
        <form onSubmit={submit}>
          <label htmlFor={`${id}-reason`}>Reason (optional)</label>
          <input id={`${id}-reason`} value={reason} onChange={(event) => setReason(event.target.value)} />
          <div className="actions">
            <button type="submit" className="danger" disabled={action.busy}>
              Confirm cancellation
            </button>
            <button type="button" className="secondary" onClick={() => setOpen(false)}>
              Keep the order
            </button>
          </div>
        </form>
      )}
      <ErrorMessage message={action.error} />
      <StatusMessage message={action.done} />
    </section>
  );
}

/** Resolving a dispute (operators, while the order is `DISPUTED`). */
export function ResolveDispute({ order, onDone }: { order: SchemaOrder; onDone: () => unknown }) {
  const [note, setNote] = useState('');
  const action = useAction(onDone);
  if (order.status !== 'DISPUTED') return null;
  const resolve = (resolution: 'CLOSE' | 'REFUND') =>
    void action.run(`The dispute was resolved: ${humanize(resolution)}.`, async () =>
      unwrap(
        await api.POST('/v1/orders/{orderId}/dispute-resolution', {
          params: { path: { orderId: order.orderId } },
          body: note.trim() ? { resolution, note: note.trim() } : { resolution },
        }),
      ),
    );
  return (
    <section className="card" aria-labelledby="dispute-title">
      <h2 id="dispute-title">Resolve the dispute</h2>
      <p>The seller disputed the settlement: close the deal as it is, or refund the customer.</p>
      <label htmlFor="dispute-note">Note (optional)</label>
      <input id="dispute-note" value={note} onChange={(event) => setNote(event.target.value)} />
      <div className="actions">
        <button type="button" disabled={action.busy} onClick={() => resolve('CLOSE')}>
          Close the deal
        </button>
        <button type="button" className="danger" disabled={action.busy} onClick={() => resolve('REFUND')}>
          Refund the customer
        </button>
      </div>
      <ErrorMessage message={action.error} />
      <StatusMessage message={action.done} />
    </section>
  );
}

/** The actions an operator may take on an order in `NEEDS_ATTENTION`, by its reason. */
export function ResolveAttention({ order, onDone }: { order: SchemaOrder; onDone: () => unknown }) {
  const [note, setNote] = useState('');
  const [extendHours, setExtendHours] = useState('24');
  const action = useAction(onDone);
  if (order.status !== 'NEEDS_ATTENTION' || !order.attention?.reason) return null;
  const actions = ATTENTION_ACTIONS[order.attention.reason] ?? [];
  const id = `attention-${order.orderId}`;
  const resolve = (choice: 'RETRY' | 'CANCEL' | 'EXTEND') =>
    void action.run(`Done: ${humanize(choice)}.`, async () => {
      const noted = note.trim() ? { note: note.trim() } : {};
      const body =
        choice === 'EXTEND'
          ? { action: choice, extendMs: Math.round(Number(extendHours) * 3_600_000), ...noted }
          : { action: choice, ...noted };
      return unwrap(
        await api.POST('/v1/orders/{orderId}/attention-resolution', {
          params: { path: { orderId: order.orderId } },
          body,
        }),
      );
    });
  return (
    <div className="attention-actions" role="group" aria-labelledby={`${id}-title`}>
      <p id={`${id}-title`}>
        <strong>{humanize(order.attention.reason)}</strong>: {order.attention.detail}
      </p>
      <div className="inline-fields">
        <span>
          <label htmlFor={`${id}-note`}>Note</label>
          <input id={`${id}-note`} value={note} onChange={(event) => setNote(event.target.value)} />
        </span>
        {actions.includes('EXTEND') && (
          <span>
            <label htmlFor={`${id}-hours`}>Extend by (hours)</label>
            <input
              id={`${id}-hours`}
              type="number"
              min={1}
              value={extendHours}
              onChange={(event) => setExtendHours(event.target.value)}
            />
          </span>
        )}
      </div>
      <div className="actions">
        {actions.map((choice) => (
          <button
            key={choice}
            type="button"
            className={choice === 'CANCEL' ? 'danger' : undefined}
            disabled={action.busy}
            onClick={() => resolve(choice)}
          >
            {humanize(choice)}
          </button>
        ))}
      </div>
      <ErrorMessage message={action.error} />
      <StatusMessage message={action.done} />
    </div>
  );
}
