// MongoDB access for settleflow: one connection, the collections' schemas and indexes.
// Written for both MongoDB 7 and FerretDB: no transactions, no $lookup/$facet, no TTL or partial indexes,
// no Decimal128; money is stored as integer minor units and ledger records are insert-only with unique keys.

import mongoose, { Schema } from 'mongoose';
import type { Connection, Model, mongo } from 'mongoose';
import type { OrderView, PartyRole } from '../domain/order';
import type { NoticeDraft } from '../contracts/order-contract';

/** A registered party and its hashed API key. */
export interface PartyRecord {
  _id: string;
  role: PartyRole;
  name: string;
  apiKeyHash: string;
  /** First characters of the key, to tell keys apart in listings; never enough to use it. */
  apiKeyPrefix: string;
  webhookUrl?: string | undefined;
  /** The Standard Webhooks signing secret, sealed by the vault. */
  webhookSecretSealed?: string | undefined;
  createdAt: Date;
}

/** The read-model document of an order: the workflow's OrderView, keyed by order id. */
export type OrderRecord = OrderView & { _id: string };

/** A notice in a party's inbox. */
export type NoticeRecord = Omit<NoticeDraft, 'noticeId'> & { _id: string; createdAt: Date };

/** A stored answer to an idempotent request. */
export interface IdempotencyRecord {
  _id: string;
  requestHash: string;
  state: 'IN_PROGRESS' | 'DONE';
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
    apiKeyHash: { type: String, required: true, unique: true },
    apiKeyPrefix: String,
    webhookUrl: String,
    webhookSecretSealed: String,
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'parties' },
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
    body: Schema.Types.Mixed,
    sealed: Boolean,
    createdAt: Date,
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
 * @param uri a mongodb:// URI naming the database
 */
export async function connectDatabase(uri: string): Promise<Database> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000, autoIndex: false });
  await connection.asPromise();
  const db: Database = {
    connection,
    parties: connection.model<PartyRecord>('Party', partySchema),
    orders: connection.model<OrderRecord>('Order', orderSchema),
    notices: connection.model<NoticeRecord>('Notice', noticeSchema),
    idempotency: connection.model<IdempotencyRecord>('IdempotencyKey', idempotencySchema),
    ledger: connection.model<LedgerJournalRecord>('LedgerJournal', ledgerSchema),
    bankOperations: connection.model<BankOperationRecord>('BankOperation', bankOperationSchema),
    close: () => connection.close(),
  };
  await Promise.all(
    [db.parties, db.orders, db.notices, db.idempotency, db.ledger, db.bankOperations].map((model) =>
      model.createIndexes(),
    ),
  );
  return db;
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
