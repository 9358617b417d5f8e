// Customers' public signing keys (`party_public_keys`): a customer registers the public JWK its payment
// notifications are signed with, lists and revokes them. A key's id is its RFC 7638 thumbprint. Only public keys
// are ever accepted or stored; a private member is refused.

import type { Connection } from 'mongoose';
import type { JWK } from 'jose';
import type { Database } from './database';
import { isDuplicateKeyError } from './database';

/** The collection's name. */
export const PARTY_PUBLIC_KEYS = 'party_public_keys';

/** A registered public key as stored. */
export interface CustomerKeyRecord {
  /** The key id: the public JWK's RFC 7638 thumbprint (SHA-256, base64url). */
  _id: string;
  partyId: string;
  alg: 'ES256';
  /** The public JWK (kty, crv, x, y only). */
  jwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
  createdAt: Date;
  /** After this the key verifies nothing. */
  expiresAt?: Date | undefined;
  revokedAt?: Date | undefined;
}

/** A registered key as its owner sees it. */
export interface CustomerKeyView {
  kid: string;
  alg: 'ES256';
  jwk: CustomerKeyRecord['jwk'];
  status: 'active' | 'expired' | 'revoked';
  createdAt: string;
  expiresAt?: string | undefined;
  revokedAt?: string | undefined;
}

function collection(db: Pick<Database, 'connection'>) {
  return (db.connection as Connection).collection<CustomerKeyRecord>(PARTY_PUBLIC_KEYS);
}

/** The key's state at `now`. */
export function customerKeyStatus(record: CustomerKeyRecord, now: Date): CustomerKeyView['status'] {
  if (record.revokedAt) return 'revoked';
  if (record.expiresAt && record.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/** A record as its owner sees it. */
export function customerKeyView(record: CustomerKeyRecord, now: Date): CustomerKeyView {
  return {
    kid: record._id,
    alg: record.alg,
    jwk: record.jwk,
    status: customerKeyStatus(record, now),
    createdAt: record.createdAt.toISOString(),
    ...(record.expiresAt ? { expiresAt: record.expiresAt.toISOString() } : {}),
    ...(record.revokedAt ? { revokedAt: record.revokedAt.toISOString() } : {}),
  };
}

/**
 * Registers a public key for `partyId`. Registering the same key again answers it (`created: false`); a key another
 * party registered answers `taken`.
 */
export async function registerCustomerKey(
  db: Pick<Database, 'connection'>,
  input: { kid: string; partyId: string; jwk: CustomerKeyRecord['jwk']; expiresAt?: Date | undefined; now: Date },
): Promise<{ record: CustomerKeyRecord; created: boolean } | 'taken'> {
  const record: CustomerKeyRecord = {
    _id: input.kid,
    partyId: input.partyId,
    alg: 'ES256',
    jwk: input.jwk,
    createdAt: input.now,
    ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
  };
  try {
    await collection(db).insertOne(record);
    return { record, created: true };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const existing = await findCustomerKey(db, input.kid);
    if (!existing || existing.partyId !== input.partyId) return 'taken';
    return { record: existing, created: false };
  }
}

/** The key with id `kid`, whoever owns it, or null. */
export async function findCustomerKey(
  db: Pick<Database, 'connection'>,
  kid: string,
): Promise<CustomerKeyRecord | null> {
  return (await collection(db).findOne({ _id: kid })) as CustomerKeyRecord | null;
}

/** The party's keys, oldest first. */
export async function listCustomerKeys(
  db: Pick<Database, 'connection'>,
  partyId: string,
): Promise<CustomerKeyRecord[]> {
  return (await collection(db).find({ partyId }).sort({ createdAt: 1, _id: 1 }).toArray()) as CustomerKeyRecord[];
}

/** Revokes the party's key `kid` (once: a second revocation keeps the first date); null when it has no such key. */
export async function revokeCustomerKey(
  db: Pick<Database, 'connection'>,
  partyId: string,
  kid: string,
  now: Date,
): Promise<CustomerKeyRecord | null> {
  await collection(db).updateOne({ _id: kid, partyId, revokedAt: { $exists: false } }, { $set: { revokedAt: now } });
  const record = await findCustomerKey(db, kid);
  return record && record.partyId === partyId ? record : null;
}

export type { JWK };
