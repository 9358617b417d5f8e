// The key ring: one key per purpose (card vault, webhook secrets, idempotency fingerprints, Temporal payloads,
// signing, payment instructions), each with a key id carried by everything it seals, signs or encrypts, rotated
// without breaking what the old key made. Keys live in the key store wrapped under the key-encryption key; every
// process holds a snapshot it reloads every `refreshMs` (and at once on an unknown key id), and a rotated key only
// starts sealing `activationDelayMs` after it was added, once every process has loaded it. The legacy vault key
// (SETTLEFLOW_VAULT_KEY) is imported once as `legacy-v1` so `v1.` values stay readable.
// Never logs, returns or stores key material in clear; only public keys leave through `jwks()`.

import type { KeyObject } from 'node:crypto';
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { promisify } from 'node:util';
import type { Kek } from './kek';
import { loadKek } from './kek';
import { KeyRingError } from './key-errors';
import type { KeyAlgorithm, KeyStore, PublicJwk, StoredKey } from './key-store';
import type { AsymmetricPurpose, KeyPurpose, KeyVault, PurposeKeys, SymmetricPurpose } from './purpose-keys';
import { KEY_PURPOSES } from './purpose-keys';
import { LEGACY_KID, legacyMacKey, openLegacy } from './vault';

const generateKeyPairAsync = promisify(generateKeyPair);

/** The format of values sealed by the key ring: `v2.<kid>.<base64 iv|tag|ciphertext>`. */
const SEALED_VERSION = 'v2';

/** The purposes whose data existed before the key ring, sealed or fingerprinted under the legacy vault key. */
const LEGACY_PURPOSES: readonly KeyPurpose[] = ['card-vault', 'webhook-secrets', 'idempotency'];

/** The algorithm of each purpose's keys. */
export const PURPOSE_ALGORITHMS: Record<KeyPurpose, KeyAlgorithm> = {
  'card-vault': 'A256GCM',
  'webhook-secrets': 'A256GCM',
  idempotency: 'A256GCM',
  'temporal-payloads': 'A256GCM',
  // ES256: short keys and signatures, signing an order of magnitude cheaper than RSA-2048, in every JOSE library.
  signing: 'ES256',
  'payment-instructions': 'RSA-OAEP-256',
};

/** RSA modulus of payment-instruction keys (what customers encrypt card data to). */
const RSA_MODULUS_BITS = 2048;

/** Where a key is in its life. */
export type KeyState =
  /** Added by a rotation, loaded by every process, not yet sealing or signing. */
  | 'pending'
  /** The purpose's current key: it seals, signs, is encrypted to. */
  | 'active'
  /** Superseded by a newer key: it still opens, verifies and decrypts what it made, until retired. */
  | 'retiring'
  /** Retired: its material is erased; nothing it made opens any more. */
  | 'retired';

/** What the key ring tells about a key (never its material). */
export interface KeyInfo {
  kid: string;
  purpose: KeyPurpose | 'legacy';
  alg: KeyAlgorithm;
  state: KeyState;
  createdAt: Date;
  activatesAt: Date;
  /** When a newer key took over (the start of the JWKS grace period). */
  deactivatedAt?: Date | undefined;
  retiredAt?: Date | undefined;
  /** Whether the JWKS publishes it now (asymmetric keys: pending, active, or within the grace period). */
  published: boolean;
}

/** A public key as the JWKS lists it. */
export type JwksKey = PublicJwk & { kid: string; use: 'sig' | 'enc'; alg: KeyAlgorithm };

/** How a key ring is set up. */
export interface KeyRingOptions {
  store: KeyStore;
  /** The key-encryption key, base64 of 32 bytes. */
  kek: string | undefined;
  /**
   * The purposes whose secret and private keys this process unwraps and uses (default: all). The others' public keys
   * stay readable (JWKS, verification); their material is never unwrapped here, and asking for it is
   * `purpose_not_held`. A process creates the first key only of purposes it holds.
   */
  purposes?: readonly KeyPurpose[];
  /** SETTLEFLOW_VAULT_KEY when configured: imported once as `legacy-v1`. */
  legacyVaultKey?: string | undefined;
  /** How often the snapshot is reloaded from the store; 0 for never (the keys CLI, unit tests). */
  refreshMs?: number;
  /** How long a rotated key waits before it seals or signs; must exceed `refreshMs` of every process. */
  activationDelayMs?: number;
  /** How long a superseded public key stays in the JWKS. */
  jwksGraceMs?: number;
  now?: () => Date;
  /** Where a failed background reload is reported (the last snapshot stays in use). */
  onRefreshError?: (error: unknown) => void;
}

/** Defaults of {@link KeyRingOptions}. */
export const KEY_RING_DEFAULTS = {
  refreshMs: 30_000,
  activationDelayMs: 90_000,
  jwksGraceMs: 7 * 24 * 3_600_000,
};

/** A loaded key: its record and its usable material. */
interface LoadedKey {
  record: StoredKey;
  /** Symmetric keys: the subkeys for sealing and fingerprints, and the raw key (payload codec). */
  raw?: Buffer;
  sealKey?: Buffer;
  macKey?: Buffer;
  /** Asymmetric keys. */
  privateKey?: KeyObject;
  publicKey?: KeyObject;
}

function subkey(key: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, 32));
}

function newKid(purpose: KeyPurpose, generation: number): string {
  return `${purpose}-${generation}-${randomBytes(4).toString('hex')}`;
}

/** The context a key's material is wrapped under: changing a record's id, kid or purpose makes it fail to unwrap. */
function wrapContext(record: Pick<StoredKey, '_id' | 'kid' | 'purpose'>): string {
  return `${record._id}|${record.kid}|${record.purpose}`;
}

/** Splits `<kid>.<hex>` (bare hex: the legacy key). */
function parseFingerprint(fingerprint: string): { kid: string; hex: string } {
  const dot = fingerprint.lastIndexOf('.');
  if (dot < 0) return { kid: LEGACY_KID, hex: fingerprint };
  return { kid: fingerprint.slice(0, dot), hex: fingerprint.slice(dot + 1) };
}

/** The symmetric and asymmetric keys of every purpose, shared through the key store. */
export class KeyRing implements KeyVault {
  private readonly kek: Kek;
  private readonly store: KeyStore;
  private readonly now: () => Date;
  private readonly refreshMs: number;
  private readonly activationDelayMs: number;
  private readonly jwksGraceMs: number;
  private loaded = new Map<string, LoadedKey>();
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;
  private lastOnDemandReload = 0;
  private loadsStarted = 0;
  private loadApplied = 0;
  /** When the snapshot in use was read from the store, and when refreshIfOlderThan last tried (ms since the epoch). */
  private loadedAt = 0;
  private freshnessTriedAt = 0;
  private readonly views = new Map<SymmetricPurpose, PurposeKeys>();
  private readonly held: ReadonlySet<KeyPurpose>;

  private constructor(
    private readonly options: KeyRingOptions,
    kek: Kek,
  ) {
    this.kek = kek;
    this.store = options.store;
    this.now = options.now ?? (() => new Date());
    this.refreshMs = options.refreshMs ?? KEY_RING_DEFAULTS.refreshMs;
    this.activationDelayMs = options.activationDelayMs ?? KEY_RING_DEFAULTS.activationDelayMs;
    this.jwksGraceMs = options.jwksGraceMs ?? KEY_RING_DEFAULTS.jwksGraceMs;
    this.held = new Set(options.purposes ?? KEY_PURPOSES);
  }

  private holds(purpose: KeyPurpose | 'legacy'): boolean {
    return purpose === 'legacy' ? LEGACY_PURPOSES.some((served) => this.held.has(served)) : this.held.has(purpose);
  }

  private assertHeld(purpose: KeyPurpose): void {
    if (!this.held.has(purpose)) {
      throw new KeyRingError('purpose_not_held', `this process does not hold ${purpose} keys`);
    }
  }

  /**
   * Loads the key ring: checks the KEK against the stored keys, imports the legacy vault key once, creates each
   * purpose's first key when it has none, and starts the periodic reload.
   * @throws KeyRingError `kek_invalid` when the KEK is missing, malformed or not the one the keys were stored under
   */
  static async open(options: KeyRingOptions): Promise<KeyRing> {
    const ring = new KeyRing(options, loadKek(options.kek));
    await ring.reload();
    if (options.legacyVaultKey) await ring.importLegacy(options.legacyVaultKey);
    await ring.ensureKeys();
    if (ring.refreshMs > 0) {
      ring.timer = setInterval(() => {
        ring.reload().catch((error: unknown) => options.onRefreshError?.(error));
      }, ring.refreshMs);
      ring.timer.unref();
    }
    return ring;
  }

  /** Stops the periodic reload. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reloads the snapshot from the store now (what the timer does every `refreshMs`). */
  async refresh(): Promise<void> {
    await this.reload();
  }

  /**
   * Reloads the snapshot when it was read from the store more than `maxAgeMs` ago (joining a reload under way), so a
   * caller that must not serve a stale answer (the JWKS) is at most that far behind: at most one try per `maxAgeMs`,
   * whatever the traffic, and never a wait longer than `waitMs` (a slow or failed read leaves the snapshot in use).
   */
  async refreshIfOlderThan(maxAgeMs: number, waitMs: number): Promise<void> {
    const at = Date.now();
    if (at - this.loadedAt < maxAgeMs || at - this.freshnessTriedAt < maxAgeMs) return;
    this.freshnessTriedAt = at;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
    });
    try {
      await Promise.race([this.reload(), waited]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A reload shared by concurrent callers (the timer, an unknown key id, `refresh()`). */
  private reload(): Promise<void> {
    this.reloading ??= this.load().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  /**
   * Reads the store and swaps the snapshot in, unless a read started later has already done so. Called on its own
   * (not shared) after this ring wrote to the store, so the snapshot surely holds the write.
   */
  private async load(): Promise<void> {
    this.loadsStarted += 1;
    const sequence = this.loadsStarted;
    const records = await this.store.list();
    const next = new Map<string, LoadedKey>();
    for (const record of records) {
      if (record.kekId !== this.kek.id && !record.retiredAt) {
        throw new KeyRingError(
          'kek_invalid',
          `SETTLEFLOW_KEK is not the key-encryption key the stored keys were wrapped under (key ${record.kid} ` +
            `needs kek id ${record.kekId}, this one is ${this.kek.id})`,
        );
      }
      const known = this.loaded.get(record.kid);
      if (known && known.record.material === record.material && known.record._id === record._id) {
        next.set(record.kid, { ...known, record });
      } else {
        next.set(record.kid, this.unwrap(record));
      }
    }
    if (sequence > this.loadApplied) {
      this.loaded = next;
      this.loadApplied = sequence;
      this.loadedAt = Date.now();
    }
  }

  private unwrap(record: StoredKey): LoadedKey {
    if (record.retiredAt || record.material === undefined) return { record };
    if (!this.holds(record.purpose)) {
      // Another process's purpose: its public half only, for the JWKS and for verification.
      const publicKey = record.publicJwk ? createPublicKey({ key: { ...record.publicJwk }, format: 'jwk' }) : undefined;
      return { record, publicKey };
    }
    const material = this.kek.unwrap(record.material, wrapContext(record));
    if (record.alg === 'A256GCM') {
      // The legacy key keeps its own fingerprint subkey, so legacy fingerprints still verify.
      const macKey = record.purpose === 'legacy' ? legacyMacKey(material) : subkey(material, 'settleflow mac');
      const sealKey = record.purpose === 'legacy' ? material : subkey(material, 'settleflow seal');
      return { record, raw: material, sealKey, macKey };
    }
    const privateKey = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
    return { record, privateKey, publicKey: createPublicKey(privateKey) };
  }

  /** Reloads soon after an unknown key id was met (at most once a second): another process may have rotated. */
  private reloadSoon(): void {
    const at = Date.now();
    if (at - this.lastOnDemandReload < 1_000) return;
    this.lastOnDemandReload = at;
    this.reload().catch((error: unknown) => this.options.onRefreshError?.(error));
  }

  private async importLegacy(base64: string): Promise<void> {
    const key = Buffer.from(base64, 'base64');
    if (key.length !== 32) throw new Error('the vault key must be base64 of 32 bytes (SETTLEFLOW_VAULT_KEY)');
    const existing = this.loaded.get(LEGACY_KID);
    if (existing) {
      if (existing.raw && !existing.raw.equals(key)) {
        throw new KeyRingError(
          'kek_invalid',
          `SETTLEFLOW_VAULT_KEY is not the legacy key imported as ${LEGACY_KID}; unset it or restore the original`,
        );
      }
      return;
    }
    const at = this.now();
    const record: StoredKey = {
      _id: 'legacy#0',
      kid: LEGACY_KID,
      purpose: 'legacy',
      generation: 0,
      alg: 'A256GCM',
      createdAt: at,
      activatesAt: at,
      kekId: this.kek.id,
      material: '',
    };
    record.material = this.kek.wrap(key, wrapContext(record));
    await this.store.insert(record);
    await this.load();
  }

  private async ensureKeys(): Promise<void> {
    let added = false;
    for (const purpose of KEY_PURPOSES) {
      if (!this.held.has(purpose) || this.keysOf(purpose).some((key) => !key.record.retiredAt)) continue;
      const generation = Math.max(0, ...this.keysOf(purpose).map((key) => key.record.generation)) + 1;
      // A purpose's first key seals at once: nothing was sealed under the purpose before.
      await this.store.insert(await this.newRecord(purpose, generation, this.now()));
      added = true;
    }
    if (added) await this.load();
  }

  private async newRecord(purpose: KeyPurpose, generation: number, activatesAt: Date): Promise<StoredKey> {
    const alg = PURPOSE_ALGORITHMS[purpose];
    const record: StoredKey = {
      _id: `${purpose}#${generation}`,
      kid: newKid(purpose, generation),
      purpose,
      generation,
      alg,
      createdAt: this.now(),
      activatesAt,
      kekId: this.kek.id,
    };
    let material: Buffer;
    if (alg === 'A256GCM') {
      material = randomBytes(32);
    } else {
      const pair =
        alg === 'ES256'
          ? await generateKeyPairAsync('ec', { namedCurve: 'P-256' })
          : await generateKeyPairAsync('rsa', { modulusLength: RSA_MODULUS_BITS });
      material = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
      record.publicJwk = pair.publicKey.export({ format: 'jwk' }) as PublicJwk;
    }
    record.material = this.kek.wrap(material, wrapContext(record));
    return record;
  }

  private keysOf(purpose: KeyPurpose | 'legacy'): LoadedKey[] {
    return [...this.loaded.values()]
      .filter((key) => key.record.purpose === purpose)
      .sort((a, b) => a.record.generation - b.record.generation);
  }

  /** The state of every key of a purpose at `at`, with when each was superseded. */
  private statesOf(purpose: KeyPurpose | 'legacy', at: Date): { key: LoadedKey; state: KeyState; until?: Date }[] {
    const keys = this.keysOf(purpose);
    const activated = keys.filter((key) => !key.record.retiredAt && key.record.activatesAt.getTime() <= at.getTime());
    const current = purpose === 'legacy' ? undefined : activated[activated.length - 1];
    return keys.map((key) => {
      if (key.record.retiredAt) return { key, state: 'retired' };
      if (key === current) return { key, state: 'active' };
      if (key.record.activatesAt.getTime() > at.getTime()) return { key, state: 'pending' };
      const successor = activated.find((other) => other.record.generation > key.record.generation);
      return { key, state: 'retiring', until: successor?.record.activatesAt };
    });
  }

  private current(purpose: KeyPurpose, publicOnly = false): LoadedKey {
    if (!publicOnly) this.assertHeld(purpose);
    const active = this.statesOf(purpose, this.now()).find((entry) => entry.state === 'active');
    if (!active) throw new KeyRingError('no_active_key', `no active key for ${purpose}`);
    return active.key;
  }

  /**
   * The key with id `kid` for `purpose`, not retired (the legacy key counts for the purposes it served).
   * @param publicOnly whether only its public half is needed (a purpose this process does not hold is fine)
   * @throws KeyRingError `unknown_key_id`, `wrong_purpose`, `key_retired`, `legacy_key_missing`, `purpose_not_held`
   */
  private byKid(purpose: KeyPurpose, kid: string, publicOnly = false): LoadedKey {
    if (!publicOnly) this.assertHeld(purpose);
    const key = this.loaded.get(kid);
    if (!key) {
      if (kid === LEGACY_KID) {
        throw new KeyRingError(
          'legacy_key_missing',
          `${purpose}: a legacy (v1) value, but no legacy vault key was imported (set SETTLEFLOW_VAULT_KEY once)`,
        );
      }
      this.reloadSoon();
      throw new KeyRingError('unknown_key_id', `${purpose}: unknown key id ${JSON.stringify(kid)}`);
    }
    const legacy = key.record.purpose === 'legacy' && LEGACY_PURPOSES.includes(purpose);
    if (key.record.purpose !== purpose && !legacy) {
      throw new KeyRingError('wrong_purpose', `key ${kid} is a ${key.record.purpose} key, not a ${purpose} key`);
    }
    if (key.record.retiredAt) {
      throw new KeyRingError(
        'key_retired',
        `key ${kid} (${purpose}) was retired on ${key.record.retiredAt.toISOString()}`,
      );
    }
    return key;
  }

  /** The symmetric keys of one purpose (what the API, the worker and the gateway are handed). */
  keys(purpose: SymmetricPurpose): PurposeKeys {
    let view = this.views.get(purpose);
    if (!view) {
      view = {
        seal: (plaintext) => this.seal(purpose, plaintext),
        open: (sealed) => this.open(purpose, sealed),
        fingerprint: (text) => this.fingerprint(purpose, text),
        matches: (text, fingerprint) => this.matches(purpose, text, fingerprint),
        digest: (text, under) => this.digest(purpose, text, under),
        stableDigest: (text) => this.stableDigest(purpose, text),
      };
      this.views.set(purpose, view);
    }
    return view;
  }

  /** Seals `plaintext` under the purpose's current key: `v2.<kid>.<base64 iv|tag|ciphertext>`. */
  seal(purpose: SymmetricPurpose, plaintext: string): string {
    const key = this.current(purpose);
    const header = `${SEALED_VERSION}.${key.record.kid}`;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.sealKey as Buffer, iv);
    cipher.setAAD(Buffer.from(header, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${header}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /**
   * Opens a value sealed under any of the purpose's keys that is not retired, `v1.` legacy values included.
   * @throws KeyRingError with the code of what is wrong
   */
  open(purpose: SymmetricPurpose, sealed: string): string {
    if (sealed.startsWith('v1.')) return openLegacy(this.byKid(purpose, LEGACY_KID).sealKey as Buffer, sealed);
    const parts = sealed.split('.');
    if (parts.length !== 3 || parts[0] !== SEALED_VERSION || !parts[1] || !parts[2]) {
      throw new KeyRingError('not_sealed', `${purpose}: not a sealed value`);
    }
    const kid = parts[1];
    const key = this.byKid(purpose, kid);
    const raw = Buffer.from(parts[2], 'base64');
    try {
      if (raw.length < 28) throw new Error('truncated');
      const decipher = createDecipheriv('aes-256-gcm', key.sealKey as Buffer, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(`${SEALED_VERSION}.${kid}`, 'utf8'));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new KeyRingError(
        'sealed_value_tampered',
        `${purpose}: the value sealed under key ${kid} failed authentication (tampered or truncated)`,
      );
    }
  }

  /** A keyed fingerprint under the purpose's current key: `<kid>.<hex>`. */
  fingerprint(purpose: SymmetricPurpose, text: string): string {
    const key = this.current(purpose);
    return `${key.record.kid}.${this.hmac(key, text)}`;
  }

  /** Whether `fingerprint` is the fingerprint of `text` under the key it names; false for a retired or unknown one. */
  matches(purpose: SymmetricPurpose, text: string, fingerprint: string): boolean {
    const { kid, hex } = parseFingerprint(fingerprint);
    let key: LoadedKey;
    try {
      key = this.byKid(purpose, kid);
    } catch (error) {
      if (error instanceof KeyRingError) return false;
      throw error;
    }
    const expected = Buffer.from(this.hmac(key, text), 'hex');
    const given = Buffer.from(hex, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** HMAC-SHA256 (hex) under the key a fingerprint or key id names, or the current key. */
  digest(purpose: SymmetricPurpose, text: string, under?: string): string {
    const key = under === undefined ? this.current(purpose) : this.byKid(purpose, parseFingerprint(under).kid);
    return this.hmac(key, text);
  }

  /** HMAC-SHA256 (hex) under the purpose's oldest unretired key (the legacy key first where it served the purpose). */
  stableDigest(purpose: SymmetricPurpose, text: string): string {
    this.assertHeld(purpose);
    const candidates = [...(LEGACY_PURPOSES.includes(purpose) ? this.keysOf('legacy') : []), ...this.keysOf(purpose)];
    const at = this.now().getTime();
    const oldest = candidates.find((key) => !key.record.retiredAt && key.record.activatesAt.getTime() <= at);
    if (!oldest) throw new KeyRingError('no_active_key', `no active key for ${purpose}`);
    return this.hmac(oldest, text);
  }

  private hmac(key: LoadedKey, text: string): string {
    return createHmac('sha256', key.macKey as Buffer)
      .update(text, 'utf8')
      .digest('hex');
  }

  /**
   * A symmetric purpose's raw key (the current one, or the one with id `kid`), for code that runs its own cipher
   * (the Temporal payload codec). The legacy key is never handed out this way.
   */
  symmetricKey(purpose: SymmetricPurpose, kid?: string): { kid: string; key: Buffer } {
    const key = kid === undefined ? this.current(purpose) : this.byKid(purpose, kid);
    if (key.record.purpose === 'legacy' || !key.raw) {
      throw new KeyRingError('wrong_purpose', `key ${key.record.kid} is not a ${purpose} key`);
    }
    return { kid: key.record.kid, key: key.raw };
  }

  /** The current signing key (ES256): what notices are signed with, its kid in the JWS header. */
  signingKey(): { kid: string; alg: 'ES256'; privateKey: KeyObject } {
    const key = this.current('signing');
    return { kid: key.record.kid, alg: 'ES256', privateKey: key.privateKey as KeyObject };
  }

  /** The public key of a signing key that is not retired, to verify a signature made under it. */
  verificationKey(kid: string): KeyObject {
    return this.byKid('signing', kid, true).publicKey as KeyObject;
  }

  /** The current payment-instruction key (RSA-OAEP-256): what customers encrypt instructions to. */
  encryptionKey(): { kid: string; alg: 'RSA-OAEP-256'; publicKey: KeyObject } {
    const key = this.current('payment-instructions', true);
    return { kid: key.record.kid, alg: 'RSA-OAEP-256', publicKey: key.publicKey as KeyObject };
  }

  /**
   * The private key of a payment-instruction key that is not retired (also past its JWKS grace period, so an
   * instruction encrypted to a cached old key still decrypts).
   * @throws KeyRingError `unknown_key_id`, `wrong_purpose` or `key_retired`
   */
  decryptionKey(kid: string): KeyObject {
    return this.byKid('payment-instructions', kid).privateKey as KeyObject;
  }

  /** Every key (retired ones included) with its state now, never its material. */
  list(): KeyInfo[] {
    const at = this.now();
    return (['legacy', ...KEY_PURPOSES] as const).flatMap((purpose) =>
      this.statesOf(purpose, at).map(({ key, state, until }) => ({
        kid: key.record.kid,
        purpose: key.record.purpose,
        alg: key.record.alg,
        state,
        createdAt: key.record.createdAt,
        activatesAt: key.record.activatesAt,
        deactivatedAt: until,
        retiredAt: key.record.retiredAt,
        published: this.isPublished(key, state, until, at),
      })),
    );
  }

  private isPublished(key: LoadedKey, state: KeyState, until: Date | undefined, at: Date): boolean {
    if (!key.record.publicJwk || state === 'retired') return false;
    if (state !== 'retiring') return true;
    return until === undefined || until.getTime() + this.jwksGraceMs > at.getTime();
  }

  /**
   * The JSON Web Key Set: the public halves of the signing and payment-instruction keys that are pending, active
   * or superseded less than the grace period ago. Never a private member.
   */
  jwks(): { keys: JwksKey[] } {
    const keys: JwksKey[] = [];
    const at = this.now();
    for (const purpose of ['signing', 'payment-instructions'] as AsymmetricPurpose[]) {
      for (const { key, state, until } of this.statesOf(purpose, at).reverse()) {
        if (!this.isPublished(key, state, until, at)) continue;
        const jwk = key.record.publicJwk as PublicJwk;
        const publicOnly: PublicJwk =
          jwk.kty === 'EC' ? { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: 'RSA', n: jwk.n, e: jwk.e };
        keys.push({
          ...publicOnly,
          kid: key.record.kid,
          use: purpose === 'signing' ? 'sig' : 'enc',
          alg: key.record.alg,
        });
      }
    }
    return { keys };
  }

  /**
   * Adds a new key to a purpose. It is loaded by every process within `refreshMs` and takes over (seals, signs, is
   * published as current) after `activationDelayMs`, or at once with `activateNow` (after a compromise: a process
   * that has not reloaded yet reloads on the first unknown key id it meets).
   * @throws KeyRingError `rotation_conflict` when another rotation of the purpose won the race
   */
  async rotate(purpose: KeyPurpose, options: { activateNow?: boolean } = {}): Promise<KeyInfo> {
    await this.load();
    const generation = Math.max(0, ...this.keysOf(purpose).map((key) => key.record.generation)) + 1;
    const activatesAt = new Date(this.now().getTime() + (options.activateNow ? 0 : this.activationDelayMs));
    const record = await this.newRecord(purpose, generation, activatesAt);
    if (!(await this.store.insert(record))) {
      throw new KeyRingError(
        'rotation_conflict',
        `another rotation of ${purpose} added generation ${generation} first`,
      );
    }
    await this.load();
    return this.info(record.kid);
  }

  /**
   * Retires a superseded key: from then on (within `refreshMs` in every process) nothing it made opens or verifies,
   * and its material is erased from the store. The current key of a purpose cannot be retired; rotate first.
   * @throws KeyRingError `unknown_key_id`, or `key_retired` when already retired
   */
  async retire(kid: string): Promise<KeyInfo> {
    await this.load();
    const entry = this.list().find((key) => key.kid === kid);
    if (!entry) throw new KeyRingError('unknown_key_id', `unknown key id ${JSON.stringify(kid)}`);
    if (entry.state === 'retired') throw new KeyRingError('key_retired', `key ${kid} is already retired`);
    if (entry.state === 'active' || entry.state === 'pending') {
      throw new KeyRingError(
        'key_in_use',
        `key ${kid} is ${entry.state === 'active' ? 'the current' : 'a pending'} ${entry.purpose} key; ` +
          'only a superseded key can be retired (rotate first, and wait for the new key to activate)',
      );
    }
    const record = this.loaded.get(kid)?.record as StoredKey;
    await this.store.retire(record._id, this.now());
    await this.load();
    return this.info(kid);
  }

  private info(kid: string): KeyInfo {
    const found = this.list().find((key) => key.kid === kid);
    if (!found) throw new KeyRingError('unknown_key_id', `unknown key id ${JSON.stringify(kid)}`);
    return found;
  }
}
