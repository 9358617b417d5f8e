// The errors of key handling, each with a stable code: what callers (the API's error handler, activities, the keys
// CLI) tell apart. Messages name key ids and purposes, never key material or the data being opened.

/** Why a key operation failed. */
export type KeyErrorCode =
  /** The value names a key id this process does not know (not in the key store, or not loaded yet). */
  | 'unknown_key_id'
  /** The key was retired: what it sealed can no longer be opened (re-seal before retiring). */
  | 'key_retired'
  /** The key id belongs to another purpose than the one asked for. */
  | 'wrong_purpose'
  /** The ciphertext or its header was changed, or it was sealed under another key with the same id. */
  | 'sealed_value_tampered'
  /** The value is not a sealed value at all. */
  | 'not_sealed'
  /** A `v1.` value, but no legacy key (SETTLEFLOW_VAULT_KEY) was ever imported. */
  | 'legacy_key_missing'
  /** This process does not hold the purpose's secret or private keys (least privilege: see `purposes`). */
  | 'purpose_not_held'
  /** The purpose has no active key yet. */
  | 'no_active_key'
  /** The key-encryption key is missing, malformed, or not the one the keys were stored under. */
  | 'kek_invalid'
  /** The key is still in use (current or about to be) and cannot be retired. */
  | 'key_in_use'
  /** A rotation lost the race to another one for the same purpose. */
  | 'rotation_conflict';

/** A key operation that failed, with a stable {@link KeyErrorCode}. */
export class KeyRingError extends Error {
  /**
   * @param code the stable code
   * @param message what happened, naming key ids and purposes only
   */
  constructor(
    readonly code: KeyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'KeyRingError';
  }
}

/**
 * Rethrows an error that a retry cures: an unknown key id, which another process has just added (the key ring
 * reloads on meeting it). For code that turns "cannot open" into a final outcome (a declined or unreadable card):
 * call it first in the catch, so a rotation never fails a payment.
 */
export function rethrowIfTransient(error: unknown): void {
  if (error instanceof KeyRingError && error.code === 'unknown_key_id') throw error;
}
