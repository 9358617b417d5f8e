// The reconciliation's collections in settleflow's database: runs (one per day and settlement account), the staged
// lines of a run (bank, ledger; insert-only under deterministic ids), the items matching found, the exception queue of
// breaks (OPEN, ASSIGNED, RESOLVED) with its comments, the correction rule sets (insert-only versions) and the audit
// trail (who, when, before, after) of every change to an exception or a rule set. Indexes cover every query made here
// (a run's lines, paging items and exceptions). Money is never written here: journals go through the
// ledger store. It must never update a staged line or an item's classification once written.

import { createHash } from 'node:crypto';
import type { Collection, Connection } from 'mongoose';
import type { FlatLeg } from '../../domain/ledger';
import type { Database } from '../../persistence/database';
import { spillCollection } from '../../persistence/spill-store';
import { isDuplicateKeyError } from '../../persistence/database';
import type { ItemDraft, ReconciliationClass, StagedLine } from './matching';
import type { CorrectionRule, PlanEntry } from './rules';
import { accountDigest } from './schedule';

/** Collection names. */
export const RECONCILIATION_COLLECTIONS = {
  runs: 'reconciliation_runs',
  lines: 'reconciliation_lines',
  items: 'reconciliation_items',
  exceptions: 'reconciliation_exceptions',
  ruleSets: 'reconciliation_rule_sets',
  audit: 'reconciliation_audit',
  corrections: 'reconciliation_corrections',
  sortChunks: 'reconciliation_sort_chunks',
} as const;

/** A run's state. */
export type RunStatus = 'RUNNING' | 'COMPLETED' | 'FAILED';

/** The 0500/0510 comparison of one currency. */
export interface TotalsComparison {
  currency: string;
  /** What the gateway's ledger counts (card lines of the day). */
  gateway: { debits: DirectionTotals; credits: DirectionTotals; netAmount: number };
  /** What the bank answered (0510), when it answered. */
  bank?: { debits: DirectionTotals; credits: DirectionTotals; netAmount: number } | undefined;
  /** 0510 field 66: `in_balance`, `out_of_balance`, `error`; `not_answered` when the bank host did not answer. */
  settlementCode: string;
}

/** Counts and amounts of one direction (as ISO 8583 fields 74-77 and 86-89 carry them). */
export interface DirectionTotals {
  count: number;
  reversalCount: number;
  amount: number;
  reversalAmount: number;
}

/** One reconciliation of a day and a settlement account. */
export interface RunRecord {
  _id: string;
  day: string;
  /** The settlement account, masked (last 4). */
  accountLast4: string;
  currencies: string[];
  status: RunStatus;
  startedAt: Date;
  completedAt?: Date | undefined;
  /** Bank lines of the day's statement, ledger lines of the day. */
  bankLines?: number | undefined;
  ledgerLines?: number | undefined;
  counts?: Record<ReconciliationClass, number> | undefined;
  totals?: TotalsComparison[] | undefined;
  failure?: string | undefined;
}

/** A staged line as stored. */
export type LineRecord = StagedLine & { runId: string };

/** An item as stored. */
export type ItemRecord = Omit<ItemDraft, 'index'> & { _id: string; runId: string; day: string; createdAt: Date };

/** An exception's state. */
export type ExceptionStatus = 'OPEN' | 'ASSIGNED' | 'RESOLVED';

/** How an exception was resolved. */
export interface ExceptionResolution {
  /** `rule` (the correction engine), `operator`. */
  by: 'rule' | 'operator';
  actor: string;
  action: 'ACCEPT' | 'ADJUST' | 'REVERSE' | 'WRITE_OFF' | 'NO_ACTION';
  note?: string | undefined;
  ruleId?: string | undefined;
  ruleSetVersion?: number | undefined;
  journalId?: string | undefined;
  at: Date;
}

/** A break in the exception queue (id = the item's id). */
export interface ExceptionRecord {
  _id: string;
  runId: string;
  day: string;
  class: ReconciliationClass;
  status: ExceptionStatus;
  currency: string;
  bankAmountMinor?: number | undefined;
  ledgerAmountMinor?: number | undefined;
  differenceMinor?: number | undefined;
  journalId?: string | undefined;
  orderId?: string | undefined;
  paymentId?: string | undefined;
  key: string;
  otherDay?: string | undefined;
  assignee?: string | undefined;
  comments: { by: string; text: string; at: Date }[];
  resolution?: ExceptionResolution | undefined;
  /** Bumped by every change: a change names the version it read, so two operators never overwrite each other. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A version of the correction rules (insert-only; the highest version is in force). */
export interface RuleSetRecord {
  _id: string;
  version: number;
  rules: CorrectionRule[];
  comment?: string | undefined;
  createdBy: string;
  createdAt: Date;
}

/** One audited change. */
export interface AuditRecord {
  _id: string;
  subject: 'exception' | 'rule_set';
  subjectId: string;
  action: string;
  actor: string;
  at: Date;
  before: unknown;
  after: unknown;
  /** An exception's change as written (`$set`), so a change whose record is in but whose update is not can be redone. */
  changes?: Record<string, unknown> | undefined;
}

/** A correction the engine applied to a break (one per break; its journal, if any, is in the ledger). */
export interface CorrectionRecord extends PlanEntry {
  _id: string;
  runId: string;
  ruleSetVersion: number;
  appliedBy: string;
  appliedAt: Date;
  legs?: FlatLeg[] | undefined;
}

/** The reconciliation's store. */
export class ReconciliationStore {
  constructor(readonly db: Database) {}

  private collection<T extends object>(name: string): Collection<T> {
    return (this.db.connection as Connection).collection<T>(name) as unknown as Collection<T>;
  }

  get runs() {
    return this.collection<RunRecord>(RECONCILIATION_COLLECTIONS.runs);
  }
  get lines() {
    return this.collection<LineRecord>(RECONCILIATION_COLLECTIONS.lines);
  }
  get items() {
    return this.collection<ItemRecord>(RECONCILIATION_COLLECTIONS.items);
  }
  get exceptions() {
    return this.collection<ExceptionRecord>(RECONCILIATION_COLLECTIONS.exceptions);
  }
  get ruleSets() {
    return this.collection<RuleSetRecord>(RECONCILIATION_COLLECTIONS.ruleSets);
  }
  get audit() {
    return this.collection<AuditRecord>(RECONCILIATION_COLLECTIONS.audit);
  }
  get corrections() {
    return this.collection<CorrectionRecord>(RECONCILIATION_COLLECTIONS.corrections);
  }
  /**
   * A match's sorted chunks (external-sort.ts), owned by the run and kept only while the match runs; in the spill
   * database (spill-store.ts), not beside the lines the match reads while it writes them.
   */
  get sortChunks() {
    return spillCollection(this.db.connection as Connection, RECONCILIATION_COLLECTIONS.sortChunks);
  }

  /** Makes the indexes every query here needs (idempotent). */
  async ensureIndexes(): Promise<void> {
    // The lines were read sorted by key from `{ runId, key, _id }` before the match sorted them itself: that index only
    // cost every insert a write at a random place (FerretDB keeps it too, though it reads none of it).
    await this.lines.dropIndex('runId_1_key_1__id_1').catch(() => undefined);
    await Promise.all([
      this.lines.createIndex({ runId: 1, _id: 1 }),
      this.items.createIndex({ runId: 1, _id: 1 }),
      this.items.createIndex({ runId: 1, class: 1, _id: 1 }),
      this.exceptions.createIndex({ status: 1, _id: 1 }),
      this.exceptions.createIndex({ runId: 1, status: 1, _id: 1 }),
      this.exceptions.createIndex({ day: 1, _id: 1 }),
      this.ruleSets.createIndex({ version: -1 }),
      this.audit.createIndex({ subject: 1, subjectId: 1, at: 1 }),
      this.corrections.createIndex({ runId: 1, _id: 1 }),
      this.sortChunks.createIndex({ owner: 1 }),
      // The day's journals are read by time (ledger lines of a day), with their clearing legs.
      this.db.ledger.collection.createIndex({ at: 1, _id: 1 }),
    ]);
  }

  /** Inserts documents, ignoring those already there (a retried activity inserts the same ids again). */
  async insertMany<T extends { _id: string }>(collection: Collection<T>, documents: T[]): Promise<void> {
    if (documents.length === 0) return;
    try {
      await collection.insertMany(documents as never, { ordered: false });
    } catch (error) {
      const writeErrors = (error as { writeErrors?: { code?: number; err?: { code?: number } }[] }).writeErrors;
      const codes = (writeErrors ?? []).map((e) => e.code ?? e.err?.code);
      if (isDuplicateKeyError(error) && (codes.length === 0 || codes.every((code) => code === 11000))) return;
      if (codes.length > 0 && codes.every((code) => code === 11000)) return;
      throw error;
    }
  }

  /** The rule set in force: the highest version (version 0, no rules, before any was written). */
  async currentRuleSet(): Promise<{ version: number; rules: CorrectionRule[] }> {
    const latest = await this.ruleSets.find({}).sort({ version: -1 }).limit(1).next();
    return latest ? { version: latest.version, rules: latest.rules } : { version: 0, rules: [] };
  }

  /**
   * Writes an audit record; with `id`, under that id, so that of two writers of one id one fails (a duplicate key: the
   * one atomic check FerretDB makes between concurrent writers, where a conditional update is not).
   */
  async record(entry: Omit<AuditRecord, '_id'>, id?: string): Promise<void> {
    if (id !== undefined) {
      await this.audit.insertOne({ _id: id, ...entry } as never);
      return;
    }
    const random = `aud_${createHash('sha256')
      .update(
        `${entry.subject}\u0000${entry.subjectId}\u0000${entry.action}\u0000${entry.at.toISOString()}\u0000${Math.random()}`,
      )
      .digest('hex')
      .slice(0, 24)}`;
    await this.audit.insertOne({ _id: random, ...entry } as never);
  }
}

/** The deterministic id of a day's reconciliation of a settlement account: `recon-<day>-<account digest>`. */
export function reconciliationRunId(day: string, iban: string): string {
  return `recon-${day}-${accountDigest(iban)}`;
}

/** The id of an item: the run, the key, its number within the key. */
export function itemIdOf(runId: string, key: string, index: number): string {
  return `${runId}:${key}:${index}`;
}
