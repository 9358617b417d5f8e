// `npm run bank-host`: the bank host process, another system than settleflow. It opens its own database, loads its
// books, seeds the demo accounts, then serves ISO 8583 over TCP, ISO 20022 over HTTP and its control API, each on
// its own port. A failed journal write stops the process (exit 1) so that it restarts from what was written.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Bank } from './bank';
import { loadBankHostConfig } from './config';
import { createControlApi } from './control-api';
import { FaultRules } from './faults';
import { createIso20022Channel } from './iso20022-channel';
import { Iso8583Server } from './iso8583-server';
import { createLogger } from './log';
import { seedDemoAccounts } from './seed';
import { BankStore } from './store';

/**
 * How long the HTTP servers keep an idle connection: longer than clients pool them (undici, which the gateway and the
 * tests use, stops reusing one a little before the server's announced timeout), so the client is the side that closes.
 * With Node's 5 s a client could reuse a socket the server was closing and get "other side closed" (seen once, in a
 * test whose worker had called the control API a few seconds before). As the API does (src/api/listen.ts).
 */
const HTTP_KEEP_ALIVE_MS = 65_000;

function listenHttp(server: http.Server, port: number, host: string): Promise<number> {
  server.keepAliveTimeout = HTTP_KEEP_ALIVE_MS;
  // A request's headers must be allowed longer than an idle connection, or the headers timer closes it first.
  server.headersTimeout = HTTP_KEEP_ALIVE_MS + 1_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function main(): Promise<void> {
  const config = loadBankHostConfig();
  const log = createLogger(config.logLevel);
  const store = await BankStore.open(config.mongodbUri, (error) => {
    log('error', 'journal.write.failed', { reason: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  });
  const bank = await Bank.load(store, { holdTtlMs: config.holdTtlMs, clearingPeriodMs: config.clearingPeriodMs });
  if (config.seedDemo) {
    const opened = await seedDemoAccounts(bank, config.secret);
    log('info', 'seed.done', { opened });
  }
  const faults = new FaultRules(config.secret);
  const iso8583 = new Iso8583Server({
    bank,
    faults,
    secret: config.secret,
    log,
    logLevel: config.logLevel,
    maxConnections: config.maxConnections,
  });
  const channel = createIso20022Channel({
    bank,
    log,
    bic: config.bic,
    statementPageSize: config.statementPageSize,
    tokens: config.iso20022Tokens,
  });
  const control = http.createServer(
    createControlApi({ bank, faults, secret: config.secret, adminToken: config.adminToken }),
  );
  const iso20022 = http.createServer(channel.app);
  const ports = {
    iso8583: await iso8583.listen(config.ports.iso8583, config.listenHost),
    iso20022: await listenHttp(iso20022, config.ports.iso20022, config.listenHost),
    control: await listenHttp(control, config.ports.control, config.listenHost),
  };
  channel.start();
  log('info', 'bank-host.ready', { host: config.listenHost, ...ports });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'bank-host.stopping', { signal });
    channel.stop();
    await iso8583.close();
    control.closeAllConnections();
    iso20022.closeAllConnections();
    await Promise.all([
      new Promise((resolve) => control.close(resolve)),
      new Promise((resolve) => iso20022.close(resolve)),
    ]);
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`bank host: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
