// `npm run bench:gateway`: the bank-side gateway's throughput, as ratios against a baseline run in the same process.
// Section "codec": packs and unpacks per second of one 15-field 0100 with settleflow's ISO 8583 codec and with the npm
// package iso_8583, interleaved in rounds on one thread, and the ratio (the issue asks for at least 5x).
// Writes bench/results/gateway.json and prints a table. Further sections (the connector's authorizations per second
// against the bank host) plug into SECTIONS below. `--baseline <dir>` (a checkout of another commit with its
// node_modules) measures that commit's connector and bank host beside this one's, in turn in every round.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable } from '../scripts/demo/table';
import { pack, unpack } from '../src/iso8583';
import type { IsoMessage } from '../src/iso8583';
import { SAMPLE_AUTHORIZATION } from '../src/iso8583/reference-doc';
import { connectorSection } from './lib/connector-section';

const ROOT = path.join(__dirname, '..');

const log = (line: string) => process.stderr.write(`bench:gateway: ${line}\n`);

/** Options every section gets. */
interface BenchOptions {
  /** Length of one timed run of one operation. */
  readonly runMs: number;
  /** Rounds: each round times every operation once, in turn; a figure is the median over rounds. */
  readonly rounds: number;
  /** A checkout of another commit (with node_modules) to measure beside this one, in turn, in the same run. */
  readonly baseline?: string | undefined;
}

/** What a section returns: its machine-readable results and the lines of its table. */
interface SectionResult {
  readonly results: unknown;
  readonly table: string;
}

/**
 * One part of the benchmark. The codec is the first; the connector's section (authorizations per second with p50
 * and p99 through the connector against the bank host at 1, 16 and 64 requests in flight) is added to SECTIONS by
 * the helper that builds the connector, under the key `connector`.
 */
interface BenchSection {
  readonly key: string;
  readonly title: string;
  run(options: BenchOptions): Promise<SectionResult>;
}

// ---- the codec section

type IsoJson = Record<string, string>;
interface Iso8583Package {
  getRawMessage(): Buffer | { error: string };
  getIsoJSON(buffer: Buffer, config: { lenHeader: boolean }): IsoJson & { error?: string };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Iso8583 = require('iso_8583') as new (message?: IsoJson) => Iso8583Package;

/** Calls `operation` in batches for about `runMs`; returns operations per second. */
function timeOperation(operation: () => unknown, runMs: number): number {
  const batch = 200;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(runMs) * 1_000_000n;
  let count = 0;
  let now = started;
  while (now < deadline) {
    for (let i = 0; i < batch; i++) operation();
    count += batch;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - started) / 1e9);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const toJson = (message: IsoMessage): IsoJson => ({
  0: message.mti,
  ...Object.fromEntries([...message.fields].map(([k, v]) => [k, String(v)])),
});

const codecSection: BenchSection = {
  key: 'codec',
  title: 'ISO 8583 codec: one 15-field 0100, one thread',
  async run({ runMs, rounds }) {
    const message = SAMPLE_AUTHORIZATION;
    const json = toJson(message);
    const ours = pack(message);
    const theirsRaw = new Iso8583(json).getRawMessage();
    if (!Buffer.isBuffer(theirsRaw)) throw new Error(`iso_8583 cannot pack the sample: ${theirsRaw.error}`);
    const theirs = theirsRaw;
    // Each library must read the other's bytes as the same message, or the comparison means nothing.
    const crossRead = new Iso8583().getIsoJSON(ours, { lenHeader: false });
    if (JSON.stringify(crossRead) !== JSON.stringify(json))
      throw new Error("iso_8583 reads settleflow's 0100 differently");
    if (JSON.stringify(toJson(unpack(theirs))) !== JSON.stringify(json))
      throw new Error("settleflow reads iso_8583's 0100 differently");

    const operations: Record<string, () => unknown> = {
      'settleflow pack': () => pack(message),
      'iso_8583 pack': () => new Iso8583(json).getRawMessage(),
      'settleflow unpack': () => unpack(ours),
      'iso_8583 unpack': () => new Iso8583().getIsoJSON(theirs, { lenHeader: false }),
    };
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(operations).map((name) => [name, []]));
    for (const operation of Object.values(operations)) timeOperation(operation, Math.min(runMs, 300));
    for (let round = 0; round < rounds; round++) {
      for (const [name, operation] of Object.entries(operations)) samples[name]!.push(timeOperation(operation, runMs));
      log(`codec round ${round + 1}/${rounds} done`);
    }
    const rate = (name: string) => median(samples[name]!);
    const roundTrip = (packRate: number, unpackRate: number) => 1 / (1 / packRate + 1 / unpackRate);
    const figures = {
      settleflow: { packPerSecond: rate('settleflow pack'), unpackPerSecond: rate('settleflow unpack') },
      iso_8583: { packPerSecond: rate('iso_8583 pack'), unpackPerSecond: rate('iso_8583 unpack') },
    };
    const settleflowRoundTrip = roundTrip(figures.settleflow.packPerSecond, figures.settleflow.unpackPerSecond);
    const iso8583RoundTrip = roundTrip(figures.iso_8583.packPerSecond, figures.iso_8583.unpackPerSecond);
    const results = {
      message: {
        mti: message.mti,
        fields: message.fields.size,
        bytes: { settleflow: ours.length, iso_8583: theirs.length },
      },
      runMs,
      rounds,
      settleflow: { ...figures.settleflow, packAndUnpackPerSecond: settleflowRoundTrip },
      iso_8583: { ...figures.iso_8583, packAndUnpackPerSecond: iso8583RoundTrip },
      ratio: {
        pack: figures.settleflow.packPerSecond / figures.iso_8583.packPerSecond,
        unpack: figures.settleflow.unpackPerSecond / figures.iso_8583.unpackPerSecond,
        packAndUnpack: settleflowRoundTrip / iso8583RoundTrip,
      },
      samples,
    };
    const perSecond = (value: number) => Math.round(value).toLocaleString('en-US');
    const ratio = (value: number) => `${value.toFixed(1)}x`;
    const table = formatTable(
      ['operation', 'settleflow/s', 'iso_8583/s', 'ratio'],
      [
        [
          'pack',
          perSecond(figures.settleflow.packPerSecond),
          perSecond(figures.iso_8583.packPerSecond),
          ratio(results.ratio.pack),
        ],
        [
          'unpack',
          perSecond(figures.settleflow.unpackPerSecond),
          perSecond(figures.iso_8583.unpackPerSecond),
          ratio(results.ratio.unpack),
        ],
        [
          'pack + unpack',
          perSecond(settleflowRoundTrip),
          perSecond(iso8583RoundTrip),
          ratio(results.ratio.packAndUnpack),
        ],
      ],
    );
    return { results, table };
  },
};

/** The benchmark's sections, run in order. The connector's section is appended here. */
const SECTIONS: readonly BenchSection[] = [codecSection, connectorSection];

function parseOptions(): BenchOptions & { out: string; only: string | undefined } {
  const { values } = parseArgs({
    options: {
      'run-ms': { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '5' },
      only: { type: 'string' },
      baseline: { type: 'string' },
      out: { type: 'string', default: path.join(ROOT, 'bench', 'results', 'gateway.json') },
    },
    strict: true,
  });
  const runMs = Number(values['run-ms']);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(runMs) || runMs < 50)
    throw new Error(`--run-ms: not a duration of at least 50 ms: ${values['run-ms']}`);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: not a count: ${values.rounds}`);
  return { runMs, rounds, out: values.out, only: values.only, baseline: values.baseline };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const sections = SECTIONS.filter(
    (section) => options.only === undefined || options.only.split(',').includes(section.key),
  );
  const results: Record<string, unknown> = {};
  const tables: string[] = [];
  for (const section of sections) {
    log(`${section.key}: ${section.title}`);
    const result = await section.run(options);
    results[section.key] = result.results;
    tables.push(`${section.title}\n\n${result.table}`);
  }
  const report = {
    date: new Date().toISOString(),
    machine: {
      node: process.version,
      cpus: { count: os.availableParallelism(), model: os.cpus()[0]?.model ?? 'unknown' },
      loadAverage1m: os.loadavg()[0] ?? 0,
    },
    ...results,
  };
  mkdirSync(path.dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `${tables.join('\n\n')}\n\n(1-minute load average ${report.machine.loadAverage1m.toFixed(2)}; results in ${path.relative(ROOT, options.out)})\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:gateway: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
