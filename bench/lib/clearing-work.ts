// The settlement and reconciliation tasks of `npm run bench:clearing`, as the measuring child (bench/clearing-measure.ts)
// runs them: the real modules (src/gateway/settlement/settlement-batches.ts, src/gateway/reconciliation/reconciler.ts)
// called step by step as the workflows' activities call them, against the seeded database, the real bank host
// (pacs.008 / pacs.002 over its ISO 20022 channel, 0500 / 0510 over its ISO 8583 link) and the benchmark's statement
// server (camt.053 pages, bench/lib/clearing-data.ts). Each step's time is reported. It never seeds anything.

import { BankConnection } from '../../src/gateway/bank-connector/bank-connection';
import { BankMessageLog } from '../../src/gateway/bank-connector/message-log';
import { Reconciler } from '../../src/gateway/reconciliation/reconciler';
import { SettlementBatches } from '../../src/gateway/settlement/settlement-batches';
import type { Database } from '../../src/persistence/database';
import { Vault } from '../../src/security/vault';

/** What the parent passes a settlement or reconciliation task (as JSON in CLEARING_BENCH_WORK). */
export interface ClearingWork {
  day: string;
  /** The cut-off: the end of the seeded day. */
  cutoffAt: string;
  /** Requests claimed per claim call (the workflow's page size). */
  pageSize: number;
  /** The vault key that sealed the payout accounts' IBANs. */
  vaultKey: string;
  /** The gateway's settlement account at the bank host (debtor of the payouts, owner of the statement). */
  settlementIban: string;
  bankBic: string;
  /** The bank host's ISO 20022 channel (pacs.008 / pacs.002 / pacs.004). */
  bankIso20022Url: string;
  /** The gateway's bearer token on that channel. */
  bankIso20022Token: string;
  /** The bank host's ISO 8583 listener, `host:port` (0500 / 0510). */
  bankIso8583Address: string;
  /** The benchmark's statement server (camt.053 pages of the seeded day). */
  statementUrl: string;
  currencies: string[];
  /** Lines written per batch by the reconciliation. */
  batchSize: number;
}

/** Timed steps and counts of one task. */
export interface WorkResult {
  steps: Record<string, number>;
  counts: Record<string, unknown>;
  /** Time spent waiting for the bank to clear (not work of the gateway; left out of the task's time). */
  waitedMs: number;
}

async function timed<T>(steps: Record<string, number>, name: string, work: () => Promise<T>): Promise<T> {
  const started = process.hrtime.bigint();
  try {
    return await work();
  } finally {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    steps[name] = (steps[name] ?? 0) + ms;
    if (process.env.CLEARING_BENCH_VERBOSE) process.stderr.write(`bench:clearing:   ${name} ${Math.round(ms)} ms\n`);
  }
}

/**
 * One cut-off as the settlement workflow runs it: open, claim pages until done, price (fees, journals), send (one
 * pacs.008 per currency), follow until the bank's outcome, complete (journals, lines, releases). The signals to the
 * orders (signalSettlementOrders) are left out: there are no order workflows, and their keyset page query reads the
 * whole batch per page on FerretDB.
 */
export async function runSettlement(db: Database, work: ClearingWork): Promise<WorkResult> {
  const batches = new SettlementBatches(db, new Vault(work.vaultKey), {
    iso20022Url: work.bankIso20022Url,
    iso20022Token: work.bankIso20022Token,
    debtorIban: work.settlementIban,
    bankBic: work.bankBic,
    requestTimeoutMs: 60_000,
    defaultFee: { bps: 150, fixedMinor: 25 },
  });
  const steps: Record<string, number> = {};
  let waitedMs = 0;
  await timed(steps, 'indexes', () => batches.ensureIndexes());
  const workflowId = `settlement-cutoff-${work.cutoffAt}`;
  const opened = await timed(steps, 'open', () => batches.open({ cutoffAt: work.cutoffAt, workflowId }));
  const batchId = opened.batchId;
  let afterId = '';
  let pages = 0;
  let claimed = 0;
  for (;;) {
    const page = await timed(steps, 'claim', () => batches.claimPage({ batchId, afterId, limit: work.pageSize }));
    pages += 1;
    claimed += page.claimed;
    afterId = page.lastId;
    if (page.done) break;
  }
  await timed(steps, 'price', () => batches.price(batchId));
  await timed(steps, 'send', () => batches.send(batchId));
  // The bank clears accepted payouts on its own period: the follow step is retried as the workflow's policy does, and
  // only its last (answered) call counts as work.
  for (let attempt = 0; ; attempt += 1) {
    const started = Date.now();
    try {
      await timed(steps, 'follow', () => batches.follow(batchId));
      break;
    } catch (error) {
      if (attempt >= 120 || (error as { code?: string }).code !== 'outcome_unknown') throw error;
      steps.follow = (steps.follow ?? 0) - (Date.now() - started);
      waitedMs += Date.now() - started + 1000;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  const completed = await timed(steps, 'complete', () => batches.complete(batchId));
  const batch = await db.connection.collection('settlement_batches').findOne({ _id: batchId as never });
  const payouts = (batch?.payouts ?? []) as { status: string }[];
  const byStatus: Record<string, number> = {};
  for (const payout of payouts) byStatus[payout.status] = (byStatus[payout.status] ?? 0) + 1;
  return {
    steps,
    waitedMs,
    counts: {
      claimPages: pages,
      lines: claimed,
      status: completed.status,
      payouts: payouts.length,
      payoutStatus: byStatus,
      messages: (batch?.messages ?? []).length,
    },
  };
}

/**
 * One day's reconciliation as the reconciliation workflow runs it: begin, stage the bank's statement lines (camt.053
 * pages), stage the ledger's clearing journals, compare the card totals with the bank (0500 / 0510), match and
 * classify (items, exceptions), finish (counts).
 */
export async function runReconciliation(db: Database, work: ClearingWork): Promise<WorkResult> {
  const [host, port] = work.bankIso8583Address.split(':');
  const connection = new BankConnection({
    host: host!,
    port: Number(port),
    acquirerId: '12345678',
    requestTimeoutMs: 10_000,
    connectWaitMs: 10_000,
    echoIntervalMs: 60_000,
    reconnect: { initialMs: 200, maxMs: 2_000, factor: 2, minMs: 20 },
    maxInFlight: 16,
    maxBadFrames: 3,
    log: () => undefined,
  });
  connection.start();
  const messages = new BankMessageLog(db.connection, {});
  const reconciler = new Reconciler(db, connection, messages, {
    iban: work.settlementIban,
    currencies: work.currencies,
    iso20022Url: work.statementUrl,
    timingWindowDays: 1,
    batchSize: work.batchSize,
    requestTimeoutMs: 60_000,
    acquirerId: '12345678',
  });
  const input = { runId: `recon-${work.day}-bench`, day: work.day, iban: work.settlementIban };
  const steps: Record<string, number> = {};
  try {
    await timed(steps, 'begin', () => reconciler.begin(input));
    const bankLines = await timed(steps, 'stageBank', () => reconciler.stageBankLines(input));
    const ledgerLines = await timed(steps, 'stageLedger', () => reconciler.stageLedgerLines(input));
    const totals = await timed(steps, 'compareTotals', () => reconciler.compareTotals(input));
    await timed(steps, 'match', () => reconciler.match(input));
    const run = await timed(steps, 'finish', () => reconciler.finish(input, { bankLines, ledgerLines }));
    const exceptions = await db.connection.collection('reconciliation_exceptions').estimatedDocumentCount();
    return {
      steps,
      waitedMs: 0,
      counts: {
        bankLines,
        ledgerLines,
        classes: Object.fromEntries(Object.entries(run.counts ?? {}).filter(([, n]) => n > 0)),
        exceptions,
        totals: totals.map((t) => `${t.currency}:${t.settlementCode}`),
      },
    };
  } finally {
    await messages.flush();
    await connection.close();
  }
}
