// MongoDB access for settleflow: one connection, the collections' schemas and indexes.
// Written for both MongoDB 7 and FerretDB: no transactions, no $lookup/$facet, no TTL or partial indexes,
// no Decimal128; money is stored as integer minor units and ledger records are insert-only with unique keys.

import mongoose, { Schema } from 'mongoose';
import type { Connection, Model, mongo } from 'mongoose';
import type { MongoConnectionSettings } from '../connection-settings';
import type { OrderView, PartyRole } from '../domain/order';
import type { NoticeDraft } from '../contracts/order-contract';
import { ensurePaymentReportIndexes } from '../gateway/reports/report-indexes';

/** A registered party; its API keys are {@link ApiKeyRecord}s. */
export interface PartyRecord {
  _id: string;
  role: PartyRole;
  name: string;
  /** The party's key before keys had records of their own; moved into `api_keys` at connect. */
  apiKeyHash?: string | undefined;
  apiKeyPrefix?: string | undefined;
  webhookUrl?: string | undefined;
  /** The Standard Webhooks signing secret, sealed by the vault. */
  webhookSecretSealed?: string | undefined;
  /** Set while an operator has disabled the party: none of its keys is accepted. */
  disabledAt?: Date | undefined;
  createdAt: Date;
}

/** One API key of a party, stored as its SHA-256 digest only. */
export interface ApiKeyRecord {
  /** `key_...`, how operators name the key (to revoke it). */
  _id: string;
  partyId: string;
  hash: string;
  /** First characters of the key, to tell keys apart in listings; never enough to use it. */
  prefix: string;
  createdAt: Date;
  /** When the key stops working (set for the old keys when a new one is issued with a grace period). */
  expiresAt?: Date | undefined;
  /** When an operator revoked it; a revoked key never works again. */
  revokedAt?: Date | undefined;
}

/** The read-model document of an order: the workflow's OrderView, keyed by order id. */
export type OrderRecord = OrderView & { _id: string };

/** A notice in a party's inbox. */
export type NoticeRecord = Omit<NoticeDraft, 'noticeId'> & { _id: string; createdAt: Date };

/**
 * An Idempotency-Key's record: IN_PROGRESS while one request holds it (until `lockedUntil`), DONE with the answer,
 * RETRYABLE after a failure (a retry with the same request digest may run again).
 */
export interface IdempotencyRecord {
  _id: string;
  requestHash: string;
  state: 'IN_PROGRESS' | 'DONE' | 'RETRYABLE';
  /** Until when an IN_PROGRESS reservation holds; past it, a copy of the request may take the key over. */
  lockedUntil?: Date | undefined;
  /** Names the request holding the reservation, so only it can finish or release it. */
  lockToken?: string | undefined;
  statusCode?: number | undefined;
  /** The answer; a vault-sealed JSON string when `sealed` (it held a secret shown once, such as a new API key). */
  body?: unknown;
  sealed?: boolean | undefined;
  createdAt: Date;
}

/** One leg of a journal, as stored. */
export interface LedgerLegRecord {
  account: string;
  direction: 'DEBIT' | 'CREDIT';
  amount: number;
  currency: string;
}

/**
 * A balanced journal of the gateway's ledger, stored whole in one document (a single-document insert is atomic on
 * MongoDB and FerretDB alike, so a journal is never half-written); insert-only under its deterministic id.
 */
export interface LedgerJournalRecord {
  _id: string;
  orderId: string;
  kind: string;
  legs: LedgerLegRecord[];
  at: Date;
  /** A correcting journal's reason and the reconciliation break it resolves (never an edit of another journal). */
  correction?: { reason: string; breakId: string; reverses?: string | undefined } | undefined;
}

/** The simulated bank's record of one idempotent operation. */
export interface BankOperationRecord {
  _id: string;
  operation: 'AUTHORIZE' | 'CAPTURE' | 'VOID' | 'REFUND';
  reference: string;
  approved: boolean;
  declineCode?: string | undefined;
  amount: number;
  currency: string;
  last4?: string | undefined;
  at: Date;
}

/** The models of every collection, bound to one connection. */
export interface Database {
  connection: Connection;
  parties: Model<PartyRecord>;
  apiKeys: Model<ApiKeyRecord>;
  orders: Model<OrderRecord>;
  notices: Model<NoticeRecord>;
  idempotency: Model<IdempotencyRecord>;
  ledger: Model<LedgerJournalRecord>;
  bankOperations: Model<BankOperationRecord>;
  close(): Promise<void>;
}

const partySchema = new Schema<PartyRecord>(
  {
    _id: String,
    role: { type: String, required: true },
    name: { type: String, required: true },
    apiKeyHash: String,
    apiKeyPrefix: String,
    webhookUrl: String,
    webhookSecretSealed: String,
    disabledAt: Date,
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'parties' },
);

const apiKeySchema = new Schema<ApiKeyRecord>(
  {
    _id: String,
    partyId: { type: String, required: true, index: true },
    hash: { type: String, required: true, unique: true },
    prefix: String,
    createdAt: { type: Date, required: true },
    expiresAt: Date,
    revokedAt: Date,
  },
  { versionKey: false, collection: 'api_keys' },
);

const orderSchema = new Schema<OrderRecord>(
  {
    _id: String,
    orderId: String,
    status: { type: String, index: true },
    sellerId: { type: String, index: true },
    customerId: { type: String, index: true },
    supplierId: { type: String, index: true },
    carrierIds: { type: [String], index: true },
    placedAt: { type: String, index: true },
    version: Number,
  },
  { versionKey: false, strict: false, collection: 'orders' },
);

const noticeSchema = new Schema<NoticeRecord>(
  {
    _id: String,
    kind: String,
    orderId: { type: String, index: true },
    recipientId: { type: String, index: true },
    actionRequired: Boolean,
    at: String,
    payload: Schema.Types.Mixed,
    createdAt: Date,
  },
  { versionKey: false, collection: 'notices' },
);
noticeSchema.index({ recipientId: 1, actionRequired: 1, at: -1 });

const idempotencySchema = new Schema<IdempotencyRecord>(
  {
    _id: String,
    requestHash: String,
    state: String,
    statusCode: Number,
    lockedUntil: Date,
    lockToken: String,
    body: Schema.Types.Mixed,
    sealed: Boolean,
    createdAt: { type: Date, index: true },
  },
  { versionKey: false, collection: 'idempotency_keys' },
);

const ledgerSchema = new Schema<LedgerJournalRecord>(
  {
    _id: String,
    orderId: { type: String, index: true },
    kind: String,
    legs: [{ _id: false, account: String, direction: String, amount: Number, currency: String }],
    at: Date,
    correction: Schema.Types.Mixed,
  },
  { versionKey: false, collection: 'ledger_journals' },
);
ledgerSchema.index({ 'legs.account': 1 });

const bankOperationSchema = new Schema<BankOperationRecord>(
  {
    _id: String,
    operation: String,
    reference: { type: String, index: true },
    approved: Boolean,
    declineCode: String,
    amount: Number,
    currency: String,
    last4: String,
    at: Date,
  },
  { versionKey: false, collection: 'bank_operations' },
);

/**
 * Connects to MongoDB (or FerretDB) and makes sure the indexes exist.
 * @param uri a mongodb:// or mongodb+srv:// URI naming the database (a replica set with `replicaSet=`, TLS with `tls=true`)
 * @param options TLS files from the environment (MONGODB_TLS_CA_FILE, MONGODB_TLS_CERT_KEY_FILE), checked by config.ts
 */
export async function connectDatabase(uri: string, options: MongoConnectionSettings = {}): Promise<Database> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000, autoIndex: false, ...options });
  await connection.asPromise();
  const db: Database = {
    connection,
    parties: connection.model<PartyRecord>('Party', partySchema),
    apiKeys: connection.model<ApiKeyRecord>('ApiKey', apiKeySchema),
    orders: connection.model<OrderRecord>('Order', orderSchema),
    notices: connection.model<NoticeRecord>('Notice', noticeSchema),
    idempotency: connection.model<IdempotencyRecord>('IdempotencyKey', idempotencySchema),
    ledger: connection.model<LedgerJournalRecord>('LedgerJournal', ledgerSchema),
    bankOperations: connection.model<BankOperationRecord>('BankOperation', bankOperationSchema),
    close: () => connection.close(),
  };
  await Promise.all(
    [db.parties, db.apiKeys, db.orders, db.notices, db.idempotency, db.ledger, db.bankOperations].map((model) =>
      model.createIndexes(),
    ),
  );
  await ensurePaymentReportIndexes(connection);
  await migrateLegacyApiKeys(db);
  return db;
}

/**
 * Moves keys stored on party documents (before keys had records of their own) into `api_keys`, and drops the old
 * unique index on `parties.apiKeyHash`, which would refuse a second party without that field. Idempotent: the
 * key's id is derived from its digest, so concurrent or repeated runs insert it once.
 */
async function migrateLegacyApiKeys(db: Database): Promise<void> {
  await db.parties.collection.dropIndex('apiKeyHash_1').catch((error: unknown) => {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code !== 27 && code !== 26 && !/index not found|ns not found|does not exist/i.test(message)) throw error;
  });
  const legacy = await db.parties
    .find({ apiKeyHash: { $exists: true } }, { _id: 1, apiKeyHash: 1, apiKeyPrefix: 1, createdAt: 1 })
    .lean<Pick<PartyRecord, '_id' | 'apiKeyHash' | 'apiKeyPrefix' | 'createdAt'>[]>();
  for (const party of legacy) {
    if (!party.apiKeyHash) continue;
    await nativeCollection(db.apiKeys)
      .insertOne({
        _id: `key_${party.apiKeyHash.slice(0, 24)}`,
        partyId: party._id,
        hash: party.apiKeyHash,
        prefix: party.apiKeyPrefix ?? '',
        createdAt: party.createdAt,
      })
      .catch((error: unknown) => {
        if (!isDuplicateKeyError(error)) throw error;
      });
    await db.parties.updateOne({ _id: party._id }, { $unset: { apiKeyHash: '', apiKeyPrefix: '' } }).exec();
  }
}

/**
 * The driver's collection behind a model, for hot paths: it skips mongoose's document casting (the records are
 * already typed), which costs more CPU than the database command itself for large documents like an order view.
 */
export function nativeCollection<T extends { _id: string }>(model: Model<T>): mongo.Collection<T> {
  return model.collection as unknown as mongo.Collection<T>;
}

/** Whether an error is MongoDB's duplicate-key error (E11000), which insert-only writes treat as "already done". */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/** Whether an unordered `insertMany` failed only on documents already stored (a retried write: nothing is missing). */
export function isOnlyDuplicateKeys(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: { code?: number; err?: { code?: number } }[] }).writeErrors;
  return (
    isDuplicateKeyError(error) ||
    (Array.isArray(writeErrors) &&
      writeErrors.length > 0 &&
      writeErrors.every((e) => (e.code ?? e.err?.code) === 11000))
  );
}
