// Settings: the gateway's settings an operator changes at run time (default deadlines, payment attempts, the fee, each
// seller's fee and capture setting), saved against the version read, and the audit trail of every change.

import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { api, messageOf, unwrap } from '../api/client';
import type { SchemaGatewaySettings, SchemaSettings } from '../api/schema';
import { ErrorMessage, PageHeading, StatusMessage, TableRegion } from '../components';
import { formatDuration, formatTime } from '../format';
import { useLoad } from '../hooks';

const DEADLINES = [
  ['supplierAnswerMs', 'Supplier answer'],
  ['carrierAnswerMs', 'Carrier answer'],
  ['paymentMs', 'Payment (from confirmation)'],
  ['deliveryMs', 'Delivery (from confirmation)'],
  ['sellerConfirmationMs', 'Seller confirmation'],
  ['disputeResolutionMs', 'Dispute resolution'],
] as const;
type DeadlineName = (typeof DEADLINES)[number][0];

interface SellerRow {
  sellerId: string;
  bps: string;
  fixedMinor: string;
  capture: string;
}

interface Draft {
  deadlinesMinutes: Record<DeadlineName, string>;
  paymentMaxAttempts: string;
  feeBps: string;
  feeFixedMinor: string;
  sellers: SellerRow[];
}

function toDraft(stored: SchemaGatewaySettings): Draft {
  const deadlines = stored.defaultDeadlines ?? {};
  return {
    deadlinesMinutes: Object.fromEntries(
      DEADLINES.map(([name]) => [name, deadlines[name] === undefined ? '' : String(deadlines[name] / 60_000)]),
    ) as Record<DeadlineName, string>,
    paymentMaxAttempts: stored.paymentMaxAttempts === undefined ? '' : String(stored.paymentMaxAttempts),
    feeBps: stored.gatewayFee ? String(stored.gatewayFee.bps) : '',
    feeFixedMinor: stored.gatewayFee ? String(stored.gatewayFee.fixedMinor) : '',
    sellers: Object.entries(stored.sellers ?? {}).map(([sellerId, seller]) => ({
      sellerId,
      bps: seller.fee ? String(seller.fee.bps) : '',
      fixedMinor: seller.fee ? String(seller.fee.fixedMinor) : '',
      capture: seller.capture ?? '',
    })),
  };
}

function fromDraft(draft: Draft): SchemaGatewaySettings {
  const settings: SchemaGatewaySettings = { defaultDeadlines: {}, sellers: {} };
  for (const [name] of DEADLINES) {
    const minutes = draft.deadlinesMinutes[name];
    if (minutes !== '') settings.defaultDeadlines![name] = Math.round(Number(minutes) * 60_000);
  }
  if (draft.paymentMaxAttempts !== '') settings.paymentMaxAttempts = Number(draft.paymentMaxAttempts);
  if (draft.feeBps !== '' || draft.feeFixedMinor !== '') {
    settings.gatewayFee = { bps: Number(draft.feeBps || 0), fixedMinor: Number(draft.feeFixedMinor || 0) };
  }
  for (const row of draft.sellers) {
    if (!row.sellerId.trim()) continue;
    const seller: NonNullable<SchemaGatewaySettings['sellers']>[string] = {};
    if (row.bps !== '' || row.fixedMinor !== '') {
      seller.fee = { bps: Number(row.bps || 0), fixedMinor: Number(row.fixedMinor || 0) };
    }
    if (row.capture) seller.capture = row.capture as 'IMMEDIATE' | 'ON_SHIPMENT';
    settings.sellers![row.sellerId.trim()] = seller;
  }
  return settings;
}

function Audit({ version }: { version: number | undefined }) {
  const audit = useLoad(
    async () => unwrap(await api.GET('/v1/settings/audit', { params: { query: { limit: 50 } } })),
    [version],
  );
  const entries = audit.data?.data ?? [];
  return (
    <section className="card" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit trail</h2>
      <ErrorMessage message={audit.error} />
      {entries.length === 0 ? (
        <p className="muted">No change yet: every setting follows the configuration.</p>
      ) : (
        <TableRegion label="Settings audit trail">
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What changed</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.version}>
                  <td>{entry.version}</td>
                  <td>{formatTime(entry.at)}</td>
                  <td>{entry.operatorId}</td>
                  <td>
                    <ul className="plain">
                      {entry.changes.map((change) => (
                        <li key={change.path}>
                          <code>{change.path}</code>:{' '}
                          {change.from === undefined ? 'unset' : JSON.stringify(change.from)} →{' '}
                          {change.to === undefined ? 'unset' : JSON.stringify(change.to)}
                        </li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
    </section>
  );
}

function SettingsForm({ current, onSaved }: { current: SchemaSettings; onSaved: (next: SchemaSettings) => void }) {
  const [draft, setDraft] = useState<Draft>(() => toDraft(current.settings));
  const [error, setError] = useState<string>();
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => setDraft(toDraft(current.settings)), [current]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      const saved = unwrap(
        await api.PUT('/v1/settings', { body: { version: current.version, settings: fromDraft(draft) } }),
      );
      setMessage(`Saved as version ${saved.version}. New orders use it within ${saved.takesEffectWithinMs / 1000} s.`);
      onSaved(saved);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };
  const setSeller = (index: number, field: keyof SellerRow, value: string) =>
    setDraft((d) => ({ ...d, sellers: d.sellers.map((row, i) => (i === index ? { ...row, [field]: value } : row)) }));

  return (
    <form onSubmit={(event) => void submit(event)}>
      <fieldset className="card">
        <legend>Default deadlines of new orders (minutes)</legend>
        <p className="muted small">
          Empty: the configuration's default (shown as placeholder). An order may still set its own.
        </p>
        <div className="filters">
          {DEADLINES.map(([name, label]) => (
            <div className="field" key={name}>
              <label htmlFor={`d-${name}`}>{label}</label>
              <input
                id={`d-${name}`}
                type="number"
                min={1}
                step="any"
                placeholder={String(current.defaults.defaultDeadlines[name] / 60_000)}
                value={draft.deadlinesMinutes[name]}
                onChange={(event) =>
                  setDraft((d) => ({ ...d, deadlinesMinutes: { ...d.deadlinesMinutes, [name]: event.target.value } }))
                }
                aria-describedby={`d-${name}-effective`}
              />
              <span id={`d-${name}-effective`} className="muted small">
                in effect: {formatDuration(current.effective.defaultDeadlines[name])}
              </span>
            </div>
          ))}
        </div>
      </fieldset>
      <fieldset className="card">
        <legend>Payments and fee</legend>
        <div className="filters">
          <div className="field">
            <label htmlFor="max-attempts">Payment attempts per order</label>
            <input
              id="max-attempts"
              type="number"
              min={1}
              max={50}
              placeholder={String(current.defaults.paymentMaxAttempts)}
              value={draft.paymentMaxAttempts}
              onChange={(event) => setDraft((d) => ({ ...d, paymentMaxAttempts: event.target.value }))}
            />
          </div>
          <div className="field">
            <label htmlFor="fee-bps">Gateway fee (basis points)</label>
            <input
              id="fee-bps"
              type="number"
              min={0}
              max={10000}
              placeholder={String(current.defaults.gatewayFee.bps)}
              value={draft.feeBps}
              onChange={(event) => setDraft((d) => ({ ...d, feeBps: event.target.value }))}
            />
          </div>
          <div className="field">
            <label htmlFor="fee-fixed">Gateway fee, fixed (minor units)</label>
            <input
              id="fee-fixed"
              type="number"
              min={0}
              placeholder={String(current.defaults.gatewayFee.fixedMinor)}
              value={draft.feeFixedMinor}
              onChange={(event) => setDraft((d) => ({ ...d, feeFixedMinor: event.target.value }))}
            />
          </div>
        </div>
      </fieldset>
      <fieldset className="card">
        <legend>Per seller</legend>
        <p className="muted small">
          A seller's fee replaces the gateway fee for its new orders. The capture setting is{' '}
          <strong>stored only</strong>: the gateway captures every payment when it is authorized.
        </p>
        {draft.sellers.map((row, index) => (
          <div className="filters seller-row" key={index} role="group" aria-label={`Seller ${index + 1}`}>
            <div className="field">
              <label htmlFor={`s-id-${index}`}>Seller id</label>
              <input
                id={`s-id-${index}`}
                value={row.sellerId}
                onChange={(e) => setSeller(index, 'sellerId', e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor={`s-bps-${index}`}>Fee (basis points)</label>
              <input
                id={`s-bps-${index}`}
                type="number"
                min={0}
                value={row.bps}
                onChange={(e) => setSeller(index, 'bps', e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor={`s-fixed-${index}`}>Fee, fixed (minor units)</label>
              <input
                id={`s-fixed-${index}`}
                type="number"
                min={0}
                value={row.fixedMinor}
                onChange={(e) => setSeller(index, 'fixedMinor', e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor={`s-capture-${index}`}>Capture (stored only)</label>
              <select
                id={`s-capture-${index}`}
                value={row.capture}
                onChange={(e) => setSeller(index, 'capture', e.target.value)}
              >
                <option value="">Not set</option>
                <option value="IMMEDIATE">Immediately</option>
                <option value="ON_SHIPMENT">On shipment</option>
              </select>
            </div>
            <div className="actions">
              <button
                type="button"
                className="secondary"
                onClick={() => setDraft((d) => ({ ...d, sellers: d.sellers.filter((_, i) => i !== index) }))}
              >
                Remove seller {index + 1}
              </button>
            </div>
          </div>
        ))}
        <button
          type="button"
          className="secondary"
          onClick={() =>
            setDraft((d) => ({ ...d, sellers: [...d.sellers, { sellerId: '', bps: '', fixedMinor: '', capture: '' }] }))
          }
        >
          Add a seller
        </button>
      </fieldset>
      <ErrorMessage message={error} />
      <StatusMessage message={message} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          Save settings
        </button>
        <span className="muted small">
          Version {current.version}
          {current.updatedBy ? `, last changed by ${current.updatedBy} ${formatTime(current.updatedAt)}` : ''}
        </span>
      </div>
    </form>
  );
}

/** The settings page. */
export function SettingsPage() {
  const loaded = useLoad(async () => unwrap(await api.GET('/v1/settings')), []);
  const [current, setCurrent] = useState<SchemaSettings>();
  useEffect(() => {
    if (loaded.data) setCurrent(loaded.data);
  }, [loaded.data]);
  return (
    <>
      <PageHeading title="Settings" />
      <ErrorMessage message={loaded.error} />
      {current && <SettingsForm current={current} onSaved={setCurrent} />}
      <Audit version={current?.version} />
    </>
  );
}
