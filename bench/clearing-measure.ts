// One measurement of `npm run bench:clearing`, in a process of its own so that its peak resident set (VmHWM) is the
// task's alone: connects to the database, then computes the clearing statistics of a day, or writes the daily
// clearing report as CSV or PDF to a sink that only counts bytes, or settles the day's cut-off or reconciles the day
// (bench/lib/clearing-work.ts, with what CLEARING_BENCH_WORK says), and prints one JSON line with the time and the
// process's peak RSS. Only settlement and reconciliation write, to the benchmark's own database.
// Usage: node scripts/run-ts.js bench/clearing-measure.ts <mongodb-uri> <day> <statistics|csv|pdf|settlement|...>

import { Writable } from 'node:stream';
import { connectDatabase } from '../src/persistence/database';
import type { FeeLookup } from '../src/gateway/reports/clearing-statistics';
import { clearingStatisticsRows } from '../src/gateway/reports/payment-queries';
import { dailyClearingReport } from '../src/gateway/reports/report-kinds';
import { writeReport } from '../src/gateway/reports/report-renderers';
import type { ClearingWork, WorkResult } from './lib/clearing-work';
import { runReconciliation, runSettlement } from './lib/clearing-work';
import { rssOf } from './lib/proc';

/** The fee schedule of every seller in the benchmark: the configuration's default, 150 bps + 25. */
const feeOf: FeeLookup = () => ({ bps: 150, fixedMinor: 25 });

async function main(): Promise<void> {
  const [uri, day, task] = process.argv.slice(2);
  if (!uri || !day || !task)
    throw new Error('usage: clearing-measure.ts <mongodb-uri> <day> <statistics|csv|pdf|settlement|reconciliation>');
  const db = await connectDatabase(uri);
  const before = rssOf(process.pid);
  let peakSampledMiB = 0;
  const sampler = setInterval(() => {
    peakSampledMiB = Math.max(peakSampledMiB, process.memoryUsage().rss / 1048576);
  }, 20);
  const started = process.hrtime.bigint();
  let rows = 0;
  let payments = 0;
  let bytes = 0;
  let work: WorkResult | undefined;
  if (task === 'settlement' || task === 'reconciliation') {
    const input = JSON.parse(process.env.CLEARING_BENCH_WORK ?? '{}') as ClearingWork;
    work = await (task === 'settlement' ? runSettlement(db, input) : runReconciliation(db, input));
  } else if (task === 'statistics') {
    for await (const row of clearingStatisticsRows(db, { from: day, to: day }, feeOf)) {
      rows += 1;
      payments += row.payments;
    }
  } else if (task === 'csv' || task === 'pdf') {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        callback();
      },
    });
    await writeReport(dailyClearingReport.document({ db, feeOf }, { date: day }), task, sink);
  } else {
    throw new Error(`unknown task ${task}`);
  }
  // The bank's clearing period (settlement's follow step waiting for pacs.002 ACSC) is not the gateway's work.
  const ms = Number(process.hrtime.bigint() - started) / 1e6 - (work?.waitedMs ?? 0);
  clearInterval(sampler);
  const after = rssOf(process.pid);
  await db.close();
  process.stdout.write(
    `${JSON.stringify({
      task,
      ms,
      rows,
      payments,
      bytes,
      rssBeforeMiB: before?.rssMiB,
      peakRssMiB: after?.peakRssMiB ?? peakSampledMiB,
      heapUsedMiB: process.memoryUsage().heapUsed / 1048576,
      ...(work === undefined ? {} : { steps: work.steps, counts: work.counts, waitedMs: work.waitedMs }),
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
