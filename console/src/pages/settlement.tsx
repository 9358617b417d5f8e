// Settlement (operators): the cut-offs' batches, newest first a page at a time, refreshed every few seconds; a
// "Run cut-off now" action behind a confirmation (POST /v1/settlement/cutoffs: the same cut-off twice pays nothing
// twice); and the fee schedules, every version listed and a new one added (versions are never edited).

import { useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from 'wouter';
import { useAction } from '../actions';
import { api, unwrap } from '../api/client';
import type { SchemaFeeScheduleRequest } from '../api/schema';
import { ErrorMessage, PageHeading, Pager, StatusBadge, StatusMessage, TableRegion, UpdatedAt } from '../components';
import { formatMoney, formatTime } from '../format';
import { POLL_MS, useLoad } from '../hooks';

const PAGE_SIZE = 20;
/** The payment methods a fee schedule prices separately (as the API's FEE_METHODS). */
export const FEE_METHODS = ['card', 'echeck', 'ecash', 'micropayment'] as const;
/** Currencies offered in the forms (the API accepts every ISO 4217 code it knows). */
export const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'JPY', 'KWD'] as const;

/** Gross, fee and net summed per currency over a batch's payouts. */
export function payoutTotals(
  payouts: readonly { currency: string; grossMinor: number; feeMinor: number; netMinor: number }[],
): { currency: string; grossMinor: number; feeMinor: number; netMinor: number }[] {
  const byCurrency = new Map<string, { currency: string; grossMinor: number; feeMinor: number; netMinor: number }>();
  for (const payout of payouts) {
    const sum = byCurrency.get(payout.currency) ?? {
      currency: payout.currency,
      grossMinor: 0,
      feeMinor: 0,
      netMinor: 0,
    };
    sum.grossMinor += payout.grossMinor;
    sum.feeMinor += payout.feeMinor;
    sum.netMinor += payout.netMinor;
    byCurrency.set(payout.currency, sum);
  }
  return [...byCurrency.values()];
}

function RunCutoff({ onDone }: { onDone: () => unknown }) {
  const [confirming, setConfirming] = useState(false);
  const [started, setStarted] = useState<string>();
  const action = useAction(onDone);
  const run = () =>
    void action.run('', async () => {
      const cutoff = unwrap(await api.POST('/v1/settlement/cutoffs', { body: {} }));
      setConfirming(false);
      setStarted(
        cutoff.started
          ? `Cut-off ${formatTime(cutoff.cutoffAt)} started: batch ${cutoff.batchId}.`
          : `That cut-off had already run: batch ${cutoff.batchId}.`,
      );
      return cutoff;
    });
  return (
    <section className="card" aria-labelledby="cutoff-title">
      <h2 id="cutoff-title">Cut-off</h2>
      <p>
        A cut-off pays out, in one batch, every captured payment whose order asked for settlement until now: one
        pacs.008 per currency to the sellers' payout accounts. The scheduled cut-offs run by themselves; run one now
        only when the sellers should not wait for the next.
      </p>
      {!confirming ? (
        <button type="button" onClick={() => setConfirming(true)}>
          Run cut-off now…
        </button>
      ) : (
        <div role="group" aria-labelledby="cutoff-confirm">
          <p id="cutoff-confirm">
            <strong>Pay out everything asked for until now?</strong> The bank receives the batch at once.
          </p>
          <div className="actions">
            <button type="button" disabled={action.busy} onClick={run}>
              Confirm cut-off
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Not now
            </button>
          </div>
        </div>
      )}
      <ErrorMessage message={action.error} />
      <StatusMessage message={started} />
    </section>
  );
}

function Batches() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const batches = useLoad(
    async () =>
      unwrap(
        await api.GET('/v1/settlement/batches', {
          params: { query: { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    [cursor],
    POLL_MS,
  );
  const rows = batches.data?.data ?? [];
  return (
    <section aria-labelledby="batches-title">
      <h2 id="batches-title">Batches</h2>
      <ErrorMessage message={batches.data ? undefined : batches.error} />
      <UpdatedAt at={batches.updatedAt} error={batches.data ? batches.error : undefined} />
      <TableRegion label="Settlement batches">
        <table>
          <caption className="visually-hidden">
            Settlement batches, newest cut-off first (page {cursors.length})
          </caption>
          <thead>
            <tr>
              <th scope="col">Batch</th>
              <th scope="col">Cut-off</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Lines
              </th>
              <th scope="col" className="num">
                Payouts
              </th>
              <th scope="col" className="num">
                Net paid out
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((batch) => (
              <tr key={batch.batchId}>
                <th scope="row">
                  <Link href={`/settlement/${encodeURIComponent(batch.batchId)}`}>{batch.batchId}</Link>
                </th>
                <td>{formatTime(batch.cutoffAt)}</td>
                <td>
                  <StatusBadge status={batch.status} />
                </td>
                <td className="num">{batch.lineCount}</td>
                <td className="num">{batch.payouts.length}</td>
                <td className="num">
                  {payoutTotals(batch.payouts)
                    .map((sum) => formatMoney({ amount: sum.netMinor, currency: sum.currency }))
                    .join(', ') || '—'}
                </td>
              </tr>
            ))}
            {!batches.loading && rows.length === 0 && (
              <tr>
                <td colSpan={6}>No batch yet: no cut-off has run.</td>
              </tr>
            )}
          </tbody>
        </table>
      </TableRegion>
      <Pager label="Pages of batches" cursors={cursors} nextCursor={batches.data?.nextCursor} onChange={setCursors} />
    </section>
  );
}

interface FeeDraft {
  sellerId: string;
  currency: string;
  effectiveFrom: string;
  bps: string;
  fixedMinor: string;
  methods: Record<(typeof FEE_METHODS)[number], { bps: string; fixedMinor: string }>;
}

const EMPTY_FEE: FeeDraft = {
  sellerId: '*',
  currency: 'EUR',
  effectiveFrom: '',
  bps: '',
  fixedMinor: '0',
  methods: Object.fromEntries(
    FEE_METHODS.map((method) => [method, { bps: '', fixedMinor: '' }]),
  ) as FeeDraft['methods'],
};

function feeRequest(draft: FeeDraft): SchemaFeeScheduleRequest | string {
  const whole = (value: string) => value.trim() !== '' && Number.isInteger(Number(value)) && Number(value) >= 0;
  if (!draft.sellerId.trim()) return 'Name a seller, or * for every seller without a schedule of its own.';
  if (!whole(draft.bps) || Number(draft.bps) > 10_000) return 'The default fee must be 0 to 10000 basis points.';
  if (!whole(draft.fixedMinor)) return 'The default fixed fee must be a whole number of minor units.';
  const methods: NonNullable<SchemaFeeScheduleRequest['methods']> = {};
  for (const method of FEE_METHODS) {
    const rule = draft.methods[method];
    if (rule.bps === '' && rule.fixedMinor === '') continue;
    if (!whole(rule.bps || '0') || !whole(rule.fixedMinor || '0')) return `The ${method} fee must be whole numbers.`;
    methods[method] = { bps: Number(rule.bps || 0), fixedMinor: Number(rule.fixedMinor || 0) };
  }
  const from = draft.effectiveFrom ? new Date(draft.effectiveFrom) : new Date();
  if (Number.isNaN(from.getTime())) return 'The start is not a date and time.';
  return {
    sellerId: draft.sellerId.trim(),
    currency: draft.currency as SchemaFeeScheduleRequest['currency'],
    effectiveFrom: from.toISOString(),
    default: { bps: Number(draft.bps), fixedMinor: Number(draft.fixedMinor) },
    methods,
  };
}

function FeeSchedules() {
  const schedules = useLoad(async () => unwrap(await api.GET('/v1/settlement/fee-schedules')), []);
  const [draft, setDraft] = useState<FeeDraft>(EMPTY_FEE);
  const [problem, setProblem] = useState<string>();
  const action = useAction(schedules.reload);
  const set =
    (field: 'sellerId' | 'currency' | 'effectiveFrom' | 'bps' | 'fixedMinor') =>
    (event: { target: { value: string } }) =>
      setDraft((current) => ({ ...current, [field]: event.target.value }));
  const setMethod = (method: (typeof FEE_METHODS)[number], field: 'bps' | 'fixedMinor', value: string) =>
    setDraft((current) => ({
      ...current,
      methods: { ...current.methods, [method]: { ...current.methods[method], [field]: value } },
    }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = feeRequest(draft);
    if (typeof body === 'string') {
      setProblem(body);
      return;
    }
    setProblem(undefined);
    void action.run(`Added: the fee schedule of ${body.sellerId} in ${body.currency}.`, async () => {
      const added = unwrap(await api.POST('/v1/settlement/fee-schedules', { body }));
      setDraft(EMPTY_FEE);
      return added;
    });
  };
  const rule = (r: { bps: number; fixedMinor: number }, currency: string) =>
    `${(r.bps / 100).toFixed(2)} % + ${formatMoney({ amount: r.fixedMinor, currency })}`;
  const versions = schedules.data?.data ?? [];
  return (
    <section className="card" aria-labelledby="fees-title">
      <h2 id="fees-title">Fee schedules</h2>
      <p className="muted small">
        A batch prices each line with the latest version in force at its cut-off: the seller's own, else the default (
        <code>*</code>). Fee = gross × basis points ÷ 10 000, rounded half up to the currency's minor unit, plus the
        fixed amount. Versions are never edited: add a new one.
      </p>
      <ErrorMessage message={schedules.error} />
      <TableRegion label="Fee schedule versions">
        <table>
          <thead>
            <tr>
              <th scope="col">Seller</th>
              <th scope="col">Currency</th>
              <th scope="col" className="num">
                Version
              </th>
              <th scope="col">In force from</th>
              <th scope="col">Default</th>
              <th scope="col">By method</th>
              <th scope="col">Added</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((version) => (
              <tr key={`${version.sellerId}-${version.currency}-${version.version}`}>
                <th scope="row">{version.sellerId === '*' ? '* (default)' : version.sellerId}</th>
                <td>{version.currency}</td>
                <td className="num">{version.version}</td>
                <td>{formatTime(version.effectiveFrom)}</td>
                <td className="nowrap">{rule(version.default, version.currency)}</td>
                <td>
                  {Object.entries(version.methods).length === 0
                    ? '—'
                    : Object.entries(version.methods)
                        .map(([method, r]) => `${method}: ${rule(r, version.currency)}`)
                        .join('; ')}
                </td>
                <td className="small">
                  {formatTime(version.createdAt)}
                  <br />
                  {version.createdBy}
                </td>
              </tr>
            ))}
            {!schedules.loading && versions.length === 0 && (
              <tr>
                <td colSpan={7}>No fee schedule: batches use the sellers' fees in Settings, then the gateway fee.</td>
              </tr>
            )}
          </tbody>
        </table>
      </TableRegion>
      <form onSubmit={submit} aria-labelledby="fee-add-title">
        <h3 id="fee-add-title" className="h3">
          Add a version
        </h3>
        <div className="filters">
          <div className="field">
            <label htmlFor="fee-seller">Seller id (* for every seller)</label>
            <input id="fee-seller" value={draft.sellerId} onChange={set('sellerId')} />
          </div>
          <div className="field">
            <label htmlFor="fee-currency">Currency</label>
            <select id="fee-currency" value={draft.currency} onChange={set('currency')}>
              {CURRENCIES.map((currency) => (
                <option key={currency}>{currency}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="fee-from">In force from (empty: now)</label>
            <input id="fee-from" type="datetime-local" value={draft.effectiveFrom} onChange={set('effectiveFrom')} />
          </div>
          <div className="field">
            <label htmlFor="fee-bps">Default fee (basis points)</label>
            <input id="fee-bps" type="number" min={0} max={10000} value={draft.bps} onChange={set('bps')} />
          </div>
          <div className="field">
            <label htmlFor="fee-fixed">Default fixed fee (minor units)</label>
            <input id="fee-fixed" type="number" min={0} value={draft.fixedMinor} onChange={set('fixedMinor')} />
          </div>
        </div>
        <fieldset className="plain-fieldset">
          <legend>Per method (empty: the default applies)</legend>
          <div className="filters">
            {FEE_METHODS.map((method) => (
              <div className="field" key={method} role="group" aria-label={`Fee of ${method}`}>
                <label htmlFor={`fee-${method}-bps`}>{method}: basis points</label>
                <input
                  id={`fee-${method}-bps`}
                  type="number"
                  min={0}
                  max={10000}
                  value={draft.methods[method].bps}
                  onChange={(event) => setMethod(method, 'bps', event.target.value)}
                />
                <label htmlFor={`fee-${method}-fixed`}>{method}: fixed (minor units)</label>
                <input
                  id={`fee-${method}-fixed`}
                  type="number"
                  min={0}
                  value={draft.methods[method].fixedMinor}
                  onChange={(event) => setMethod(method, 'fixedMinor', event.target.value)}
                />
              </div>
            ))}
          </div>
        </fieldset>
        <ErrorMessage message={problem ?? action.error} />
        <StatusMessage message={action.done} />
        <div className="actions">
          <button type="submit" disabled={action.busy}>
            Add fee schedule version
          </button>
        </div>
      </form>
    </section>
  );
}

/** The settlement page. */
export function SettlementPage() {
  const [generation, setGeneration] = useState(0);
  return (
    <>
      <PageHeading title="Settlement" />
      <RunCutoff onDone={() => setGeneration((n) => n + 1)} />
      <Batches key={generation} />
      <FeeSchedules />
    </>
  );
}
