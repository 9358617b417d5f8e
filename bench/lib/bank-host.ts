// The lifecycle benchmark's bank host: src/bank-host/main.ts, transpiled like the other children, as a process of its
// own with its own database on the benchmark's MongoDB server, free ports, a fresh admin token and hashing key, and
// the demo cards seeded (so the demo bots' card numbers are answered). It must never share settleflow's database.

import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** What scripts/lib/bank-host.js exports (plain CommonJS, untyped). */
interface BankHostModule {
  bankHostEnv(options: {
    mongoUri: string;
    ports: { iso8583: number; iso20022: number; control: number };
    adminToken: string;
    iso20022Token: string;
    secret: string;
    clearingPeriodMs?: number;
    base?: NodeJS.ProcessEnv;
  }): NodeJS.ProcessEnv;
  waitForHealth(url: string, options: { timeoutMs?: number; check?: () => void }): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- scripts/lib is plain CommonJS without types
const bankHostModule = require('../../scripts/lib/bank-host') as BankHostModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- scripts/lib is plain CommonJS without types
const { findFreePort } = require('../../scripts/lib/services') as { findFreePort(): Promise<number> };

const STOP_GRACE_MS = 10_000;

/** A running bank host. */
export interface BenchBankHost {
  /** Its process id, for CPU accounting. */
  pid: number;
  /** `host:port` of its ISO 8583 listener (the gateway's BANK_HOST_ADDRESS). */
  iso8583Address: string;
  /** Base URL of its ISO 20022 channel (the gateway's BANK_HOST_ISO20022_URL). */
  iso20022Url: string;
  /** The gateway's bearer token on that channel (BANK_HOST_ISO20022_TOKEN). */
  iso20022Token: string;
  /** Its own database's URI. */
  mongoUri: string;
  /** Base URL of its control API and the admin token it takes (to open accounts). */
  control: { url: string; adminToken: string };
  /** Stops it (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
}

/**
 * Starts the transpiled bank host (`<outDir>/src/bank-host/main.js`) on database `database` of `mongoServerUri` and
 * waits for its control API's /health.
 * @throws Error with the log's tail when it exits during start-up or is not healthy within a minute
 */
export async function startBenchBankHost(options: {
  outDir: string;
  mongoServerUri: string;
  database: string;
  logFile: string;
}): Promise<BenchBankHost> {
  const ports = { iso8583: await findFreePort(), iso20022: await findFreePort(), control: await findFreePort() };
  const mongoUri = `${options.mongoServerUri}/${options.database}`;
  // Only what a process needs to run (PATH and the like), never settleflow's MONGODB_URI or vault key.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(MONGODB_|SETTLEFLOW_)/.test(name)),
  );
  const adminToken = randomBytes(24).toString('hex');
  const iso20022Token = randomBytes(24).toString('hex');
  const env = bankHostModule.bankHostEnv({
    mongoUri,
    ports,
    adminToken,
    iso20022Token,
    secret: randomBytes(32).toString('base64'),
    base: { ...base, BANK_HOST_SEED_DEMO: 'true', BANK_HOST_LOG_LEVEL: 'warn' },
  });
  const log = openSync(options.logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [path.join(options.outDir, 'src', 'bank-host', 'main.js')], {
    env,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  const stop = async () => {
    if (exit) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
  try {
    await bankHostModule.waitForHealth(`http://127.0.0.1:${ports.control}/health`, {
      timeoutMs: 60_000,
      check: () => {
        if (!exit) return;
        const tail = readFileSync(options.logFile, 'utf8').trimEnd().split('\n').slice(-20).join('\n');
        throw new Error(
          `the bank host exited during start-up (${JSON.stringify(exit)}); log ${options.logFile}:\n${tail}`,
        );
      },
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pid: child.pid ?? -1,
    iso8583Address: `127.0.0.1:${ports.iso8583}`,
    iso20022Url: `http://127.0.0.1:${ports.iso20022}`,
    iso20022Token,
    mongoUri,
    control: { url: `http://127.0.0.1:${ports.control}`, adminToken },
    stop,
  };
}
