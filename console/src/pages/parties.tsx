// Parties (merchant information management): register a party, rename it or change its webhook URL, disable or
// enable it, rotate its API key (the new key is shown once), and redeliver its failed webhooks. A party's name opens
// its own page (a seller's fee schedule and capture setting).

import { useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from 'wouter';
import { api, messageOf, unwrap } from '../api/client';
import type { SchemaPartyAccount } from '../api/schema';
import { ErrorMessage, PageHeading, Pager, StatusMessage, TableRegion } from '../components';
import { formatTime, humanize } from '../format';
import { useLoad } from '../hooks';
import { useParty } from '../session';

const ROLES = ['seller', 'customer', 'supplier', 'carrier', 'operator'] as const;
type Role = (typeof ROLES)[number];

/** A secret the API shows once: shown here once too, with a warning. */
interface Secret {
  label: string;
  value: string;
}

function SecretBox({ secret, onClose }: { secret: Secret | undefined; onClose: () => void }) {
  if (!secret) return null;
  return (
    <div className="card secret" role="alert">
      <p>
        <strong>{secret.label}</strong> — shown this once; copy it now.
      </p>
      <label htmlFor="secret-value">Secret value</label>
      <input id="secret-value" readOnly value={secret.value} onFocus={(event) => event.target.select()} />
      <button type="button" className="secondary" onClick={onClose}>
        I copied it
      </button>
    </div>
  );
}

function CreateParty({ onCreated }: { onCreated: (secret: Secret) => void }) {
  const [role, setRole] = useState<Role>('seller');
  const [name, setName] = useState('');
  const [id, setId] = useState('');
  const [webhookUrl, setWebhookUrl] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body: { role: Role; name: string; id?: string; webhookUrl?: string } = { role, name: name.trim() };
      if (id.trim()) body.id = id.trim();
      if (webhookUrl.trim()) body.webhookUrl = webhookUrl.trim();
      const created = unwrap(await api.POST('/v1/parties', { body }));
      onCreated({ label: `API key of ${created.name} (${created.id})`, value: created.apiKey });
      setName('');
      setId('');
      setWebhookUrl('');
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card filters" onSubmit={(event) => void submit(event)} aria-labelledby="create-title">
      <h2 id="create-title" className="full">
        Register a party
      </h2>
      <div className="field">
        <label htmlFor="new-role">Role</label>
        <select id="new-role" value={role} onChange={(event) => setRole(event.target.value as Role)}>
          {ROLES.map((item) => (
            <option key={item} value={item}>
              {humanize(item)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="new-name">Name</label>
        <input id="new-name" required value={name} onChange={(event) => setName(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="new-id">Id (optional)</label>
        <input id="new-id" value={id} onChange={(event) => setId(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="new-webhook">Webhook URL (optional)</label>
        <input id="new-webhook" type="url" value={webhookUrl} onChange={(event) => setWebhookUrl(event.target.value)} />
      </div>
      <div className="actions full">
        <button type="submit" disabled={busy || !name.trim()}>
          Register
        </button>
      </div>
      <ErrorMessage message={error} />
    </form>
  );
}

function PartyRow({
  party,
  self,
  onChanged,
  onSecret,
}: {
  party: SchemaPartyAccount;
  self: boolean;
  onChanged: () => unknown;
  onSecret: (secret: Secret) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [webhookUrl, setWebhookUrl] = useState(party.webhookUrl ?? '');
  const [grace, setGrace] = useState('0');
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const path = { partyId: party.id };
  const run = async (label: string, call: () => Promise<void>) => {
    setError(undefined);
    setDone(undefined);
    try {
      await call();
      setDone(label);
      await onChanged();
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  const toggle = () =>
    run(party.disabled ? `${party.name} is enabled.` : `${party.name} is disabled.`, async () => {
      unwrap(
        party.disabled
          ? await api.POST('/v1/parties/{partyId}/enable', { params: { path } })
          : await api.POST('/v1/parties/{partyId}/disable', { params: { path } }),
      );
    });
  const rotate = () =>
    run(`A new key was issued for ${party.name}.`, async () => {
      const issued = unwrap(
        await api.POST('/v1/parties/{partyId}/keys', { params: { path }, body: { graceSeconds: Number(grace) } }),
      );
      onSecret({ label: `New API key of ${party.name} (${party.id})`, value: issued.apiKey });
    });
  const saveWebhook = (event: FormEvent) => {
    event.preventDefault();
    void run(`The webhook URL of ${party.name} was saved.`, async () => {
      const changed = unwrap(
        await api.PATCH('/v1/parties/{partyId}', {
          params: { path },
          body: { webhookUrl: webhookUrl.trim() ? webhookUrl.trim() : null },
        }),
      );
      if (changed.webhookSecret) {
        onSecret({ label: `Webhook signing secret of ${party.name}`, value: changed.webhookSecret });
      }
      setEditing(false);
    });
  };
  return (
    <tr>
      <th scope="row">
        <Link href={`/parties/${encodeURIComponent(party.id)}`}>{party.name}</Link>
        <br />
        <span className="muted small">{party.id}</span>
      </th>
      <td>{humanize(party.role)}</td>
      <td>{party.disabled ? `Disabled ${formatTime(party.disabledAt)}` : 'Active'}</td>
      <td>
        {editing ? (
          <form onSubmit={saveWebhook} className="inline-fields">
            <label htmlFor={`hook-${party.id}`} className="visually-hidden">
              Webhook URL of {party.name}
            </label>
            <input
              id={`hook-${party.id}`}
              type="url"
              value={webhookUrl}
              onChange={(event) => setWebhookUrl(event.target.value)}
            />
            <button type="submit">Save</button>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <>
            <span className="wrap">{party.webhookUrl ?? '—'}</span>{' '}
            <button
              type="button"
              className="link"
              onClick={() => setEditing(true)}
              aria-label={`Edit the webhook URL of ${party.name}`}
            >
              Edit
            </button>
          </>
        )}
      </td>
      <td>
        <div className="actions">
          <button
            type="button"
            className={party.disabled ? undefined : 'danger'}
            disabled={self}
            onClick={() => void toggle()}
            aria-label={`${party.disabled ? 'Enable' : 'Disable'} ${party.name}`}
          >
            {party.disabled ? 'Enable' : 'Disable'}
          </button>
          <label htmlFor={`grace-${party.id}`} className="visually-hidden">
            Old keys of {party.name} keep working for
          </label>
          <select id={`grace-${party.id}`} value={grace} onChange={(event) => setGrace(event.target.value)}>
            <option value="0">old keys stop now</option>
            <option value="3600">old keys work 1 h</option>
            <option value="86400">old keys work 24 h</option>
          </select>
          <button type="button" onClick={() => void rotate()} aria-label={`Rotate key of ${party.name}`}>
            Rotate key
          </button>
        </div>
        <ErrorMessage message={error} />
        {done && (
          <span className="visually-hidden" role="status">
            {done}
          </span>
        )}
      </td>
    </tr>
  );
}

function FailedDeliveries() {
  const deliveries = useLoad(
    async () => unwrap(await api.GET('/v1/webhook-deliveries', { params: { query: { state: 'FAILED', limit: 50 } } })),
    [],
  );
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<string>();
  const redeliver = async (noticeId: string) => {
    setError(undefined);
    try {
      unwrap(await api.POST('/v1/webhook-deliveries/{noticeId}/redeliver', { params: { path: { noticeId } } }));
      setMessage(`Redelivery of ${noticeId} started.`);
      await deliveries.reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  const rows = deliveries.data?.data ?? [];
  return (
    <section className="card" aria-labelledby="failed-title">
      <h2 id="failed-title">Failed webhook deliveries</h2>
      <ErrorMessage message={error ?? deliveries.error} />
      <StatusMessage message={message} />
      {rows.length === 0 ? (
        <p className="muted">{deliveries.loading ? 'Loading…' : 'No failed delivery.'}</p>
      ) : (
        <TableRegion label="Failed webhook deliveries">
          <table>
            <thead>
              <tr>
                <th scope="col">Notice</th>
                <th scope="col">Recipient</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((delivery) => (
                <tr key={delivery.noticeId}>
                  <td className="wrap">{delivery.noticeId}</td>
                  <td>{delivery.recipientId}</td>
                  <td>{delivery.attempts}</td>
                  <td>{delivery.lastError ?? '—'}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => void redeliver(delivery.noticeId)}
                      aria-label={`Redeliver ${delivery.noticeId}`}
                    >
                      Redeliver
                    </button>
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

/** The parties page. */
export function PartiesPage() {
  const me = useParty();
  const [role, setRole] = useState<Role | ''>('');
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [secret, setSecret] = useState<Secret>();
  const cursor = cursors[cursors.length - 1];
  const parties = useLoad(
    async () =>
      unwrap(
        await api.GET('/v1/parties', {
          params: { query: { limit: 20, ...(role ? { role } : {}), ...(cursor ? { cursor } : {}) } },
        }),
      ),
    [role, cursor],
  );
  const rows = parties.data?.data ?? [];
  return (
    <>
      <PageHeading title="Parties" />
      <SecretBox secret={secret} onClose={() => setSecret(undefined)} />
      <CreateParty
        onCreated={(created) => {
          setSecret(created);
          void parties.reload();
        }}
      />
      <section className="card" aria-labelledby="list-title">
        <h2 id="list-title">Registered parties</h2>
        <div className="field narrow">
          <label htmlFor="role-filter">Show role</label>
          <select
            id="role-filter"
            value={role}
            onChange={(event) => {
              setRole(event.target.value as Role | '');
              setCursors([undefined]);
            }}
          >
            <option value="">All roles</option>
            {ROLES.map((item) => (
              <option key={item} value={item}>
                {humanize(item)}
              </option>
            ))}
          </select>
        </div>
        <ErrorMessage message={parties.error} />
        <TableRegion label="Parties">
          <table>
            <thead>
              <tr>
                <th scope="col">Party</th>
                <th scope="col">Role</th>
                <th scope="col">State</th>
                <th scope="col">Webhook URL</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((party) => (
                <PartyRow
                  key={party.id}
                  party={party}
                  self={party.id === me.id}
                  onChanged={parties.reload}
                  onSecret={setSecret}
                />
              ))}
            </tbody>
          </table>
        </TableRegion>
        <Pager label="Pages of parties" cursors={cursors} nextCursor={parties.data?.nextCursor} onChange={setCursors} />
      </section>
      <FailedDeliveries />
    </>
  );
}
