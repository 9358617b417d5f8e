// The reconciliation report of one run (issue 9 E), as a report kind: the statement day and settlement account, the
// bank's lines against the ledger's, every item with its class (MATCHED, AMOUNT_MISMATCH, MISSING_IN_BANK,
// MISSING_IN_LEDGER, DUPLICATE, TIMING), each break with its exception's state (OPEN, ASSIGNED, RESOLVED) and the
// correction applied to it (action, rule, rule set version, journal and amount), with totals per class and currency
// and per currency (bank vs ledger). Streams `reconciliation_items` with a cursor on (runId, _id) and looks up the
// exceptions and corrections of one chunk of items at a time, so memory never grows with the run. Read-only: it never
// changes an item, an exception or the ledger.

import type { Database } from '../../persistence/database';
import { RECONCILIATION_CLASSES } from '../reconciliation/matching';
import type { CorrectionRecord, ExceptionRecord, ItemRecord, RunRecord } from '../reconciliation/store';
import { ReconciliationStore } from '../reconciliation/store';
import { ReportNotFoundError } from './report-errors';
import type { ReportColumn, ReportContext, ReportDocument, ReportKind, ReportRow } from './report-kinds';
import { formatMinor } from './report-renderers';

/** Parameters of a reconciliation report: the run. */
export interface ReconciliationReportParams {
  runId: string;
}

/** How many items are joined with their exceptions and corrections per round trip. */
const CHUNK = 200;

const RECONCILIATION_COLUMNS: ReportColumn[] = [
  { key: 'key', header: 'Item', kind: 'text', width: 120 },
  { key: 'class', header: 'Class', kind: 'text', width: 96 },
  { key: 'currency', header: 'Currency', kind: 'text', width: 40 },
  { key: 'items', header: 'Items', kind: 'count', width: 32, countsRows: true },
  { key: 'bank', header: 'Bank', kind: 'money', width: 62 },
  { key: 'ledger', header: 'Ledger', kind: 'money', width: 62 },
  { key: 'difference', header: 'Difference', kind: 'money', width: 58 },
  { key: 'exception', header: 'Exception', kind: 'text', width: 54 },
  { key: 'action', header: 'Action', kind: 'text', width: 50 },
  { key: 'rule', header: 'Rule', kind: 'text', width: 70 },
  { key: 'ruleSet', header: 'Rule set', kind: 'text', width: 36 },
  { key: 'correction', header: 'Correction', kind: 'money', width: 62 },
];

/** The amount a correcting journal moves: the sum of its debit legs. */
function journalAmount(correction: CorrectionRecord | undefined): number | null {
  const legs = correction?.journal?.legs;
  if (legs === undefined) return null;
  return legs.filter((leg) => leg.direction === 'DEBIT').reduce((sum, leg) => sum + leg.amount, 0);
}

/** One item as a report row, with its exception and correction. */
export function reconciliationRow(
  item: Pick<
    ItemRecord,
    'key' | 'class' | 'currency' | 'bankAmountMinor' | 'ledgerAmountMinor' | 'differenceMinor' | 'journalId'
  >,
  exception: Pick<ExceptionRecord, 'status' | 'resolution'> | undefined,
  correction: CorrectionRecord | undefined,
): ReportRow {
  const resolution = exception?.resolution;
  const ruleSetVersion = correction?.ruleSetVersion ?? resolution?.ruleSetVersion;
  const journalId = correction?.journal?.journalId ?? resolution?.journalId;
  return {
    currency: item.currency,
    values: {
      key: item.key,
      class: item.class,
      currency: item.currency,
      bank: item.bankAmountMinor ?? null,
      ledger: item.ledgerAmountMinor ?? null,
      difference: item.differenceMinor ?? null,
      exception: exception?.status ?? null,
      action: correction?.action ?? resolution?.action ?? null,
      rule: correction?.ruleId ?? resolution?.ruleId ?? (resolution?.by === 'operator' ? resolution.actor : null),
      ruleSet: ruleSetVersion === undefined ? null : `v${ruleSetVersion}`,
      correction: journalAmount(correction),
    },
    note: journalId,
  };
}

async function* reconciliationRows(store: ReconciliationStore, runId: string): AsyncGenerator<ReportRow> {
  const cursor = store.items.find({ runId }).sort({ _id: 1 }).batchSize(CHUNK);
  const flush = async function* (chunk: ItemRecord[]): AsyncGenerator<ReportRow> {
    const ids = chunk.map((item) => item._id);
    const [exceptions, corrections] = await Promise.all([
      store.exceptions.find({ _id: { $in: ids } }, { projection: { status: 1, resolution: 1 } }).toArray(),
      store.corrections.find({ _id: { $in: ids } }).toArray(),
    ]);
    const exceptionOf = new Map(exceptions.map((exception) => [exception._id, exception]));
    const correctionOf = new Map(corrections.map((correction) => [correction._id, correction]));
    for (const item of chunk) yield reconciliationRow(item, exceptionOf.get(item._id), correctionOf.get(item._id));
  };
  try {
    let chunk: ItemRecord[] = [];
    for await (const item of cursor) {
      chunk.push(item);
      if (chunk.length >= CHUNK) {
        yield* flush(chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) yield* flush(chunk);
  } finally {
    await cursor.close();
  }
}

/** The run's summary lines: day, account, lines on each side, items per class, the card totals (0500/0510). */
export function runSummary(run: RunRecord): string[] {
  const counts = run.counts;
  const direction = (totals: { count: number; amount: number }, currency: string) =>
    `${totals.count} / ${formatMinor(totals.amount, currency)}`;
  return [
    `Statement day ${run.day} (UTC), settlement account ending ${run.accountLast4}; run ${run._id}, ${run.status}` +
      `${run.completedAt ? ` at ${run.completedAt.toISOString()}` : ''}${run.failure ? ` (${run.failure})` : ''}.`,
    `Bank lines ${run.bankLines ?? 0} (the day's camt.053), ledger lines ${run.ledgerLines ?? 0} (journals on the clearing account).`,
    `Items per class: ${RECONCILIATION_CLASSES.map((name) => `${name} ${counts?.[name] ?? 0}`).join(', ')}.`,
    ...(run.totals ?? []).map(
      (totals) =>
        `Card totals ${totals.currency} (0500/0510, count / amount): gateway debits ${direction(totals.gateway.debits, totals.currency)}, ` +
        `credits ${direction(totals.gateway.credits, totals.currency)}; ` +
        (totals.bank
          ? `bank debits ${direction(totals.bank.debits, totals.currency)}, credits ${direction(totals.bank.credits, totals.currency)}; `
          : '') +
        `${totals.settlementCode}.`,
    ),
    'Amounts from the settlement account: positive = money in, with each currency’s ISO 4217 decimals; difference = bank - ledger; correction = the amount of the correcting journal (its id below the row).',
  ];
}

/**
 * The reconciliation report of a run.
 * @throws ReportNotFoundError when the run does not exist
 */
export const reconciliationReport: ReportKind<
  ReconciliationReportParams,
  Promise<ReportDocument>,
  Pick<ReportContext, 'db'>
> = {
  id: 'reconciliation',
  async document(context, params): Promise<ReportDocument> {
    const store = new ReconciliationStore(context.db as Database);
    const run = await store.runs.findOne({ _id: params.runId });
    if (run === null) throw new ReportNotFoundError('run_not_found', `no reconciliation run ${params.runId}`);
    return {
      kind: 'reconciliation',
      title: `Reconciliation report ${run.day}`,
      subtitle: runSummary(run),
      fileStem: `reconciliation-${run._id}`,
      columns: RECONCILIATION_COLUMNS,
      noteHeader: 'Correction journal',
      rows: reconciliationRows(store, run._id),
      totals: ['items', 'bank', 'ledger', 'difference', 'correction'],
      groupTotalsBy: { key: 'class', order: RECONCILIATION_CLASSES },
      emptyText: 'No items.',
    };
  },
};
