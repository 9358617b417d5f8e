// The legacy vault: one symmetric key (SETTLEFLOW_VAULT_KEY) for every purpose, its values `v1.` with no key id.
// The key ring (key-ring.ts) imports this key under the id `legacy-v1` and reads `v1.` values with it; this class
// remains for code and tests that seal under the single key. AES-256-GCM; never logs or returns a plaintext except
// to its caller.

import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { KeyRingError } from './key-errors';
import type { KeyVault, PurposeKeys, SymmetricPurpose } from './purpose-keys';

const VERSION = 'v1';

/** The key id the key ring gives the legacy vault key when it imports it. */
export const LEGACY_KID = 'legacy-v1';

/** The legacy vault's fingerprint key: a subkey of the vault key (what {@link Vault.mac} uses). */
export function legacyMacKey(key: Buffer): Buffer {
  return createHash('sha256').update(key).update('settleflow-mac-v1').digest();
}

/** Opens a `v1.<base64 iv|tag|ciphertext>` value under the legacy key; throws KeyRingError on a bad value. */
export function openLegacy(key: Buffer, sealed: string): string {
  const [version, data] = sealed.split('.', 2);
  if (version !== VERSION || !data) throw new KeyRingError('not_sealed', 'not a sealed value');
  const raw = Buffer.from(data, 'base64');
  if (raw.length < 28) throw new KeyRingError('sealed_value_tampered', 'the sealed value is truncated');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    throw new KeyRingError(
      'sealed_value_tampered',
      `the sealed value under key ${LEGACY_KID} failed authentication (tampered, or sealed under another key)`,
    );
  }
}

/**
 * Seals and opens strings under one symmetric key, for every purpose alike: the {@link KeyVault} of deployments
 * and tests before the key ring, whose values the key ring still reads.
 */
export class Vault implements KeyVault, PurposeKeys {
  private readonly key: Buffer;

  /** @param keyBase64 base64 of exactly 32 random bytes */
  constructor(keyBase64: string) {
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length !== 32) throw new Error('the vault key must be base64 of 32 bytes (SETTLEFLOW_VAULT_KEY)');
    this.key = key;
  }

  /**
   * A keyed digest (HMAC-SHA256, hex) under a subkey of the vault key: for fingerprints of data that must not be
   * guessable from the digest, such as a request body holding a card number.
   */
  mac(text: string): string {
    return createHmac('sha256', legacyMacKey(this.key)).update(text, 'utf8').digest('hex');
  }

  /** The same single key for every purpose. */
  keys(_purpose: SymmetricPurpose): PurposeKeys {
    return this;
  }

  /** The legacy fingerprint: {@link mac}'s bare hex. */
  fingerprint(text: string): string {
    return this.mac(text);
  }

  /** Whether `fingerprint` (bare hex, or `legacy-v1.<hex>`) is {@link mac} of `text`. */
  matches(text: string, fingerprint: string): boolean {
    const hex = fingerprint.startsWith(`${LEGACY_KID}.`) ? fingerprint.slice(LEGACY_KID.length + 1) : fingerprint;
    const expected = Buffer.from(this.mac(text), 'hex');
    const given = Buffer.from(hex, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** {@link mac}: there is only one key. */
  digest(text: string): string {
    return this.mac(text);
  }

  /** {@link mac}: there is only one key. */
  stableDigest(text: string): string {
    return this.mac(text);
  }

  /** Encrypts and authenticates `plaintext`; the result is `v1.<base64 iv|tag|ciphertext>`. */
  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /**
   * Decrypts a value made by {@link seal}.
   * @throws KeyRingError when the value was tampered with or sealed under another key
   */
  open(sealed: string): string {
    return openLegacy(this.key, sealed);
  }
}

/** A new random vault key, base64. */
export function generateVaultKey(): string {
  return randomBytes(32).toString('base64');
}

/** SHA-256 of an API key, hex: what the database stores instead of the key. Keys are high-entropy, so no salt. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** A new API key for a party: `sf_<role>_<32 random bytes base64url>`. */
export function generateApiKey(role: string): string {
  return `sf_${role}_${randomBytes(32).toString('base64url')}`;
}
