// The connector section of `npm run bench:gateway`: authorizations (0100 → 0110) per second with p50 and p99 through
// settleflow's bank connector (one TCP connection, requests matched by STAN) against the real bank host process, at
// 1, 16 and 64 requests in flight. Starts its own bank host (own database on the benchmark's server, free ports) and
// a card funded for the whole run; each figure is the median over rounds of a timed run. With `--baseline <dir>` (a
// checkout of another commit with its node_modules) the same is measured for that commit's bank host and connector
// too, in turn with this one's in every round, so that before and after come from one run under the same load.

import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { formatTable } from '../../scripts/demo/table';
import type * as BankConnectionModule from '../../src/gateway/bank-connector/bank-connection';
import type * as CardClientModule from '../../src/gateway/bank-connector/card-client';
import type * as MessageLogModule from '../../src/gateway/bank-connector/message-log';
import { acquireServers } from './servers';

/** What scripts/lib/bank-host.js exports (plain CommonJS). */
interface BankHostModule {
  bankDatabaseUri(mongoUri: string, database: string): string;
  bankHostEnv(options: {
    mongoUri: string;
    ports: { iso8583: number; iso20022: number; control: number };
    adminToken: string;
    iso20022Token: string;
    secret: string;
    clearingPeriodMs: number;
  }): NodeJS.ProcessEnv;
  startBankHost(options: { env: NodeJS.ProcessEnv; logFile: string }): Promise<{ stop(): Promise<void> }>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { findFreePort } = require('../../scripts/lib/services') as { findFreePort(): Promise<number> };

/** One round's figures at a level (kept in the results beside the median round). */
interface RoundFigures {
  authorizationsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** One concurrency level's figures: the median round by rate, and every round. */
interface LevelFigures {
  rounds?: RoundFigures[];
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

const ROOT = path.resolve(__dirname, '..', '..');

/** A Luhn-valid PAN for the bench card. */
function benchPan(): string {
  const pan = '4999000000000000'.slice(0, 15);
  for (let check = 0; ; check += 1) {
    const candidate = `${pan}${check}`;
    let sum = 0;
    for (let i = 0; i < candidate.length; i += 1) {
      let digit = Number(candidate[candidate.length - 1 - i]);
      if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
      sum += digit;
    }
    if (sum % 10 === 0) return candidate;
  }
}

/** One code base under test: its bank host process and its connector, ready to authorize. */
interface Target {
  readonly name: string;
  runLevel(inFlight: number, runMs: number): Promise<LevelFigures>;
  close(): Promise<void>;
}

/** Starts the bank host and the connector of the code in `root` (this checkout, or a baseline's). */
async function startTarget(name: string, root: string, mongoServerUri: string, dataDir: string): Promise<Target> {
  const load = <T>(relative: string): T => require(path.join(root, relative)) as T; // eslint-disable-line @typescript-eslint/no-require-imports
  const bankHostModule = load<BankHostModule>('scripts/lib/bank-host');
  const { BankConnection } = load<typeof BankConnectionModule>('src/gateway/bank-connector/bank-connection');
  const { CardClient, acceptorFor, rrnFor } = load<typeof CardClientModule>('src/gateway/bank-connector/card-client');
  const { BankMessageLog } = load<typeof MessageLogModule>('src/gateway/bank-connector/message-log');
  const ports = { iso8583: await findFreePort(), iso20022: await findFreePort(), control: await findFreePort() };
  const adminToken = randomBytes(24).toString('hex');
  const bankDb = `settleflow_bank_bench_${randomUUID().slice(0, 8)}`;
  const bank = await bankHostModule.startBankHost({
    env: bankHostModule.bankHostEnv({
      mongoUri: `${mongoServerUri}/${bankDb}`,
      ports,
      adminToken,
      iso20022Token: randomBytes(24).toString('hex'),
      secret: randomBytes(32).toString('base64'),
      clearingPeriodMs: 1000,
    }),
    logFile: path.join(dataDir, `bank-host-${name}.log`),
  });
  const gatewayDb = await mongoose
    .createConnection(`${mongoServerUri}/settleflow_bench_gw_${randomUUID().slice(0, 8)}`)
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
  const close = async () => {
    await connection.close();
    await gatewayDb.dropDatabase().catch(() => undefined);
    await gatewayDb.close();
    await bank.stop();
  };
  try {
    const number = benchPan();
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
  } catch (error) {
    await close();
    throw error;
  }
  const messages = new BankMessageLog(gatewayDb);
  const cards = new CardClient(connection, messages, '4711');
  const card = { number: benchPan(), expMonth: 12, expYear: new Date().getUTCFullYear() + 3, cvc: '123' };
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
  return {
    name,
    async runLevel(inFlight, runMs) {
      const latencies: number[] = [];
      let approved = 0;
      const started = Date.now();
      const deadline = started + runMs;
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
      return {
        inFlight,
        authorizationsPerSecond: Math.round(latencies.length / elapsed),
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        approved,
        total: latencies.length,
      };
    },
    close,
  };
}

/** Where the baseline is and which commit it has checked out. */
function baselineCommit(root: string): { root: string; commit: string } {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout: the root alone names it
  }
  return { root: path.resolve(root), commit };
}

/** The median round by rate. */
function medianRound(rounds: LevelFigures[]): LevelFigures {
  const sorted = [...rounds].sort((a, b) => a.authorizationsPerSecond - b.authorizationsPerSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const fixed = (value: number) => value.toFixed(2);

/** The connector section. */
export const connectorSection = {
  key: 'connector',
  title: 'Authorizations through the bank connector against the bank host (one TCP connection)',
  async run(options: { runMs: number; rounds: number; baseline?: string | undefined }): Promise<{
    results: unknown;
    table: string;
  }> {
    const log = (line: string) => process.stderr.write(`bench:gateway: connector: ${line}\n`);
    const servers = await acquireServers(log);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'settleflow-bench-bank-'));
    const targets: Target[] = [];
    try {
      if (options.baseline !== undefined) {
        targets.push(await startTarget('baseline', path.resolve(options.baseline), servers.mongoServerUri, dataDir));
      }
      targets.push(await startTarget('current', ROOT, servers.mongoServerUri, dataDir));
      const levels = new Map<string, LevelFigures[]>(targets.map((target) => [target.name, []]));
      for (const inFlight of [1, 16, 64]) {
        const rounds = new Map<string, LevelFigures[]>(targets.map((target) => [target.name, []]));
        // Every round measures each target in turn, so both see the same load.
        for (let round = 0; round < options.rounds; round += 1) {
          for (const target of targets) rounds.get(target.name)!.push(await target.runLevel(inFlight, options.runMs));
        }
        for (const target of targets) {
          const all = rounds.get(target.name)!;
          const median = medianRound(all);
          const byRound = all.map(({ authorizationsPerSecond, p50Ms, p99Ms }) => ({
            authorizationsPerSecond,
            p50Ms: Number(fixed(p50Ms)),
            p99Ms: Number(fixed(p99Ms)),
          }));
          levels.get(target.name)!.push({ ...median, rounds: byRound });
          log(
            `${target.name}: ${inFlight} in flight: ${median.authorizationsPerSecond}/s p50 ${fixed(median.p50Ms)} ms p99 ${fixed(median.p99Ms)} ms (rounds: ${byRound.map((r) => `${r.authorizationsPerSecond}/s p99 ${r.p99Ms}`).join(', ')})`,
          );
        }
      }
      const current = levels.get('current')!;
      const baseline = levels.get('baseline');
      const table = baseline
        ? formatTable(
            ['in flight', 'before /s', 'after /s', 'before p50 / p99 ms', 'after p50 / p99 ms', 'approved (after)'],
            current.map((after, i) => {
              const before = baseline[i]!;
              return [
                String(after.inFlight),
                String(before.authorizationsPerSecond),
                String(after.authorizationsPerSecond),
                `${fixed(before.p50Ms)} / ${fixed(before.p99Ms)}`,
                `${fixed(after.p50Ms)} / ${fixed(after.p99Ms)}`,
                `${after.approved}/${after.total}`,
              ];
            }),
          )
        : formatTable(
            ['in flight', 'authorizations/s', 'p50 ms', 'p99 ms', 'approved'],
            current.map((l) => [
              String(l.inFlight),
              String(l.authorizationsPerSecond),
              fixed(l.p50Ms),
              fixed(l.p99Ms),
              `${l.approved}/${l.total}`,
            ]),
          );
      return {
        results: {
          levels: current,
          ...(baseline ? { baseline: { ...baselineCommit(options.baseline!), levels: baseline } } : {}),
          note: 'each request is recorded (masked) in bank_messages, as in production',
        },
        table,
      };
    } finally {
      for (const target of targets) await target.close().catch(() => undefined);
      await servers.stop();
    }
  },
};
