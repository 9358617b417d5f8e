// Sealing of secrets at rest and in transit through Temporal: card data and webhook signing secrets.
// AES-256-GCM under one 32-byte key from configuration; never logs or returns a plaintext except to its caller.

import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/** Seals and opens strings under one symmetric key. */
export class Vault {
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
    const subkey = createHash('sha256').update(this.key).update('settleflow-mac-v1').digest();
    return createHmac('sha256', subkey).update(text, 'utf8').digest('hex');
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
   * @throws Error when the value was tampered with or sealed under another key
   */
  open(sealed: string): string {
    const [version, data] = sealed.split('.', 2);
    if (version !== VERSION || !data) throw new Error('not a sealed value');
    const raw = Buffer.from(data, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
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
