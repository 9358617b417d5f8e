// What operators do with a reconciliation, as the API calls it: work the exception queue (list with filters and cursor
// paging, assign, comment, resolve), edit the correction rules (insert-only versions), and run the correction engine
// on a day (dry run: the plan; apply: exactly that plan, refused if it changed since). Every change names the version it
// read, is made under that condition (two operators never overwrite each other) and leaves an audit record with who,
// when, before and after. Money moves only by new ADJUSTMENT or REVERSAL journals through the ledger store.

import type { FlatLeg } from '../../domain/ledger';
import { DomainError } from '../../domain/errors';
import type { Database, LedgerJournalRecord } from '../../persistence/database';
import { postJournal } from '../../persistence/ledger-store';
import type { ReconciliationClass } from './matching';
import type { CorrectionRule, PlanEntry, RuleSetInput } from './rules';
import { planDigest, planFor } from './rules';
import type {
  AuditRecord,
  CorrectionRecord,
  ExceptionRecord,
  ExceptionStatus,
  RuleSetRecord,
  RunRecord,
} from './store';
import { ReconciliationStore } from './store';

/** A refusal an operator can act on: the API answers it with its status and code. */
export class ReconciliationConflict extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'ReconciliationConflict';
  }
}

/** A page of a listing: the documents and the cursor of the next page (absent on the last). */
export interface Page<T> {
  data: T[];
  nextCursor?: string | undefined;
}

/** A plan as a dry run shows it and an apply carries out. */
export interface CorrectionPlan {
  runId: string;
  ruleSetVersion: number;
  /** sha256 of the version and the entries: give it to apply to insist on exactly this plan. */
  digest: string;
  entries: PlanEntry[];
}

function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (id.length === 0 || encodeCursor(id) !== cursor) {
    throw new ReconciliationConflict(422, 'invalid_cursor', 'the cursor is not one this listing gave', 'cursor');
  }
  return id;
}

/** The operations, bound to settleflow's database. */
export class ReconciliationOperations {
  readonly store: ReconciliationStore;

  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.store = new ReconciliationStore(db);
  }

  // ---- runs and items

  /** A run, or 404. */
  async run(runId: string) {
    const run = await this.store.runs.findOne({ _id: runId });
    if (!run) throw new ReconciliationConflict(404, 'run_not_found', `no reconciliation ${runId}`, 'runId');
    return run;
  }

  /** The runs, newest day first (by id: `recon-<day>-<account>`). */
  async runs(cursor?: string, limit = 50): Promise<Page<RunRecord>> {
    const query: Record<string, unknown> = {};
    if (cursor) query._id = { $lt: decodeCursor(cursor) };
    const data = await this.store.runs
      .find(query as never)
      .sort({ _id: -1 })
      .limit(limit + 1)
      .toArray();
    return pageOf(data, limit);
  }

  /** A run's items, by id, optionally of one class. */
  async items(runId: string, filter: { class?: ReconciliationClass | undefined }, cursor?: string, limit = 100) {
    await this.run(runId);
    const query: Record<string, unknown> = { runId };
    if (filter.class) query.class = filter.class;
    if (cursor) query._id = { $gt: decodeCursor(cursor) };
    const data = await this.store.items
      .find(query as never)
      .sort({ _id: 1 })
      .limit(limit + 1)
      .toArray();
    return pageOf(data, limit);
  }

  // ---- the exception queue

  /** Exceptions by id, filtered by status, class, day, run, assignee. */
  async exceptions(
    filter: {
      status?: ExceptionStatus | undefined;
      class?: ReconciliationClass | undefined;
      day?: string | undefined;
      runId?: string | undefined;
      assignee?: string | undefined;
    },
    cursor?: string,
    limit = 100,
  ): Promise<Page<ExceptionRecord>> {
    const query: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(filter)) if (value !== undefined) query[name] = value;
    if (cursor) query._id = { $gt: decodeCursor(cursor) };
    const data = await this.store.exceptions
      .find(query as never)
      .sort({ _id: 1 })
      .limit(limit + 1)
      .toArray();
    return pageOf(data, limit);
  }

  /**
   * An exception, or 404. A change whose audit record is written but whose update is not (its writer died between the
   * two) is redone first, so the exception is never behind its own trail.
   */
  async exception(id: string): Promise<ExceptionRecord> {
    const found = await this.store.exceptions.findOne({ _id: id });
    if (!found) throw new ReconciliationConflict(404, 'exception_not_found', `no exception ${id}`, 'exceptionId');
    const pending = await this.store.audit.findOne({ _id: changeId(id, found.version + 1) });
    if (pending?.changes === undefined) return found;
    await this.store.exceptions.updateOne(
      { _id: id, version: { $lt: found.version + 1 } } as never,
      { $set: pending.changes } as never,
    );
    return this.exception(id);
  }

  /** The audit trail of an exception or of the rules, oldest first. */
  async auditOf(subject: AuditRecord['subject'], subjectId: string): Promise<AuditRecord[]> {
    return this.store.audit
      .find({ subject, subjectId } as never)
      .sort({ at: 1, _id: 1 })
      .toArray();
  }

  /**
   * Changes an exception that is still at `version` (when given) and in a state the change allows. The change's audit
   * record goes first, under the id `<exception>#v<next version>`: of concurrent changes from one version only one
   * record gets in (a unique id; FerretDB does not make a conditional update atomic), and the others are refused
   * (409 `exception_changed`). Then the exception is updated.
   */
  private async change(
    id: string,
    actor: string,
    action: string,
    expectedVersion: number | undefined,
    allowed: readonly ExceptionStatus[],
    next: (current: ExceptionRecord) => Partial<ExceptionRecord>,
  ): Promise<ExceptionRecord> {
    const current = await this.exception(id);
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      throw new ReconciliationConflict(
        409,
        'exception_changed',
        `exception ${id} is at version ${current.version}`,
        'version',
      );
    }
    if (!allowed.includes(current.status)) {
      throw new ReconciliationConflict(
        409,
        'exception_resolved',
        `exception ${id} is ${current.status}`,
        'exceptionId',
      );
    }
    const at = this.now();
    const version = current.version + 1;
    const changes = { ...next(current), version, updatedAt: at };
    const after = { ...current, ...changes };
    try {
      await this.store.record(
        {
          subject: 'exception',
          subjectId: id,
          action,
          actor,
          at,
          before: summary(current),
          after: summary(after),
          changes,
        },
        changeId(id, version),
      );
    } catch (error) {
      if ((error as { code?: number }).code === 11000) {
        throw new ReconciliationConflict(409, 'exception_changed', `exception ${id} changed meanwhile`, 'version');
      }
      throw error;
    }
    await this.store.exceptions.updateOne({ _id: id, version: { $lt: version } } as never, { $set: changes } as never);
    return after;
  }

  /** Assigns an open (or assigned) exception to an operator. */
  assign(id: string, actor: string, assignee: string, expectedVersion?: number): Promise<ExceptionRecord> {
    return this.change(id, actor, 'assign', expectedVersion, ['OPEN', 'ASSIGNED'], () => ({
      status: 'ASSIGNED',
      assignee,
    }));
  }

  /** Adds a comment to an exception not yet resolved. */
  comment(id: string, actor: string, text: string, expectedVersion?: number): Promise<ExceptionRecord> {
    return this.change(id, actor, 'comment', expectedVersion, ['OPEN', 'ASSIGNED'], (current) => ({
      comments: [...(current.comments ?? []), { by: actor, text, at: this.now() }],
    }));
  }

  /** Resolves an exception by hand (no money moves: a correction that moves money is the engine's, by its rules). */
  resolve(
    id: string,
    actor: string,
    input: { action: 'WRITE_OFF' | 'NO_ACTION' | 'ACCEPT'; note: string },
    expectedVersion?: number,
  ): Promise<ExceptionRecord> {
    return this.change(id, actor, 'resolve', expectedVersion, ['OPEN', 'ASSIGNED'], () => ({
      status: 'RESOLVED',
      resolution: { by: 'operator', actor, action: input.action, note: input.note, at: this.now() },
    }));
  }

  // ---- the rules

  /** The rule set in force (version 0 with no rules before any was written). */
  currentRules(): Promise<{ version: number; rules: CorrectionRule[] }> {
    return this.store.currentRuleSet();
  }

  /** Every version of the rules, newest first. */
  async ruleVersions(cursor?: string, limit = 50): Promise<Page<RuleSetRecord>> {
    const query: Record<string, unknown> = {};
    if (cursor) query.version = { $lt: Number(decodeCursor(cursor)) };
    const data = await this.store.ruleSets
      .find(query as never)
      .sort({ version: -1 })
      .limit(limit + 1)
      .toArray();
    const page = data.slice(0, limit);
    return {
      data: page,
      ...(data.length > limit ? { nextCursor: encodeCursor(String(page[page.length - 1]!.version)) } : {}),
    };
  }

  /**
   * Writes a new version of the rules over `expectedVersion` (the one the operator read); another version written
   * meanwhile refuses it (409 `rules_changed`). Audited with the rules before and after.
   */
  async saveRules(input: RuleSetInput, actor: string, expectedVersion: number): Promise<RuleSetRecord> {
    const current = await this.store.currentRuleSet();
    if (current.version !== expectedVersion) {
      throw new ReconciliationConflict(
        409,
        'rules_changed',
        `the rules are at version ${current.version}`,
        'expectedVersion',
      );
    }
    const at = this.now();
    const record: RuleSetRecord = {
      _id: `rules-v${expectedVersion + 1}`,
      version: expectedVersion + 1,
      rules: input.rules,
      createdBy: actor,
      createdAt: at,
      ...(input.comment === undefined ? {} : { comment: input.comment }),
    };
    try {
      await this.store.ruleSets.insertOne(record as never);
    } catch (error) {
      if ((error as { code?: number }).code === 11000) {
        throw new ReconciliationConflict(
          409,
          'rules_changed',
          'another version was written meanwhile',
          'expectedVersion',
        );
      }
      throw error;
    }
    await this.store.record({
      subject: 'rule_set',
      subjectId: 'rules',
      action: 'save',
      actor,
      at,
      before: current,
      after: { version: record.version, rules: record.rules, comment: record.comment },
    });
    return record;
  }

  // ---- the correction engine

  /**
   * The plan of a rule set (the one in force, or a draft) for a run's OPEN breaks, in id order. A dry run: nothing is
   * written.
   */
  async plan(runId: string, ruleSet?: { version: number; rules: CorrectionRule[] }): Promise<CorrectionPlan> {
    const run = await this.run(runId);
    if (run.status !== 'COMPLETED') {
      throw new ReconciliationConflict(409, 'run_not_completed', `reconciliation ${runId} is ${run.status}`, 'runId');
    }
    const rules = ruleSet ?? (await this.store.currentRuleSet());
    const entries: PlanEntry[] = [];
    const cursor = this.store.exceptions.find({ runId, status: 'OPEN' } as never).sort({ _id: 1 });
    let batch: ExceptionRecord[] = [];
    const flush = async () => {
      const journalIds = batch
        .filter(
          (item) => item.class === 'DUPLICATE' && item.journalId !== undefined && item.bankAmountMinor === undefined,
        )
        .map((item) => item.journalId!);
      const legs = new Map<string, FlatLeg[]>();
      if (journalIds.length > 0) {
        const journals = await this.db.ledger.find({ _id: { $in: journalIds } }).lean<LedgerJournalRecord[]>();
        for (const journal of journals) legs.set(journal._id, journal.legs);
      }
      for (const item of batch) entries.push(planFor(rules.rules, { ...item, itemId: item._id }, (id) => legs.get(id)));
      batch = [];
    };
    for await (const item of cursor) {
      batch.push(item);
      if (batch.length >= 200) await flush();
    }
    await flush();
    return { runId, ruleSetVersion: rules.version, digest: planDigest(rules.version, entries), entries };
  }

  /**
   * Applies the rules in force to a run's OPEN breaks: exactly the plan a dry run of the same version shows (refused
   * with 409 `plan_changed` when `digest` is given and the plan is no longer that one, `rules_changed` when the version
   * is not the one in force). Each correction posts its journal (a deterministic id: a repeat posts nothing) and
   * resolves its break; QUEUE leaves the break OPEN. Answers the plan it carried out.
   */
  async apply(
    runId: string,
    actor: string,
    expect: { ruleSetVersion?: number; digest?: string },
  ): Promise<CorrectionPlan> {
    const current = await this.store.currentRuleSet();
    if (expect.ruleSetVersion !== undefined && expect.ruleSetVersion !== current.version) {
      throw new ReconciliationConflict(
        409,
        'rules_changed',
        `the rules are at version ${current.version}`,
        'ruleSetVersion',
      );
    }
    const plan = await this.plan(runId, current);
    if (expect.digest !== undefined && expect.digest !== plan.digest) {
      throw new ReconciliationConflict(
        409,
        'plan_changed',
        'the plan is no longer the one shown; run the dry run again',
        'digest',
      );
    }
    for (const entry of plan.entries) {
      if (entry.action === 'QUEUE') continue;
      await this.carryOut(runId, actor, plan.ruleSetVersion, entry);
    }
    return plan;
  }

  private async carryOut(runId: string, actor: string, ruleSetVersion: number, entry: PlanEntry): Promise<void> {
    const at = this.now();
    if (entry.journal !== undefined) {
      try {
        await postJournal(this.db, {
          journalId: entry.journal.journalId,
          orderId: entry.journal.orderId,
          kind: entry.journal.kind,
          at: at.toISOString(),
          legs: entry.journal.legs.map((leg) => ({
            account: leg.account,
            direction: leg.direction,
            amount: { amount: leg.amount, currency: leg.currency },
          })),
          correction: { reason: entry.reason, breakId: entry.itemId, reverses: entry.journal.reverses },
        });
      } catch (error) {
        if (error instanceof DomainError) throw new ReconciliationConflict(409, error.code, error.message);
        throw error;
      }
    }
    const correction: CorrectionRecord = {
      ...entry,
      _id: entry.itemId,
      runId,
      ruleSetVersion,
      appliedBy: actor,
      appliedAt: at,
    };
    await this.store.insertMany(this.store.corrections, [correction]);
    const action = entry.action as 'ACCEPT' | 'ADJUST' | 'REVERSE';
    try {
      await this.change(entry.itemId, actor, 'correct', undefined, ['OPEN'], () => ({
        status: 'RESOLVED',
        resolution: {
          by: 'rule',
          actor,
          action,
          note: entry.reason,
          ruleId: entry.ruleId,
          ruleSetVersion,
          ...(entry.journal === undefined ? {} : { journalId: entry.journal.journalId }),
          at,
        },
      }));
    } catch (error) {
      // Resolved or changed meanwhile (a concurrent apply, an operator): the break is not corrected twice.
      if (!(error instanceof ReconciliationConflict) || error.status !== 409) throw error;
    }
  }

  /** The corrections applied to a run, by break id. */
  async corrections(runId: string): Promise<CorrectionRecord[]> {
    return this.store.corrections
      .find({ runId } as never)
      .sort({ _id: 1 })
      .toArray();
  }
}

/** The id of an exception's change to `version`: its audit record, unique, the lock between concurrent changes. */
function changeId(exceptionId: string, version: number): string {
  return `${exceptionId}#v${version}`;
}

function pageOf<T extends { _id: string }>(data: T[], limit: number): Page<T> {
  const page = data.slice(0, limit);
  return {
    data: page,
    ...(data.length > limit ? { nextCursor: encodeCursor(page[page.length - 1]!._id) } : {}),
  };
}

/** What an audit record keeps of an exception (its state, not its whole history). */
function summary(record: ExceptionRecord) {
  return {
    status: record.status,
    assignee: record.assignee,
    comments: (record.comments ?? []).length,
    resolution: record.resolution,
    version: record.version,
  };
}
