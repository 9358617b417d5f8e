// `npm run bench:clearing`: how clearing scales with a day's volume (issue 9, Benchmark). For each size (10k, 100k and
// 1M payments by default) it seeds one day of payments into a database of its own (bulk insertMany in batches, with
// a progress bar), then times each section's tasks in a child process of their own (bench/clearing-measure.ts), so
// that a task's peak resident set (VmHWM) is its own, and reports time, peak RSS and the growth factor per tenfold.
// The goal: growth at most 10.5x per tenfold and peak RSS under 512 MiB at 1M. Sections: the clearing statistics and
// reports; settlement (the day's cut-off, pacs.008 to the real bank host) and reconciliation (camt.053 pages from a
// statement server of its own, 0500 to the real bank host), seeded with what they read (bench/lib/clearing-data.ts).
// Writes bench/results/clearing.json (or --out) and prints a table; --merge joins runs made side by side. Never a
// timed assertion.
// Usage: npm run bench:clearing [-- --sizes 10000,100000 --batch 5000 --only clearing,settlement --page-size 1000000]
//        npm run bench:clearing -- --merge a.json,b.json [--out bench/results/clearing.json]
//        TEMPORAL_ADDRESS=unused:1 MONGODB_URI=mongodb://127.0.0.1:27017/x npm run bench:clearing -- --database-pid <pid>
//        (a database server of your own; Temporal is not used by these sections)

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import type { Connection } from 'mongoose';
import { formatTable } from '../scripts/demo/table';
import { connectDatabase } from '../src/persistence/database';
import { Vault, generateVaultKey } from '../src/security/vault';
import type { BenchBankHost } from './lib/bank-host';
import { startBenchBankHost } from './lib/bank-host';
import {
  BENCH_SETTLEMENT_IBAN,
  ClearingExtras,
  openBankAccounts,
  savePayoutAccounts,
  startStatementServer,
} from './lib/clearing-data';
import type { ClearingWork } from './lib/clearing-work';
import { rssOf, resetPeakRss } from './lib/proc';
import { acquireServers } from './lib/servers';
import { transpileForChildren } from './lib/transpile';

const ROOT = path.join(__dirname, '..');
const DAY = '2026-11-20';
const SELLERS = 200;
const CURRENCIES = ['EUR', 'JPY', 'KWD'];
const BANK_BIC = 'SFBKDEFFXXX';

const log = (line: string) => process.stderr.write(`bench:clearing: ${line}\n`);

/** One timed task at one size. */
interface Measurement {
  task: string;
  size: number;
  ms: number;
  /** Peak resident set of the process that ran the task. */
  peakRssMiB: number;
  /** Peak resident set of FerretDB (when this run started it) during the task. */
  databasePeakRssMiB?: number | undefined;
  detail: Record<string, unknown>;
}

/** What a section gets for each seeded size. */
interface SizeContext {
  size: number;
  uri: string;
  day: string;
  databasePid?: number | undefined;
  /** What the settlement and reconciliation tasks get (bank host, statement server, vault key). */
  work?: ClearingWork | undefined;
  /** The bank host's process, for its peak RSS. */
  bankHostPid?: number | undefined;
}

/**
 * A part of the benchmark, measured at every seeded size: `clearing` (statistics and the daily report), `settlement`
 * (the day's cut-off over the seeded captured payments) and `reconciliation` (the day's three-way match), each
 * returning its measurements; the table, the growth factors and clearing.json take them as they come.
 */
interface BenchSection {
  key: string;
  title: string;
  measure(context: SizeContext): Promise<Measurement[]>;
}

// ---- seeding

/** A small deterministic generator (mulberry32), so every run seeds the same payments. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DECLINES = ['insufficient_funds', 'do_not_honor', 'expired_card', 'incorrect_cvc'];

/** Payment `i` of a day of `size`, shaped as the gateway stores it (src/gateway/card-payments.ts, payment-records.ts). */
function seededPayment(i: number, size: number, random: () => number): Record<string, unknown> {
  const sellerId = `bench-seller-${Math.floor(random() * SELLERS)}`;
  const methodRoll = random();
  const method = methodRoll < 0.7 ? 'card' : methodRoll < 0.82 ? 'echeck' : methodRoll < 0.9 ? 'ecash' : 'micro';
  const currencyRoll = random();
  const currency = currencyRoll < 0.8 ? 'EUR' : currencyRoll < 0.9 ? 'JPY' : 'KWD';
  const amountMinor = method === 'micro' ? 50 + Math.floor(random() * 900) : 100 + Math.floor(random() * 500_000);
  const statusRoll = random();
  const status =
    statusRoll < 0.85
      ? 'succeeded'
      : statusRoll < 0.9
        ? 'partially_refunded'
        : statusRoll < 0.98
          ? 'failed'
          : 'processing';
  const approved = status === 'succeeded' || status === 'partially_refunded';
  const createdAt = new Date(Date.parse(`${DAY}T00:00:00Z`) + Math.floor((i / size) * 86_399_000));
  const latencyMs = 20 + Math.floor(random() * 380);
  const orderId = `bench-${i}`;
  const paymentId = `payment-${orderId}-1`;
  return {
    _id: paymentId,
    paymentId,
    orderId,
    attempt: 1,
    sellerId,
    ...(method === 'card' || method === 'micro' ? {} : { method }),
    ...(method === 'micro' ? { method: 'card', micropayment: { aggregatorId: `micropayments-c-${sellerId}` } } : {}),
    status,
    captureMode: 'immediate',
    amount: { amount: amountMinor, currency },
    authorizedMinor: approved ? amountMinor : 0,
    capturedMinor: approved ? amountMinor : 0,
    refundedMinor: status === 'partially_refunded' ? Math.floor(amountMinor / 3) : 0,
    ...(status === 'failed' ? { declineCode: DECLINES[Math.floor(random() * DECLINES.length)] } : {}),
    last4: '4242',
    refunds: [],
    createdAt,
    updatedAt: new Date(createdAt.getTime() + latencyMs),
    ...(status === 'processing'
      ? { submittedAt: createdAt }
      : {
          submittedAt: createdAt,
          answeredAt: new Date(createdAt.getTime() + latencyMs),
          authorizationLatencyMs: latencyMs,
        }),
  };
}

/** Seeds `size` payments in batches of `batch` with insertMany; returns the time taken. */
async function seed(uri: string, size: number, batch: number, extras?: ClearingExtras): Promise<number> {
  const db = await connectDatabase(uri);
  const collection = (db.connection as Connection).collection('gateway_payments');
  const bar = new SingleBar({
    format: `bench:clearing: seeding ${size.toLocaleString('en')} [{bar}] {percentage}% {value}/{total} {eta_formatted} left`,
    stream: process.stderr,
    hideCursor: true,
  });
  const random = generator(size);
  const started = Date.now();
  bar.start(size, 0);
  for (let from = 0; from < size; from += batch) {
    const documents = [];
    for (let i = from; i < Math.min(size, from + batch); i += 1) {
      const payment = seededPayment(i, size, random);
      documents.push(payment);
      extras?.add(payment as never, i);
    }
    await Promise.all([
      collection.insertMany(documents, { ordered: false }),
      extras?.flush(db.connection as Connection),
    ]);
    bar.update(Math.min(size, from + batch));
  }
  bar.stop();
  const ms = Date.now() - started;
  await db.close();
  return ms;
}

// ---- measuring

/** Runs bench/clearing-measure.ts for one task in a child process and reads its one JSON line. */
function measureInChild(context: SizeContext, task: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'scripts', 'run-ts.js'),
        path.join(__dirname, 'clearing-measure.ts'),
        context.uri,
        context.day,
        task,
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, CLEARING_BENCH_WORK: JSON.stringify(context.work ?? {}) },
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`clearing-measure ${task} exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, unknown>);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

const clearingSection: BenchSection = {
  key: 'clearing',
  title: 'Clearing statistics and the daily clearing report',
  async measure(context) {
    const measurements: Measurement[] = [];
    for (const task of ['statistics', 'csv', 'pdf']) {
      if (context.databasePid !== undefined) resetPeakRss(context.databasePid);
      const result = await measureInChild(context, task);
      const database = context.databasePid === undefined ? undefined : rssOf(context.databasePid);
      const { ms, peakRssMiB, ...detail } = result;
      measurements.push({
        task: task === 'statistics' ? 'statistics (day, all sellers)' : `daily report ${task.toUpperCase()}`,
        size: context.size,
        ms: Number(ms),
        peakRssMiB: Number(peakRssMiB),
        databasePeakRssMiB: database?.peakRssMiB,
        detail,
      });
      log(`${context.size} ${task}: ${Math.round(Number(ms))} ms, peak RSS ${Number(peakRssMiB).toFixed(0)} MiB`);
    }
    return measurements;
  },
};

/** A section of one task run in a child process: settlement or reconciliation of the seeded day. */
function workSection(key: 'settlement' | 'reconciliation', title: string, task: string): BenchSection {
  return {
    key,
    title,
    async measure(context) {
      if (context.databasePid !== undefined) resetPeakRss(context.databasePid);
      if (context.bankHostPid !== undefined) resetPeakRss(context.bankHostPid);
      const result = await measureInChild(context, key);
      const database = context.databasePid === undefined ? undefined : rssOf(context.databasePid);
      const bankHost = context.bankHostPid === undefined ? undefined : rssOf(context.bankHostPid);
      const { ms, peakRssMiB, ...detail } = result;
      log(
        `${context.size} ${key}: ${Math.round(Number(ms))} ms, peak RSS ${Number(peakRssMiB).toFixed(0)} MiB ` +
          `${JSON.stringify(detail.steps)} ${JSON.stringify(detail.counts)}`,
      );
      return [
        {
          task,
          size: context.size,
          ms: Number(ms),
          peakRssMiB: Number(peakRssMiB),
          databasePeakRssMiB: database?.peakRssMiB,
          detail: { ...detail, ...(bankHost === undefined ? {} : { bankHostPeakRssMiB: bankHost.peakRssMiB }) },
        },
      ];
    },
  };
}

const settlementSection = workSection(
  'settlement',
  "Settlement of the day's cut-off",
  'settlement (cut-off, all sellers)',
);
const reconciliationSection = workSection(
  'reconciliation',
  'Reconciliation of the day',
  'reconciliation (day, 3 currencies)',
);

/** Every section, measured at each size in this order. */
const SECTIONS: BenchSection[] = [clearingSection, settlementSection, reconciliationSection];

// ---- the run

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '10000,100000,1000000' },
      batch: { type: 'string', default: '5000' },
      only: { type: 'string' },
      'page-size': { type: 'string', default: '1000000' },
      out: { type: 'string', default: path.join(ROOT, 'bench', 'results', 'clearing.json') },
      merge: { type: 'string' },
      'database-pid': { type: 'string' },
    },
  });
  if (values.merge !== undefined) return mergeResults(values.merge.split(','), values.out);
  const sizes = values.sizes.split(',').map((size) => Number(size.replace(/_/g, '')));
  const batch = Number(values.batch);
  const pageSize = Number(values['page-size'].replace(/_/g, ''));
  const only = values.only?.split(',');
  const sections = SECTIONS.filter((section) => only === undefined || only.includes(section.key));
  const wanted = {
    settlement: sections.some((section) => section.key === 'settlement'),
    reconciliation: sections.some((section) => section.key === 'reconciliation'),
  };
  const servers = await acquireServers(log);
  // The database's process, for its peak RSS: the FerretDB this run started, or `--database-pid` for one given by
  // MONGODB_URI.
  const databasePid =
    servers.pids.ferretdb ?? (values['database-pid'] === undefined ? undefined : Number(values['database-pid']));
  const seeds: { size: number; ms: number; paymentsPerSecond: number }[] = [];
  const measurements: Measurement[] = [];
  const loadAverages: number[] = [];
  const sampleLoad = setInterval(() => loadAverages.push(os.loadavg()[0]!), 10_000);
  let bankHost: BenchBankHost | undefined;
  let build: { outDir: string; remove: () => void } | undefined;
  try {
    if (wanted.settlement || wanted.reconciliation) {
      // The real bank host (its own database on the same server): pacs.008 / pacs.002 and 0500 / 0510 go to it.
      build = transpileForChildren(`clearing-${process.pid}`);
      bankHost = await startBenchBankHost({
        outDir: build.outDir,
        mongoServerUri: servers.mongoServerUri,
        database: `settleflow_bench_clearing_bank_${randomUUID().slice(0, 6)}`,
        logFile: path.join(os.tmpdir(), `settleflow-bench-clearing-bank-host-${process.pid}.log`),
      });
      await openBankAccounts(bankHost.control, SELLERS, CURRENCIES);
      log(`bank host ${bankHost.iso20022Url} with the settlement account and ${SELLERS} sellers' accounts`);
    }
    for (const size of sizes) {
      const uri = `${servers.mongoServerUri}/settleflow_bench_clearing_${size}_${randomUUID().slice(0, 6)}`;
      const extras =
        wanted.settlement || wanted.reconciliation ? new ClearingExtras(wanted, generator(size ^ 0x5eed)) : undefined;
      const seedMs = await seed(uri, size, batch, extras);
      seeds.push({ size, ms: seedMs, paymentsPerSecond: Math.round((size / seedMs) * 1000) });
      log(`seeded ${size} in ${(seedMs / 1000).toFixed(1)} s ${extras ? JSON.stringify(extras.counts) : ''}`);
      const vaultKey = generateVaultKey();
      if (wanted.settlement) {
        const db = await connectDatabase(uri);
        await savePayoutAccounts(db, new Vault(vaultKey), SELLERS);
        await db.close();
      }
      const statements =
        extras && bankHost
          ? await startStatementServer({
              entries: extras.entries,
              day: DAY,
              iban: BENCH_SETTLEMENT_IBAN,
              bic: BANK_BIC,
              pageSize: 500,
            })
          : undefined;
      const work: ClearingWork | undefined =
        bankHost && statements
          ? {
              day: DAY,
              // A cut-off of its own per size (a second apart): the bank host serves every size, and takes a pacs.008
              // whose message id (batch and currency) it has seen as a repeat, answering for the first one's payouts.
              cutoffAt: new Date(
                Date.parse(`${DAY}T00:00:00Z`) + 86_400_000 + sizes.indexOf(size) * 1_000,
              ).toISOString(),
              pageSize,
              vaultKey,
              settlementIban: BENCH_SETTLEMENT_IBAN,
              bankBic: BANK_BIC,
              bankIso20022Url: bankHost.iso20022Url,
              bankIso20022Token: bankHost.iso20022Token,
              bankIso8583Address: bankHost.iso8583Address,
              statementUrl: statements.url,
              currencies: CURRENCIES,
              batchSize: 500,
            }
          : undefined;
      try {
        for (const section of sections) {
          const context = { size, uri, day: DAY, databasePid, work, bankHostPid: bankHost?.pid };
          for (const measurement of await section.measure(context))
            measurements.push({ ...measurement, detail: { ...measurement.detail, loadAverage: os.loadavg() } });
        }
      } finally {
        await statements?.close();
      }
      const db = await connectDatabase(uri);
      await db.connection.dropDatabase();
      await db.close();
    }
  } finally {
    clearInterval(sampleLoad);
    await bankHost?.stop();
    build?.remove();
    await servers.stop();
  }

  const largest = Math.max(...sizes);
  const results = {
    benchmark: 'clearing',
    at: new Date().toISOString(),
    machine: {
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: os.loadavg(),
      /** The 1-minute load average sampled every 10 s during the run: min, mean, max. */
      loadAverageDuringRun:
        loadAverages.length === 0
          ? undefined
          : {
              min: Math.min(...loadAverages),
              mean: loadAverages.reduce((a, b) => a + b, 0) / loadAverages.length,
              max: Math.max(...loadAverages),
            },
      servers: servers.origin,
    },
    pageSize,
    day: DAY,
    sellers: SELLERS,
    batch,
    seeds,
    measurements,
  };
  writeResults(results, largest, values.out);
}

/** What a run writes (before the growth factors and the verdict). */
interface RunResults {
  benchmark: string;
  at: string;
  machine: Record<string, unknown>;
  seeds: { size: number; ms: number; paymentsPerSecond: number }[];
  measurements: Measurement[];
  [other: string]: unknown;
}

/** Adds growth factors and the verdict, writes the JSON file and prints the tables. */
function writeResults(run: RunResults, largest: number, out: string): void {
  const { measurements, seeds } = run;
  const growth = measurements.map((measurement) => {
    const smaller = measurements.find((m) => m.task === measurement.task && m.size * 10 === measurement.size);
    return smaller === undefined ? undefined : measurement.ms / smaller.ms;
  });
  const results = {
    ...run,
    goal: { maxGrowthPerTenfold: 10.5, maxPeakRssMiBAt1M: 512 },
    measurements: measurements.map((measurement, index) => ({ ...measurement, growthPerTenfold: growth[index] })),
    verdict: {
      growthWithinGoal: growth.every((factor) => factor === undefined || factor <= 10.5),
      peakRssWithinGoal: measurements.filter((m) => m.size === largest).every((m) => m.peakRssMiB < 512),
      largestSize: largest,
    },
  };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);

  const table = formatTable(
    ['task', 'payments', 'time', 'growth', 'peak RSS', 'FerretDB peak'],
    measurements.map((measurement, index) => [
      measurement.task,
      measurement.size.toLocaleString('en'),
      `${(measurement.ms / 1000).toFixed(2)} s`,
      growth[index] === undefined ? '' : `${growth[index]!.toFixed(2)}x`,
      `${measurement.peakRssMiB.toFixed(0)} MiB`,
      measurement.databasePeakRssMiB === undefined ? 'n/a' : `${measurement.databasePeakRssMiB.toFixed(0)} MiB`,
    ]),
  );
  const seedTable = formatTable(
    ['seed', 'time', 'payments/s'],
    seeds.map((s) => [s.size.toLocaleString('en'), `${(s.ms / 1000).toFixed(1)} s`, String(s.paymentsPerSecond)]),
  );
  process.stdout.write(`${seedTable}\n\n${table}\n\nwrote ${path.relative(ROOT, out)}\n`);
}

/**
 * Merges the files of runs made side by side (each `--only` a section, `--out` a file of its own) into one: their
 * measurements, seeds and machines (each with its load average during the run).
 */
function mergeResults(files: string[], out: string): void {
  const runs = files.map((file) => JSON.parse(readFileSync(file, 'utf8')) as RunResults);
  const measurements = runs.flatMap((run) =>
    run.measurements.map(
      ({ growthPerTenfold: _growth, ...measurement }: Measurement & { growthPerTenfold?: unknown }) => measurement,
    ),
  );
  writeResults(
    {
      benchmark: 'clearing',
      at: new Date().toISOString(),
      machine: { merged: runs.map((run) => ({ at: run.at, ...run.machine })) },
      day: DAY,
      sellers: SELLERS,
      pageSize: runs[0]?.pageSize,
      batch: runs[0]?.batch,
      seeds: runs.flatMap((run) => run.seeds),
      measurements,
    },
    Math.max(...measurements.map((m) => m.size)),
    out,
  );
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
