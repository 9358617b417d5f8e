// Opens the key ring of a settleflow process (API, worker, gateway worker, keys CLI) from its configuration and
// database: the KEK, the legacy vault key to import, how often to reload. Start-up fails here, with a message naming
// the variable, when the KEK is missing or wrong. Never logs key material.

import type { Config } from '../config';
import type { Database } from '../persistence/database';
import { KeyRingError } from './key-errors';
import { KeyRing } from './key-ring';
import { databaseKeyStore } from './key-store';
import type { KeyPurpose } from './purpose-keys';
import { KEY_PURPOSES } from './purpose-keys';

/**
 * The purposes each process holds the secret and private keys of (least privilege): the API seals cards, webhook
 * secrets and idempotency answers but can neither sign as the gateway nor decrypt payment instructions; the order
 * worker opens webhook secrets; only the gateway worker decrypts payment instructions. Every process reads every
 * public key. The keys CLI holds all.
 */
export const PROCESS_PURPOSES = {
  api: ['card-vault', 'webhook-secrets', 'idempotency', 'temporal-payloads'],
  worker: ['card-vault', 'webhook-secrets', 'temporal-payloads', 'signing'],
  gateway: ['card-vault', 'temporal-payloads', 'signing', 'payment-instructions'],
  admin: KEY_PURPOSES,
} as const satisfies Record<string, readonly KeyPurpose[]>;

/** A process that opens the key ring. */
export type KeyRingProcess = keyof typeof PROCESS_PURPOSES;

/**
 * The process's key ring on the `keys` collection of `db`, holding the purposes of `process`.
 * @param process which process opens it: what it may use (see {@link PROCESS_PURPOSES})
 * @param options.refresh false for a one-shot user (the keys CLI): no periodic reload
 * @param options.onRefreshError where a failed background reload is reported
 * @throws Error naming SETTLEFLOW_KEK when the key-encryption key is missing, malformed or not the stored keys' one
 */
export async function openKeyRing(
  config: Config,
  db: Pick<Database, 'connection'>,
  process: KeyRingProcess,
  options: { refresh?: boolean; onRefreshError?: (error: unknown) => void } = {},
): Promise<KeyRing> {
  try {
    return await KeyRing.open({
      store: databaseKeyStore(db.connection),
      kek: config.keys.kek,
      legacyVaultKey: config.vaultKey,
      purposes: PROCESS_PURPOSES[process],
      refreshMs: options.refresh === false ? 0 : config.keys.refreshMs,
      activationDelayMs: config.keys.activationDelayMs,
      jwksGraceMs: config.keys.jwksGraceMs,
      onRefreshError: options.onRefreshError,
    });
  } catch (error) {
    if (error instanceof KeyRingError && error.code === 'kek_invalid') {
      throw new Error(`cannot open the key ring: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
