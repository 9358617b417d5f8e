// The key ring without servers (an in-memory key store, a fixed clock): keys per purpose with ids in what they seal,
// rotation with a pending key every process loads before it seals, legacy `v1.` values and fingerprints, retirement,
// the KEK checks, the JWKS and JOSE on the asymmetric keys, the payload codec's key source.

import { randomBytes } from 'node:crypto';
import { CompactEncrypt, compactVerify, createLocalJWKSet, importJWK } from 'jose';
import { generateKek } from '../../src/security/kek';
import { KeyRingError } from '../../src/security/key-errors';
import { KeyRing } from '../../src/security/key-ring';
import type { KeyRingOptions } from '../../src/security/key-ring';
import { memoryKeyStore } from '../../src/security/key-store';
import { decryptCompact, signCompact, verifyCompact } from '../../src/security/jose-keys';
import { payloadKeySource } from '../../src/security/payload-keys';
import { KEY_PURPOSES } from '../../src/security/purpose-keys';
import { LEGACY_KID, Vault, generateVaultKey } from '../../src/security/vault';

const MINUTE = 60_000;

function clock(start = Date.parse('2026-11-27T06:00:00Z')) {
  let at = start;
  return { now: () => new Date(at), advance: (ms: number) => (at += ms) };
}

async function ringOn(overrides: Partial<KeyRingOptions> & Pick<KeyRingOptions, 'store' | 'kek'>): Promise<KeyRing> {
  return KeyRing.open({ refreshMs: 0, activationDelayMs: 2 * MINUTE, jwksGraceMs: 60 * MINUTE, ...overrides });
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof KeyRingError ? error.code : `not a KeyRingError: ${String(error)}`;
  }
  return undefined;
}

async function asyncCodeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
  } catch (error) {
    return error instanceof KeyRingError ? error.code : `not a KeyRingError: ${String(error)}`;
  }
  return undefined;
}

describe('key ring', () => {
  it('key ring › first start › one active key per purpose, each sealing under its own kid', async () => {
    const ring = await ringOn({ store: memoryKeyStore(), kek: generateKek() });
    const active = ring.list().filter((key) => key.state === 'active');
    expect(active.map((key) => key.purpose).sort()).toEqual(
      ['card-vault', 'idempotency', 'payment-instructions', 'signing', 'temporal-payloads', 'webhook-secrets'].sort(),
    );
    expect(new Set(active.map((key) => key.kid)).size).toBe(6);
    const sealed = ring.seal('card-vault', '4111111111111111');
    const cardKid = active.find((key) => key.purpose === 'card-vault')?.kid as string;
    expect(sealed.startsWith(`v2.${cardKid}.`)).toBe(true);
    expect(ring.open('card-vault', sealed)).toBe('4111111111111111');
    expect(active.find((key) => key.purpose === 'signing')?.alg).toBe('ES256');
    expect(active.find((key) => key.purpose === 'payment-instructions')?.alg).toBe('RSA-OAEP-256');
  });

  it('key ring › a value sealed for one purpose › is refused by another purpose with wrong_purpose', async () => {
    const ring = await ringOn({ store: memoryKeyStore(), kek: generateKek() });
    const sealed = ring.seal('webhook-secrets', 'whsec_abc');
    expect(codeOf(() => ring.open('card-vault', sealed))).toBe('wrong_purpose');
  });

  it('key ring › stored keys › hold no key material in clear and name the KEK they are wrapped under', async () => {
    const store = memoryKeyStore();
    const kek = generateKek();
    const ring = await ringOn({ store, kek });
    const raw = ring.symmetricKey('temporal-payloads').key;
    const text = JSON.stringify([...store.records.values()]);
    expect(text).not.toContain(raw.toString('base64'));
    expect(text).not.toContain(raw.toString('hex'));
    expect(text).not.toContain('"d":');
    for (const record of store.records.values()) expect(record.material).toEqual(expect.any(String));
  });

  it('key ring › rotate › the new key is pending (opens, does not seal) until the activation delay has passed', async () => {
    const time = clock();
    const ring = await ringOn({ store: memoryKeyStore(), kek: generateKek(), now: time.now });
    const before = ring.seal('card-vault', 'old card');
    const added = await ring.rotate('card-vault');
    expect(added.state).toBe('pending');
    expect(ring.seal('card-vault', 'still old').startsWith(`v2.${added.kid}.`)).toBe(false);
    time.advance(2 * MINUTE);
    const after = ring.seal('card-vault', 'new card');
    expect(after.startsWith(`v2.${added.kid}.`)).toBe(true);
    expect(ring.open('card-vault', before)).toBe('old card');
    expect(ring.open('card-vault', after)).toBe('new card');
    const states = ring.list().filter((key) => key.purpose === 'card-vault');
    expect(states.map((key) => key.state)).toEqual(['retiring', 'active']);
    expect(states[0]?.deactivatedAt?.toISOString()).toBe(added.activatesAt.toISOString());
  });

  it('key ring › two processes on one store › a key rotated in one is loaded by the other before it seals', async () => {
    const time = clock();
    const store = memoryKeyStore();
    const kek = generateKek();
    const api = await ringOn({ store, kek, now: time.now });
    const worker = await ringOn({ store, kek, now: time.now });
    const admin = await ringOn({ store, kek, now: time.now });
    const added = await admin.rotate('webhook-secrets');
    await worker.refresh(); // what its timer does within refreshMs, well before the activation delay
    await api.refresh();
    time.advance(2 * MINUTE);
    const sealed = api.seal('webhook-secrets', 'whsec_new');
    expect(sealed.startsWith(`v2.${added.kid}.`)).toBe(true);
    expect(worker.open('webhook-secrets', sealed)).toBe('whsec_new');
  });

  it('key ring › an unknown kid (rotated with --now elsewhere) › unknown_key_id at once, opens after the reload it triggers', async () => {
    const store = memoryKeyStore();
    const kek = generateKek();
    const worker = await ringOn({ store, kek });
    const admin = await ringOn({ store, kek });
    await admin.rotate('card-vault', { activateNow: true });
    const sealed = admin.seal('card-vault', 'card');
    expect(codeOf(() => worker.open('card-vault', sealed))).toBe('unknown_key_id');
    await worker.refresh();
    expect(worker.open('card-vault', sealed)).toBe('card');
  });

  it('key ring › a kid that never existed › unknown_key_id naming the kid', async () => {
    const ring = await ringOn({ store: memoryKeyStore(), kek: generateKek() });
    const sealed = ring.seal('card-vault', 'card');
    const forged = sealed.replace(/^v2\.[^.]+\./, 'v2.card-vault-9-deadbeef.');
    expect(() => ring.open('card-vault', forged)).toThrow(/unknown key id "card-vault-9-deadbeef"/);
  });

  it('key ring › tampered ciphertext, truncated value or swapped kid › sealed_value_tampered', async () => {
    const time = clock();
    const ring = await ringOn({ store: memoryKeyStore(), kek: generateKek(), now: time.now });
    const sealed = ring.seal('card-vault', 'card');
    const [version, kid, body] = sealed.split('.') as [string, string, string];
    const bytes = Buffer.from(body, 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    expect(codeOf(() => ring.open('card-vault', `${version}.${kid}.${bytes.toString('base64')}`))).toBe(
      'sealed_value_tampered',
    );
    expect(codeOf(() => ring.open('card-vault', `${version}.${kid}.AAAA`))).toBe('sealed_value_tampered');
    const other = await ring.rotate('card-vault', { activateNow: true });
    expect(codeOf(() => ring.open('card-vault', `${version}.${other.kid}.${body}`))).toBe('sealed_value_tampered');
    expect(codeOf(() => ring.open('card-vault', 'plain text'))).toBe('not_sealed');
  });

  it('key ring › legacy vault key › v1 values open, legacy fingerprints match, stable digests stay the same', async () => {
    const vaultKey = generateVaultKey();
    const vault = new Vault(vaultKey);
    const ring = await ringOn({ store: memoryKeyStore(), kek: generateKek(), legacyVaultKey: vaultKey });
    expect(ring.open('card-vault', vault.seal('4242'))).toBe('4242');
    expect(ring.open('webhook-secrets', vault.seal('whsec_old'))).toBe('whsec_old');
    const legacyFingerprint = vault.fingerprint('POST\n/v1/orders\n{}');
    expect(ring.matches('idempotency', 'POST\n/v1/orders\n{}', legacyFingerprint)).toBe(true);
    expect(ring.matches('idempotency', 'POST\n/v1/orders\n{"a":1}', legacyFingerprint)).toBe(false);
    expect(ring.digest('idempotency', 'order-id:x', legacyFingerprint)).toBe(vault.mac('order-id:x'));
    expect(ring.stableDigest('card-vault', 'micropayment-card:4242')).toBe(vault.mac('micropayment-card:4242'));
    expect(ring.list().find((key) => key.kid === LEGACY_KID)?.state).toBe('retiring');
    expect(codeOf(() => ring.open('temporal-payloads', vault.seal('x')))).toBe('wrong_purpose');
  });

  it('key ring › a v1 value without an imported legacy key › legacy_key_missing', async () => {
    const ring = await ringOn({ store: memoryKeyStore(), kek: generateKek() });
    expect(codeOf(() => ring.open('card-vault', new Vault(generateVaultKey()).seal('x')))).toBe('legacy_key_missing');
  });

  it('key ring › another SETTLEFLOW_VAULT_KEY than the imported one › start-up fails naming it', async () => {
    const store = memoryKeyStore();
    const kek = generateKek();
    await ringOn({ store, kek, legacyVaultKey: generateVaultKey() });
    await expect(ringOn({ store, kek, legacyVaultKey: generateVaultKey() })).rejects.toThrow(
      /SETTLEFLOW_VAULT_KEY is not the legacy key/,
    );
  });

  it('key ring › fingerprints across a rotation › the old one still matches and derives the same digest', async () => {
    const time = clock();
    const ring = await ringOn({ store: memoryKeyStore(), kek: generateKek(), now: time.now });
    const text = 'POST\n/v1/orders\n{"orderId":"o-1"}';
    const old = ring.fingerprint('idempotency', text);
    const derived = ring.digest('idempotency', 'order-id:scope', old);
    await ring.rotate('idempotency', { activateNow: true });
    const fresh = ring.fingerprint('idempotency', text);
    expect(fresh).not.toBe(old);
    expect(ring.matches('idempotency', text, old)).toBe(true);
    expect(ring.matches('idempotency', text, fresh)).toBe(true);
    expect(ring.digest('idempotency', 'order-id:scope', old)).toBe(derived);
    expect(ring.digest('idempotency', 'order-id:scope')).not.toBe(derived);
  });

  it('key ring › retire › refused for the current key; a retired key opens nothing and its material is erased', async () => {
    const store = memoryKeyStore();
    const ring = await ringOn({ store, kek: generateKek() });
    const old = ring.list().find((key) => key.purpose === 'webhook-secrets' && key.state === 'active')?.kid as string;
    expect(await asyncCodeOf(() => ring.retire(old))).toBe('key_in_use');
    const sealed = ring.seal('webhook-secrets', 'whsec_old');
    await ring.rotate('webhook-secrets', { activateNow: true });
    const retired = await ring.retire(old);
    expect(retired.state).toBe('retired');
    expect(codeOf(() => ring.open('webhook-secrets', sealed))).toBe('key_retired');
    expect([...store.records.values()].find((record) => record.kid === old)?.material).toBeUndefined();
    expect(await asyncCodeOf(() => ring.retire(old))).toBe('key_retired');
  });

  it('key ring › one ring rotating every purpose at once › each rotation returns its own new key', async () => {
    // A store whose answers take a while, like a database's: a read started before a write does not see it.
    const memory = memoryKeyStore();
    const slowStore = {
      ...memory,
      list: async () => {
        const records = await memory.list();
        await new Promise((resolve) => setTimeout(resolve, 30));
        return records;
      },
    };
    const ring = await ringOn({ store: slowStore, kek: generateKek() });
    const added = await Promise.all(KEY_PURPOSES.map((purpose) => ring.rotate(purpose, { activateNow: true })));
    expect(added.map((key) => `${key.purpose} ${key.state}`)).toEqual(
      KEY_PURPOSES.map((purpose) => `${purpose} active`),
    );
  });

  it('key ring › concurrent rotations of one purpose › exactly one wins, the other gets rotation_conflict', async () => {
    const store = memoryKeyStore();
    const kek = generateKek();
    const [a, b] = [await ringOn({ store, kek }), await ringOn({ store, kek })];
    const outcomes = await Promise.allSettled([a.rotate('idempotency'), b.rotate('idempotency')]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const failed = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
    expect((failed.reason as KeyRingError).code).toBe('rotation_conflict');
  });

  it('key ring › KEK missing, malformed or not the stored one › kek_invalid naming SETTLEFLOW_KEK', async () => {
    const store = memoryKeyStore();
    await ringOn({ store, kek: generateKek() });
    await expect(ringOn({ store, kek: undefined })).rejects.toThrow(/SETTLEFLOW_KEK.*not set/);
    await expect(ringOn({ store, kek: randomBytes(16).toString('base64') })).rejects.toThrow(/32 bytes, not 16/);
    await expect(ringOn({ store, kek: generateKek() })).rejects.toMatchObject({
      code: 'kek_invalid',
      message: expect.stringMatching(/SETTLEFLOW_KEK is not the key-encryption key/),
    });
  });

  it('key ring › a stored record changed (kid swapped) › kek_invalid at load, not a silently wrong key', async () => {
    const store = memoryKeyStore();
    const kek = generateKek();
    await ringOn({ store, kek });
    const record = store.records.get('card-vault#1');
    if (!record) throw new Error('no card-vault key stored');
    store.records.set('card-vault#1', { ...record, kid: 'card-vault-1-00000000' });
    await expect(ringOn({ store, kek })).rejects.toMatchObject({ code: 'kek_invalid' });
  });

  it('key ring › JWKS › current, pending and grace-period public keys only, then the old one drops', async () => {
    const time = clock();
    const ring = await ringOn({ store: memoryKeyStore(), kek: generateKek(), now: time.now });
    const first = ring.signingKey().kid;
    const firstEnc = ring.encryptionKey().kid;
    const next = await ring.rotate('signing');
    let kids = ring.jwks().keys.map((key) => key.kid);
    expect(kids).toEqual(expect.arrayContaining([first, next.kid, firstEnc]));
    expect(kids).toHaveLength(3);
    time.advance(2 * MINUTE); // next activates: first enters its grace period
    expect(ring.signingKey().kid).toBe(next.kid);
    expect(ring.jwks().keys.map((key) => key.kid)).toContain(first);
    time.advance(60 * MINUTE); // the grace period has passed
    kids = ring.jwks().keys.map((key) => key.kid);
    expect(kids).not.toContain(first);
    expect(kids).toEqual(expect.arrayContaining([next.kid, firstEnc]));
    for (const key of ring.jwks().keys) {
      expect(Object.keys(key).sort()).toEqual(
        key.kty === 'EC' ? ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'] : ['alg', 'e', 'kid', 'kty', 'n', 'use'],
      );
      expect(key.use).toBe(key.kty === 'EC' ? 'sig' : 'enc');
    }
  });

  it('key ring › JWS notice › verifies with the published JWKS (jose), a tampered one fails', async () => {
    const ring = await ringOn({ store: memoryKeyStore(), kek: generateKek() });
    const jws = await signCompact(ring, { type: 'transfer_notice', orderId: 'ord_1', amountMinor: 26_950 });
    const verified = await compactVerify(jws, createLocalJWKSet(ring.jwks()));
    expect(JSON.parse(Buffer.from(verified.payload).toString('utf8'))).toMatchObject({ orderId: 'ord_1' });
    expect(verified.protectedHeader).toMatchObject({ alg: 'ES256', kid: ring.signingKey().kid });
    const [header, payload, signature] = jws.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ type: 'transfer_notice', orderId: 'ord_1', amountMinor: 1 }));
    await expect(verifyCompact(ring, `${header}.${forged.toString('base64url')}.${signature}`)).rejects.toThrow(
      /signature verification failed/,
    );
    expect(payload.length).toBeGreaterThan(0);
  });

  it('key ring › JWE payment instruction › encrypted to the JWKS key decrypts, also after a rotation', async () => {
    const time = clock();
    const ring = await ringOn({ store: memoryKeyStore(), kek: generateKek(), now: time.now });
    const published = ring.jwks().keys.find((key) => key.use === 'enc');
    if (!published) throw new Error('no encryption key published');
    const instruction = JSON.stringify({ number: '4111111111111111', cvc: '123' });
    const jwe = await new CompactEncrypt(Buffer.from(instruction))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: published.kid })
      .encrypt(await importJWK(published, 'RSA-OAEP-256'));
    await ring.rotate('payment-instructions', { activateNow: true });
    time.advance(1);
    const { plaintext } = await decryptCompact(ring, jwe);
    expect(Buffer.from(plaintext).toString('utf8')).toBe(instruction);
    await ring.retire(published.kid);
    expect(await asyncCodeOf(() => decryptCompact(ring, jwe))).toBe('key_retired');
  });

  it('key ring › a process holding only some purposes › uses their keys, publishes and verifies the others, never unwraps them', async () => {
    const store = memoryKeyStore();
    const kek = generateKek();
    const gateway = await ringOn({ store, kek, purposes: ['card-vault', 'signing', 'payment-instructions'] });
    const api = await ringOn({ store, kek, purposes: ['card-vault', 'webhook-secrets', 'idempotency'] });
    const jws = await signCompact(gateway, { notice: 'n' });
    expect((await verifyCompact(api, jws)).protectedHeader.kid).toBe(gateway.signingKey().kid);
    expect(api.encryptionKey().kid).toBe(gateway.encryptionKey().kid);
    expect(api.jwks().keys).toHaveLength(2);
    expect(codeOf(() => api.signingKey())).toBe('purpose_not_held');
    expect(codeOf(() => api.decryptionKey(gateway.encryptionKey().kid))).toBe('purpose_not_held');
    expect(codeOf(() => gateway.seal('webhook-secrets', 'x'))).toBe('purpose_not_held');
    expect(gateway.open('card-vault', api.seal('card-vault', 'card'))).toBe('card');
  });

  it('payload key source › current and by kid across a rotation; unknown kid › undefined', async () => {
    const ring = await ringOn({ store: memoryKeyStore(), kek: generateKek() });
    const source = payloadKeySource(ring);
    const first = await source.current();
    expect(first.key).toHaveLength(32);
    await ring.rotate('temporal-payloads', { activateNow: true });
    const second = await source.current();
    expect(second.kid).not.toBe(first.kid);
    expect((await source.byKid(first.kid))?.equals(first.key)).toBe(true);
    expect(await source.byKid('temporal-payloads-9-00000000')).toBeUndefined();
    expect(await source.byKid(ring.signingKey().kid)).toBeUndefined();
  });
});
