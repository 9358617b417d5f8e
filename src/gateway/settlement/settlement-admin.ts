// What operators read and set about settlement batches (through the API): the batches and their lines with cursor
// paging, the sellers' payout accounts (the IBAN sealed by the vault, shown by its last 4 only) and the fee schedules'
// versions (insert-only: a change is a new version with its own effectiveFrom, never an edit). It must never return
// or store an IBAN in clear, and never change a batch.

import { isValidIban } from '../../iso20022';
import type { Database } from '../../persistence/database';
import { isDuplicateKeyError } from '../../persistence/database';
import type { PurposeKeys } from '../../security/purpose-keys';
import type { FeeMethod, FeeRule } from './fees';
import type { FeeScheduleRecord, SettlementBatchRecord, SettlementLineRecord } from './settlement-store';
import { settlementCollections } from './settlement-store';

/** A rule of settlement the operator broke (the API answers 409 or 422 with the code). */
export class SettlementAdminError extends Error {
  constructor(
    readonly code: 'invalid_iban' | 'fee_schedule_conflict',
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'SettlementAdminError';
  }
}

/** A payout account as operators see it. */
export interface PayoutAccountView {
  sellerId: string;
  ibanLast4: string;
  accountHolder: string;
  updatedAt: string;
  updatedBy: string;
}

/** Sets (or replaces) a seller's payout account; the IBAN is sealed, only its last 4 characters stay readable. */
export async function savePayoutAccount(
  db: Database,
  vault: PurposeKeys,
  input: { sellerId: string; iban: string; accountHolder: string; operatorId: string; now: Date },
): Promise<PayoutAccountView> {
  const iban = input.iban.replace(/\s+/g, '').toUpperCase();
  if (!isValidIban(iban)) throw new SettlementAdminError('invalid_iban', 'the IBAN check digits fail', 'iban');
  const record = {
    _id: input.sellerId,
    sealedIban: vault.seal(iban),
    ibanLast4: iban.slice(-4),
    accountHolder: input.accountHolder,
    updatedAt: input.now,
    updatedBy: input.operatorId,
  };
  await settlementCollections(db).payoutAccounts.replaceOne({ _id: input.sellerId }, record, { upsert: true });
  return payoutAccountView(record);
}

function payoutAccountView(record: {
  _id: string;
  ibanLast4: string;
  accountHolder: string;
  updatedAt: Date;
  updatedBy: string;
}): PayoutAccountView {
  return {
    sellerId: record._id,
    ibanLast4: record.ibanLast4,
    accountHolder: record.accountHolder,
    updatedAt: record.updatedAt.toISOString(),
    updatedBy: record.updatedBy,
  };
}

/** A fee schedule version as operators see it. */
export interface FeeScheduleView {
  sellerId: string;
  currency: string;
  version: number;
  effectiveFrom: string;
  default: FeeRule;
  methods: Partial<Record<FeeMethod, FeeRule>>;
  createdAt: string;
  createdBy: string;
}

/**
 * Adds the next version of a seller's (or the default `*`) fee schedule in one currency. The version's unique id makes
 * two concurrent additions of one version impossible: the later one gets `fee_schedule_conflict`.
 */
export async function addFeeScheduleVersion(
  db: Database,
  input: {
    sellerId: string;
    currency: string;
    effectiveFrom: string;
    default: FeeRule;
    methods: Partial<Record<FeeMethod, FeeRule>>;
    operatorId: string;
    now: Date;
  },
): Promise<FeeScheduleView> {
  const schedules = settlementCollections(db).feeSchedules;
  const [latest] = await schedules
    .find({ sellerId: input.sellerId, currency: input.currency })
    .sort({ version: -1 })
    .limit(1)
    .toArray();
  const version = (latest?.version ?? 0) + 1;
  const record: FeeScheduleRecord = {
    _id: `${input.sellerId}:${input.currency}:v${version}`,
    sellerId: input.sellerId,
    currency: input.currency,
    version,
    effectiveFrom: new Date(input.effectiveFrom).toISOString(),
    default: input.default,
    methods: input.methods,
    createdAt: input.now,
    createdBy: input.operatorId,
  };
  try {
    await schedules.insertOne(record);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    throw new SettlementAdminError('fee_schedule_conflict', `version ${version} was added meanwhile: try again`);
  }
  return feeScheduleView(record);
}

/** Every version of the fee schedules of one seller (and the default `*`), newest first. */
export async function listFeeSchedules(db: Database, sellerId?: string): Promise<FeeScheduleView[]> {
  const filter = sellerId === undefined ? {} : { sellerId: { $in: [sellerId, '*'] } };
  const records = await settlementCollections(db)
    .feeSchedules.find(filter)
    .sort({ sellerId: 1, currency: 1, version: -1 })
    .limit(1000)
    .toArray();
  return records.map(feeScheduleView);
}

function feeScheduleView(record: FeeScheduleRecord): FeeScheduleView {
  return {
    sellerId: record.sellerId,
    currency: record.currency,
    version: record.version,
    effectiveFrom: record.effectiveFrom,
    default: record.default,
    methods: record.methods,
    createdAt: record.createdAt.toISOString(),
    createdBy: record.createdBy,
  };
}

/** A batch as operators see it (its payouts, not its lines). */
export interface BatchView {
  batchId: string;
  cutoffAt: string;
  status: SettlementBatchRecord['status'];
  workflowId: string;
  lineCount: number;
  payouts: SettlementBatchRecord['payouts'];
  messages: SettlementBatchRecord['messages'];
  detail?: string | undefined;
  createdAt: string;
  updatedAt: string;
}

/** A line as operators see it. */
export interface LineView {
  lineId: string;
  paymentId: string;
  orderId: string;
  sellerId: string;
  currency: string;
  method: SettlementLineRecord['feeMethod'];
  round: number;
  grossMinor: number;
  feeMinor: number;
  netMinor: number;
  fee: SettlementLineRecord['fee'];
  status: SettlementLineRecord['status'];
  reason?: string | undefined;
}

/** The batches, newest cut-off first: `limit` of them after the cursor (a batch id); `nextCursor` when more exist. */
export async function listBatches(
  db: Database,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ data: BatchView[]; nextCursor: string | undefined }> {
  // Batch ids sort as their cut-offs (batch-YYYYMMDDTHHMMSSZ): the id alone is the cursor.
  const filter = page.cursor === undefined ? {} : { _id: { $lt: page.cursor } };
  const records = await settlementCollections(db)
    .batches.find(filter)
    .sort({ _id: -1 })
    .limit(page.limit + 1)
    .toArray();
  const data = records.slice(0, page.limit).map(batchView);
  return { data, nextCursor: records.length > page.limit ? data[data.length - 1]?.batchId : undefined };
}

/** One batch and a page of its lines (by line id, after the cursor), or undefined. */
export async function getBatch(
  db: Database,
  batchId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ batch: BatchView; lines: LineView[]; nextCursor: string | undefined } | undefined> {
  const c = settlementCollections(db);
  const record = await c.batches.findOne({ _id: batchId });
  if (!record) return undefined;
  const filter = page.cursor === undefined ? { batchId } : { batchId, _id: { $gt: page.cursor } };
  const lines = await c.lines
    .find(filter)
    .sort({ _id: 1 })
    .limit(page.limit + 1)
    .toArray();
  const data = lines.slice(0, page.limit).map(lineView);
  return {
    batch: batchView(record),
    lines: data,
    nextCursor: lines.length > page.limit ? data[data.length - 1]?.lineId : undefined,
  };
}

function batchView(record: SettlementBatchRecord): BatchView {
  return {
    batchId: record._id,
    cutoffAt: record.cutoffAt.toISOString(),
    status: record.status,
    workflowId: record.workflowId,
    lineCount: record.lineCount,
    payouts: record.payouts ?? [],
    messages: record.messages ?? [],
    ...(record.detail === undefined ? {} : { detail: record.detail }),
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

function lineView(record: SettlementLineRecord): LineView {
  return {
    lineId: record._id,
    paymentId: record.paymentId,
    orderId: record.orderId,
    sellerId: record.sellerId,
    currency: record.currency,
    method: record.feeMethod,
    round: record.round,
    grossMinor: record.grossMinor,
    feeMinor: record.feeMinor,
    netMinor: record.netMinor,
    fee: record.fee,
    status: record.status,
    ...(record.reason === undefined ? {} : { reason: record.reason }),
  };
}
