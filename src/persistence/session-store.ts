// The console's sign-in sessions (collection `sessions`): a random session id, given to the browser once as a cookie
// and stored here only as its SHA-256 digest, with the party, the API key it was exchanged for and its expiry.
// Must never store or return a session id in clear, and never outlive its expiry (checked on every read).

import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Schema } from 'mongoose';
import type { Model } from 'mongoose';
import type { Database } from './database';
import { nativeCollection } from './database';

/** A session as stored: `_id` is the digest of the session id. */
export interface SessionRecord {
  _id: string;
  partyId: string;
  /** The API key the party signed in with: revoking it ends the session. */
  keyId: string;
  createdAt: Date;
  expiresAt: Date;
}

/** A session just opened, with the only copy of its id (for the cookie). */
export interface OpenedSession {
  sessionId: string;
  record: SessionRecord;
}

const sessionSchema = new Schema<SessionRecord>(
  {
    _id: String,
    partyId: { type: String, required: true, index: true },
    keyId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true, index: true },
  },
  { versionKey: false, collection: 'sessions' },
);

const indexed = new WeakMap<Database, Promise<unknown>>();

/** The `sessions` model on the database's connection (created once, with its indexes). */
export async function sessionModel(db: Database): Promise<Model<SessionRecord>> {
  const model =
    (db.connection.models.Session as Model<SessionRecord> | undefined) ??
    db.connection.model<SessionRecord>('Session', sessionSchema);
  let ready = indexed.get(db);
  if (!ready) {
    ready = model.createIndexes();
    indexed.set(db, ready);
  }
  await ready;
  return model;
}

/** SHA-256 of a session id, hex: the only form the database holds. */
export function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(sessionId, 'utf8').digest('hex');
}

/**
 * The CSRF token of a session: an HMAC of a fixed label under the session id, so it is never stored, follows from
 * the cookie alone, and tells nothing about the session id.
 */
export function csrfTokenOf(sessionId: string): string {
  return createHmac('sha256', sessionId).update('settleflow-csrf-v1').digest('base64url');
}

/** Opens a session for a party's key, valid for `ttlMs`; also deletes expired sessions. */
export async function openSession(
  db: Database,
  input: { partyId: string; keyId: string; ttlMs: number; now: Date },
): Promise<OpenedSession> {
  const model = await sessionModel(db);
  await model.deleteMany({ expiresAt: { $lte: input.now } }).exec();
  const sessionId = `sfs_${randomBytes(32).toString('base64url')}`;
  const record: SessionRecord = {
    _id: hashSessionId(sessionId),
    partyId: input.partyId,
    keyId: input.keyId,
    createdAt: input.now,
    expiresAt: new Date(input.now.getTime() + input.ttlMs),
  };
  await nativeCollection(model).insertOne(record);
  return { sessionId, record };
}

/** The live session with this id, or undefined when unknown or expired (an expired one is deleted). */
export async function findSession(db: Database, sessionId: string, now: Date): Promise<SessionRecord | undefined> {
  const model = await sessionModel(db);
  const record = await nativeCollection(model).findOne({ _id: hashSessionId(sessionId) });
  if (!record) return undefined;
  if (record.expiresAt.getTime() <= now.getTime()) {
    await model.deleteOne({ _id: record._id }).exec();
    return undefined;
  }
  return record;
}

/** Ends a session; true when there was one. */
export async function closeSession(db: Database, sessionId: string): Promise<boolean> {
  const model = await sessionModel(db);
  const result = await model.deleteOne({ _id: hashSessionId(sessionId) }).exec();
  return result.deletedCount > 0;
}
