// The keys that encrypt Temporal payloads (purpose `temporal-payloads`), behind one small interface so the codec never
// knows where they come from: the key ring's `temporal-payloads` keys (rotated with `npm run keys -- rotate
// temporal-payloads`), TEMPORAL_PAYLOAD_KEYS as an explicit override, and the key derived from the vault key with HKDF
// (what encrypted history before the key ring did). It must never log or put into an error a key's bytes.

import { createHash, hkdfSync } from 'node:crypto';
import type { KeyRing } from '../security/key-ring';
import { payloadKeySource } from '../security/payload-keys';

/** Where the payload codec takes its keys: the one that encrypts now, and any by id (rotation: old ones still open). */
export interface PayloadKeys {
  /** The key new payloads are encrypted under, with its id (written into each payload's metadata). */
  current(): Promise<{ kid: string; key: Buffer }>;
  /** The key with this id, or undefined when this process does not know it. */
  byKid(kid: string): Promise<Buffer | undefined>;
}

/** One payload key: its id and its 32 bytes. */
export interface PayloadKey {
  kid: string;
  key: Buffer;
}

/** A key id: short, printable, safe in metadata, logs and error messages. */
const KID = /^[A-Za-z0-9._-]{1,64}$/;

/** A fixed list of keys: the first encrypts, all decrypt. */
export class StaticPayloadKeys implements PayloadKeys {
  private readonly byId: ReadonlyMap<string, Buffer>;
  private readonly first: PayloadKey;

  /** @throws Error when the list is empty, a key is not 32 bytes, or a key id is malformed or repeated */
  constructor(keys: readonly PayloadKey[]) {
    const [first] = keys;
    if (!first) throw new Error('no Temporal payload key');
    const byId = new Map<string, Buffer>();
    for (const { kid, key } of keys) {
      if (!KID.test(kid)) throw new Error(`the Temporal payload key id "${kid}" is not 1-64 of A-Z a-z 0-9 . _ -`);
      if (key.length !== 32) throw new Error(`the Temporal payload key "${kid}" is not 32 bytes`);
      if (byId.has(kid)) throw new Error(`the Temporal payload key id "${kid}" is given twice`);
      byId.set(kid, key);
    }
    this.byId = byId;
    this.first = first;
  }

  /** The first key of the list. */
  current(): Promise<PayloadKey> {
    return Promise.resolve(this.first);
  }

  /** Any key of the list by its id. */
  byKid(kid: string): Promise<Buffer | undefined> {
    return Promise.resolve(this.byId.get(kid));
  }

  /** The ids this source knows, the current one first (for start-up logs; never the keys). */
  kids(): string[] {
    return [...this.byId.keys()];
  }
}

/**
 * The payload key derived from the vault key (HKDF-SHA256, info `settleflow temporal-payloads v1`), so a deployment
 * with only SETTLEFLOW_VAULT_KEY encrypts its history without another secret. Its id is `vault-` and eight hex digits
 * of the derived key's SHA-256: a different vault key gets a different id, so a payload sealed under the old one fails
 * with "unknown key id" rather than a bare authentication error.
 */
export function derivedPayloadKey(vaultKeyBase64: string): PayloadKey {
  const vaultKey = Buffer.from(vaultKeyBase64, 'base64');
  if (vaultKey.length !== 32) throw new Error('the vault key must be base64 of 32 bytes (SETTLEFLOW_VAULT_KEY)');
  const key = Buffer.from(hkdfSync('sha256', vaultKey, 'settleflow', 'settleflow temporal-payloads v1', 32));
  const kid = `vault-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
  return { kid, key };
}

/**
 * Parses TEMPORAL_PAYLOAD_KEYS: `kid:base64` entries separated by commas, the first one current.
 * @throws Error naming the variable and the entry (by position and id, never its key)
 */
export function parsePayloadKeys(text: string): PayloadKey[] {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error('TEMPORAL_PAYLOAD_KEYS: no key (expected kid:base64[,kid:base64...])');
  const keys = entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    const kid = colon > 0 ? entry.slice(0, colon) : '';
    const material = colon > 0 ? entry.slice(colon + 1) : '';
    if (!KID.test(kid)) {
      throw new Error(`TEMPORAL_PAYLOAD_KEYS: entry ${index + 1} is not kid:base64 (kid 1-64 of A-Z a-z 0-9 . _ -)`);
    }
    const key = Buffer.from(material, 'base64');
    if (key.length !== 32 || !/^[A-Za-z0-9+/=_-]+$/.test(material)) {
      throw new Error(`TEMPORAL_PAYLOAD_KEYS: the key "${kid}" is not base64 of 32 bytes`);
    }
    return { kid, key };
  });
  const kids = keys.map((key) => key.kid);
  const repeated = kids.find((kid, index) => kids.indexOf(kid) !== index);
  if (repeated) throw new Error(`TEMPORAL_PAYLOAD_KEYS: the key id "${repeated}" is given twice`);
  return keys;
}

/**
 * The payload keys of a process: TEMPORAL_PAYLOAD_KEYS when set (its first key encrypts), and the vault-derived key
 * after them, so history written before TEMPORAL_PAYLOAD_KEYS was set still opens; only the vault-derived key when
 * TEMPORAL_PAYLOAD_KEYS is unset.
 * @throws Error when neither is configured
 */
export function payloadKeysFrom(settings: {
  payloadKeys: readonly PayloadKey[] | undefined;
  vaultKey: string | undefined;
}): StaticPayloadKeys {
  const keys = [...(settings.payloadKeys ?? [])];
  if (settings.vaultKey) {
    const derived = derivedPayloadKey(settings.vaultKey);
    if (!keys.some((key) => key.kid === derived.kid)) keys.push(derived);
  }
  if (keys.length === 0) {
    throw new Error(
      'no key for Temporal payloads: set TEMPORAL_PAYLOAD_KEYS (kid:base64 of 32 bytes) or SETTLEFLOW_VAULT_KEY',
    );
  }
  return new StaticPayloadKeys(keys);
}

/**
 * One source encrypts, several decrypt: a payload's key is looked up in the static sources first (they answer at
 * once), the key ring last (an id it does not know makes it reload from the store before it answers).
 */
export class LayeredPayloadKeys implements PayloadKeys {
  /**
   * @param encrypting the source whose current key encrypts new payloads
   * @param decrypting the sources asked, in order, for a payload's key (the encrypting one among them)
   */
  constructor(
    private readonly encrypting: PayloadKeys,
    private readonly decrypting: readonly PayloadKeys[],
  ) {}

  /** The encrypting source's current key. */
  current(): Promise<PayloadKey> {
    return this.encrypting.current();
  }

  /** The first key with this id among the decrypting sources. */
  async byKid(kid: string): Promise<Buffer | undefined> {
    for (const source of this.decrypting) {
      const key = await source.byKid(kid);
      if (key) return key;
    }
    return undefined;
  }
}

/**
 * The payload keys a configured process uses. With its key ring (the API, the order worker, the gateway worker): the
 * ring's current `temporal-payloads` key encrypts, unless TEMPORAL_PAYLOAD_KEYS is set (an explicit override: its first
 * key encrypts); every ring key that is not retired, every TEMPORAL_PAYLOAD_KEYS key and the vault-derived key decrypt,
 * so history written before the key ring or before a rotation still opens. Without a key ring: see payloadKeysFrom.
 * @throws Error without a key ring when neither TEMPORAL_PAYLOAD_KEYS nor SETTLEFLOW_VAULT_KEY is configured
 */
export function configuredPayloadKeys(
  config: {
    temporal: { payloadKeys: readonly PayloadKey[] | undefined };
    vaultKey: string | undefined;
  },
  ring?: KeyRing,
): PayloadKeys {
  const settings = { payloadKeys: config.temporal.payloadKeys, vaultKey: config.vaultKey };
  if (!ring) return payloadKeysFrom(settings);
  const fromRing = payloadKeySource(ring);
  if (!settings.payloadKeys?.length && !settings.vaultKey) return fromRing;
  const listed = payloadKeysFrom(settings);
  return new LayeredPayloadKeys(settings.payloadKeys?.length ? listed : fromRing, [listed, fromRing]);
}
