// What the HTTP API needs from the outside world, passed in by main.ts or a test harness: no globals, no env.

import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Database } from '../persistence/database';
import type { Vault } from '../security/vault';

/** The API's dependencies. */
export interface ApiDeps {
  db: Database;
  temporal: Client;
  config: Config;
  vault: Vault;
  /** The clock that stamps `placedAt` and generated order ids; tests may fix it. */
  now: () => Date;
  /** Where server-side failures are written, one JSON line each; never request bodies. */
  log: (line: string) => void;
}
