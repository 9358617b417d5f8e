// The connector section of `npm run bench:gateway`: authorizations (0100 → 0110) per second with p50 and p99 through
// settleflow's bank connector (one TCP connection, requests matched by STAN) against the real bank host process, at
// 1, 16 and 64 requests in flight. Starts its own bank host (own database on the benchmark's server, free ports) and
// a card funded for the whole run; each figure is the median over rounds of a timed run.

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { formatTable } from '../../scripts/demo/table';
import { BankConnection } from '../../src/gateway/bank-connector/bank-connection';
import { CardClient, acceptorFor, rrnFor } from '../../src/gateway/bank-connector/card-client';
import { BankMessageLog } from '../../src/gateway/bank-connector/message-log';
import { acquireServers } from './servers';

/** What scripts/lib/bank-host.js exports (plain CommonJS). */
interface BankHostModule {
  bankDatabaseUri(mongoUri: string, database: string): string;
  bankHostEnv(options: {
    mongoUri: string;
    ports: { iso8583: number; iso20022: number; control: number };
    adminToken: string;
    secret: string;
    clearingPeriodMs: number;
  }): NodeJS.ProcessEnv;
  startBankHost(options: { env: NodeJS.ProcessEnv; logFile: string }): Promise<{ stop(): Promise<void> }>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bankHostModule = require('../../scripts/lib/bank-host') as BankHostModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { findFreePort } = require('../../scripts/lib/services') as { findFreePort(): Promise<number> };

/** One concurrency level's figures. */
interface LevelFigures {
  inFlight: number;
  authorizationsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  approved: number;
  total: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The connector section. */
export const connectorSection = {
  key: 'connector',
  title: 'Authorizations through the bank connector against the bank host (one TCP connection)',
  async run(options: { runMs: number; rounds: number }): Promise<{ results: unknown; table: string }> {
    const log = (line: string) => process.stderr.write(`bench:gateway: connector: ${line}\n`);
    const servers = await acquireServers(log);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'settleflow-bench-bank-'));
    const ports = { iso8583: await findFreePort(), iso20022: await findFreePort(), control: await findFreePort() };
    const adminToken = randomBytes(24).toString('hex');
    const bankDb = `settleflow_bank_bench_${randomUUID().slice(0, 8)}`;
    const bank = await bankHostModule.startBankHost({
      env: bankHostModule.bankHostEnv({
        mongoUri: `${servers.mongoServerUri}/${bankDb}`,
        ports,
        adminToken,
        secret: randomBytes(32).toString('base64'),
        clearingPeriodMs: 1000,
      }),
      logFile: path.join(dataDir, 'bank-host.log'),
    });
    const gatewayDb = await mongoose
      .createConnection(`${servers.mongoServerUri}/settleflow_bench_gw_${randomUUID().slice(0, 8)}`)
      .asPromise();
    const connection = new BankConnection({
      host: '127.0.0.1',
      port: ports.iso8583,
      acquirerId: '4711',
      requestTimeoutMs: 10_000,
      connectWaitMs: 10_000,
      echoIntervalMs: 30_000,
      reconnect: { initialMs: 100, maxMs: 2_000, factor: 2 },
      maxInFlight: 256,
      maxBadFrames: 3,
      log: () => undefined,
    });
    try {
      const pan = '4999000000000000'.slice(0, 15);
      let check = 0;
      const luhn = (candidate: string) => {
        let sum = 0;
        for (let i = 0; i < candidate.length; i += 1) {
          let digit = Number(candidate[candidate.length - 1 - i]);
          if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
          sum += digit;
        }
        return sum % 10 === 0;
      };
      while (!luhn(`${pan}${check}`)) check += 1;
      const number = `${pan}${check}`;
      const expYear = new Date().getUTCFullYear() + 3;
      const opened = await fetch(`http://127.0.0.1:${ports.control}/v1/accounts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          kind: 'card',
          pan: number,
          expiry: `${String(expYear % 100).padStart(2, '0')}12`,
          cvc: '123',
          balances: { EUR: 9_000_000_000_000 },
        }),
      });
      if (opened.status !== 201) throw new Error(`opening the bench card failed: ${opened.status}`);
      connection.start();
      await connection.ready();
      const messages = new BankMessageLog(gatewayDb);
      const cards = new CardClient(connection, messages, '4711');
      const card = { number, expMonth: 12, expYear, cvc: '123' };
      const acceptor = acceptorFor('bench-seller', 'SFGW0001');
      let sequence = 0;
      const authorizeOnce = async (): Promise<{ ms: number; approved: boolean }> => {
        sequence += 1;
        const reference = `bench-${sequence}`;
        const started = process.hrtime.bigint();
        const answer = await cards.authorize({
          rrn: rrnFor(`${reference}-${randomUUID()}`),
          reference,
          acceptor,
          amount: { amount: 100, currency: 'EUR' },
          card,
        });
        return { ms: Number(process.hrtime.bigint() - started) / 1e6, approved: answer.outcome === 'approved' };
      };
      const levels: LevelFigures[] = [];
      for (const inFlight of [1, 16, 64]) {
        const rounds: LevelFigures[] = [];
        for (let round = 0; round < options.rounds; round += 1) {
          const latencies: number[] = [];
          let approved = 0;
          const started = Date.now();
          const deadline = started + options.runMs;
          await Promise.all(
            Array.from({ length: inFlight }, async () => {
              while (Date.now() < deadline) {
                const result = await authorizeOnce();
                latencies.push(result.ms);
                if (result.approved) approved += 1;
              }
            }),
          );
          const elapsed = (Date.now() - started) / 1000;
          await messages.flush();
          latencies.sort((a, b) => a - b);
          rounds.push({
            inFlight,
            authorizationsPerSecond: Math.round(latencies.length / elapsed),
            p50Ms: percentile(latencies, 50),
            p99Ms: percentile(latencies, 99),
            approved,
            total: latencies.length,
          });
        }
        rounds.sort((a, b) => a.authorizationsPerSecond - b.authorizationsPerSecond);
        const median = rounds[Math.floor(rounds.length / 2)]!;
        levels.push(median);
        log(
          `${inFlight} in flight: ${median.authorizationsPerSecond}/s p50 ${median.p50Ms.toFixed(2)} ms p99 ${median.p99Ms.toFixed(2)} ms`,
        );
      }
      const table = formatTable(
        ['in flight', 'authorizations/s', 'p50 ms', 'p99 ms', 'approved'],
        levels.map((l) => [
          String(l.inFlight),
          String(l.authorizationsPerSecond),
          l.p50Ms.toFixed(2),
          l.p99Ms.toFixed(2),
          `${l.approved}/${l.total}`,
        ]),
      );
      return {
        results: { levels, note: 'each request is recorded (masked) in bank_messages, as in production' },
        table,
      };
    } finally {
      await connection.close();
      await gatewayDb.dropDatabase().catch(() => undefined);
      await gatewayDb.close();
      await bank.stop();
      await servers.stop();
    }
  },
};
