// `npm run bench [-- --sizes 50,200]`: settleflow's order lifecycle against the engine's floor, in one run on one
// server. For each size N: N concurrent orders through all ten steps with the bots over HTTP (orders/s, a party's
// answer round trip, history events per order), and N concurrent floor workflows driven by Updates straight through
// the Temporal client (floor workflows/s); ratio = orders/s ÷ floor/s. The worker and the API run as child
// processes so their peak memory is measured apart. Writes bench/results/lifecycle.json and prints a table.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { RegisteredParty } from '../src/bots/api-client';
import { SettleflowClient } from '../src/bots/api-client';
import type { BotRunReport } from '../src/bots/bot-run';
import { runOrders, tallyText } from '../src/bots/bot-run';
import { castsFrom } from '../src/bots/demo-parties';
import type { LatencySummary } from '../src/bots/latency';
import { ProgressBar } from '../src/bots/progress-bar';
import { HAPPY_PATH, planScenarios } from '../src/bots/scenarios';
import { formatMs, formatTable } from '../src/bots/table';
import { floorInputFor } from '../src/contracts/floor-contract';
import { orderWorkflowId } from '../src/contracts/order-contract';
import type { PartyRole } from '../src/domain/order';
import { connectDatabase } from '../src/persistence/database';
import { registerParty } from '../src/persistence/party-store';
import { Vault, generateVaultKey } from '../src/security/vault';
import { ChildService } from './lib/child-service';
import type { FloorReport } from './lib/floor';
import { runFloor } from './lib/floor';
import type { HistoryProfile } from './lib/histories';
import { profileWorkflows } from './lib/histories';
import { withCommandMonitoring } from './lib/mongo-timing';
import { cpuSecondsOf } from './lib/proc';
import { acquireServers } from './lib/servers';
import type { TimingTable } from './lib/timings';
import { totalOf } from './lib/timings';
import { ROOT, transpileForChildren } from './lib/transpile';

/** Candidate carriers per order, as the floor's input assumes. */
const CARRIERS = 3;

/** Below this ratio the benchmark profiles where the lifecycle's time goes. */
const PROFILE_BELOW_RATIO = 0.9;

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

function parseOptions() {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '50,200' },
      warmup: { type: 'string', default: '10' },
      samples: { type: 'string', default: '5' },
      out: { type: 'string', default: path.join(ROOT, 'bench', 'results', 'lifecycle.json') },
    },
    strict: true,
  });
  const sizes = values.sizes.split(',').map((size) => Number(size.trim()));
  if (sizes.some((size) => !Number.isInteger(size) || size < 1))
    throw new Error(`--sizes: not a list of counts: ${values.sizes}`);
  return { sizes, warmup: Number(values.warmup), samples: Number(values.samples), out: path.resolve(values.out) };
}

/** Processes whose CPU and memory a phase accounts for. */
interface Processes {
  worker: ChildService;
  api: ChildService;
  /** Servers this run started (by name), empty for servers from the environment. */
  serverPids: Record<string, number>;
}

/** What one phase (a lifecycle run or a floor run) cost, besides its own figures. */
interface PhaseCost {
  wallMs: number;
  /** The machine's 1-minute load average before and after: other work on the machine skews every figure. */
  loadAverage: { before: number; after: number };
  /** Peak resident set during the phase, in MiB (VmHWM after clear_refs). */
  peakRssMiB: { worker: number | null; api: number | null };
  /** CPU seconds used during the phase, by process; `bench` is this process (bots or floor driver). */
  cpuSeconds: Record<string, number | null>;
  timings: { worker: TimingTable; api: TimingTable };
}

/** Runs a phase with fresh peak-memory windows and timings, and measures what it cost. */
async function measured<T>(processes: Processes, run: () => Promise<T>): Promise<{ result: T; cost: PhaseCost }> {
  const { worker, api, serverPids } = processes;
  worker.resetPeakMemory();
  api.resetPeakMemory();
  await Promise.all([worker.stats(true), api.stats(true)]);
  const pids: Record<string, number> = { worker: worker.pid, api: api.pid, ...serverPids };
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSecondsOf(pid)]));
  const loadBefore = os.loadavg()[0] ?? 0;
  const benchBefore = process.cpuUsage();
  const started = performance.now();
  const result = await run();
  const wallMs = performance.now() - started;
  const benchCpu = process.cpuUsage(benchBefore);
  const cpuSeconds: Record<string, number | null> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const before = cpuBefore[name];
    const after = cpuSecondsOf(pid);
    cpuSeconds[name] = before === undefined || after === undefined ? null : after - before;
  }
  cpuSeconds.bench = (benchCpu.user + benchCpu.system) / 1e6;
  const [workerStats, apiStats] = await Promise.all([worker.stats(true), api.stats(true)]);
  return {
    result,
    cost: {
      wallMs,
      loadAverage: { before: loadBefore, after: os.loadavg()[0] ?? 0 },
      peakRssMiB: { worker: worker.memory()?.peakRssMiB ?? null, api: api.memory()?.peakRssMiB ?? null },
      cpuSeconds,
      timings: { worker: workerStats.timings, api: apiStats.timings },
    },
  };
}

/** Registers the operator straight in the database (someone has to be first), the other parties through the API. */
async function registerParties(mongoUri: string, baseUrl: string, runId: string): Promise<RegisteredParty[]> {
  const db = await connectDatabase(mongoUri);
  try {
    const operator = await registerParty(db, new Vault(generateVaultKey()), {
      id: `bench-operator-${runId}`,
      role: 'operator',
      name: 'Benchmark operator',
    });
    const client = new SettleflowClient({ baseUrl, apiKey: operator.apiKey });
    const wanted: [PartyRole, string][] = [
      ['seller', 'Bench Seller GmbH'],
      ['customer', 'Bench Customer AG'],
      ['supplier', 'Bench Supplier One'],
      ['supplier', 'Bench Supplier Two'],
      ...Array.from({ length: CARRIERS }, (_, i): [PartyRole, string] => ['carrier', `Bench Carrier ${i + 1}`]),
    ];
    const parties: RegisteredParty[] = [];
    for (const [role, name] of wanted) parties.push(await client.createParty({ role, name }));
    return parties;
  } finally {
    await db.close();
  }
}

/** One size's figures. */
interface SizeResult {
  size: number;
  lifecycle: {
    report: Omit<BotRunReport, 'outcomes'>;
    /** Orders that failed (a bot gave up or got an unexpected answer), first ten. */
    failures: { orderId: string | undefined; error: string | undefined }[];
    cost: PhaseCost;
    history: HistoryProfile;
  };
  floor: {
    runs: (Omit<FloorReport, 'workflowIds'> & { cost: PhaseCost })[];
    /** Both floor runs together: 2N workflows over their summed wall time. */
    perSecond: number;
    updateRoundTrip: LatencySummary;
    history: HistoryProfile;
  };
  ratio: number;
}

async function runLifecycle(castFor: ReturnType<typeof castsFrom>, size: number, label: string) {
  const progress = new ProgressBar(label, size);
  const report = await runOrders({
    castFor,
    scenarios: planScenarios(size, HAPPY_PATH),
    concurrency: size,
    onOrderDone: (_outcome, tally) => progress.update(tally.done, tallyText(tally)),
  });
  progress.finish();
  return report;
}

function mergeSummaries(a: LatencySummary, b: LatencySummary): LatencySummary {
  // Percentiles cannot be merged exactly; the floor's runs are reported separately and this is only for the table.
  const count = a.count + b.count;
  const weigh = (x: number, y: number) => (x * a.count + y * b.count) / Math.max(1, count);
  return {
    count,
    p50: weigh(a.p50, b.p50),
    p95: weigh(a.p95, b.p95),
    p99: Math.max(a.p99, b.p99),
    mean: weigh(a.mean, b.mean),
    max: Math.max(a.max, b.max),
  };
}

async function runSize(
  size: number,
  samples: number,
  context: {
    processes: Processes;
    temporal: Client;
    taskQueue: string;
    runId: string;
    castFor: ReturnType<typeof castsFrom>;
  },
): Promise<SizeResult> {
  const { processes, temporal, taskQueue, runId, castFor } = context;
  const floorInput = floorInputFor(CARRIERS);
  const floorRun = async (round: string) => {
    log(`size ${size}: floor ${round}`);
    const { result, cost } = await measured(processes, () =>
      runFloor(temporal, { taskQueue, count: size, input: floorInput, idPrefix: `floor-${runId}-${size}-${round}` }),
    );
    return { ...result, cost };
  };

  // Floor, lifecycle, floor: the lifecycle sits between two floor runs so neither gains from going first or last.
  const floorA = await floorRun('a');
  log(`size ${size}: lifecycle`);
  const lifecycle = await measured(processes, () => runLifecycle(castFor, size, `size ${size}`));
  const floorB = await floorRun('b');

  const { outcomes, ...report } = lifecycle.result;
  const closedIds = outcomes
    .filter((o) => o.status === 'CLOSED' && o.orderId)
    .map((o) => orderWorkflowId(o.orderId ?? ''));
  const [lifecycleHistory, floorHistory] = await Promise.all([
    profileWorkflows(temporal, spread(closedIds, samples)),
    profileWorkflows(temporal, spread([...floorA.workflowIds, ...floorB.workflowIds], samples)),
  ]);
  const floorPerSecond = (2 * size) / ((floorA.wallMs + floorB.wallMs) / 1000);
  const strip = ({ workflowIds: _ids, ...rest }: FloorReport & { cost: PhaseCost }) => rest;
  return {
    size,
    lifecycle: {
      report,
      failures: outcomes
        .filter((o) => o.status === 'FAILED')
        .slice(0, 10)
        .map((o) => ({ orderId: o.orderId, error: o.error })),
      cost: lifecycle.cost,
      history: lifecycleHistory,
    },
    floor: {
      runs: [strip(floorA), strip(floorB)],
      perSecond: floorPerSecond,
      updateRoundTrip: mergeSummaries(floorA.updateRoundTrip, floorB.updateRoundTrip),
      history: floorHistory,
    },
    ratio: report.closedPerSecond / floorPerSecond,
  };
}

/** Up to `count` items spread evenly over the list (early, middle and late orders alike). */
function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)] as T);
}

const mib = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(0)} MiB`);
const maxOf = (values: (number | null)[]) =>
  values.every((v) => v === null) ? null : Math.max(...values.map((v) => v ?? 0));

function summaryTable(results: readonly SizeResult[]): string {
  const rows = results.map((r) => {
    const answers = r.lifecycle.report.answerRoundTrip;
    const floorCosts = r.floor.runs.map((run) => run.cost);
    return [
      String(r.size),
      `${r.lifecycle.report.closed}/${r.size}`,
      r.lifecycle.report.closedPerSecond.toFixed(2),
      r.floor.perSecond.toFixed(2),
      r.ratio.toFixed(2),
      formatMs(answers.p50),
      formatMs(answers.p99),
      formatMs(r.floor.updateRoundTrip.p50),
      formatMs(r.floor.updateRoundTrip.p99),
      r.lifecycle.history.events.toFixed(0),
      r.floor.history.events.toFixed(0),
      mib(r.lifecycle.cost.peakRssMiB.worker),
      mib(r.lifecycle.cost.peakRssMiB.api),
      mib(maxOf(floorCosts.map((c) => c.peakRssMiB.worker))),
    ];
  });
  return formatTable(
    [
      'N',
      'closed',
      'orders/s',
      'floor/s',
      'ratio',
      'answer p50',
      'answer p99',
      'floor upd p50',
      'floor upd p99',
      'events/order',
      'events/floor',
      'worker peak',
      'API peak',
      'worker peak (floor)',
    ],
    rows,
  );
}

/** Where a lifecycle order's time and CPU go, next to a floor workflow's. */
function profileTables(r: SizeResult): string {
  const life = r.lifecycle;
  const floorRuns = r.floor.runs;
  const orders = Math.max(1, life.report.closed);
  const perOrder = (ms: number) => formatMs(ms / orders);
  const lh = life.history;
  const fh = r.floor.history;
  const types = [...new Set([...Object.keys(lh.activities), ...Object.keys(fh.activities)])].sort();
  const historyRows = [
    ['workflow duration (first to last event)', formatMs(lh.durationMs), formatMs(fh.durationMs)],
    ['workflow tasks: count', lh.workflowTasks.count.toFixed(1), fh.workflowTasks.count.toFixed(1)],
    ['workflow tasks: waiting in the queue', formatMs(lh.workflowTasks.queueMs), formatMs(fh.workflowTasks.queueMs)],
    ['workflow tasks: running on the worker', formatMs(lh.workflowTasks.runMs), formatMs(fh.workflowTasks.runMs)],
    ...types.flatMap((type) => {
      const a = lh.activities[type];
      const b = fh.activities[type];
      return [
        [`activity ${type}: count`, (a?.count ?? 0).toFixed(1), (b?.count ?? 0).toFixed(1)],
        [`activity ${type}: waiting in the queue`, formatMs(a?.queueMs ?? 0), formatMs(b?.queueMs ?? 0)],
        [`activity ${type}: running`, formatMs(a?.runMs ?? 0), formatMs(b?.runMs ?? 0)],
      ];
    }),
    [
      'Updates: count, accepted to completed',
      `${lh.updates.count.toFixed(1)}, ${formatMs(lh.updates.handlerMs)}`,
      `${fh.updates.count.toFixed(1)}, ${formatMs(fh.updates.handlerMs)}`,
    ],
  ];

  const api = life.cost.timings.api;
  const http = totalOf(api, 'http ');
  const temporalCalls = totalOf(api, 'temporal ');
  const apiMongo = totalOf(api, 'mongo ');
  const workerMongo = totalOf(life.cost.timings.worker, 'mongo ');
  const floorWorkerMongo = floorRuns.reduce((sum, run) => sum + totalOf(run.cost.timings.worker, 'mongo ').totalMs, 0);
  const requestRows = [
    ['HTTP requests per order', (http.count / orders).toFixed(1)],
    ['API handler time per order (sum of requests)', perOrder(http.totalMs)],
    ['  of which Temporal calls (start, Updates, queries)', perOrder(temporalCalls.totalMs)],
    ['  of which MongoDB commands (auth, idempotency, read model)', perOrder(apiMongo.totalMs)],
    [
      '  rest: Express, schemas, sealing, JSON, event-loop waits',
      perOrder(http.totalMs - temporalCalls.totalMs - apiMongo.totalMs),
    ],
    [
      'MongoDB commands in activities per order (worker)',
      `${(workerMongo.count / orders).toFixed(1)}, ${perOrder(workerMongo.totalMs)}`,
    ],
    ['MongoDB commands per floor workflow (worker)', formatMs(floorWorkerMongo / (2 * r.size))],
  ];
  const routeRows = Object.entries(api)
    .filter(([name]) => name.startsWith('http ') || name.startsWith('temporal '))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, entry]) => [name, String(entry.count), formatMs(entry.totalMs / Math.max(1, entry.count))]);

  const cpuNames = [
    ...new Set([...Object.keys(life.cost.cpuSeconds), ...floorRuns.flatMap((run) => Object.keys(run.cost.cpuSeconds))]),
  ];
  const floorCpu = (name: string) => {
    const values = floorRuns.map((run) => run.cost.cpuSeconds[name]);
    return values.some((v) => v === null || v === undefined) ? null : values.reduce((s: number, v) => s + (v ?? 0), 0);
  };
  const cpuMs = (seconds: number | null | undefined, per: number) =>
    seconds === null || seconds === undefined ? 'n/a' : formatMs((seconds * 1000) / per);
  const cpuRows = cpuNames.map((name) => [
    name,
    cpuMs(life.cost.cpuSeconds[name], orders),
    cpuMs(floorCpu(name), 2 * r.size),
  ]);
  const lifeCpuTotal = Object.values(life.cost.cpuSeconds).reduce((s: number, v) => s + (v ?? 0), 0);
  const floorCpuTotal = cpuNames.reduce((s, name) => s + (floorCpu(name) ?? 0), 0);
  cpuRows.push(['all measured processes', cpuMs(lifeCpuTotal, orders), cpuMs(floorCpuTotal, 2 * r.size)]);
  const cores = os.availableParallelism();
  const utilisation = (cpu: number, wallMs: number) => `${((cpu * 1000 * 100) / wallMs / cores).toFixed(0)}%`;
  const floorWall = floorRuns.reduce((s, run) => s + run.cost.wallMs, 0);

  return [
    `profile at N=${r.size} (ratio ${r.ratio.toFixed(2)} < ${PROFILE_BELOW_RATIO}); per workflow, mean of sampled histories:`,
    formatTable(['history', 'order', 'floor'], historyRows),
    '',
    formatTable(['API and persistence (lifecycle phase)', 'per order'], requestRows),
    '',
    formatTable(['timed call (API process)', 'count', 'mean'], routeRows),
    '',
    `CPU time per order / per floor workflow (machine: ${cores} cores; busy ${utilisation(lifeCpuTotal, life.cost.wallMs)} ` +
      `during the lifecycle, ${utilisation(floorCpuTotal, floorWall)} during the floor):`,
    formatTable(['process', 'order', 'floor'], cpuRows),
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions();
  const [load] = os.loadavg();
  if (load !== undefined && load > os.availableParallelism()) {
    log(
      `the load average is ${load.toFixed(1)} on ${os.availableParallelism()} cores: other work will skew the figures`,
    );
  }
  const runId = Date.now().toString(36);
  const servers = await acquireServers(log);
  const build = transpileForChildren(runId);
  const cleanups: (() => Promise<void>)[] = [async () => build.remove(), servers.stop];
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => log(String(error)));
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  try {
    const mongoUri = `${servers.mongoServerUri}/settleflow_bench_${runId}`;
    const taskQueue = `settleflow-bench-${runId}`;
    const logDir = path.join(os.tmpdir(), `settleflow-bench-${runId}-logs`);
    mkdirSync(logDir, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: servers.temporalAddress,
      MONGODB_URI: withCommandMonitoring(mongoUri),
      TEMPORAL_TASK_QUEUE: taskQueue,
      SETTLEFLOW_VAULT_KEY: generateVaultKey(),
      PORT: '0',
    };
    log(`starting the worker and the API (logs in ${logDir})`);
    const script = (name: string) => path.join(build.outDir, 'bench', 'processes', `${name}.js`);
    const [worker, api] = await Promise.all([
      ChildService.start('worker', script('worker-main'), env, path.join(logDir, 'worker.log')),
      ChildService.start('api', script('api-main'), env, path.join(logDir, 'api.log')),
    ]);
    cleanups.push(
      () => worker.stop(),
      () => api.stop(),
    );
    const baseUrl = `http://127.0.0.1:${api.port ?? 0}`;
    const parties = await registerParties(mongoUri, baseUrl, runId);
    const castFor = castsFrom(parties, baseUrl);
    const connection = await Connection.connect({ address: servers.temporalAddress });
    cleanups.push(() => connection.close());
    const temporal = new Client({ connection });
    cleanups.push(async () => {
      const db = await connectDatabase(mongoUri);
      await db.connection.dropDatabase();
      await db.close();
    });
    const processes: Processes = { worker, api, serverPids: servers.pids };
    const context = { processes, temporal, taskQueue, runId, castFor };

    if (options.warmup > 0) {
      log(`warm-up: ${options.warmup} orders and ${options.warmup} floor workflows (not measured)`);
      await runLifecycle(castFor, options.warmup, 'warm-up');
      await runFloor(temporal, {
        taskQueue,
        count: options.warmup,
        input: floorInputFor(CARRIERS),
        idPrefix: `floor-${runId}-warmup`,
      });
    }
    const results: SizeResult[] = [];
    for (const size of options.sizes) results.push(await runSize(size, options.samples, context));

    const document = {
      benchmark: 'lifecycle',
      date: new Date().toISOString(),
      node: process.version,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      cpus: { count: os.availableParallelism(), model: os.cpus()[0]?.model ?? 'unknown' },
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      command: `npm run bench -- --sizes ${options.sizes.join(',')}`,
      servers: servers.origin,
      method: {
        order: 'floor, lifecycle, floor for each size after a warm-up; floor/s is 2N over the two floor runs',
        carriersPerOrder: CARRIERS,
        floorInput: floorInputFor(CARRIERS),
        memory:
          'worker and API are child processes; peak RSS = VmHWM from /proc after resetting it (clear_refs=5) per phase',
        cpu: 'user+system seconds from /proc/<pid>/stat per phase; bench = this process (bots or floor driver)',
        historySamples: options.samples,
      },
      sizes: options.sizes,
      results,
    };
    mkdirSync(path.dirname(options.out), { recursive: true });
    writeFileSync(options.out, `${JSON.stringify(document, null, 2)}\n`);

    console.log(summaryTable(results));
    console.log(
      `\nratio = closed orders/s ÷ floor workflows/s; results in ${path.relative(process.cwd(), options.out)}`,
    );
    for (const result of results.filter((r) => r.ratio < PROFILE_BELOW_RATIO))
      console.log(`\n${profileTables(result)}`);
    const failed = results.reduce((sum, r) => sum + r.lifecycle.report.failed, 0);
    if (failed > 0) {
      console.error(`\n${failed} orders failed; see ${logDir}`);
      process.exitCode = 1;
    }
  } finally {
    await cleanUp();
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
