// What the HTTP API needs from the outside world, passed in by main.ts or a test harness: no globals, no env.

import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../observability/logger';
import type { ApiMetrics } from '../observability/metrics';
import type { Database } from '../persistence/database';
import type { KeyVault } from '../security/purpose-keys';
import type { PayloadKeys } from '../temporal/payload-keys';

/** The API's dependencies. */
export interface ApiDeps {
  db: Database;
  temporal: Client;
  config: Config;
  vault: KeyVault;
  /** The Temporal payload keys: the codec endpoint decodes and encodes with them. */
  payloadKeys: PayloadKeys;
  /** The clock that stamps `placedAt` and generated order ids; tests may fix it. */
  now: () => Date;
  /** The API's logger (pino): server-side failures and one line per request; never request bodies. */
  logger: Logger;
  /** The API's Prometheus metrics. */
  metrics: ApiMetrics;
}
