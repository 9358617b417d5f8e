// The work of one day's reconciliation, as the workflow's activities call it: stage the bank's statement lines (camt.053
// pages fetched one at a time over the bank's ISO 20022 channel) and the ledger's clearing journals (a cursor, batches
// of bounded size) as lines with a match key; compare the day's card totals with the bank's (ISO 8583 0500/0510); then
// read the staged lines sorted by key (an external sort: runs sorted in memory, stored, merged), one key at a time,
// classify them (matching.ts) with the orders behind them, and write items and the exception queue in batches. Memory
// holds one batch, one sort run or one key, never the day. Every step is idempotent (deterministic ids, inserts that
// ignore a copy), so a retried activity redoes nothing twice.

import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { LEDGER_ACCOUNTS } from '../../domain/ledger';
import type { OrderRecord } from '../../persistence/database';
import type { Database } from '../../persistence/database';
import { externalSort } from '../../persistence/external-sort';
import { findByIds } from '../../persistence/by-ids';
import { ownedSpillStore } from '../../persistence/spill-store';
import { parseBankStatement } from '../../iso20022';
import { reconciliationRequest, reconciliationResponse } from '../../iso8583';
import type { BankConnection } from '../bank-connector/bank-connection';
import type { BankMessageLog } from '../bank-connector/message-log';
import { GATEWAY_PAYMENTS } from '../card-payments';
import { CHANNEL_TOKEN_REFUSED, channelHeaders } from '../iso20022-channel-client';
import { SETTLEMENT_COLLECTIONS } from '../settlement/settlement-store';
import type { PaymentForMapping, PayoutForMapping } from './line-mappings';
import { bankKeyOf, batchIdOfPayoutJournal, ledgerKeyOf, payoutKeyOf, paymentIdOfJournal } from './line-mappings';
import type { ItemDraft, LineSide, StagedLine } from './matching';
import { classifyKey, emptyClassCounts, isBreak } from './matching';
import type { DirectionTotals, ExceptionRecord, ItemRecord, LineRecord, RunRecord, TotalsComparison } from './store';
import { ReconciliationStore, itemIdOf } from './store';

/** Settings of the reconciliation (README, Reconciliation: configuration). */
export interface ReconciliationSettings {
  /** The gateway's settlement account at the bank (GATEWAY_SETTLEMENT_IBAN). */
  iban: string;
  /** The currencies reconciled (RECONCILIATION_CURRENCIES). */
  currencies: string[];
  /** Base URL of the bank host's ISO 20022 channel. */
  iso20022Url: string;
  /** The gateway's bearer token on the bank host's ISO 20022 channel (BANK_HOST_ISO20022_TOKEN). */
  iso20022Token?: string | undefined;
  /** How many later days' statements are read for timing breaks, and earlier days' ledger for late arrivals. */
  timingWindowDays: number;
  /** Lines written (and items classified) per batch. */
  batchSize: number;
  /** How long one HTTP exchange with the channel or one 0500 may take. */
  requestTimeoutMs: number;
  /** Field 32 of the 0500. */
  acquirerId: string;
  /** How the match step sorts the day's lines (records per run, per stored chunk, runs merged at once). */
  matchSort?: Partial<MatchSortSettings> | undefined;
  /** Sees every statement page received, in clear (tests validate them against the XSD); never logs them. */
  observe?: ((xml: string) => void) | undefined;
}

/** How the match step sorts (see external-sort.ts). */
export interface MatchSortSettings {
  runSize: number;
  chunkSize: number;
  fanIn: number;
}

/**
 * Runs of 50,000 lines (about 30 MB of the worker's memory), stored 1,000 to a document, 32 merged at once: a day of
 * 1.6 million lines merges in one pass; more takes another pass over the stored runs.
 */
export const DEFAULT_MATCH_SORT: MatchSortSettings = { runSize: 50_000, chunkSize: 1_000, fanIn: 32 };

/** What the workflow passes every activity. */
export interface ReconciliationInput {
  runId: string;
  day: string;
  /** The settlement account the run is for; the worker refuses a run for another account than it is set up for. */
  iban: string;
}

/** A failure that retrying cannot fix (wrong account, a statement the gateway cannot read). */
export class ReconciliationError extends Error {
  constructor(
    readonly code: 'wrong_account' | 'account_not_found' | 'unreadable_statement' | 'bank_unavailable' | 'bank_refused',
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ReconciliationError';
  }
}

/** A YYYY-MM-DD `days` away from `day`. */
export function shiftDay(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function padded(value: string | number, width = 12): string {
  return String(value).padStart(width, '0');
}

/** The reconciliation's work, bound to the gateway's database and bank connection. */
export class Reconciler {
  readonly store: ReconciliationStore;

  constructor(
    private readonly db: Database,
    private readonly connection: BankConnection,
    private readonly messages: BankMessageLog,
    readonly settings: ReconciliationSettings,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.store = new ReconciliationStore(db);
  }

  private checkAccount(input: ReconciliationInput): void {
    if (input.iban !== this.settings.iban) {
      throw new ReconciliationError(
        'wrong_account',
        'this gateway worker reconciles another settlement account (GATEWAY_SETTLEMENT_IBAN differs)',
        false,
      );
    }
  }

  /** Creates the run (RUNNING) unless it exists; answers it. */
  async begin(input: ReconciliationInput): Promise<RunRecord> {
    this.checkAccount(input);
    await this.store.ensureIndexes();
    const run: RunRecord = {
      _id: input.runId,
      day: input.day,
      accountLast4: input.iban.slice(-4),
      currencies: this.settings.currencies,
      status: 'RUNNING',
      startedAt: this.now(),
    };
    await this.store.runs.updateOne({ _id: input.runId }, { $setOnInsert: run }, { upsert: true });
    // A run that failed starts again (its staged lines and items have deterministic ids: nothing doubles).
    await this.store.runs.updateOne(
      { _id: input.runId, status: 'FAILED' },
      { $set: { status: 'RUNNING', startedAt: this.now() }, $unset: { failure: '', completedAt: '' } },
    );
    return (await this.store.runs.findOne({ _id: input.runId }))!;
  }

  /** Stages the day's statement lines and those of the timing window's later days; answers the day's line count. */
  async stageBankLines(input: ReconciliationInput, heartbeat: () => void = () => undefined): Promise<number> {
    this.checkAccount(input);
    let dayLines = 0;
    for (const currency of this.settings.currencies) {
      for (let offset = 0; offset <= this.settings.timingWindowDays; offset += 1) {
        const date = shiftDay(input.day, offset);
        const side: LineSide = offset === 0 ? 'bank' : 'bank_later';
        for (let page = 1; ; page += 1) {
          heartbeat();
          const xml = await this.fetchStatementPage(currency, date, page);
          if (xml === undefined) break;
          this.settings.observe?.(xml);
          let statement;
          try {
            statement = parseBankStatement(xml).statements[0];
          } catch (error) {
            throw new ReconciliationError(
              'unreadable_statement',
              `the statement of ${date} page ${page} cannot be read (${(error as Error).message})`,
              false,
            );
          }
          if (statement === undefined) break;
          const lines: LineRecord[] = statement.entries.map((entry) => {
            const reference = entry.entryReference ?? entry.accountServicerReference ?? '';
            const sign = entry.creditDebit === 'CRDT' ? 1 : -1;
            return {
              _id: `${input.runId}:${side}:${date}:${currency}:${padded(reference)}`,
              runId: input.runId,
              key: bankKeyOf(entry.transactions?.[0], reference),
              side,
              amountMinor: sign * entry.amount.amount,
              currency,
              reference: `${date}/${reference}`,
              bookedOn: entry.bookingDate ?? date,
              ...(entry.reversal ? { reversal: true } : {}),
            };
          });
          await this.store.insertMany(this.store.lines, lines);
          if (side === 'bank') dayLines += lines.length;
          if (statement.pagination === undefined || statement.pagination.lastPage) break;
        }
      }
    }
    return dayLines;
  }

  /** One page of a statement, or undefined past the last page. */
  private async fetchStatementPage(currency: string, date: string, page: number): Promise<string | undefined> {
    let response: Response;
    try {
      response = await fetch(`${this.settings.iso20022Url}/iso20022/statements`, {
        method: 'POST',
        headers: channelHeaders(this.settings, 'application/json'),
        body: JSON.stringify({ iban: this.settings.iban, currency, date, page }),
        signal: AbortSignal.timeout(this.settings.requestTimeoutMs),
      });
    } catch (error) {
      throw new ReconciliationError(
        'bank_unavailable',
        `the bank's ISO 20022 channel is unavailable (${(error as Error).message})`,
        true,
      );
    }
    const text = await response.text();
    if (response.status === 200) return text;
    const code = (() => {
      try {
        return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      } catch {
        return undefined;
      }
    })();
    if (response.status === 401) throw new ReconciliationError('bank_refused', CHANNEL_TOKEN_REFUSED, false);
    if (response.status === 404 && code === 'page_not_found') return undefined;
    if (response.status === 404 && code === 'account_not_found') {
      throw new ReconciliationError('account_not_found', 'the bank knows no account with the settlement IBAN', false);
    }
    throw new ReconciliationError('bank_unavailable', `the bank answered ${response.status} to a statement`, true);
  }

  /**
   * Stages the ledger's journals on the clearing account booked on the day (and on the timing window's earlier days, for
   * late bank lines), each keyed by its mapping; answers the day's line count.
   */
  async stageLedgerLines(input: ReconciliationInput, heartbeat: () => void = () => undefined): Promise<number> {
    this.checkAccount(input);
    const from = new Date(`${shiftDay(input.day, -this.settings.timingWindowDays)}T00:00:00.000Z`);
    const to = new Date(`${shiftDay(input.day, 1)}T00:00:00.000Z`);
    // No sort: the lines' ids are deterministic, so order does not matter, and an unsorted cursor streams on FerretDB
    // (a sort would gather the day's journals in its memory first). MongoDB reads the range from the `{ at, _id }` index.
    const cursor = this.db.ledger.collection
      .find({ at: { $gte: from, $lt: to }, 'legs.account': LEDGER_ACCOUNTS.bankClearing })
      .batchSize(this.settings.batchSize);
    let batch: {
      _id: string;
      orderId: string;
      legs: { account: string; direction: string; amount: number; currency: string }[];
      at: Date;
    }[] = [];
    let dayLines = 0;
    const flush = async () => {
      heartbeat();
      const paymentIds = [
        ...new Set(batch.map((journal) => paymentIdOfJournal(journal._id)).filter((id) => id !== undefined)),
      ];
      const payments = new Map<string, PaymentForMapping>();
      // Looked up by `_id`, 500 to a query (the index, on MongoDB and settleflow's FerretDB).
      const collection = (this.db.connection as Connection).collection<PaymentForMapping>(GATEWAY_PAYMENTS);
      const found = await findByIds(paymentIds, (ids) =>
        collection
          .find({ _id: { $in: ids } } as never, { projection: { method: 1, directDebit: 1, refunds: 1 } })
          .toArray(),
      );
      for (const payment of found) payments.set(String(payment._id), payment as PaymentForMapping);
      const batchIds = [
        ...new Set(batch.map((journal) => batchIdOfPayoutJournal(journal._id)).filter((id) => id !== undefined)),
      ];
      const payouts = new Map<string, PayoutForMapping[]>();
      const batches = (this.db.connection as Connection).collection<{ _id: string; payouts: PayoutForMapping[] }>(
        SETTLEMENT_COLLECTIONS.batches,
      );
      const settled = await findByIds(batchIds, (ids) =>
        batches.find({ _id: { $in: ids } } as never, { projection: { payouts: 1 } }).toArray(),
      );
      for (const one of settled) payouts.set(String(one._id), one.payouts ?? []);
      const lines: LineRecord[] = [];
      for (const journal of batch) {
        const bookedOn = journal.at.toISOString().slice(0, 10);
        const side: LineSide = bookedOn === input.day ? 'ledger' : 'ledger_earlier';
        const paymentId = paymentIdOfJournal(journal._id);
        const batchId = batchIdOfPayoutJournal(journal._id);
        const mapped =
          payoutKeyOf(journal._id, batchId === undefined ? undefined : payouts.get(batchId)) ??
          ledgerKeyOf(journal._id, paymentId === undefined ? undefined : payments.get(paymentId));
        const nets = new Map<string, number>();
        for (const leg of journal.legs) {
          if (leg.account !== LEDGER_ACCOUNTS.bankClearing) continue;
          const signed = leg.direction === 'DEBIT' ? leg.amount : -leg.amount;
          nets.set(leg.currency, (nets.get(leg.currency) ?? 0) + signed);
        }
        for (const [currency, amountMinor] of nets) {
          if (amountMinor === 0 || !this.settings.currencies.includes(currency)) continue;
          lines.push({
            _id: `${input.runId}:${side}:${journal._id}:${currency}`,
            runId: input.runId,
            key: mapped.key,
            side,
            amountMinor,
            currency,
            reference: journal._id,
            bookedOn,
            kind: mapped.kind,
            orderId: journal.orderId,
            ...(mapped.paymentId === undefined ? {} : { paymentId: mapped.paymentId }),
          });
          if (side === 'ledger') dayLines += 1;
        }
      }
      await this.store.insertMany(this.store.lines, lines);
      batch = [];
    };
    for await (const journal of cursor) {
      batch.push(journal as never);
      if (batch.length >= this.settings.batchSize) await flush();
    }
    if (batch.length > 0) await flush();
    return dayLines;
  }

  /**
   * Compares the day's card totals per currency with the bank's: the gateway's counts and amounts of card captures
   * (debits) and refunds (credits) in a 0500; the 0510's field 66 says whether they agree and carries the bank's.
   */
  async compareTotals(input: ReconciliationInput): Promise<TotalsComparison[]> {
    this.checkAccount(input);
    const comparisons: TotalsComparison[] = [];
    const zero = (): DirectionTotals => ({ count: 0, reversalCount: 0, amount: 0, reversalAmount: 0 });
    const sums = new Map(this.settings.currencies.map((currency) => [currency, { debits: zero(), credits: zero() }]));
    // One pass over the run's lines for every currency (a filter per currency reads them all once per currency on
    // FerretDB, which pushes none of it down).
    const cursor = this.store.lines.find(
      { runId: input.runId, side: 'ledger', kind: { $in: ['card_capture', 'card_refund'] } } as never,
      { projection: { amountMinor: 1, kind: 1, currency: 1 } },
    );
    for await (const line of cursor) {
      const sum = sums.get(line.currency);
      if (sum === undefined) continue;
      const totals = line.kind === 'card_refund' ? sum.credits : sum.debits;
      totals.count += 1;
      totals.amount += Math.abs(line.amountMinor);
    }
    for (const currency of this.settings.currencies) {
      const { debits, credits } = sums.get(currency)!;
      const netAmount = debits.amount - credits.amount;
      const gateway = { debits, credits, netAmount };
      let answer;
      try {
        const message = await this.connection.request(
          (trace) => {
            const request = reconciliationRequest.toIso8583({
              stan: trace.stan,
              transmittedAt: trace.transmittedAt,
              acquirerId: this.settings.acquirerId,
              settlementDate: input.day,
              currency,
              credits,
              debits,
              netAmount,
            });
            this.messages.record('out', request, true);
            return request;
          },
          { timeoutMs: this.settings.requestTimeoutMs },
        );
        this.messages.record('in', message, true);
        answer = reconciliationResponse.fromIso8583(message, { receivedAt: new Date(`${input.day}T12:00:00Z`) });
      } catch {
        // Not answered (or unreadable) within the bound: recorded as such; the matching does not depend on it.
        comparisons.push({ currency, gateway, settlementCode: 'not_answered' });
        continue;
      }
      comparisons.push({
        currency,
        gateway,
        bank: { debits: answer.debits, credits: answer.credits, netAmount: answer.netAmount },
        settlementCode: answer.settlementCode,
      });
    }
    await this.store.runs.updateOne({ _id: input.runId }, { $set: { totals: comparisons } });
    return comparisons;
  }

  /**
   * Reads the staged lines sorted by key (external-sort.ts, runs of `matchSort.runSize` lines) and classifies each
   * key's lines; writes items, and a break of each item that is not MATCHED to the exception queue (OPEN). Answers
   * the counts per class.
   */
  async match(input: ReconciliationInput, heartbeat: () => void = () => undefined): Promise<Record<string, number>> {
    this.checkAccount(input);
    const counts = emptyClassCounts();
    // The day's lines read as stored and sorted by key in runs (see external-sort.ts: FerretDB would sort the whole day
    // in its own memory); the chunks an attempt that died left are removed first.
    const store = await ownedSpillStore(this.store.sortChunks, input.runId);
    const sort = { ...DEFAULT_MATCH_SORT, ...this.settings.matchSort };
    const lines = this.store.lines
      .find({ runId: input.runId } as never)
      .batchSize(this.settings.batchSize) as AsyncIterable<LineRecord>;
    const cursor = externalSort(lines, {
      ...sort,
      compare: (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a._id < b._id ? -1 : a._id > b._id ? 1 : 0),
      store,
      sortId: `${input.runId}:${randomUUID()}`,
      progress: heartbeat,
    });
    let drafts: ItemDraft[] = [];
    let group: StagedLine[] = [];
    let key: string | undefined;
    const flush = async () => {
      heartbeat();
      await this.writeItems(input, drafts);
      drafts = [];
    };
    const close = async () => {
      if (key === undefined) return;
      for (const draft of classifyKey(key, group)) {
        drafts.push(draft);
        counts[draft.class] += 1;
      }
      group = [];
      if (drafts.length >= this.settings.batchSize) await flush();
    };
    for await (const line of cursor) {
      if (line.key !== key) {
        await close();
        key = line.key;
      }
      group.push(line as StagedLine);
    }
    await close();
    await flush();
    return counts;
  }

  /** Writes a batch of items (with the orders' view) and their breaks. */
  private async writeItems(input: ReconciliationInput, drafts: ItemDraft[]): Promise<void> {
    if (drafts.length === 0) return;
    const orderIds = [...new Set(drafts.map((draft) => draft.orderId).filter((id) => id !== undefined))];
    const orders = new Map<string, OrderRecord>();
    // Looked up by `_id`, 500 to a query (the index, on MongoDB and settleflow's FerretDB).
    const found = await findByIds(orderIds, (ids) =>
      this.db.orders
        .find({ _id: { $in: ids } }, { payments: 1, status: 1 })
        .lean<OrderRecord[]>()
        .exec(),
    );
    for (const order of found) orders.set(order._id, order);
    const at = this.now();
    const items: ItemRecord[] = drafts.map((draft) => {
      const { index, ...rest } = draft;
      const checked = withOrder(rest, draft.orderId === undefined ? undefined : orders.get(draft.orderId));
      return {
        ...checked,
        _id: itemIdOf(input.runId, draft.key, index),
        runId: input.runId,
        day: input.day,
        createdAt: at,
      };
    });
    await this.store.insertMany(this.store.items, items);
    const breaks: ExceptionRecord[] = items
      .filter((item) => isBreak(item.class))
      .map((item) => ({
        _id: item._id,
        runId: input.runId,
        day: input.day,
        class: item.class,
        status: 'OPEN',
        currency: item.currency,
        key: item.key,
        comments: [],
        version: 1,
        createdAt: at,
        updatedAt: at,
        ...pick(item, [
          'bankAmountMinor',
          'ledgerAmountMinor',
          'differenceMinor',
          'journalId',
          'orderId',
          'paymentId',
          'otherDay',
        ]),
      }));
    await this.store.insertMany(this.store.exceptions, breaks);
  }

  /** Marks the run COMPLETED with its counts and totals; answers it. */
  async finish(input: ReconciliationInput, outcome: { bankLines: number; ledgerLines: number }): Promise<RunRecord> {
    // The counts are recounted from the stored items: the truth even if a retried match wrote some before. Counted
    // here, streaming, in one pass: a count per class would read the run's items once per class on FerretDB, and its
    // `$group` keeps every document of each group in its memory until the last is read (13 GB at 1M payments).
    const counts = emptyClassCounts();
    const items = this.store.items
      .find({ runId: input.runId } as never, { projection: { class: 1 } })
      .batchSize(this.settings.batchSize);
    for await (const item of items) {
      const itemClass = (item as { class?: string }).class;
      if (itemClass !== undefined && itemClass in counts) counts[itemClass as keyof typeof counts] += 1;
    }
    await this.store.runs.updateOne(
      { _id: input.runId, status: 'RUNNING' },
      {
        $set: {
          status: 'COMPLETED',
          completedAt: this.now(),
          bankLines: outcome.bankLines,
          ledgerLines: outcome.ledgerLines,
          counts,
        },
      },
    );
    return (await this.store.runs.findOne({ _id: input.runId }))!;
  }

  /** Marks the run FAILED with the reason (its items so far stay); a run that never began is recorded FAILED too. */
  async fail(input: ReconciliationInput, reason: string): Promise<void> {
    const failed = { status: 'FAILED' as const, completedAt: this.now(), failure: reason.slice(0, 500) };
    try {
      await this.store.runs.updateOne(
        { _id: input.runId, status: { $ne: 'COMPLETED' } } as never,
        {
          $set: failed,
          $setOnInsert: {
            day: input.day,
            accountLast4: input.iban.slice(-4),
            currencies: this.settings.currencies,
            startedAt: this.now(),
          },
        } as never,
        { upsert: true },
      );
    } catch (error) {
      // The run completed meanwhile (the filter missed it and the insert found its id): it stays COMPLETED.
      if ((error as { code?: number }).code !== 11000) throw error;
    }
  }
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((key) => value[key] !== undefined).map((key) => [key, value[key]])) as Partial<
    Pick<T, K>
  >;
}

/**
 * The third way: a MATCHED capture whose order says another captured amount is an AMOUNT_MISMATCH (the order's word
 * noted); the order's status is kept on the item either way.
 */
export function withOrder(item: Omit<ItemDraft, 'index'>, order: Pick<OrderRecord, 'payments' | 'status'> | undefined) {
  if (order === undefined) return item;
  const attempt = Number(/-(\d+)$/.exec(item.paymentId ?? '')?.[1]);
  const payment = order.payments?.find((candidate) => candidate.attempt === attempt);
  const orderStatus = order.status;
  if (
    item.class === 'MATCHED' &&
    (item.kind === 'card_capture' || item.kind === 'echeck_collection') &&
    payment?.status === 'CAPTURED' &&
    item.ledgerAmountMinor !== undefined &&
    payment.amount.amount !== item.ledgerAmountMinor
  ) {
    return {
      ...item,
      class: 'AMOUNT_MISMATCH' as const,
      orderStatus,
      note: `the order says ${payment.amount.amount} ${payment.amount.currency} was captured`,
    };
  }
  return { ...item, orderStatus };
}
