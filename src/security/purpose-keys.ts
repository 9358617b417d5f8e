// What the rest of settleflow sees of its symmetric keys: one purpose's keys at a time, for sealing secrets at rest
// and keyed fingerprints. Both the key ring (a key per purpose, with key ids, rotated) and the legacy single-key
// vault implement these interfaces, so callers never care which one they hold. Never exposes key material.

/** The purposes of symmetric keys: each seals or fingerprints one kind of data and nothing else. */
export const SYMMETRIC_PURPOSES = ['card-vault', 'webhook-secrets', 'idempotency', 'temporal-payloads'] as const;

/** A symmetric key's purpose. */
export type SymmetricPurpose = (typeof SYMMETRIC_PURPOSES)[number];

/** The purposes of asymmetric key pairs, whose public halves the JWKS publishes. */
export const ASYMMETRIC_PURPOSES = ['signing', 'payment-instructions'] as const;

/** An asymmetric key pair's purpose. */
export type AsymmetricPurpose = (typeof ASYMMETRIC_PURPOSES)[number];

/** Every key purpose. */
export type KeyPurpose = SymmetricPurpose | AsymmetricPurpose;

/** Every key purpose, symmetric first. */
export const KEY_PURPOSES: readonly KeyPurpose[] = [...SYMMETRIC_PURPOSES, ...ASYMMETRIC_PURPOSES];

/** Whether a string names a key purpose. */
export function isKeyPurpose(value: string): value is KeyPurpose {
  return (KEY_PURPOSES as readonly string[]).includes(value);
}

/**
 * One purpose's symmetric keys. Sealed values and fingerprints carry the id of the key that made them, so they stay
 * readable and verifiable after a rotation, until that key is retired.
 */
export interface PurposeKeys {
  /** Encrypts and authenticates `plaintext` under the purpose's current key: `v2.<kid>.<base64>` (legacy: `v1.`). */
  seal(plaintext: string): string;
  /**
   * Decrypts a value made by {@link seal} under any of the purpose's keys that is not retired.
   * @throws KeyRingError (`unknown_key_id`, `key_retired`, `wrong_purpose`, `sealed_value_tampered`, `not_sealed`)
   */
  open(sealed: string): string;
  /** A keyed fingerprint of `text` under the current key, naming it: `<kid>.<hex>` (legacy: the bare hex). */
  fingerprint(text: string): string;
  /** Whether `fingerprint` is the fingerprint of `text` under the key it names (bare hex: the legacy key). */
  matches(text: string, fingerprint: string): boolean;
  /**
   * HMAC-SHA256 of `text` (hex) under the key a fingerprint or key id names (default: the current key): for values
   * derived from a fingerprinted request, so a retry across a rotation derives the same value.
   */
  digest(text: string, under?: string): string;
  /**
   * HMAC-SHA256 of `text` (hex) under the purpose's oldest key that is not retired: a blind index that stays the same
   * across rotations (it changes only when that oldest key is retired).
   */
  stableDigest(text: string): string;
}

/** The symmetric keys of every purpose: what the API, the worker and the gateway are given. */
export interface KeyVault {
  /** The keys of one purpose. */
  keys(purpose: SymmetricPurpose): PurposeKeys;
}
