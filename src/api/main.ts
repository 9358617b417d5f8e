// The API process: reads the configuration, connects to MongoDB and Temporal (waiting for Temporal to come up),
// serves the app and shuts down cleanly on SIGINT/SIGTERM. Everything else lives in createApp.

import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, requireVaultKey } from '../config';
import { connectDatabase } from '../persistence/database';
import { startIdempotencySweeper } from '../persistence/idempotency-store';
import { Vault } from '../security/vault';
import { retryUntilReady } from '../retry-until-ready';
import { createApp } from './app';

function log(message: string): void {
  console.log(`[api] ${message}`);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const vault = new Vault(requireVaultKey(config));
  log('connecting to MongoDB');
  const db = await connectDatabase(config.mongodbUri);
  log(`connecting to Temporal at ${config.temporal.address}`);
  const connection = await retryUntilReady(
    `Temporal at ${config.temporal.address}`,
    () => Connection.connect({ address: config.temporal.address, connectTimeout: 2000 }),
    log,
  );
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const app = createApp({ db, temporal, config, vault });
  // FerretDB has no TTL index: this process deletes Idempotency-Key records past IDEMPOTENCY_TTL_HOURS itself.
  const sweeper = startIdempotencySweeper(db, {
    ttlHours: config.idempotency.ttlHours,
    intervalMs: config.idempotency.sweepIntervalMs,
    batchSize: config.idempotency.sweepBatchSize,
    log: (line) => console.error(line),
  });

  // Loopback by default: the API carries API keys and card data over plain HTTP, so exposing it is an explicit
  // choice (HOST=0.0.0.0, e.g. behind a TLS-terminating proxy or in a container).
  const host = config.host;
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(config.port, host, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  console.log(`settleflow API listening on http://${host}:${port}`);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received; closing`);
    const sweeperStopped = sweeper.stop();
    server.close((error) => {
      void Promise.allSettled([sweeperStopped, connection.close()])
        .then(() => db.close())
        .finally(() => {
          log('closed');
          process.exit(error ? 1 : 0);
        });
    });
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`[api] failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
