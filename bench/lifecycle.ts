// `npm run bench [-- --sizes 50,200]`: settleflow's order lifecycle against the engine's floor, in one run on one
// server. For each size N: N concurrent orders through all ten steps with the bots over HTTP, some parties with
// webhooks to a local receiver (orders/s, each order counted at its workflow's result; a party's answer round trip;
// history events per order), and N concurrent floor workflows driven by Updates straight through the Temporal client
// (floor workflows/s), doing the engine work measured from the warm-up orders' histories; ratio = orders/s ÷ floor/s.
// The worker, the gateway worker and the API run as child processes so their peak memory is measured apart; payments
// go through the gateway worker to a bank host of the benchmark's own. Writes bench/results/lifecycle.json and prints
// tables.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import mongoose from 'mongoose';
import type { RegisteredParty } from '../scripts/demo/api-client';
import { SettleflowClient } from '../scripts/demo/api-client';
import type { BotRunReport } from '../scripts/demo/bot-run';
import type { OrderOutcome } from '../scripts/demo/order-bots';
import { runOrders, tallyText } from '../scripts/demo/bot-run';
import { runPool } from '../scripts/demo/pool';
import { castsFrom } from '../scripts/demo/demo-parties';
import type { LatencySummary } from '../scripts/demo/latency';
import { LatencyBook, summarize } from '../scripts/demo/latency';
import { ProgressBar } from '../scripts/demo/progress-bar';
import { HAPPY_PATH, planScenarios } from '../scripts/demo/scenarios';
import { formatMs, formatTable } from '../scripts/demo/table';
import { orderWorkflowId } from '../src/contracts/order-contract';
import type { PartyRole } from '../src/domain/order';
import { connectDatabase } from '../src/persistence/database';
import { registerParty } from '../src/persistence/party-store';
import { Vault, generateVaultKey } from '../src/security/vault';
import { payloadDataConverter } from '../src/temporal/codec';
import { StaticPayloadKeys } from '../src/temporal/payload-keys';
import type { FloorInput } from './floor/floor-contract';
import { floorTaskQueue } from './floor/floor-contract';
import { ChildService } from './lib/child-service';
import type { FloorReport } from './lib/floor';
import { floorInputFrom, runFloor } from './lib/floor';
import type { EngineWork, HistoryProfile } from './lib/histories';
import { profileWorkflows } from './lib/histories';
import { withCommandMonitoring } from './lib/mongo-timing';
import { cpuSecondsOf, cpuSecondsOfTree } from './lib/proc';
import { startBenchBankHost } from './lib/bank-host';
import { acquireServers } from './lib/servers';
import type { TimingTable } from './lib/timings';
import { mergeTimings, totalOf } from './lib/timings';
import { ROOT, transpileForChildren } from './lib/transpile';
import type { WebhookCounts } from './lib/webhook-receiver';
import { WebhookReceiver } from './lib/webhook-receiver';

/** Candidate carriers per order. */
const CARRIERS = 3;

/** Accepted requests of one happy-path order: place, supplier answer, 3 carrier answers, payment, 3 shipment
 * events, settlement confirmation; the floor makes a start and as many Updates as the orders' histories show. */
const REQUESTS_PER_ORDER = 10;

/** What the figures do not cover (bench/README.md, "What it leaves out"), written into the results file. */
const LEAVES_OUT: readonly string[] = [
  'only the happy path: no declined payments, cancellations, disputes, missed deadlines or operator actions',
  'the floor reproduces no signals to other workflows; webhook deliveries (their first attempts in the worker process, the workflows of the failed ones) are not in the order history',
  'the floor is sized once, from the warm-up orders',
  'webhook receivers are local and instant: no TLS, no network, no slow or failing receivers',
  'one shared machine: servers, bank host, workers, API and bots compete for the same cores; ratios, not capacity figures',
  'every payment is an approved card (4242...) on a local bank host: no declines, no network to the bank',
  'FerretDB on SQLite, not MongoDB 7, unless MONGODB_URI points at one',
];

/** Warm-up orders are also the floor's calibration: at least this many, whatever `--warmup` says. */
const MIN_CALIBRATION_ORDERS = 3;

/** Warm-up histories read to measure the floor's input (all of them, up to this many). */
const MAX_CALIBRATION_HISTORIES = 20;

/** Below this ratio the benchmark profiles where the lifecycle's time goes. */
const PROFILE_BELOW_RATIO = 0.9;

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

function parseOptions() {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '50,200' },
      warmup: { type: 'string', default: '10' },
      samples: { type: 'string', default: '5' },
      'budget-s': { type: 'string', default: '120' },
      'floor-budget-s': { type: 'string', default: '90' },
      workers: { type: 'string', default: '1' },
      repeat: { type: 'string', default: '1' },
      'server-pids': { type: 'string' },
      out: { type: 'string', default: path.join(ROOT, 'bench', 'results', 'lifecycle.json') },
    },
    strict: true,
  });
  const sizes = values.sizes.split(',').map((size) => Number(size.trim()));
  if (sizes.some((size) => !Number.isInteger(size) || size < 1))
    throw new Error(`--sizes: not a list of counts: ${values.sizes}`);
  const budgetMs = Number(values['budget-s']) * 1000;
  const floorBudgetMs = Number(values['floor-budget-s']) * 1000;
  if (!(budgetMs > 0 && floorBudgetMs > 0)) throw new Error('--budget-s and --floor-budget-s must be positive');
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 8)
    throw new Error(`--workers: a count of order worker processes from 1 to 8, not ${values.workers}`);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 9)
    throw new Error(`--repeat: how many times each size runs (floor, lifecycle, floor), 1 to 9, not ${values.repeat}`);
  return {
    sizes,
    repeat,
    warmup: Number(values.warmup),
    samples: Number(values.samples),
    budgetMs,
    floorBudgetMs,
    workers,
    serverPidsFile: values['server-pids'],
    out: path.resolve(values.out),
  };
}

/** Processes whose CPU and memory a phase accounts for. */
interface Processes {
  /** The order worker processes (`--workers`), each with a floor worker beside it. */
  workers: ChildService[];
  /** The gateway worker: payment child workflows and bank activities. */
  gateway: ChildService;
  api: ChildService;
  /** Servers this run started (by name; the bank host always), Temporal and MongoDB only when not from the environment. */
  serverPids: Record<string, number>;
}

/** What one phase (a lifecycle run or a floor run) cost, besides its own figures. */
interface PhaseCost {
  wallMs: number;
  /** The machine's 1-minute load average before and after: other work on the machine skews every figure. */
  loadAverage: { before: number; after: number };
  /** Peak resident set during the phase, in MiB (VmHWM after clear_refs); `worker` is the largest worker process's. */
  peakRssMiB: { worker: number | null; gateway: number | null; api: number | null };
  /** CPU seconds used during the phase, by process; `bench` is this process (bots or floor driver). */
  cpuSeconds: Record<string, number | null>;
  /** `worker` is the sum over the worker processes. */
  timings: { worker: TimingTable; gateway: TimingTable; api: TimingTable };
}

/** One round's headline figures (`--repeat`). */
interface RoundSummary {
  ratio: number;
  ordersPerSecond: number;
  floorPerSecond: number;
  answerOverUpdate: { p50: number; p99: number };
  loadAverage: number;
}

/**
 * The round with the median ratio (the lower middle one for an even count), carrying every round's figures: the
 * machine is shared, and a neighbour's burst during one phase moves a single round's ratio by a tenth either way.
 */
function medianRound(rounds: readonly SizeResult[]): SizeResult {
  if (rounds.length === 0) throw new Error('no round to choose from');
  if (rounds.length === 1) return rounds[0] as SizeResult;
  const sorted = [...rounds].sort((a, b) => a.ratio - b.ratio);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] as SizeResult;
  return {
    ...median,
    rounds: rounds.map((r) => ({
      ratio: r.ratio,
      ordersPerSecond: r.lifecycle.report.closedPerSecond,
      floorPerSecond: r.floor.perSecond,
      answerOverUpdate: r.answerOverUpdate,
      loadAverage: r.lifecycle.cost.loadAverage.before,
    })),
  };
}

/** Runs a phase with fresh peak-memory windows and timings, and measures what it cost. */
async function measured<T>(processes: Processes, run: () => Promise<T>): Promise<{ result: T; cost: PhaseCost }> {
  const { workers, gateway, api, serverPids } = processes;
  const children = [gateway, api, ...workers];
  for (const child of children) child.resetPeakMemory();
  await Promise.all(children.map((child) => child.stats(true)));
  const pids: Record<string, number> = { gateway: gateway.pid, api: api.pid };
  for (const worker of workers) pids[worker.name] = worker.pid;
  // Servers with their children: PostgreSQL serves each connection from a process of its own.
  const cpuOf = (name: string, pid: number) => (name in serverPids ? cpuSecondsOfTree(pid) : cpuSecondsOf(pid));
  Object.assign(pids, serverPids);
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuOf(name, pid)]));
  const loadBefore = os.loadavg()[0] ?? 0;
  const benchBefore = process.cpuUsage();
  const started = performance.now();
  const result = await run();
  const wallMs = performance.now() - started;
  const benchCpu = process.cpuUsage(benchBefore);
  const cpuSeconds: Record<string, number | null> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const before = cpuBefore[name];
    const after = cpuOf(name, pid);
    cpuSeconds[name] = before === undefined || after === undefined ? null : after - before;
  }
  cpuSeconds.bench = (benchCpu.user + benchCpu.system) / 1e6;
  const [gatewayStats, apiStats, ...workerStats] = await Promise.all(children.map((child) => child.stats(true)));
  return {
    result,
    cost: {
      wallMs,
      loadAverage: { before: loadBefore, after: os.loadavg()[0] ?? 0 },
      peakRssMiB: {
        worker: maxOf(workers.map((worker) => worker.memory()?.peakRssMiB ?? null)),
        gateway: gateway.memory()?.peakRssMiB ?? null,
        api: api.memory()?.peakRssMiB ?? null,
      },
      cpuSeconds,
      timings: {
        worker: mergeTimings(workerStats.map((stats) => stats.timings)),
        gateway: gatewayStats?.timings ?? {},
        api: apiStats?.timings ?? {},
      },
    },
  };
}

/**
 * Registers the operator straight in the database (someone has to be first), the other parties through the API. The
 * seller, the first supplier and the first carrier register a webhook to the receiver: the seller gets every order's
 * notices by webhook, the first supplier half the orders' (suppliers take turns), the first carrier every order's.
 */
async function registerParties(
  mongoUri: string,
  baseUrl: string,
  runId: string,
  receiver: WebhookReceiver,
): Promise<RegisteredParty[]> {
  const db = await connectDatabase(mongoUri);
  try {
    const operator = await registerParty(db, new Vault(generateVaultKey()), {
      id: `bench-operator-${runId}`,
      role: 'operator',
      name: 'Benchmark operator',
    });
    const client = new SettleflowClient({ baseUrl, apiKey: operator.apiKey });
    const wanted: [PartyRole, string, boolean][] = [
      ['seller', 'Bench Seller GmbH', true],
      ['customer', 'Bench Customer AG', false],
      ['supplier', 'Bench Supplier One', true],
      ['supplier', 'Bench Supplier Two', false],
      ...Array.from({ length: CARRIERS }, (_, i): [PartyRole, string, boolean] => [
        'carrier',
        `Bench Carrier ${i + 1}`,
        i === 0,
      ]),
    ];
    const parties: RegisteredParty[] = [];
    for (const [index, [role, name, hooked]] of wanted.entries()) {
      const hookKey = `party-${index}`;
      const party = await client.createParty({
        role,
        name,
        ...(hooked ? { webhookUrl: receiver.urlFor(hookKey) } : {}),
      });
      if (hooked) {
        if (!party.webhookSecret) throw new Error(`registering ${name} with a webhook answered no webhookSecret`);
        receiver.addParty(hookKey, party.id, party.webhookSecret);
      }
      parties.push(party);
    }
    return parties;
  } finally {
    await db.close();
  }
}

/**
 * Process ids of servers given by the environment, from a JSON file `{ "name": pid }` (`npm run cluster` writes
 * `.data/cluster/server-pids.json`), so their CPU is measured too; none without `--server-pids`.
 */
function serverPidsFrom(file: string | undefined): Record<string, number> {
  if (!file) return {};
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`--server-pids: ${file} is not a JSON object`);
  const pids: Record<string, number> = {};
  for (const [name, pid] of Object.entries(parsed)) {
    if (!Number.isInteger(pid)) throw new Error(`--server-pids: ${name} in ${file} is not a process id`);
    if (cpuSecondsOf(pid as number) === undefined) throw new Error(`--server-pids: ${name} (${pid}) is not running`);
    pids[name] = pid as number;
  }
  return pids;
}

/** One size's figures. */
interface SizeResult {
  size: number;
  /**
   * Every round of this size when it ran more than once (`--repeat`), in order; the rest of the result is the round
   * with the median ratio.
   */
  rounds?: RoundSummary[];
  lifecycle: {
    report: Omit<BotRunReport, 'outcomes'>;
    /** From the bots' last answer of an order to its workflow's result (when the order is counted). */
    resultAfterLastAnswer: LatencySummary;
    /** Webhook deliveries the receiver got during the phase, and after it (until the size's second floor run ended). */
    webhooks: { duringPhase: WebhookCounts; afterPhase: WebhookCounts };
    /** Accepted requests (orders placed and answers) per second. */
    requestsPerSecond: number;
    /** Whether the budget stopped the run before every order ended. */
    truncated: boolean;
    /** Orders that failed (a bot gave up or got an unexpected answer), first ten. */
    failures: { orderId: string | undefined; error: string | undefined }[];
    cost: PhaseCost;
    /** Whose histories were sampled: closed orders, or unfinished ones when none closed within the budget. */
    historyOf: 'closed' | 'unfinished';
    history: HistoryProfile;
  };
  floor: {
    runs: (Omit<FloorReport, 'workflowIds' | 'unfinishedIds' | 'updateSamples'> & { cost: PhaseCost })[];
    /** Both floor runs together: completed workflows over their summed wall time. */
    perSecond: number;
    /** Both floor runs together: starts and Updates per second. */
    callsPerSecond: number;
    truncated: boolean;
    /** Both floor runs' Update round trips together. */
    updateRoundTrip: LatencySummary;
    history: HistoryProfile;
  };
  /** A party's answer round trip ÷ the floor's Update round trip, at p50 and p99. */
  answerOverUpdate: { p50: number; p99: number };
  /** Closed orders/s ÷ floor workflows/s; only meaningful when neither run was truncated. */
  ratio: number;
  /** Accepted lifecycle requests/s ÷ floor calls/s: the same comparison per call, meaningful even when truncated. */
  callRatio: number;
}

/**
 * The status an order's workflow returned (its result), awaited through the Temporal client: an order counts when its
 * workflow has ended, not when the bots' last answer came back. Falls back to the bots' status if the result carries
 * none.
 */
async function workflowResultStatus(
  temporal: Client,
  outcome: OrderOutcome,
  signal: AbortSignal,
): Promise<OrderOutcome['status']> {
  if (!outcome.orderId) return outcome.status;
  const handle = temporal.workflow.getHandle(orderWorkflowId(outcome.orderId));
  const result: unknown = await temporal.connection.withAbortSignal(signal, () => handle.result());
  const status = typeof result === 'object' && result !== null ? (result as { status?: unknown }).status : undefined;
  return typeof status === 'string' ? (status as OrderOutcome['status']) : outcome.status;
}

async function runLifecycle(
  context: { castFor: ReturnType<typeof castsFrom>; temporal: Client; receiver?: WebhookReceiver },
  size: number,
  label: string,
  budgetMs: number,
) {
  const progress = new ProgressBar(label, size);
  const signal = AbortSignal.timeout(budgetMs);
  const afterLastAnswer = new LatencyBook();
  const report = await runOrders({
    castFor: context.castFor,
    scenarios: planScenarios(size, HAPPY_PATH),
    concurrency: size,
    signal,
    finalStatus: async (outcome) => {
      const askedAt = performance.now();
      const status = await workflowResultStatus(context.temporal, outcome, signal);
      afterLastAnswer.record('result', performance.now() - askedAt);
      return status;
    },
    onOrderDone: (_outcome, tally) => progress.update(tally.done, tallyText(tally)),
    // The seller has a webhook: it confirms when its settlement note arrives, as a real seller would, instead of
    // reading the order until the cut-off has settled it.
    ...(context.receiver
      ? {
          awaitNotice: (partyId: string, orderId: string, kind: string, stop?: AbortSignal) =>
            (context.receiver as WebhookReceiver).awaitNotice(partyId, orderId, kind, stop, budgetMs),
        }
      : {}),
  });
  progress.finish();
  return { report, resultAfterLastAnswer: summarize(afterLastAnswer.samples('result')) };
}

/** Accepted requests per second (placing orders and every answer): comparable with the floor's calls per second. */
function requestsPerSecond(report: BotRunReport): number {
  const accepted = Object.entries(report.latencies)
    .filter(([name]) => name !== 'end-to-end')
    .reduce((sum, [, summary]) => sum + summary.count, 0);
  return accepted / (report.wallMs / 1000);
}

/** Terminates workflows a stopped phase left open, so they cost nothing in the phases after it. */
async function terminateAll(temporal: Client, workflowIds: readonly string[]): Promise<void> {
  if (workflowIds.length === 0) return;
  log(`terminating ${workflowIds.length} workflows left open by the budget`);
  await runPool(workflowIds, 20, (id) =>
    temporal.workflow
      .getHandle(id)
      .terminate('benchmark phase budget reached')
      .catch(() => undefined),
  );
}

/**
 * Waits until the measured processes are nearly idle (under a fifth of a core for two seconds in a row), so one
 * phase's leftovers (activities finishing, timers, retries) do not land in the next. Gives up after a minute.
 */
async function settle(processes: Processes): Promise<void> {
  const pids = [...processes.workers, processes.gateway, processes.api].map((child) => child.pid);
  const serverPids = Object.values(processes.serverPids);
  const total = () =>
    pids.reduce((sum, pid) => sum + (cpuSecondsOf(pid) ?? 0), 0) +
    serverPids.reduce((sum, pid) => sum + (cpuSecondsOfTree(pid) ?? 0), 0);
  let quiet = 0;
  let last = total();
  for (let second = 0; second < 60 && quiet < 2; second += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = total();
    quiet = now - last < 0.2 ? quiet + 1 : 0;
    last = now;
  }
}

async function runSize(
  size: number,
  options: { samples: number; budgetMs: number; floorBudgetMs: number },
  context: {
    processes: Processes;
    temporal: Client;
    /** The floor's client, without the payload codec: the floor is Temporal alone. */
    floorClient: Client;
    taskQueue: string;
    runId: string;
    /** Which run of this size (`--repeat`): keeps the floor's workflow ids apart. */
    round?: number;
    castFor: ReturnType<typeof castsFrom>;
    floorInput: FloorInput;
    receiver: WebhookReceiver;
  },
): Promise<SizeResult> {
  const { processes, temporal, floorClient, taskQueue, runId, floorInput, receiver } = context;
  const floorRun = async (round: string) => {
    await settle(processes);
    log(`size ${size}: floor ${round}`);
    const { result, cost } = await measured(processes, () =>
      runFloor(floorClient, {
        taskQueue: floorTaskQueue(taskQueue),
        count: size,
        input: floorInput,
        idPrefix: `floor-${runId}-${size}-${context.round ?? 1}${round}`,
        signal: AbortSignal.timeout(options.floorBudgetMs),
      }),
    );
    await terminateAll(temporal, result.unfinishedIds);
    return { ...result, cost };
  };

  // Floor, lifecycle, floor: the lifecycle sits between two floor runs so neither gains from going first or last.
  const floorA = await floorRun('a');
  await settle(processes);
  log(`size ${size}: lifecycle`);
  receiver.snapshot(true);
  const lifecycle = await measured(processes, () => runLifecycle(context, size, `size ${size}`, options.budgetMs));
  const webhooksDuring = receiver.snapshot(true);
  const { outcomes, ...report } = lifecycle.result.report;
  await terminateAll(
    temporal,
    outcomes
      .filter((o) => (o.status === 'UNFINISHED' || o.status === 'FAILED') && o.orderId)
      .map((o) => orderWorkflowId(o.orderId ?? '')),
  );
  const floorB = await floorRun('b');
  const webhooksAfter = receiver.snapshot(true);

  // Closed orders' histories; when the budget stopped every order, the (terminated) unfinished ones'.
  const placedIds = (status?: string) =>
    outcomes
      .filter((o) => o.orderId && (status === undefined || o.status === status))
      .map((o) => orderWorkflowId(o.orderId ?? ''));
  const closedIds = placedIds('CLOSED');
  const orderSample = closedIds.length > 0 ? closedIds : placedIds();
  const completedFloors = [floorA, floorB].flatMap((run) =>
    run.workflowIds.filter((id) => !run.unfinishedIds.includes(id)),
  );
  const [lifecycleHistory, floorHistory] = await Promise.all([
    profileWorkflows(temporal, spread(orderSample, options.samples)),
    profileWorkflows(temporal, spread(completedFloors, options.samples)),
  ]);
  const floorWallS = (floorA.wallMs + floorB.wallMs) / 1000;
  const floorPerSecond = (floorA.completed + floorB.completed) / floorWallS;
  const floorCallsPerSecond =
    (floorA.callsPerSecond * floorA.wallMs + floorB.callsPerSecond * floorB.wallMs) / 1000 / floorWallS;
  const lifecycleRequestsPerSecond = requestsPerSecond(lifecycle.result.report);
  const strip = ({
    workflowIds: _ids,
    unfinishedIds: _open,
    updateSamples: _samples,
    ...rest
  }: FloorReport & { cost: PhaseCost }) => rest;
  const floorUpdates = summarize([...floorA.updateSamples, ...floorB.updateSamples]);
  return {
    size,
    lifecycle: {
      report,
      resultAfterLastAnswer: lifecycle.result.resultAfterLastAnswer,
      webhooks: { duringPhase: webhooksDuring, afterPhase: webhooksAfter },
      requestsPerSecond: lifecycleRequestsPerSecond,
      truncated: report.unfinished > 0,
      failures: outcomes
        .filter((o) => o.status === 'FAILED')
        .slice(0, 10)
        .map((o) => ({ orderId: o.orderId, error: o.error })),
      cost: lifecycle.cost,
      historyOf: closedIds.length > 0 ? 'closed' : 'unfinished',
      history: lifecycleHistory,
    },
    floor: {
      runs: [strip(floorA), strip(floorB)],
      perSecond: floorPerSecond,
      callsPerSecond: floorCallsPerSecond,
      truncated: floorA.truncated || floorB.truncated,
      updateRoundTrip: floorUpdates,
      history: floorHistory,
    },
    answerOverUpdate: {
      p50: report.answerRoundTrip.p50 / floorUpdates.p50,
      p99: report.answerRoundTrip.p99 / floorUpdates.p99,
    },
    ratio: report.closedPerSecond / floorPerSecond,
    callRatio: lifecycleRequestsPerSecond / floorCallsPerSecond,
  };
}

/**
 * What each process used of the machine during a phase, in cores (CPU seconds ÷ wall seconds), busiest first, with the
 * load average around it: the process near a whole core, or all of them near the machine's cores, is what limits.
 */
function coresLine(cost: PhaseCost): string {
  const wallS = cost.wallMs / 1000;
  const used = Object.entries(cost.cpuSeconds)
    .filter((entry): entry is [string, number] => entry[1] !== null)
    .sort(([, a], [, b]) => b - a);
  const all = used.reduce((sum, [, seconds]) => sum + seconds, 0);
  return (
    `load ${cost.loadAverage.before.toFixed(1)} → ${cost.loadAverage.after.toFixed(1)}; cores used: ` +
    `${used.map(([name, seconds]) => `${name} ${(seconds / wallS).toFixed(2)}`).join(', ')}; ` +
    `all ${(all / wallS).toFixed(2)} of ${os.availableParallelism()}`
  );
}

/** Up to `count` items spread evenly over the list (early, middle and late orders alike). */
function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)] as T);
}

const mib = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(0)} MiB`);
const maxOf = (values: (number | null)[]) =>
  values.every((v) => v === null) ? null : Math.max(...values.map((v) => v ?? 0));

function summaryTables(results: readonly SizeResult[]): string {
  const mark = (truncated: boolean) => (truncated ? ' (budget)' : '');
  const throughput = results.map((r) => [
    String(r.size),
    `${r.lifecycle.report.closed}/${r.size}${mark(r.lifecycle.truncated)}`,
    `${r.floor.runs.reduce((sum, run) => sum + run.completed, 0)}/${2 * r.size}${mark(r.floor.truncated)}`,
    r.lifecycle.report.closedPerSecond.toFixed(2),
    r.floor.perSecond.toFixed(2),
    r.ratio.toFixed(2),
    r.lifecycle.requestsPerSecond.toFixed(1),
    r.floor.callsPerSecond.toFixed(1),
    r.callRatio.toFixed(2),
  ]);
  const latency = results.map((r) => {
    const answers = r.lifecycle.report.answerRoundTrip;
    return [
      String(r.size),
      formatMs(answers.p50),
      formatMs(r.floor.updateRoundTrip.p50),
      r.answerOverUpdate.p50.toFixed(1),
      formatMs(answers.p99),
      formatMs(r.floor.updateRoundTrip.p99),
      r.answerOverUpdate.p99.toFixed(1),
      formatMs(r.lifecycle.report.latencies['end-to-end']?.p50 ?? Number.NaN),
      formatMs(r.lifecycle.resultAfterLastAnswer.p50),
    ];
  });
  const work = (w: EngineWork) =>
    `${w.updates.toFixed(1)}/${w.activities.toFixed(1)}/${w.localActivities.toFixed(1)}/${w.timers.toFixed(1)}` +
    `/${w.childWorkflows.toFixed(1)}/${(w.searchAttributeUpserts ?? 0).toFixed(1)}`;
  const resources = results.map((r) => {
    const hooks = r.lifecycle.webhooks;
    return [
      String(r.size),
      r.lifecycle.historyOf === 'closed' ? r.lifecycle.history.events.toFixed(0) : 'n/a',
      r.floor.history.events.toFixed(0),
      work(r.lifecycle.history.work),
      work(r.floor.history.work),
      `${hooks.duringPhase.validSignatures}+${hooks.afterPhase.validSignatures}` +
        (hooks.duringPhase.invalid + hooks.afterPhase.invalid > 0
          ? ` (${hooks.duringPhase.invalid + hooks.afterPhase.invalid} bad)`
          : ''),
      mib(r.lifecycle.cost.peakRssMiB.worker),
      mib(r.lifecycle.cost.peakRssMiB.gateway),
      mib(r.lifecycle.cost.peakRssMiB.api),
      mib(maxOf(r.floor.runs.map((run) => run.cost.peakRssMiB.worker))),
    ];
  });
  return [
    formatTable(
      ['N', 'closed', 'floor done', 'orders/s', 'floor/s', 'ratio', 'requests/s', 'floor calls/s', 'call ratio'],
      throughput,
    ),
    ...roundLines(results),
    '',
    formatTable(
      [
        'N',
        'answer p50',
        'floor Update p50',
        'p50 ×',
        'answer p99',
        'floor Update p99',
        'p99 ×',
        'order p50',
        'result after last answer p50',
      ],
      latency,
    ),
    '',
    formatTable(
      [
        'N',
        'events/order',
        'events/floor',
        'order: upd/act/local/timers/child/upserts',
        'floor: upd/act/local/timers/child/upserts',
        'webhooks (during+after)',
        'worker peak',
        'gateway peak',
        'API peak',
        'worker peak (floor)',
      ],
      resources,
    ),
  ].join('\n');
}

/** Each repeated size's rounds, one line each: the table above shows the round with the median ratio. */
function roundLines(results: readonly SizeResult[]): string[] {
  return results
    .filter((r) => r.rounds !== undefined)
    .map(
      (r) =>
        `N=${r.size}, ${r.rounds?.length} rounds (the table shows the median one): ratio ` +
        (r.rounds ?? [])
          .map(
            (round) =>
              `${round.ratio.toFixed(2)} (${round.ordersPerSecond.toFixed(2)}/${round.floorPerSecond.toFixed(2)})`,
          )
          .join(', ') +
        `; answer p99 × ${(r.rounds ?? []).map((round) => round.answerOverUpdate.p99.toFixed(1)).join(', ')}`,
    );
}

/** Where a lifecycle order's time and CPU go, next to a floor workflow's. */
function profileTables(r: SizeResult): string {
  const life = r.lifecycle;
  const floorRuns = r.floor.runs;
  // Per order = per 10 accepted requests (place, supplier, 3 carriers, payment, 3 shipment events, settlement), so
  // a run stopped by its budget, whose unfinished orders did part of their work, is not overstated.
  const accepted = (life.requestsPerSecond * life.cost.wallMs) / 1000;
  const orders = Math.max(1, accepted / REQUESTS_PER_ORDER);
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
  // Requests cut off by a budget never finish, so their Temporal and MongoDB time has no HTTP total to sit in.
  const rest = http.totalMs - temporalCalls.totalMs - apiMongo.totalMs;
  const floorWorkerMongo = floorRuns.reduce((sum, run) => sum + totalOf(run.cost.timings.worker, 'mongo ').totalMs, 0);
  const requestRows = [
    ['HTTP requests per order', (http.count / orders).toFixed(1)],
    ['API handler time per order (sum of requests)', perOrder(http.totalMs)],
    ['  of which Temporal calls (start, Updates, queries)', perOrder(temporalCalls.totalMs)],
    ['  of which MongoDB commands (auth, idempotency, read model)', perOrder(apiMongo.totalMs)],
    [
      '  rest: Express, schemas, sealing, JSON, event-loop waits',
      rest >= 0 ? perOrder(rest) : 'n/a (requests cut off by the budget)',
    ],
    [
      'MongoDB commands in activities per order (worker)',
      `${(workerMongo.count / orders).toFixed(1)}, ${perOrder(workerMongo.totalMs)}`,
    ],
    ['MongoDB commands per floor workflow (worker)', formatMs(floorWorkerMongo / (2 * r.size))],
    ...(['api', 'worker'] as const).map((side) => {
      const table = life.cost.timings[side];
      const count = (command: string) => (table[`mongo ${command}`]?.count ?? 0) / orders;
      const writes = count('insert') + count('update') + count('delete');
      return [
        `MongoDB commands per order in the ${side === 'api' ? 'API' : 'worker'}: writes + reads`,
        `${writes.toFixed(1)} + ${(count('find') + count('aggregate')).toFixed(1)}`,
      ];
    }),
  ];
  // Database commands by caller (an HTTP route or an activity) and collection, per call of the route or per order.
  const dbRows = (['api', 'worker'] as const).flatMap((side) => {
    const table = life.cost.timings[side];
    return Object.entries(table)
      .filter(([name]) => name.startsWith('db '))
      .map(([name, entry]) => {
        const [command = '', collection = ''] = name.split(' ').slice(-2);
        const caller = name.slice('db '.length, name.length - command.length - collection.length - 2);
        const calls = table[`http ${caller}`]?.count;
        return [
          `${side} ${caller}`,
          `${command} ${collection}`,
          (entry.count / orders).toFixed(2),
          calls ? (entry.count / calls).toFixed(2) : '',
        ];
      })
      .sort((a, b) => `${a[0]} ${a[1]}`.localeCompare(`${b[0]} ${b[1]}`));
  });
  // The commands that took the most time, by shape (collection and filter fields), in every process that sends any.
  const shapeRows = (['api', 'worker', 'gateway'] as const)
    .flatMap((side) =>
      Object.entries(life.cost.timings[side])
        .filter(([name]) => name.startsWith('dbt '))
        .map(([name, entry]) => ({ side, shape: name.slice('dbt '.length), entry })),
    )
    .sort((x, y) => y.entry.totalMs - x.entry.totalMs)
    .slice(0, 25)
    .map(({ side, shape, entry }) => [
      side,
      shape,
      (entry.count / orders).toFixed(2),
      formatMs(entry.totalMs / Math.max(1, entry.count)),
      perOrder(entry.totalMs),
    ]);
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
    `profile at N=${r.size} (ratio ${r.ratio.toFixed(2)} < ${PROFILE_BELOW_RATIO}); per workflow, mean of sampled ` +
      `histories${life.historyOf === 'unfinished' ? ' (orders: unfinished ones, none closed within the budget)' : ''}:`,
    formatTable(['history', 'order', 'floor'], historyRows),
    '',
    formatTable(['API and persistence (lifecycle phase)', 'per order'], requestRows),
    '',
    formatTable(['timed call (API process)', 'count', 'mean'], routeRows),
    '',
    formatTable(['database commands by caller', 'command collection', 'per order', 'per request'], dbRows),
    '',
    formatTable(
      ['process', 'slowest commands: command collection filter', 'per order', 'mean', 'time per order'],
      shapeRows,
    ),
    '',
    `CPU time per order / per floor workflow (machine: ${cores} cores; busy ${utilisation(lifeCpuTotal, life.cost.wallMs)} ` +
      `during the lifecycle, ${utilisation(floorCpuTotal, floorWall)} during the floor):`,
    formatTable(['process', 'order', 'floor'], cpuRows),
  ].join('\n');
}

/** How long dropping a database at the end may take before it is left as it is. */
const DROP_TIMEOUT_MS = 30_000;

/**
 * Drops a database the run made, giving up after {@link DROP_TIMEOUT_MS} from the start: after a batch cut off by its
 * budget, FerretDB's drop was seen to wait forever with every client gone, and so was settleflow's own connect (its
 * index builds and migration) before the drop, so this connects bare and bounds connect, drop and close together. A
 * database left behind sits in the servers' temp dir, which `stop` removes, when the run started its own servers.
 */
async function dropDatabase(uri: string): Promise<void> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000, autoIndex: false });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), DROP_TIMEOUT_MS);
  });
  const drop = async () => {
    await connection.asPromise();
    await connection.dropDatabase();
    return 'dropped' as const;
  };
  try {
    const outcome = await Promise.race([drop(), timedOut]);
    if (outcome === 'timeout')
      log(`dropping ${uri.replace(/^.*\//, '')} did not finish in ${DROP_TIMEOUT_MS} ms; left as it is`);
  } finally {
    clearTimeout(timer);
    await Promise.race([connection.close(true), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  }
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
    const gatewayTaskQueue = `settleflow-bench-${runId}-gateway`;
    const logDir = path.join(os.tmpdir(), `settleflow-bench-${runId}-logs`);
    mkdirSync(logDir, { recursive: true });
    // The bank host: its own database on the benchmark's server, free ports, the demo cards seeded.
    log('starting the bank host');
    const bankHost = await startBenchBankHost({
      outDir: build.outDir,
      mongoServerUri: servers.mongoServerUri,
      database: `settleflow_bank_bench_${runId}`,
      logFile: path.join(logDir, 'bank-host.log'),
    });
    cleanups.push(async () => {
      await bankHost.stop();
      await dropDatabase(bankHost.mongoUri);
    });
    // Dropped after the children stop (cleanups run in reverse).
    cleanups.push(() => dropDatabase(mongoUri));
    const payloadKey = randomBytes(32);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: servers.temporalAddress,
      MONGODB_URI: withCommandMonitoring(mongoUri),
      TEMPORAL_TASK_QUEUE: taskQueue,
      // Payments: the order worker starts them on the gateway's queue, whose worker talks to the bench's bank host.
      GATEWAY_TASK_QUEUE: gatewayTaskQueue,
      BANK_HOST_ADDRESS: bankHost.iso8583Address,
      BANK_HOST_ISO20022_URL: bankHost.iso20022Url,
      BANK_HOST_ISO20022_TOKEN: bankHost.iso20022Token,
      SETTLEFLOW_VAULT_KEY: generateVaultKey(),
      // The run's Temporal payload key, given to every process and to this one (which reads the orders' results); the
      // processes open their key rings for every other purpose.
      TEMPORAL_PAYLOAD_KEYS: `bench:${payloadKey.toString('base64')}`,
      SETTLEFLOW_KEK: generateVaultKey(),
      PORT: '0',
      // The webhook receiver listens on loopback, which only this flag lets parties register and be delivered to.
      WEBHOOK_ALLOW_PRIVATE: 'true',
      // A few demo parties make every call of hundreds of orders: the per-key limit is not what is measured.
      API_RATE_PER_MINUTE: '1000000',
      // Likewise the per-customer payment limit: the bench's one customer pays every order.
      PAYMENT_RATE_PER_MINUTE: '1000000',
      // The lifecycle is measured with each order paying out by itself, not waiting for a settlement cut-off.
      SETTLEMENT_ORDER_PAYOUT: 'per_order',
    };
    const workerNames = Array.from({ length: options.workers }, (_, i) =>
      options.workers === 1 ? 'worker' : `worker-${i + 1}`,
    );
    log(`starting ${workerNames.join(', ')}, the gateway worker and the API (logs in ${logDir})`);
    const script = (name: string) => path.join(build.outDir, 'bench', 'processes', `${name}.js`);
    const [gateway, api, ...workers] = await Promise.all([
      ChildService.start('gateway', script('gateway-main'), env, path.join(logDir, 'gateway.log')),
      ChildService.start('api', script('api-main'), env, path.join(logDir, 'api.log')),
      ...workerNames.map((name) =>
        ChildService.start(name, script('worker-main'), env, path.join(logDir, `${name}.log`)),
      ),
    ]);
    cleanups.push(
      ...workers.map((worker) => () => worker.stop()),
      () => gateway.stop(),
      () => api.stop(),
    );
    const baseUrl = `http://127.0.0.1:${api.port ?? 0}`;
    const receiver = await WebhookReceiver.start();
    cleanups.push(() => receiver.stop());
    const parties = await registerParties(mongoUri, baseUrl, runId, receiver);
    const castFor = castsFrom(parties, baseUrl);
    const connection = await Connection.connect({ address: servers.temporalAddress });
    cleanups.push(() => connection.close());
    // The namespace the worker and API use (TEMPORAL_NAMESPACE, e.g. `settleflow` on `npm run cluster`'s server).
    const floorClient = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE || 'default' });
    // The orders' results are encrypted by the payload codec, as in production: read them with the same keys.
    const temporal = new Client({
      connection,
      namespace: process.env.TEMPORAL_NAMESPACE || 'default',
      dataConverter: payloadDataConverter(new StaticPayloadKeys([{ kid: 'bench', key: payloadKey }])),
    });
    const processes: Processes = {
      workers,
      gateway,
      api,
      serverPids: { ...servers.pids, ...serverPidsFrom(options.serverPidsFile), 'bank host': bankHost.pid },
    };

    // The warm-up orders also calibrate the floor: its input is the engine work their histories show.
    const warmup = Math.max(options.warmup, MIN_CALIBRATION_ORDERS);
    log(`warm-up: ${warmup} orders (not measured); the floor's input is measured from their histories`);
    const warm = await runLifecycle({ castFor, temporal }, warmup, 'warm-up', options.budgetMs);
    const warmClosed = warm.report.outcomes
      .filter((o) => o.status === 'CLOSED' && o.orderId)
      .map((o) => orderWorkflowId(o.orderId ?? ''));
    if (warmClosed.length === 0) throw new Error('no warm-up order closed: the floor cannot be measured; see the logs');
    const calibrationIds = spread(warmClosed, MAX_CALIBRATION_HISTORIES);
    const calibration = (await profileWorkflows(temporal, calibrationIds)).work;
    const floorInput = floorInputFrom(calibration);
    log(
      `floor input from ${calibrationIds.length} order histories: ${JSON.stringify(floorInput)}` +
        (calibration.externalSignals > 0 ? ` (not reproduced: ${calibration.externalSignals} signals)` : ''),
    );
    log(`warm-up: ${warmup} floor workflows (not measured)`);
    await runFloor(floorClient, {
      taskQueue: floorTaskQueue(taskQueue),
      count: warmup,
      input: floorInput,
      idPrefix: `floor-${runId}-warmup`,
    });
    const context = { processes, temporal, floorClient, taskQueue, runId, castFor, floorInput, receiver };
    const results: SizeResult[] = [];
    for (const size of options.sizes) {
      const rounds: SizeResult[] = [];
      for (let round = 1; round <= options.repeat; round += 1) {
        if (options.repeat > 1) log(`size ${size}: round ${round} of ${options.repeat}`);
        rounds.push(await runSize(size, options, { ...context, round }));
      }
      results.push(medianRound(rounds));
    }

    const document = {
      benchmark: 'lifecycle',
      date: new Date().toISOString(),
      node: process.version,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      cpus: { count: os.availableParallelism(), model: os.cpus()[0]?.model ?? 'unknown' },
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      command:
        `npm run bench -- --sizes ${options.sizes.join(',')} --workers ${options.workers}` +
        (options.repeat > 1 ? ` --repeat ${options.repeat}` : ''),
      servers: servers.origin,
      temporal: { address: servers.temporalAddress, namespace: process.env.TEMPORAL_NAMESPACE || 'default' },
      workers: options.workers,
      method: {
        order:
          'warm-up (which also measures the floor input), then floor, lifecycle, floor for each size, each after ' +
          'the processes are idle; floor/s is completed floor workflows over the two floor runs together; an order ' +
          'counts when its workflow returns its result' +
          (options.repeat > 1
            ? `; each size ran ${options.repeat} times in a row and is reported by its round with the median ratio ` +
              '(every round in `rounds`)'
            : ''),
        budgetsS: { lifecycle: options.budgetMs / 1000, floor: options.floorBudgetMs / 1000 },
        requestsPerOrder: REQUESTS_PER_ORDER,
        idempotencyKeys: 'every bot POST carries an Idempotency-Key',
        carriersPerOrder: CARRIERS,
        floorInput,
        floorInputMeasuredFrom: { orders: calibrationIds.length, meanWork: calibration },
        webhooks:
          'seller, first supplier (half the orders) and first carrier registered a webhook to a local receiver ' +
          '(WEBHOOK_ALLOW_PRIVATE=true); counts are signature-checked deliveries',
        memory:
          'worker, gateway worker and API are child processes; peak RSS = VmHWM from /proc after resetting it (clear_refs=5) per phase',
        cpu:
          'user+system seconds from /proc/<pid>/stat per phase (worker, gateway, API, bank host and servers); ' +
          'bench = this process (bots or floor driver)',
        payments:
          'through the gateway worker (its own task queue) and a bank host of the run (own database, demo cards ' +
          'seeded, ISO 8583 over TCP on loopback)',
        historySamples: options.samples,
      },
      leavesOut: LEAVES_OUT,
      sizes: options.sizes,
      results,
    };
    mkdirSync(path.dirname(options.out), { recursive: true });
    writeFileSync(options.out, `${JSON.stringify(document, null, 2)}\n`);

    console.log(
      `${options.workers} order worker process${options.workers === 1 ? '' : 'es'} on Temporal at ` +
        `${servers.temporalAddress} (${servers.origin === 'started' ? "the benchmark's dev server" : 'from the environment'})`,
    );
    console.log(summaryTables(results));
    console.log(
      `\nratio = closed orders/s ÷ floor workflows/s; call ratio = accepted requests/s ÷ floor starts and Updates/s` +
        ` ("(budget)": stopped by its time budget); p50 ×, p99 × = a party's answer ÷ the floor's Update;` +
        ` floor input ${JSON.stringify(floorInput)}; results in ${path.relative(process.cwd(), options.out)}`,
    );
    const loads = results.flatMap((r) => [r.lifecycle.cost, ...r.floor.runs.map((run) => run.cost)]);
    console.log(
      `1-minute load average after each phase: ${loads.map((c) => c.loadAverage.after.toFixed(1)).join(', ')}`,
    );
    for (const r of results) {
      console.log(`N=${r.size} lifecycle: ${coresLine(r.lifecycle.cost)}`);
      r.floor.runs.forEach((run, i) => console.log(`N=${r.size} floor ${i === 0 ? 'a' : 'b'}: ${coresLine(run.cost)}`));
    }
    for (const result of results.filter((r) => r.ratio < PROFILE_BELOW_RATIO || r.lifecycle.truncated))
      console.log(`\n${profileTables(result)}`);
    const failed = results.reduce((sum, r) => sum + r.lifecycle.report.failed, 0);
    if (failed > 0) {
      console.error(`\n${failed} orders failed; see ${logDir}`);
      process.exitCode = 1;
    } else {
      cleanups.unshift(async () => rmSync(logDir, { recursive: true, force: true }));
    }
  } finally {
    await cleanUp();
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
