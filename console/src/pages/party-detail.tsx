// One party (operators only): its account, and for a seller its fee schedule and capture setting, edited here and
// saved through PUT /v1/settings against the version read (so the API validates it and the audit trail records who
// changed what), with this seller's own entries of the audit trail. The capture setting is only shown and stored
// here; whether orders follow it is the gateway's business.

import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from 'wouter';
import { ApiFailure, api, messageOf, unwrap } from '../api/client';
import type { SchemaGatewaySettings } from '../api/schema';
import { ErrorMessage, PageHeading, StatusMessage, TableRegion } from '../components';
import { formatTime, humanize } from '../format';
import { useLoad } from '../hooks';

type Capture = 'IMMEDIATE' | 'ON_SHIPMENT';
type SellerSettings = NonNullable<SchemaGatewaySettings['sellers']>[string];

const MAX_BPS = 10_000;

/** What the form holds: empty fee fields mean the gateway's fee applies; empty capture the gateway's default. */
interface Draft {
  ownFee: boolean;
  bps: string;
  fixedMinor: string;
  capture: Capture | '';
}

function toDraft(seller: SellerSettings | undefined): Draft {
  return {
    ownFee: seller?.fee !== undefined,
    bps: seller?.fee ? String(seller.fee.bps) : '',
    fixedMinor: seller?.fee ? String(seller.fee.fixedMinor) : '',
    capture: seller?.capture ?? '',
  };
}

/** The draft as the seller's settings, or the reason it cannot be saved. */
function fromDraft(draft: Draft): { seller: SellerSettings } | { problem: string } {
  const seller: SellerSettings = {};
  if (draft.ownFee) {
    const bps = Number(draft.bps);
    const fixedMinor = Number(draft.fixedMinor);
    if (draft.bps.trim() === '' || !Number.isInteger(bps) || bps < 0 || bps > MAX_BPS) {
      return { problem: `The fee in basis points must be a whole number from 0 to ${MAX_BPS}.` };
    }
    if (draft.fixedMinor.trim() === '' || !Number.isInteger(fixedMinor) || fixedMinor < 0) {
      return { problem: 'The fixed fee must be a whole number of minor units (cents), 0 or more.' };
    }
    seller.fee = { bps, fixedMinor };
  }
  if (draft.capture) seller.capture = draft.capture;
  return { seller };
}

function SellerSettingsForm({ sellerId, sellerName }: { sellerId: string; sellerName: string }) {
  const settings = useLoad(async () => unwrap(await api.GET('/v1/settings')), []);
  const current = settings.data;
  const [draft, setDraft] = useState<Draft>(toDraft(undefined));
  const [error, setError] = useState<string>();
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (current) setDraft(toDraft(current.settings.sellers?.[sellerId]));
  }, [current, sellerId]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!current) return;
    setError(undefined);
    setMessage(undefined);
    const parsed = fromDraft(draft);
    if ('problem' in parsed) {
      setError(parsed.problem);
      return;
    }
    const sellers = { ...(current.settings.sellers ?? {}) };
    if (parsed.seller.fee === undefined && parsed.seller.capture === undefined) delete sellers[sellerId];
    else sellers[sellerId] = parsed.seller;
    setBusy(true);
    try {
      const saved = unwrap(
        await api.PUT('/v1/settings', {
          body: { version: current.version, settings: { ...current.settings, sellers } },
        }),
      );
      setMessage(`Saved as version ${saved.version}: ${sellerName}'s fee and capture setting.`);
      await settings.reload();
    } catch (failure) {
      if (failure instanceof ApiFailure && failure.status === 409) {
        setError('Someone changed the settings meanwhile: the form shows them now; check and save again.');
        await settings.reload();
      } else {
        setError(messageOf(failure));
      }
    } finally {
      setBusy(false);
    }
  };

  const gatewayFee = current?.effective.gatewayFee;
  return (
    <form className="card filters" onSubmit={(event) => void save(event)} aria-labelledby="seller-settings-title">
      <h2 id="seller-settings-title" className="full">
        Fee schedule and capture
      </h2>
      <ErrorMessage message={current ? undefined : settings.error} />
      {current && (
        <>
          <p className="muted small full">
            Without a fee of its own, this seller pays the gateway's fee ({gatewayFee?.bps} bp +{' '}
            {gatewayFee?.fixedMinor} minor units). Settings version {current.version}.
          </p>
          <div className="field full">
            <label className="checkbox">
              <input
                type="checkbox"
                checked={draft.ownFee}
                onChange={(event) => setDraft((d) => ({ ...d, ownFee: event.target.checked }))}
              />{' '}
              A fee of its own
            </label>
          </div>
          <div className="field">
            <label htmlFor="seller-fee-bps">Fee (basis points)</label>
            <input
              id="seller-fee-bps"
              inputMode="numeric"
              disabled={!draft.ownFee}
              value={draft.bps}
              onChange={(event) => setDraft((d) => ({ ...d, bps: event.target.value }))}
            />
          </div>
          <div className="field">
            <label htmlFor="seller-fee-fixed">Fixed fee (minor units)</label>
            <input
              id="seller-fee-fixed"
              inputMode="numeric"
              disabled={!draft.ownFee}
              value={draft.fixedMinor}
              onChange={(event) => setDraft((d) => ({ ...d, fixedMinor: event.target.value }))}
            />
          </div>
          <div className="field">
            <label htmlFor="seller-capture">Capture</label>
            <select
              id="seller-capture"
              value={draft.capture}
              onChange={(event) => setDraft((d) => ({ ...d, capture: event.target.value as Capture | '' }))}
            >
              <option value="">Gateway default</option>
              <option value="IMMEDIATE">Immediate (at payment)</option>
              <option value="ON_SHIPMENT">On shipment</option>
            </select>
          </div>
          <div className="actions full">
            <button type="submit" disabled={busy}>
              Save fee and capture
            </button>
          </div>
          <div className="full">
            <ErrorMessage message={error} />
            <StatusMessage message={message} />
          </div>
        </>
      )}
      <SellerAudit sellerId={sellerId} version={current?.version} />
    </form>
  );
}

/** The audit trail's changes to this seller's settings (among the newest 100 changes). */
function SellerAudit({ sellerId, version }: { sellerId: string; version: number | undefined }) {
  const audit = useLoad(
    async () => unwrap(await api.GET('/v1/settings/audit', { params: { query: { limit: 100 } } })),
    [version],
  );
  const prefix = `sellers.${sellerId}.`;
  const rows = (audit.data?.data ?? []).flatMap((entry) =>
    entry.changes
      .filter((change) => change.path.startsWith(prefix))
      .map((change) => ({ ...change, version: entry.version, at: entry.at, operatorId: entry.operatorId })),
  );
  return (
    <div className="full">
      <h3>Changes to this seller's settings</h3>
      {rows.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <TableRegion label="Seller settings audit">
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Setting</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.version}-${row.path}`}>
                  <td>{row.version}</td>
                  <td>{formatTime(row.at)}</td>
                  <td>{row.operatorId}</td>
                  <td>
                    <code>{row.path.slice(prefix.length)}</code>
                  </td>
                  <td>{row.from === undefined ? 'unset' : JSON.stringify(row.from)}</td>
                  <td>{row.to === undefined ? 'unset' : JSON.stringify(row.to)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
    </div>
  );
}

/** The party page. */
export function PartyDetailPage({ partyId }: { partyId: string }) {
  const party = useLoad(
    async () => unwrap(await api.GET('/v1/parties/{partyId}', { params: { path: { partyId } } })),
    [partyId],
  );
  const data = party.data;
  return (
    <>
      <PageHeading title={data ? `${data.name}` : `Party ${partyId}`}>
        <p>
          <Link href="/parties">← All parties</Link>
        </p>
      </PageHeading>
      <ErrorMessage message={data ? undefined : party.error} />
      {data && (
        <>
          <section className="card" aria-labelledby="party-title">
            <h2 id="party-title">Account</h2>
            <dl className="facts">
              <dt>Id</dt>
              <dd>{data.id}</dd>
              <dt>Role</dt>
              <dd>{humanize(data.role)}</dd>
              <dt>State</dt>
              <dd>{data.disabled ? `Disabled ${formatTime(data.disabledAt)}` : 'Active'}</dd>
              <dt>Webhook URL</dt>
              <dd className="wrap">{data.webhookUrl ?? '—'}</dd>
            </dl>
          </section>
          {data.role === 'seller' && <SellerSettingsForm sellerId={data.id} sellerName={data.name} />}
        </>
      )}
    </>
  );
}
