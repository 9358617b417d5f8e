// `npm run demo -- --orders N`: bots play the seller, suppliers, carriers and customer of N orders against the
// running API (`npm start`), with optional declined cards, missed supplier deadlines and unavailable answers,
// and print how the orders ended and how long each party's answers took. Changes nothing but the orders it places.

import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { ApiConnectionError, ApiRequestError, SettleflowClient } from './demo/api-client';
import { formatRunReport, runOrders, tallyText } from './demo/bot-run';
import { castsFrom, loadDemoParties } from './demo/demo-parties';
import { ProgressBar } from './demo/progress-bar';
import { planScenarios, withPaymentMethods } from './demo/scenarios';

const USAGE = `usage: npm run demo -- [--orders N] [--concurrency C] [--declines 0.2] [--missed-deadlines 0.1]
                     [--unavailable 0.05] [--api http://127.0.0.1:3000] [--parties .data/demo-parties.json]
                     [--missed-deadline-ms 2000] [--seed 1]

  --orders              orders to run through the ten steps (default 20)
  --concurrency         orders in flight at once (default 10)
  --declines            share of orders whose first card is declined, then paid with a good one (default 0)
  --missed-deadlines    share of orders whose supplier never answers (deadline --missed-deadline-ms) (default 0)
  --unavailable         share of orders whose supplier answers "not available" (default 0)
  --api                 the API's base URL (default http://127.0.0.1:$PORT)
  --parties             the demo parties file written by \`npm start\` (default $DATA_DIR/demo-parties.json)`;

/** A usage error: the message and the usage text, exit code 2. */
class UsageError extends Error {}

function numberOption(value: string | undefined, name: string, fallback: number, check: (n: number) => boolean) {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || !check(parsed)) throw new UsageError(`--${name}: invalid value ${value}`);
  return parsed;
}

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      orders: { type: 'string' },
      concurrency: { type: 'string' },
      declines: { type: 'string' },
      'missed-deadlines': { type: 'string' },
      unavailable: { type: 'string' },
      'missed-deadline-ms': { type: 'string' },
      seed: { type: 'string' },
      api: { type: 'string' },
      parties: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const config = loadConfig();
  const share = (n: number) => n >= 0 && n <= 1;
  const whole = (n: number) => Number.isInteger(n) && n >= 1;
  return {
    help: values.help === true,
    orders: numberOption(values.orders, 'orders', 20, whole),
    concurrency: numberOption(values.concurrency, 'concurrency', 10, whole),
    shares: {
      declines: numberOption(values.declines, 'declines', 0, share),
      missedDeadlines: numberOption(values['missed-deadlines'], 'missed-deadlines', 0, share),
      unavailable: numberOption(values.unavailable, 'unavailable', 0, share),
    },
    missedDeadlineMs: numberOption(values['missed-deadline-ms'], 'missed-deadline-ms', 2000, (n) => n >= 1000),
    seed: numberOption(values.seed, 'seed', 1, Number.isInteger),
    api: values.api ?? `http://127.0.0.1:${config.port}`,
    parties: path.resolve(values.parties ?? path.join(config.dataDir, 'demo-parties.json')),
  };
}

/** Fails with a message that says what to do when the API is not there or not healthy. */
async function checkApi(api: string): Promise<void> {
  try {
    const health = await new SettleflowClient({ baseUrl: api, timeoutMs: 10_000 }).health();
    if (health.status !== 'ok') {
      throw new Error(
        `the API at ${api} is up but cannot reach temporal=${health.temporal} database=${health.database}`,
      );
    }
  } catch (error) {
    if (error instanceof ApiConnectionError) {
      throw new Error(`the settleflow API is not reachable at ${api} (${error.code}). Run \`npm start\` first.`);
    }
    if (error instanceof ApiRequestError) {
      throw new Error(`${api} answered GET /health with ${error.status}: is it the settleflow API? Run \`npm start\`.`);
    }
    throw error;
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  await checkApi(options.api);
  const parties = loadDemoParties(options.parties);
  const castFor = castsFrom(parties, options.api);
  const probe = castFor(0).seller;
  try {
    await probe.client.me();
  } catch (error) {
    if (error instanceof ApiRequestError && error.status === 401) {
      throw new Error(`the keys in ${options.parties} are not known to the API at ${options.api}: another data dir?`);
    }
    throw error;
  }

  // Orders that pay at the first try use card, e-check, e-cash and micropayment in turn (README, Payment methods).
  const scenarios = withPaymentMethods(planScenarios(options.orders, options.shares, options.seed));
  const progress = new ProgressBar('orders', options.orders);
  // The first Ctrl-C stops the bots and still prints the summary; the second quits at once.
  const stop = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nstopping the bots (Ctrl-C again to quit now)\n');
    stop.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  progress.update(0, tallyText({ done: 0, closed: 0, cancelled: 0, failed: 0, unfinished: 0 }));
  const report = await runOrders({
    castFor,
    scenarios,
    concurrency: options.concurrency,
    missedDeadlineMs: options.missedDeadlineMs,
    signal: stop.signal,
    onOrderDone: (_outcome, tally) => progress.update(tally.done, tallyText(tally)),
  });
  progress.finish();

  console.log(formatRunReport(report));
  const failures = report.outcomes.filter((outcome) => outcome.status === 'FAILED');
  for (const failure of failures.slice(0, 5)) {
    console.error(`failed: ${failure.orderId ?? '(not placed)'}: ${failure.error ?? 'unknown'}`);
  }
  return failures.length > 0 || report.unfinished > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(error as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
