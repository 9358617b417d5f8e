// Opens the key ring of a settleflow process (API, worker, gateway worker, keys CLI) from its configuration and
// database: the KEK, the legacy vault key to import, how often to reload. Start-up fails here, with a message naming
// the variable, when the KEK is missing or wrong. Never logs key material.

import type { Config } from '../config';
import type { Database } from '../persistence/database';
import { KeyRingError } from './key-errors';
import { KeyRing } from './key-ring';
import { databaseKeyStore } from './key-store';

/**
 * The process's key ring on the `keys` collection of `db`.
 * @param options.refresh false for a one-shot user (the keys CLI): no periodic reload
 * @param options.onRefreshError where a failed background reload is reported
 * @throws Error naming SETTLEFLOW_KEK when the key-encryption key is missing, malformed or not the stored keys' one
 */
export async function openKeyRing(
  config: Config,
  db: Pick<Database, 'connection'>,
  options: { refresh?: boolean; onRefreshError?: (error: unknown) => void } = {},
): Promise<KeyRing> {
  try {
    return await KeyRing.open({
      store: databaseKeyStore(db.connection),
      kek: config.keys.kek,
      legacyVaultKey: config.vaultKey,
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
