// The key-encryption key (KEK): wraps every secret and private key the key ring stores, so the key store (a
// database collection) holds no key in clear. It comes from SETTLEFLOW_KEK or the file SETTLEFLOW_KEK_FILE names
// and is never stored next to what it wraps, logged or returned.

import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { KeyRingError } from './key-errors';

/** A loaded key-encryption key. */
export interface Kek {
  /** A public id of the KEK (an HMAC of a constant under it): tells which KEK a stored key was wrapped under. */
  readonly id: string;
  /** Encrypts key material under the KEK, bound to `context` (the key's id and purpose): base64 of iv|tag|ciphertext. */
  wrap(material: Buffer, context: string): string;
  /**
   * Decrypts what {@link wrap} made under the same context.
   * @throws KeyRingError `kek_invalid` when it fails authentication (another KEK, or a changed record)
   */
  unwrap(wrapped: string, context: string): Buffer;
}

/** A new random KEK, base64 of 32 bytes (what `npm start` writes into `.data/kek.key`). */
export function generateKek(): string {
  return randomBytes(32).toString('base64');
}

/**
 * Loads a KEK from its base64 text.
 * @throws KeyRingError `kek_invalid` unless it is base64 of exactly 32 bytes
 */
export function loadKek(base64: string | undefined): Kek {
  if (base64 === undefined || base64.trim() === '') {
    throw new KeyRingError(
      'kek_invalid',
      'SETTLEFLOW_KEK (or SETTLEFLOW_KEK_FILE) is not set: the key-encryption key, base64 of 32 random bytes',
    );
  }
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== 32) {
    throw new KeyRingError(
      'kek_invalid',
      `the key-encryption key (SETTLEFLOW_KEK or SETTLEFLOW_KEK_FILE) must be base64 of 32 bytes, not ${key.length}`,
    );
  }
  const id = createHmac('sha256', key).update('settleflow-kek-id').digest('hex').slice(0, 16);
  return {
    id,
    wrap(material, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(material), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    unwrap(wrapped, context) {
      const raw = Buffer.from(wrapped, 'base64');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
      } catch {
        throw new KeyRingError(
          'kek_invalid',
          `the stored key ${context} cannot be unwrapped with this key-encryption key (kek id ${id}): ` +
            'the record was changed, or SETTLEFLOW_KEK is not the one it was stored under',
        );
      }
    },
  };
}
