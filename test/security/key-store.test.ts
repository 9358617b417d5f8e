// The key ring on the real database (FerretDB from jest's global setup), as the processes open it: keys created once
// by processes starting together, wrapped under the KEK in the `keys` collection, start-up refused with a clear
// message without the right KEK, stored secrets re-sealed under the current key and retirement refused before.

import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config';
import type { Config } from '../../src/config';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import { registerParty } from '../../src/persistence/party-store';
import { generateKek } from '../../src/security/kek';
import { reseal, retirementBlocker } from '../../src/security/key-admin';
import type { KeyRing } from '../../src/security/key-ring';
import { KEYS_COLLECTION } from '../../src/security/key-store';
import type { StoredKey } from '../../src/security/key-store';
import { openKeyRing } from '../../src/security/open-key-ring';
import { Vault, generateVaultKey } from '../../src/security/vault';
import { uniqueDatabaseUri } from '../support/workflow-env';

let db: Database;
let config: Config;
const vaultKey = generateVaultKey();
const rings: KeyRing[] = [];

function configWith(env: Record<string, string | undefined>): Config {
  return loadConfig({ MONGODB_URI: config.mongodbUri, SETTLEFLOW_VAULT_KEY: vaultKey, ...env });
}

async function open(env: Record<string, string | undefined> = {}): Promise<KeyRing> {
  const ring = await openKeyRing(configWith({ SETTLEFLOW_KEK: config.keys.kek, ...env }), db, 'admin', {
    refresh: false,
  });
  rings.push(ring);
  return ring;
}

beforeAll(async () => {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI is not set: run through jest (its globalSetup sets it)');
  config = loadConfig({
    MONGODB_URI: uniqueDatabaseUri(uri, 'settleflow_keys'),
    SETTLEFLOW_KEK: generateKek(),
    SETTLEFLOW_VAULT_KEY: vaultKey,
  });
  db = await connectDatabase(config.mongodbUri);
});

afterAll(async () => {
  for (const ring of rings) ring.close();
  await db?.connection.dropDatabase();
  await db?.close();
});

describe('key ring on the database', () => {
  it('key store › three processes starting together on an empty database › agree on one key per purpose', async () => {
    const [api, worker, gateway] = await Promise.all([open(), open(), open()]);
    const active = (ring: KeyRing) =>
      ring
        .list()
        .filter((key) => key.state === 'active')
        .map((key) => key.kid)
        .sort();
    expect(active(api)).toHaveLength(6);
    await Promise.all([worker.refresh(), gateway.refresh()]);
    await api.refresh();
    expect(active(worker)).toEqual(active(api));
    expect(active(gateway)).toEqual(active(api));
    const stored = await db.connection.collection<StoredKey>(KEYS_COLLECTION).find({}).toArray();
    expect(stored.filter((key) => key.purpose !== 'legacy')).toHaveLength(6);
    expect(stored.filter((key) => key.purpose === 'legacy')).toHaveLength(1);
    const text = JSON.stringify(stored);
    expect(text).not.toContain(vaultKey);
    expect(text).not.toContain(api.symmetricKey('card-vault').key.toString('base64'));
    expect(text).not.toMatch(/"d":/);
  });

  it('key store › start-up without SETTLEFLOW_KEK › fails naming the variable', async () => {
    await expect(open({ SETTLEFLOW_KEK: undefined })).rejects.toThrow(
      /cannot open the key ring: SETTLEFLOW_KEK \(or SETTLEFLOW_KEK_FILE\) is not set/,
    );
  });

  it('key store › start-up with another KEK than the keys were stored under › fails saying so', async () => {
    await expect(open({ SETTLEFLOW_KEK: generateKek() })).rejects.toThrow(
      /cannot open the key ring: SETTLEFLOW_KEK is not the key-encryption key the stored keys were wrapped under/,
    );
  });

  it('key store › webhook secrets under the legacy and an old key › reseal moves them, then retire is allowed', async () => {
    const ring = await open();
    const legacy = new Vault(vaultKey);
    const before = await registerParty(db, legacy, {
      id: `legacy-${randomUUID().slice(0, 8)}`,
      role: 'supplier',
      name: 'Legacy',
      webhookUrl: 'https://93.184.215.14/hooks',
    });
    const oldKid = ring.list().find((key) => key.purpose === 'webhook-secrets' && key.state === 'active')
      ?.kid as string;
    const middle = await registerParty(db, ring, {
      id: `old-${randomUUID().slice(0, 8)}`,
      role: 'supplier',
      name: 'Old key',
      webhookUrl: 'https://93.184.215.14/hooks',
    });
    await ring.rotate('webhook-secrets', { activateNow: true });
    const oldKey = ring.list().find((key) => key.kid === oldKid);
    if (!oldKey) throw new Error('old key missing');
    const settings = { idempotencyTtlMs: 0, now: new Date() };
    expect(await retirementBlocker(db.connection, oldKey, settings)).toMatch(/1 in parties.webhookSecretSealed/);

    const progress: string[] = [];
    const count = await reseal(ring, db.connection, 'webhook-secrets', (field, done, total) =>
      progress.push(`${field} ${done}/${total}`),
    );
    expect(count).toBeGreaterThanOrEqual(2);
    expect(progress[progress.length - 1]).toMatch(/^parties.webhookSecretSealed (\d+)\/\1$/);
    const currentKid = ring.list().find((key) => key.purpose === 'webhook-secrets' && key.state === 'active')?.kid;
    for (const party of [before, middle]) {
      const stored = await db.parties.findById(party.id).lean();
      expect(stored?.webhookSecretSealed?.startsWith(`v2.${currentKid}.`)).toBe(true);
      expect(ring.open('webhook-secrets', stored?.webhookSecretSealed as string)).toBe(party.webhookSecret);
    }
    expect(await retirementBlocker(db.connection, oldKey, settings)).toBeUndefined();
    expect((await ring.retire(oldKid)).state).toBe('retired');
  });

  it('retirement guard › superseded temporal-payloads and signing keys › refused (histories; notices in the JWKS grace period)', async () => {
    const ring = await open();
    const kidOf = (purpose: string) =>
      ring.list().find((key) => key.purpose === purpose && key.state === 'active')?.kid;
    const [payloadKid, signingKid] = [kidOf('temporal-payloads'), kidOf('signing')];
    await ring.rotate('temporal-payloads', { activateNow: true });
    await ring.rotate('signing', { activateNow: true });
    const settings = { idempotencyTtlMs: 0, now: new Date() };
    const info = (kid: string | undefined) => {
      const found = ring.list().find((key) => key.kid === kid);
      if (!found) throw new Error(`no key ${kid}`);
      return found;
    };
    expect(await retirementBlocker(db.connection, info(payloadKid), settings)).toMatch(
      /Temporal payloads sealed under .* workflow histories/,
    );
    expect(info(signingKid)).toMatchObject({ state: 'retiring', published: true });
    expect(await retirementBlocker(db.connection, info(signingKid), settings)).toMatch(
      /notices signed under .* verify with the JWKS/,
    );
    // Past the grace period (no longer published), a signing key retires without --force.
    expect(await retirementBlocker(db.connection, { ...info(signingKid), published: false }, settings)).toBeUndefined();
  });

  it('config › SETTLEFLOW_KEK_FILE, both variables, an activation delay within the refresh › read or refused', () => {
    expect(() => configWith({ SETTLEFLOW_KEK: 'a', SETTLEFLOW_KEK_FILE: '/nonexistent' })).toThrow(
      /set SETTLEFLOW_KEK or SETTLEFLOW_KEK_FILE, not both/,
    );
    expect(() => configWith({ SETTLEFLOW_KEK_FILE: '/nonexistent/kek' })).toThrow(/SETTLEFLOW_KEK_FILE: cannot read/);
    expect(() =>
      configWith({ SETTLEFLOW_KEY_REFRESH_MS: '30000', SETTLEFLOW_KEY_ACTIVATION_DELAY_MS: '20000' }),
    ).toThrow(/SETTLEFLOW_KEY_ACTIVATION_DELAY_MS must exceed SETTLEFLOW_KEY_REFRESH_MS/);
    expect(configWith({}).keys).toMatchObject({ refreshMs: 30_000, activationDelayMs: 90_000, jwksMaxAgeSeconds: 300 });
  });
});
