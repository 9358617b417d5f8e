// Settlement batches: what one cut-off's settlement workflow does, step by step, each step idempotent so a retried
// activity or a repeated run changes nothing more. Claims the payments whose orders asked for settlement up to the
// cut-off, page by page (keyset paging, never a day in memory), prices each with the seller's fee schedule in force at
// the cut-off, books fee and payout journals per seller and currency, sends one pacs.008 per currency to the bank host
// (idempotent by message id), follows it to the bank's pacs.002 / pacs.004, and gives rejected payouts back to the
// payable. It never writes an order's documents (the orders are signalled) and never stores an IBAN in clear.

import { createHash, randomUUID } from 'node:crypto';
import type { Collection, Connection } from 'mongoose';
import { batchIdFor } from '../../contracts/settlement-contract';
import type { SettlementLineSignal } from '../../contracts/settlement-contract';
import type { Journal, JournalLeg } from '../../domain/ledger';
import { LEDGER_ACCOUNTS } from '../../domain/ledger';
import {
  buildCreditTransferBatch,
  isValidIban,
  maskAccountNumbers,
  parsePaymentStatusReport,
  transactionStatusIn,
} from '../../iso20022';
import type { Database } from '../../persistence/database';
import { isDuplicateKeyError } from '../../persistence/database';
import { findByIds, updateByIds } from '../../persistence/by-ids';
import { ownedSpillStore } from '../../persistence/spill-store';
import { spooledIds } from '../../persistence/spool';
import { postJournal } from '../../persistence/ledger-store';
import type { PurposeKeys } from '../../security/purpose-keys';
import { GATEWAY_PAYMENTS, PaymentOperationError } from '../card-payments';
import { fetchIso20022Reports, postIso20022Document } from '../iso20022-channel-client';
import { BANK_ISO20022_MESSAGES } from '../echeck-payments';
import type { Iso20022MessageRecord } from '../echeck-payments';
import type { FeeMethod, FeeRule, FeeScheduleVersion } from './fees';
import { feeMinor, payoutTotals, ruleFor, scheduleInForce } from './fees';
import type {
  SettlementBatchRecord,
  SettlementClaimRecord,
  SettlementLineRecord,
  SettlementPayout,
  SettlementReleaseRecord,
  SettlementRequestRecord,
} from './settlement-store';
import { isClaimedForSettlement, requestSettlement } from './settlement-requests';
import { ensureSettlementIndexes, settlementCollections } from './settlement-store';

/** Ledger accounts of settlement (beside LEDGER_ACCOUNTS). */
export const settlementAccounts = {
  /** Payouts sent to the bank and not yet settled or returned. */
  payoutsInTransit: 'gateway:payouts-in-transit',
  feeRevenue: LEDGER_ACCOUNTS.gatewayFees,
  clearing: LEDGER_ACCOUNTS.bankClearing,
  sellerPayable: LEDGER_ACCOUNTS.merchantPayable,
};

/** What settlement needs to reach the bank. */
export interface SettlementSettings {
  /** Base URL of the bank host's ISO 20022 channel. */
  iso20022Url: string;
  /** The gateway's bearer token on the bank host's ISO 20022 channel (BANK_HOST_ISO20022_TOKEN). */
  iso20022Token?: string | undefined;
  /** The gateway's settlement account, debtor of every payout. */
  debtorIban: string;
  /** The bank's BIC (both agents: the bank host is both sides' bank). */
  bankBic: string;
  requestTimeoutMs: number;
  /** The fee when neither a schedule nor the gateway settings name one (GATEWAY_FEE_BPS, GATEWAY_FEE_FIXED_MINOR). */
  defaultFee: FeeRule;
  /** Sees every document sent and received, in clear (tests validate them against the XSDs); never logs them. */
  observe?: ((message: string, xml: string) => void) | undefined;
}

/** A batch as the workflow sees it after a step. */
export interface BatchState {
  batchId: string;
  status: SettlementBatchRecord['status'];
  /** The workflow that owns the batch: another one of the same cut-off stops. */
  workflowId: string;
  lineCount: number;
}

/** A payment as the gateway stores it (the fields settlement reads). */
interface StoredPayment {
  _id: string;
  orderId: string;
  sellerId: string;
  status: string;
  method?: string | undefined;
  amount: { amount: number; currency: string };
  capturedMinor: number;
  refundedMinor: number;
  micropayment?: { aggregatePaymentId?: string | undefined } | undefined;
}

/** Statuses of a payment that still holds captured money. */
const CAPTURED = new Set(['succeeded', 'partially_refunded']);
/** Statuses after which a payment will never be settled. */
const FINAL_UNSETTLED = new Set(['refunded', 'failed', 'canceled']);
/** Requests a claim handles at once (lookups and bulk writes): what memory holds, whatever the page size. */
const CLAIM_CHUNK = 500;

/** The settlement operations, bound to the database, the vault and the bank's ISO 20022 channel. */
export class SettlementBatches {
  private readonly c: ReturnType<typeof settlementCollections>;

  constructor(
    private readonly db: Database,
    private readonly vault: PurposeKeys,
    private readonly settings: SettlementSettings,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.c = settlementCollections(db);
  }

  /** Creates the collections' indexes (the gateway worker calls it at start). */
  ensureIndexes(): Promise<void> {
    return ensureSettlementIndexes(this.db);
  }

  // ---- requests (the order's side)

  /** Records an order's request to settle its payment (see settlement-requests.ts). */
  request(input: {
    paymentId: string;
    orderId: string;
    orderWorkflowId: string;
    sellerId: string;
    currency: string;
  }): Promise<void> {
    return requestSettlement(this.db, input, this.now());
  }

  /** Whether a batch holds the payment (see settlement-requests.ts). */
  isClaimed(paymentId: string): Promise<boolean> {
    return isClaimedForSettlement(this.db, paymentId);
  }

  // ---- the batch

  /** Opens the cut-off's batch (or finds it): its owner is the first workflow that opened it. */
  async open(input: { cutoffAt: string; workflowId: string }): Promise<BatchState> {
    const batchId = batchIdFor(input.cutoffAt);
    const at = this.now();
    const record: SettlementBatchRecord = {
      _id: batchId,
      cutoffAt: new Date(input.cutoffAt),
      workflowId: input.workflowId,
      status: 'CLAIMING',
      lineCount: 0,
      payouts: [],
      messages: [],
      createdAt: at,
      updatedAt: at,
    };
    try {
      await this.c.batches.insertOne(record);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    return this.state(batchId);
  }

  /** The batch's state. */
  async state(batchId: string): Promise<BatchState> {
    const batch = await this.requiredBatch(batchId);
    return { batchId, status: batch.status, workflowId: batch.workflowId, lineCount: batch.lineCount };
  }

  /**
   * Claims every open request asked for until the cut-off, in one pass, and writes a line for each payment won. A
   * payment claimed by this batch before (a retried call) keeps its line; one claimed by another batch, or settled per
   * order before batches, is left out; one not captured yet stays open for a later cut-off. The open requests' ids are
   * read with one unsorted cursor to its end into the spool (spool.ts), then handled in chunks of CLAIM_CHUNK (memory
   * holds one chunk): a claimed or finished request is closed, so a retried call reads only what is left. The payments, claims, releases and journals a
   * chunk needs are looked up by `_id`, 500 to a query; claims and lines are inserted in bulk, requests closed 500 to
   * an update (see by-ids.ts).
   *
   * One pass rather than pages sorted by `_id`: FerretDB 1.24 sorts a query's whole result in its own memory, so each
   * page of 500 read and sorted every open request (a day of a million requests: 2,000 sorts of a million). `afterId`
   * and `limit` are what settlement workflows started before this change pass; the answer always says done.
   * @returns the last request id looked at, and whether the scan is done (always)
   */
  async claimPage(
    input: { batchId: string; afterId: string; limit: number },
    progress: () => void = () => undefined,
  ): Promise<{ lastId: string; done: boolean; claimed: number }> {
    const batch = await this.requiredBatch(input.batchId);
    if (batch.status !== 'CLAIMING') return { lastId: input.afterId, done: true, claimed: 0 };
    let claimed = 0;
    let lastId = input.afterId;
    const flush = async (chunk: SettlementRequestRecord[]) => {
      progress();
      const wrote = await this.claimChunk(batch, chunk);
      claimed += wrote;
      if (wrote > 0) {
        // A progress count (what this call wrote); price() sets the exact count from the lines.
        await this.c.batches.updateOne(
          { _id: input.batchId, status: 'CLAIMING' },
          { $inc: { lineCount: wrote }, $set: { updatedAt: this.now() } },
        );
      }
    };
    // The open requests' ids are read to the end first (spool.ts: a cursor left open while the chunks are written
    // kept FerretDB's write-ahead log from being checkpointed), then each chunk is looked up and claimed.
    for await (const ids of this.spooledIds(this.c.requests.find({ open: true }, { projection: { _id: 1 } }), {
      owner: `${input.batchId}:claim`,
    })) {
      const requests = await findByIds(ids, (chunk) =>
        this.c.requests.find({ _id: { $in: chunk }, open: true }).toArray(),
      );
      lastId = ids[ids.length - 1] ?? lastId;
      if (requests.length > 0) await flush(requests);
    }
    return { lastId, done: true, claimed };
  }

  /** Claims one chunk of requests for the batch; answers how many lines it wrote. */
  private async claimChunk(batch: SettlementBatchRecord, requests: SettlementRequestRecord[]): Promise<number> {
    const due = requests.filter((request) => request.requestedAt.getTime() <= batch.cutoffAt.getTime());
    if (due.length === 0) return 0;
    const ids = due.map((request) => request._id);
    const [payments, latestClaims, legacy, schedules] = await Promise.all([
      this.payments(ids),
      this.latestClaims(ids),
      this.legacySettled(due.map((request) => request.orderId)),
      this.schedules([...new Set(due.map((request) => request.sellerId))], batch.cutoffAt.toISOString()),
    ]);
    const released = await this.existingIds(
      this.c.releases,
      [...latestClaims.values()].map((claim) => claim._id),
    );
    const lines: SettlementLineRecord[] = [];
    const close: string[] = [];
    const contested: { request: SettlementRequestRecord; payment: StoredPayment; round: number }[] = [];
    for (const request of due) {
      const payment = payments.get(request._id);
      const latest = latestClaims.get(request._id);
      if (latest && latest.batchId === batch._id && !released.has(latest._id)) {
        // Claimed by this batch before (a retried page): make sure its line exists.
        if (payment) lines.push(this.lineOf(batch, request, payment, latest.round, schedules));
        continue;
      }
      if (!payment || legacy.has(request.orderId) || FINAL_UNSETTLED.has(payment.status)) {
        // Nothing to settle, ever: no payment, paid out per order before batches, or refunded or failed.
        close.push(request._id);
        continue;
      }
      if (!CAPTURED.has(payment.status) || payment.capturedMinor - payment.refundedMinor <= 0) continue;
      if (latest && !released.has(latest._id)) {
        // Another batch holds it: the open flag was left behind by a crash.
        close.push(request._id);
        continue;
      }
      contested.push({ request, payment, round: latest ? latest.round + 1 : 1 });
    }
    const at = this.now();
    const claims = contested.map(({ request, round }) => ({
      _id: `${request._id}#${round}`,
      paymentId: request._id,
      round,
      batchId: batch._id,
      at,
    }));
    const taken = await this.insertIgnoringDuplicates(this.c.claims, claims);
    // A claim already there: another cut-off won it, or this batch did in an earlier try of this page.
    const lost = claims.filter((_, index) => taken.has(index)).map((claim) => claim._id);
    const winners = new Map(
      (await findByIds(lost, (ids) => this.c.claims.find({ _id: { $in: ids } }).toArray())).map((claim) => [
        claim._id,
        claim.batchId,
      ]),
    );
    for (const [index, { request, payment, round }] of contested.entries()) {
      if (taken.has(index) && winners.get(claims[index]!._id) !== batch._id) continue;
      lines.push(this.lineOf(batch, request, payment, round, schedules));
      close.push(request._id);
    }
    const duplicates = await this.insertIgnoringDuplicates(this.c.lines, lines);
    await updateByIds(close, (ids) => this.c.requests.updateMany({ _id: { $in: ids } }, { $set: { open: false } }));
    return lines.length - duplicates.size;
  }

  /**
   * The latest claim of each payment: `<paymentId>#1`, `#2`, ... looked up by `_id`, round after round, for the
   * payments whose previous round was found.
   */
  private async latestClaims(paymentIds: readonly string[]): Promise<Map<string, SettlementClaimRecord>> {
    const latest = new Map<string, SettlementClaimRecord>();
    let pending = [...new Set(paymentIds)];
    for (let round = 1; pending.length > 0; round += 1) {
      const found = await findByIds(
        pending.map((paymentId) => `${paymentId}#${round}`),
        (ids) => this.c.claims.find({ _id: { $in: ids } }).toArray(),
      );
      for (const claim of found) latest.set(claim.paymentId, claim);
      pending = found.map((claim) => claim.paymentId);
    }
    return latest;
  }

  /** Which of these ids a collection holds (looked up by `_id`). */
  private async existingIds(collection: Collection<SettlementReleaseRecord>, ids: readonly string[]) {
    const found = await findByIds(ids, (chunk) =>
      collection.find({ _id: { $in: chunk } }, { projection: { _id: 1 } }).toArray(),
    );
    return new Set(found.map((record) => record._id));
  }

  /** Inserts documents (unordered); answers the indexes of those whose `_id` (or unique key) was already taken. */
  private async insertIgnoringDuplicates<T extends { _id: string }>(
    collection: Collection<T>,
    documents: T[],
  ): Promise<Set<number>> {
    if (documents.length === 0) return new Set();
    try {
      await collection.insertMany(documents as never, { ordered: false });
      return new Set();
    } catch (error) {
      const writeErrors = (error as { writeErrors?: { index: number; code?: number; err?: { code?: number } }[] })
        .writeErrors;
      const errors = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
      if (errors.length === 0 || errors.some((e) => (e.code ?? e.err?.code) !== 11000)) throw error;
      return new Set(errors.map((e) => e.index));
    }
  }

  /**
   * Ends claiming: sums the lines per seller and currency (streaming them), books each payout's fee and payout
   * journals, and records the payouts (a seller without a payout account gets `NO_ACCOUNT`, nothing booked).
   */
  async price(batchId: string): Promise<BatchState> {
    const batch = await this.requiredBatch(batchId);
    if (batch.status !== 'CLAIMING') return this.state(batchId);
    const totals = new Map<string, { sellerId: string; currency: string; lines: number; gross: number; fee: number }>();
    for await (const line of this.c.lines.find({ batchId })) {
      const key = `${line.sellerId}\u0000${line.currency}`;
      const total = totals.get(key) ?? { sellerId: line.sellerId, currency: line.currency, lines: 0, gross: 0, fee: 0 };
      total.lines += 1;
      total.gross += line.grossMinor;
      total.fee += line.feeMinor;
      totals.set(key, total);
    }
    const accounts = new Map(
      (
        await this.c.payoutAccounts
          .find({ _id: { $in: [...new Set([...totals.values()].map((t) => t.sellerId))] } })
          .toArray()
      ).map((account) => [account._id, account]),
    );
    const payouts: SettlementPayout[] = [...totals.values()]
      .sort((a, b) => (a.currency + a.sellerId < b.currency + b.sellerId ? -1 : 1))
      .map((total) => {
        const {
          grossMinor,
          feeMinor: fee,
          netMinor,
        } = payoutTotals([{ grossMinor: total.gross, feeMinor: total.fee }]);
        const account = accounts.get(total.sellerId);
        return {
          payoutId: `${batchId}:${total.sellerId}:${total.currency}`,
          sellerId: total.sellerId,
          currency: total.currency,
          lines: total.lines,
          grossMinor,
          feeMinor: fee,
          netMinor,
          status: account ? 'PENDING' : 'NO_ACCOUNT',
          ...(account ? { ibanLast4: account.ibanLast4 } : { reason: 'NO_PAYOUT_ACCOUNT' }),
        };
      });
    for (const payout of payouts) if (payout.status === 'PENDING') await this.bookPayout(batchId, payout);
    await this.c.batches.updateOne(
      { _id: batchId, status: 'CLAIMING' },
      {
        $set: {
          status: 'PRICED',
          payouts,
          lineCount: payouts.reduce((n, p) => n + p.lines, 0),
          updatedAt: this.now(),
        },
      },
    );
    return this.state(batchId);
  }

  /**
   * Sends the batch's payouts: one pacs.008 per currency (message id derived from the batch and currency, so a repeat
   * posts the same document and the bank answers its first answer), and takes the bank's immediate pacs.002: each
   * transaction accepted (ACSP) or rejected (RJCT, with the reason).
   * @throws PaymentOperationError retryable while the bank's channel cannot be reached
   */
  async send(batchId: string): Promise<BatchState> {
    const batch = await this.requiredBatch(batchId);
    if (batch.status !== 'PRICED') return this.state(batchId);
    const payouts = (batch.payouts ?? []).map((payout) => ({ ...payout }));
    const messages: SettlementBatchRecord['messages'] = [];
    for (const currency of [...new Set(payouts.filter((p) => p.status === 'PENDING').map((p) => p.currency))].sort()) {
      const messageId = payoutMessageId(batchId, currency);
      const members = payouts.filter((p) => p.status === 'PENDING' && p.currency === currency);
      const accounts = new Map(
        (await this.c.payoutAccounts.find({ _id: { $in: members.map((p) => p.sellerId) } }).toArray()).map((a) => [
          a._id,
          a,
        ]),
      );
      const transactions = members.flatMap((payout, index) => {
        const account = accounts.get(payout.sellerId);
        const iban = account ? this.openIban(account.sealedIban) : undefined;
        payout.messageId = messageId;
        payout.endToEndId = `${messageId}-${index + 1}`;
        if (!account || !iban) {
          // Gone (or unreadable) since pricing: its journals are booked, so it is rejected and booked back.
          payout.status = 'REJECTED';
          payout.reason = 'NO_PAYOUT_ACCOUNT';
          return [];
        }
        return [
          {
            endToEndId: payout.endToEndId,
            amount: { amount: payout.netMinor, currency },
            chargeBearer: 'SLEV' as const,
            debtor: { name: 'settleflow gateway' },
            debtorAccount: { iban: this.settings.debtorIban },
            debtorAgent: { bic: this.settings.bankBic },
            creditor: { name: account.accountHolder.slice(0, 140) },
            creditorAccount: { iban },
            creditorAgent: { bic: this.settings.bankBic },
            remittanceInformation: `settlement ${batchId} ${payout.lines} payments`.slice(0, 140),
          },
        ];
      });
      const zero = members.filter((payout) => payout.status === 'PENDING' && payout.netMinor === 0);
      for (const payout of zero) payout.status = 'PAID';
      const sendable = transactions.filter((tx) => tx.amount.amount > 0);
      if (sendable.length === 0) continue;
      const createdAt = isoSeconds(batch.cutoffAt);
      const xml = buildCreditTransferBatch({
        messageId,
        createdAt,
        settlementDate: createdAt.slice(0, 10),
        settlementMethod: 'CLRG',
        transactions: sendable,
      });
      const answer = await this.postDocument(batchId, messageId, xml);
      const report = parsePaymentStatusReport(answer);
      const sent = new Set(sendable.map((tx) => tx.endToEndId));
      for (const payout of members) {
        if (payout.status !== 'PENDING' || !payout.endToEndId || !sent.has(payout.endToEndId)) continue;
        // Its own status, or its message's when the bank answered the whole message at once. A payout the report
        // says nothing of is followed as an accepted one: the bank's later reports settle or return it, or the
        // follow step's bound runs out and the batch is UNRESOLVED for an operator. It never stays PENDING, which
        // no later step looks at (its journals booked, its lines neither paid nor given back).
        const status = transactionStatusIn(report, { messageId, endToEndId: payout.endToEndId });
        if (status?.status === 'RJCT') {
          payout.status = 'REJECTED';
          payout.reason = status.reason ?? 'RJCT';
        } else {
          payout.status = 'ACCEPTED';
        }
      }
      messages.push({
        currency,
        messageId,
        transactions: sendable.length,
        status: report.groups[0]?.status ?? undefined,
      });
    }
    await this.c.batches.updateOne(
      { _id: batchId, status: 'PRICED' },
      { $set: { status: 'SENT', payouts, messages, updatedAt: this.now() } },
    );
    return this.state(batchId);
  }

  /**
   * Takes the bank's outcome of every accepted payout: a pacs.002 ACSC settles it (`PAID`), a pacs.004 returns it
   * (`RETURNED`, with the reason). Records each report once.
   * @throws PaymentOperationError retryable (`outcome_unknown`) while a payout still clears
   */
  async follow(batchId: string): Promise<BatchState> {
    const batch = await this.requiredBatch(batchId);
    if (batch.status !== 'SENT') return this.state(batchId);
    const payouts = (batch.payouts ?? []).map((payout) => ({ ...payout }));
    for (const message of batch.messages ?? []) {
      const waiting = payouts.filter((p) => p.status === 'ACCEPTED' && p.messageId === message.messageId);
      if (waiting.length === 0) continue;
      const reports = await this.reportsOf(message.messageId);
      for (const payout of waiting) {
        const outcome = reports.find(
          (r) => r.endToEndId === payout.endToEndId && (r.status === 'ACSC' || r.status === 'RETURNED'),
        );
        if (!outcome) {
          throw new PaymentOperationError('outcome_unknown', `payout ${payout.payoutId} is still clearing`, true);
        }
        await this.record(batchId, `${payout.endToEndId}:outcome`, 'in', outcome.message, outcome.xml, {
          status: outcome.status,
          reason: outcome.reason,
        });
        payout.status = outcome.status === 'ACSC' ? 'PAID' : 'RETURNED';
        if (outcome.status !== 'ACSC') payout.reason = outcome.reason ?? 'MS03';
      }
    }
    await this.c.batches.updateOne({ _id: batchId, status: 'SENT' }, { $set: { payouts, updatedAt: this.now() } });
    return this.state(batchId);
  }

  /**
   * Completes the batch: books each payout's outcome (settled: out of the clearing account; rejected or returned:
   * back to the payable, the fee given back), marks its lines `PAID` or `REJECTED`, and releases the claims of the
   * rejected ones so a later cut-off may pay them.
   */
  async complete(batchId: string): Promise<BatchState> {
    const batch = await this.requiredBatch(batchId);
    if (batch.status !== 'SENT') return this.state(batchId);
    const decided = new Map<string, SettlementPayout>();
    for (const payout of batch.payouts ?? []) {
      if (payout.status === 'ACCEPTED' || payout.status === 'PENDING') continue;
      if (payout.status === 'PAID') await this.bookSettled(batchId, payout);
      else if (payout.status === 'REJECTED' || payout.status === 'RETURNED') await this.bookReturned(batchId, payout);
      decided.set(`${payout.sellerId}\u0000${payout.currency}`, payout);
    }
    // One pass over the batch's lines (a filter per payout would read them all once per payout on FerretDB), written
    // in chunks: each line marked by `_id`, a rejected one's claim released and its request opened again.
    let chunk: SettlementLineRecord[] = [];
    const flush = async () => {
      const at = this.now();
      // Lines marked alike, by what is set: PAID, or REJECTED with one reason.
      const marks = new Map<string, { set: Partial<SettlementLineRecord>; ids: string[] }>();
      const releases: SettlementReleaseRecord[] = [];
      for (const line of chunk) {
        const payout = decided.get(`${line.sellerId}\u0000${line.currency}`);
        if (!payout) continue;
        const paid = payout.status === 'PAID';
        const reason = payout.reason ?? 'REJECTED';
        const mark = paid ? 'PAID' : `REJECTED\u0000${reason}`;
        const same = marks.get(mark);
        if (same) same.ids.push(line._id);
        else {
          marks.set(mark, {
            set: { status: paid ? 'PAID' : 'REJECTED', ...(paid ? {} : { reason }), updatedAt: at },
            ids: [line._id],
          });
        }
        if (!paid) {
          releases.push({
            _id: `${line.paymentId}#${line.round}`,
            paymentId: line.paymentId,
            round: line.round,
            batchId,
            reason,
            at,
          });
        }
      }
      chunk = [];
      for (const { set, ids } of marks.values()) {
        await updateByIds(ids, (chunk) => this.c.lines.updateMany({ _id: { $in: chunk } }, { $set: set }));
      }
      await this.insertIgnoringDuplicates(this.c.releases, releases);
      await updateByIds(
        releases.map((release) => release.paymentId),
        (chunk) => this.c.requests.updateMany({ _id: { $in: chunk } }, { $set: { open: true } }),
      );
    };
    if (decided.size > 0) {
      for await (const ids of this.spooledIds(this.c.lines.find({ batchId }, { projection: { _id: 1 } }), {
        owner: `${batchId}:complete`,
      })) {
        chunk = await findByIds(ids, (some) => this.c.lines.find({ _id: { $in: some } }).toArray());
        await flush();
      }
    }
    await this.c.batches.updateOne(
      { _id: batchId, status: 'SENT' },
      { $set: { status: 'COMPLETED', updatedAt: this.now() } },
    );
    return this.state(batchId);
  }

  /** Marks a batch whose outcome did not come in time: its payouts stay in transit for an operator. */
  async markUnresolved(batchId: string, detail: string): Promise<BatchState> {
    await this.c.batches.updateOne(
      { _id: batchId, status: 'SENT' },
      { $set: { status: 'UNRESOLVED', detail, updatedAt: this.now() } },
    );
    return this.state(batchId);
  }

  /**
   * A completed batch's decided lines as the signals to their orders, in one pass (an unsorted cursor, memory holds
   * one batch of the cursor): pages sorted by `_id` cost FerretDB a read and sort of the batch's lines per page.
   */
  async *signals(
    batchId: string,
  ): AsyncGenerator<{ lineId: string; workflowId: string; signal: SettlementLineSignal }> {
    const cursor = this.c.lines.find({ batchId, status: { $ne: 'CLAIMED' } }, { projection: { _id: 1 } });
    for await (const ids of this.spooledIds(cursor, { owner: `${batchId}:signals` })) {
      for (const line of await findByIds(ids, (some) => this.c.lines.find({ _id: { $in: some } }).toArray())) {
        yield { lineId: line._id, workflowId: line.orderWorkflowId, signal: lineSignal(line) };
      }
    }
  }

  /** The ids a cursor finds, read to the end into the spool first, then a chunk at a time (see spool.ts). */
  private async *spooledIds(
    cursor: AsyncIterable<{ _id: string }>,
    options: { owner: string },
  ): AsyncGenerator<string[]> {
    // The ids of an attempt that died are removed first.
    const store = await ownedSpillStore(this.c.spool, options.owner);
    async function* ids() {
      for await (const document of cursor) yield document._id;
    }
    yield* spooledIds(ids(), { store, spoolId: `${options.owner}:${randomUUID()}`, chunkSize: CLAIM_CHUNK });
  }

  // ---- internals

  private async requiredBatch(batchId: string): Promise<SettlementBatchRecord> {
    const batch = await this.c.batches.findOne({ _id: batchId });
    if (!batch) throw new PaymentOperationError('bank_refused', `no settlement batch ${batchId}`, false);
    return batch;
  }

  /** The payments of these ids, looked up by `_id` (the index, on MongoDB and settleflow's FerretDB). */
  private async payments(ids: readonly string[]): Promise<Map<string, StoredPayment>> {
    const payments = (this.db.connection as Connection).collection<StoredPayment>(GATEWAY_PAYMENTS);
    const records = await findByIds(ids, (chunk) => payments.find({ _id: { $in: chunk } }).toArray());
    return new Map(records.map((record) => [record._id, record as StoredPayment]));
  }

  /** Orders paid out per order before batches existed (their `<orderId>:settlement` journal is posted). */
  private async legacySettled(orderIds: readonly string[]): Promise<Set<string>> {
    const journals = await findByIds(
      orderIds.map((orderId) => `${orderId}:settlement`),
      (ids) =>
        this.db.ledger.collection
          .find({ _id: { $in: ids } } as never, { projection: { orderId: 1 } })
          .toArray() as unknown as Promise<{ _id: string; orderId: string }[]>,
    );
    return new Set(journals.map((journal) => String(journal.orderId)));
  }

  /** The fee schedule versions of these sellers (and the default `*`) in force at or before the cut-off. */
  private async schedules(sellerIds: readonly string[], cutoffAt: string): Promise<FeeSource> {
    const versions = (await this.c.feeSchedules
      .find({ sellerId: { $in: [...sellerIds, '*'] } })
      .toArray()) as FeeScheduleVersion[];
    const audit = await (this.db.connection as Connection)
      .collection<{ _id: string; version: number; at: Date; settings?: GatewayFeeSettings }>('settings_audit')
      .find({ at: { $lte: new Date(cutoffAt) } })
      .sort({ version: -1 })
      .limit(1)
      .toArray();
    return { versions, cutoffAt, settings: audit[0]?.settings, defaultFee: this.settings.defaultFee };
  }

  /** A claimed payment's line, priced with the seller's fee rule at the cut-off. */
  private lineOf(
    batch: SettlementBatchRecord,
    request: SettlementRequestRecord,
    payment: StoredPayment,
    round: number,
    fees: FeeSource,
  ): SettlementLineRecord {
    const grossMinor = payment.capturedMinor - payment.refundedMinor;
    const currency = payment.amount.currency;
    const method = feeMethodOf(payment);
    const rule = feeRuleFor(fees, payment.sellerId, currency, method);
    const fee = feeMinor(grossMinor, rule);
    const at = this.now();
    return {
      _id: `${batch._id}:${payment._id}`,
      batchId: batch._id,
      paymentId: payment._id,
      orderId: payment.orderId,
      orderWorkflowId: request.orderWorkflowId,
      sellerId: payment.sellerId,
      currency,
      feeMethod: method,
      round,
      grossMinor,
      feeMinor: fee,
      netMinor: grossMinor - fee,
      fee: rule,
      status: 'CLAIMED',
      createdAt: at,
      updatedAt: at,
    };
  }

  private async bookPayout(batchId: string, payout: SettlementPayout): Promise<void> {
    const legs = (entries: [string, 'DEBIT' | 'CREDIT', number][]): JournalLeg[] =>
      entries.map(([account, direction, amount]) => ({
        account,
        direction,
        amount: { amount, currency: payout.currency },
      }));
    if (payout.feeMinor > 0) {
      await this.book(
        batchId,
        payout,
        'fee',
        'SETTLEMENT_FEE',
        legs([
          [settlementAccounts.sellerPayable(payout.sellerId), 'DEBIT', payout.feeMinor],
          [settlementAccounts.feeRevenue, 'CREDIT', payout.feeMinor],
        ]),
      );
    }
    if (payout.netMinor > 0) {
      await this.book(
        batchId,
        payout,
        'payout',
        'PAYOUT',
        legs([
          [settlementAccounts.sellerPayable(payout.sellerId), 'DEBIT', payout.netMinor],
          [settlementAccounts.payoutsInTransit, 'CREDIT', payout.netMinor],
        ]),
      );
    }
  }

  private async bookSettled(batchId: string, payout: SettlementPayout): Promise<void> {
    if (payout.netMinor === 0) return;
    const currency = payout.currency;
    await this.book(batchId, payout, 'paid', 'PAYOUT_SETTLED', [
      {
        account: settlementAccounts.payoutsInTransit,
        direction: 'DEBIT',
        amount: { amount: payout.netMinor, currency },
      },
      { account: settlementAccounts.clearing, direction: 'CREDIT', amount: { amount: payout.netMinor, currency } },
    ]);
  }

  private async bookReturned(batchId: string, payout: SettlementPayout): Promise<void> {
    const currency = payout.currency;
    const legs: JournalLeg[] = [
      {
        account: settlementAccounts.payoutsInTransit,
        direction: 'DEBIT',
        amount: { amount: payout.netMinor, currency },
      },
      { account: settlementAccounts.feeRevenue, direction: 'DEBIT', amount: { amount: payout.feeMinor, currency } },
      {
        account: settlementAccounts.sellerPayable(payout.sellerId),
        direction: 'CREDIT',
        amount: { amount: payout.grossMinor, currency },
      },
    ].filter((leg) => leg.amount.amount > 0) as JournalLeg[];
    if (legs.length > 0) await this.book(batchId, payout, 'returned', 'PAYOUT_RETURNED', legs);
  }

  /** Books one journal of a payout under `<payoutId>:<suffix>` (a repeat writes nothing). */
  private book(
    batchId: string,
    payout: SettlementPayout,
    suffix: string,
    kind: Journal['kind'],
    legs: JournalLeg[],
  ): Promise<void> {
    return postJournal(this.db, {
      journalId: `${payout.payoutId}:${suffix}`,
      orderId: batchId,
      kind,
      at: this.now().toISOString(),
      legs,
    });
  }

  /** Posts a pacs.008 (recorded masked first) and answers the bank's pacs.002. */
  private async postDocument(batchId: string, messageId: string, xml: string): Promise<string> {
    await this.record(batchId, `${messageId}:out`, 'out', 'pacs.008.001.09', xml, {});
    const text = await postIso20022Document(this.settings, xml, `pacs.008 ${messageId}`);
    const report = parsePaymentStatusReport(text);
    await this.record(batchId, `${messageId}:intake`, 'in', 'pacs.002.001.11', text, {
      status: report.groups[0]?.status,
    });
    return text;
  }

  private async reportsOf(
    messageId: string,
  ): Promise<{ message: string; status: string; endToEndId?: string; reason?: string; xml: string }[]> {
    return fetchIso20022Reports(this.settings, messageId);
  }

  private async record(
    batchId: string,
    id: string,
    direction: 'out' | 'in',
    message: string,
    xml: string,
    extra: { status?: string | undefined; reason?: string | undefined },
  ): Promise<void> {
    this.settings.observe?.(message, xml);
    const record: Iso20022MessageRecord = {
      _id: id,
      paymentId: batchId,
      direction,
      message,
      xml: maskAccountNumbers(xml),
      at: this.now(),
      ...(extra.status === undefined ? {} : { status: extra.status }),
      ...(extra.reason === undefined ? {} : { reason: extra.reason }),
    };
    try {
      await (this.db.connection as Connection)
        .collection<Iso20022MessageRecord>(BANK_ISO20022_MESSAGES)
        .insertOne(record);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  private openIban(sealed: string): string | undefined {
    try {
      const iban = this.vault.open(sealed);
      return isValidIban(iban) ? iban : undefined;
    } catch {
      return undefined;
    }
  }
}

/** The gateway settings' fee fields, as an audit entry holds them. */
interface GatewayFeeSettings {
  gatewayFee?: FeeRule | undefined;
  sellers?: Record<string, { fee?: FeeRule | undefined }> | undefined;
}

/** Where a batch's fees come from: schedule versions, then the gateway settings in force, then the default. */
interface FeeSource {
  versions: FeeScheduleVersion[];
  cutoffAt: string;
  settings: GatewayFeeSettings | undefined;
  defaultFee: FeeRule;
}

/** The fee rule of a payment at the batch's cut-off, with where it came from. */
function feeRuleFor(
  fees: FeeSource,
  sellerId: string,
  currency: string,
  method: FeeMethod,
): FeeRule & { source: string } {
  const schedule = scheduleInForce(fees.versions, sellerId, currency, fees.cutoffAt);
  if (schedule) {
    const rule = ruleFor(schedule, method);
    return {
      bps: rule.bps,
      fixedMinor: rule.fixedMinor,
      source: `schedule:${schedule.sellerId}:${currency}:v${schedule.version}`,
    };
  }
  const seller = fees.settings?.sellers?.[sellerId]?.fee;
  if (seller) return { ...seller, source: 'settings:seller' };
  if (fees.settings?.gatewayFee) return { ...fees.settings.gatewayFee, source: 'settings:gateway' };
  return { ...fees.defaultFee, source: 'configuration' };
}

/** How the fee schedule names a stored payment's method. */
function feeMethodOf(payment: StoredPayment): FeeMethod {
  if (payment.micropayment !== undefined) return 'micropayment';
  if (payment.method === 'echeck' || payment.method === 'ecash') return payment.method;
  return 'card';
}

/** The signal of a decided line. */
function lineSignal(line: SettlementLineRecord): SettlementLineSignal {
  const money = (amount: number) => ({ amount, currency: line.currency });
  return {
    batchId: line.batchId,
    lineId: line._id,
    paymentId: line.paymentId,
    status: line.status === 'PAID' ? 'PAID' : 'REJECTED',
    gross: money(line.grossMinor),
    fee: money(line.feeMinor),
    net: money(line.netMinor),
    ...(line.reason === undefined ? {} : { reason: line.reason }),
    at: line.updatedAt.toISOString(),
  };
}

/** The pacs.008 message id of a batch's payouts in one currency: 26 characters, so end-to-end ids fit Max35Text. */
export function payoutMessageId(batchId: string, currency: string): string {
  return `ST${createHash('sha256').update(`${batchId}:${currency}`).digest('hex').slice(0, 24).toUpperCase()}`;
}

function isoSeconds(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
