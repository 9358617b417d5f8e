// A worker process for tests that SIGKILL a worker in the middle of a money activity: the product's worker (its
// workflow bundle, its activities, the test-only legacy bank of pre-gateway orders on the test's database; orders
// placed through the API pay through the gateway worker instead) except that at the hold points named in
// SETTLEFLOW_TEST_HOLDS it stops answering, forever, right after the effect has happened, and prints
// `test-hold: holding <point>` so the test knows the activity is mid-flight and kills the process there.
// Hold points (comma-separated):
// - `bank:<reference>`: the bank performed and recorded this operation, and its answer never reaches the gateway
//   (e.g. `bank:<orderId>:pay:1:capture`: the money is taken, nothing is booked in the ledger yet);
// - `journal:<journalId>`: the money activity that posted this journal (an activity whose input names the journal's
//   order) did all its work, and its completion never reaches Temporal (e.g. `journal:<orderId>:settlement`).
// Test-only: started by test/e2e/money-activity-kill.test.ts through scripts/run-ts.js; the product never runs it.
// It must never hold anything but what it is told, and never change what an activity does.

import { NativeConnection, Worker } from '@temporalio/worker';
import type { WorkerOptions } from '@temporalio/worker';
import type { BankAnswer, BankConnector } from '../../src/bank/bank-connector';
import { SimulatedBank } from './legacy-bank';
import { loadConfig, requireVaultKey } from '../../src/config';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import { Vault } from '../../src/security/vault';
import { configuredPayloadKeys } from '../../src/temporal/payload-keys';
import { createOrderWorker } from '../../src/worker/create-worker';

/** Announces a hold and never returns: the activity stays in flight until the process is killed. */
function holdForever(point: string): Promise<never> {
  console.log(`test-hold: holding ${point}`);
  return new Promise<never>(() => undefined);
}

/** The bank, holding its answer after it has recorded an operation whose reference is a hold point. */
function holdingBank(bank: BankConnector, holds: ReadonlySet<string>): BankConnector {
  const after =
    <Request extends { reference: string }>(operation: (request: Request) => Promise<BankAnswer>) =>
    async (request: Request): Promise<BankAnswer> => {
      const answer = await operation(request);
      return holds.has(`bank:${request.reference}`) ? holdForever(`bank:${request.reference}`) : answer;
    };
  return {
    authorize: after((request) => bank.authorize(request)),
    capture: after((request) => bank.capture(request)),
    void: after((request) => bank.void(request)),
    refund: after((request) => bank.refund(request)),
    lookup: (reference) => bank.lookup(reference),
  };
}

/**
 * Wraps every activity so that one that posted a held journal never returns. Only activities whose input names the
 * journal's order (the money activities) are watched; the read model's and webhooks' never are.
 */
function holdingActivities(
  activities: NonNullable<WorkerOptions['activities']>,
  db: Database,
  journalHolds: readonly string[],
): NonNullable<WorkerOptions['activities']> {
  const watchedBy = (input: unknown): string[] => {
    const orderId = (input as { orderId?: unknown } | undefined)?.orderId;
    return typeof orderId === 'string' ? journalHolds.filter((id) => id.startsWith(`${orderId}:`)) : [];
  };
  const posted = async (journalIds: string[]): Promise<Set<string>> =>
    new Set((await db.ledger.find({ _id: { $in: journalIds } }, { _id: 1 }).lean()).map((j) => String(j._id)));
  return Object.fromEntries(
    Object.entries(activities).map(([name, activity]) => [
      name,
      async (...args: unknown[]): Promise<unknown> => {
        const watched = watchedBy(args[0]);
        const before = watched.length > 0 ? await posted(watched) : new Set<string>();
        const result: unknown = await (activity as (...a: unknown[]) => Promise<unknown>)(...args);
        const after = watched.length > 0 ? await posted(watched) : new Set<string>();
        const postedHere = watched.find((id) => after.has(id) && !before.has(id));
        return postedHere ? holdForever(`journal:${postedHere}`) : result;
      },
    ]),
  );
}

async function main(): Promise<void> {
  const config = loadConfig();
  const holds = new Set(
    (process.env.SETTLEFLOW_TEST_HOLDS ?? '')
      .split(',')
      .map((point) => point.trim())
      .filter(Boolean),
  );
  const journalHolds = [...holds].filter((point) => point.startsWith('journal:')).map((point) => point.slice(8));
  const db = await connectDatabase(config.mongodbUri);
  const vault = new Vault(requireVaultKey(config));
  if (!config.workflowBundlePath) throw new Error('SETTLEFLOW_WORKFLOW_BUNDLE is not set');

  // The product's worker, built by the product's factory; in this test process only, Worker.create gets the
  // activities wrapped, so the held worker runs exactly the activities the product registers.
  const create = Worker.create.bind(Worker);
  Worker.create = (options: WorkerOptions) =>
    create({ ...options, activities: holdingActivities(options.activities ?? {}, db, journalHolds) });

  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await createOrderWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    db,
    vault,
    payloadKeys: configuredPayloadKeys(config),
    config,
    bank: holdingBank(new SimulatedBank(db), holds),
    workflowBundle: { codePath: config.workflowBundlePath },
  });
  console.log(`held worker polling task queue ${config.temporal.taskQueue}; holds: ${[...holds].join(', ')}`);
  await worker.run();
}

main().catch((error: unknown) => {
  console.error('held worker failed:', error);
  process.exit(1);
});
