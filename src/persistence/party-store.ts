// Parties and their credentials. API keys are returned once, when issued, and stored only as SHA-256 digests in
// records of their own (`key_...`), so a party can hold several during a rotation; webhook secrets are stored sealed
// by the vault. Never stores or returns a key in clear after the answer that issued it.

import { randomBytes } from 'node:crypto';
import type { PartyRole } from '../domain/order';
import type { KeyVault } from '../security/purpose-keys';
import { generateApiKey, hashApiKey } from '../security/vault';
import type { ApiKeyRecord, Database, PartyRecord } from './database';
import { nativeCollection } from './database';

/** A party as the rest of the system sees it: no credentials. */
export interface Party {
  id: string;
  role: PartyRole;
  name: string;
  webhookUrl?: string | undefined;
}

/** A newly registered party with the only copy of its API key (and webhook secret, if it has a webhook). */
export interface RegisteredParty extends Party {
  apiKey: string;
  /** The id of the key, to revoke it later. */
  apiKeyId: string;
  webhookSecret?: string | undefined;
}

/** A party as operators manage it: whether it is disabled. */
export interface PartyAccount extends Party {
  disabled: boolean;
  disabledAt?: string | undefined;
}

/** An API key as operators see it: never the key, only its id, prefix and state. */
export interface ApiKeyInfo {
  id: string;
  partyId: string;
  /** First characters of the key, to tell keys apart; never enough to use it. */
  prefix: string;
  createdAt: string;
  /** When the key stops (or stopped) working, if it was superseded with a grace period. */
  expiresAt?: string | undefined;
  revokedAt?: string | undefined;
  /** Whether the key is accepted now. */
  active: boolean;
}

/** A new API key with the only copy of its secret. */
export interface IssuedApiKey extends ApiKeyInfo {
  apiKey: string;
}

/** What authentication learns from a valid key. */
export interface KeyHolder {
  party: Party;
  keyId: string;
  /** The party is disabled: the key is real but must be refused. */
  disabled: boolean;
  /** When the key stops working, if it will. */
  keyExpiresAt?: Date | undefined;
}

function newKeyId(): string {
  return `key_${randomBytes(12).toString('hex')}`;
}

async function insertApiKey(
  db: Database,
  partyId: string,
  role: PartyRole,
  now: Date,
): Promise<{ apiKey: string; record: ApiKeyRecord }> {
  const apiKey = generateApiKey(role);
  const record: ApiKeyRecord = {
    _id: newKeyId(),
    partyId,
    hash: hashApiKey(apiKey),
    prefix: apiKey.slice(0, 12),
    createdAt: now,
  };
  await nativeCollection(db.apiKeys).insertOne(record);
  return { apiKey, record };
}

/**
 * Registers a party and issues its first API key.
 * @throws the driver's duplicate-key error when the id is taken
 */
export async function registerParty(
  db: Database,
  vault: KeyVault,
  input: { id: string; role: PartyRole; name: string; webhookUrl?: string | undefined },
  now: Date = new Date(),
): Promise<RegisteredParty> {
  const webhookSecret = input.webhookUrl ? `whsec_${randomBytes(24).toString('base64')}` : undefined;
  // The party first: a key is never written for an id that turned out to be taken.
  await db.parties.create({
    _id: input.id,
    role: input.role,
    name: input.name,
    webhookUrl: input.webhookUrl,
    webhookSecretSealed: webhookSecret ? vault.keys('webhook-secrets').seal(webhookSecret) : undefined,
    createdAt: now,
  });
  const { apiKey, record } = await insertApiKey(db, input.id, input.role, now);
  return {
    id: input.id,
    role: input.role,
    name: input.name,
    webhookUrl: input.webhookUrl,
    apiKey,
    apiKeyId: record._id,
    webhookSecret,
  };
}

function isKeyActive(record: ApiKeyRecord, now: Date): boolean {
  return !record.revokedAt && (!record.expiresAt || record.expiresAt.getTime() > now.getTime());
}

/** The holder of this API key if the key is neither revoked nor expired, or undefined. */
export async function findKeyHolder(
  db: Database,
  apiKey: string,
  now: Date = new Date(),
): Promise<KeyHolder | undefined> {
  const key = await nativeCollection(db.apiKeys).findOne({ hash: hashApiKey(apiKey) });
  if (!key || !isKeyActive(key, now)) return undefined;
  const record = await db.parties.findById(key.partyId).lean<PartyRecord>();
  if (!record) return undefined;
  return {
    party: toParty(record),
    keyId: key._id,
    disabled: record.disabledAt !== undefined,
    keyExpiresAt: key.expiresAt,
  };
}

/** The party holding this API key, if the key works and the party is not disabled; or undefined. */
export async function findPartyByApiKey(db: Database, apiKey: string): Promise<Party | undefined> {
  const holder = await findKeyHolder(db, apiKey);
  return holder && !holder.disabled ? holder.party : undefined;
}

/** The party with this id, or undefined. */
export async function findParty(db: Database, id: string): Promise<Party | undefined> {
  const record = await db.parties.findById(id).lean<PartyRecord>();
  return record ? toParty(record) : undefined;
}

/** The party with this id as operators manage it, or undefined. */
export async function findPartyAccount(db: Database, id: string): Promise<PartyAccount | undefined> {
  const record = await db.parties.findById(id).lean<PartyRecord>();
  return record ? toAccount(record) : undefined;
}

/**
 * Disables a party (none of its keys is accepted) or enables it again. Disabling an already disabled party keeps
 * its first `disabledAt`.
 * @returns the party after the change, or undefined when no party has this id
 */
export async function setPartyDisabled(
  db: Database,
  id: string,
  disabled: boolean,
  now: Date = new Date(),
): Promise<PartyAccount | undefined> {
  if (disabled) {
    await db.parties.updateOne({ _id: id, disabledAt: { $exists: false } }, { $set: { disabledAt: now } }).exec();
  } else {
    await db.parties.updateOne({ _id: id }, { $unset: { disabledAt: '' } }).exec();
  }
  return findPartyAccount(db, id);
}

/**
 * Issues a new API key for a party. Its other working keys keep working for `graceSeconds` (0: they stop at once),
 * so a client can switch over without downtime; a key already due to stop earlier keeps its earlier end.
 * @returns the new key, or undefined when no party has this id
 */
export async function issueApiKey(
  db: Database,
  partyId: string,
  options: { graceSeconds?: number; now?: Date } = {},
): Promise<IssuedApiKey | undefined> {
  const now = options.now ?? new Date();
  const record = await db.parties.findById(partyId).lean<PartyRecord>();
  if (!record) return undefined;
  const issued = await insertApiKey(db, partyId, record.role, now);
  const until = new Date(now.getTime() + (options.graceSeconds ?? 0) * 1000);
  await db.apiKeys
    .updateMany(
      {
        partyId,
        _id: { $ne: issued.record._id },
        revokedAt: { $exists: false },
        $or: [{ expiresAt: { $exists: false } }, { expiresAt: { $gt: until } }],
      },
      { $set: { expiresAt: until } },
    )
    .exec();
  return { ...toKeyInfo(issued.record, now), apiKey: issued.apiKey };
}

/**
 * Revokes one key of a party at once. Revoking a revoked key keeps its first `revokedAt`.
 * @returns the key after the change, or undefined when the party has no key with this id
 */
export async function revokeApiKey(
  db: Database,
  partyId: string,
  keyId: string,
  now: Date = new Date(),
): Promise<ApiKeyInfo | undefined> {
  await db.apiKeys
    .updateOne({ _id: keyId, partyId, revokedAt: { $exists: false } }, { $set: { revokedAt: now } })
    .exec();
  const record = await nativeCollection(db.apiKeys).findOne({ _id: keyId, partyId });
  return record ? toKeyInfo(record, now) : undefined;
}

/** The keys of a party, newest first, without their digests. */
export async function listApiKeys(db: Database, partyId: string, now: Date = new Date()): Promise<ApiKeyInfo[]> {
  const records = await nativeCollection(db.apiKeys).find({ partyId }).sort({ createdAt: -1, _id: 1 }).toArray();
  return records.map((record) => toKeyInfo(record, now));
}

/** Where and with which secret to push a party's notices, if it registered a webhook. */
export async function findWebhookTarget(
  db: Database,
  vault: KeyVault,
  partyId: string,
): Promise<{ url: string; secret: string } | undefined> {
  const record = await db.parties.findById(partyId).lean<PartyRecord>();
  if (!record?.webhookUrl || !record.webhookSecretSealed) return undefined;
  return { url: record.webhookUrl, secret: vault.keys('webhook-secrets').open(record.webhookSecretSealed) };
}

function toParty(record: PartyRecord): Party {
  return { id: record._id, role: record.role, name: record.name, webhookUrl: record.webhookUrl };
}

function toAccount(record: PartyRecord): PartyAccount {
  return {
    ...toParty(record),
    disabled: record.disabledAt !== undefined,
    disabledAt: record.disabledAt?.toISOString(),
  };
}

function toKeyInfo(record: ApiKeyRecord, now: Date): ApiKeyInfo {
  return {
    id: record._id,
    partyId: record.partyId,
    prefix: record.prefix,
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt?.toISOString(),
    revokedAt: record.revokedAt?.toISOString(),
    active: isKeyActive(record, now),
  };
}

/** Which of these parties registered a webhook. */
export async function partiesWithWebhooks(db: Database, partyIds: readonly string[]): Promise<string[]> {
  const records = await db.parties
    .find({ _id: { $in: partyIds }, webhookUrl: { $exists: true, $ne: null } }, { _id: 1 })
    .lean<{ _id: string }[]>();
  return records.map((record) => record._id);
}

/** The holder of the API key with this id, if the key is neither revoked nor expired (for a signed-in session). */
export async function findKeyHolderById(
  db: Database,
  keyId: string,
  now: Date = new Date(),
): Promise<KeyHolder | undefined> {
  const key = await nativeCollection(db.apiKeys).findOne({ _id: keyId });
  if (!key || !isKeyActive(key, now)) return undefined;
  const record = await db.parties.findById(key.partyId).lean<PartyRecord>();
  if (!record) return undefined;
  return {
    party: toParty(record),
    keyId: key._id,
    disabled: record.disabledAt !== undefined,
    keyExpiresAt: key.expiresAt,
  };
}

/** One page of parties by id, optionally of one role, and the id to continue after. */
export async function listPartyAccounts(
  db: Database,
  filter: { role?: PartyRole | undefined },
  page: { limit: number; after?: string | undefined },
): Promise<{ parties: PartyAccount[]; nextCursor: string | undefined }> {
  const query: Record<string, unknown> = {};
  if (filter.role) query.role = filter.role;
  if (page.after) query._id = { $gt: page.after };
  const records = await db.parties
    .find(query)
    .sort({ _id: 1 })
    .limit(page.limit + 1)
    .lean<PartyRecord[]>();
  const parties = records.slice(0, page.limit).map(toAccount);
  const last = parties[parties.length - 1];
  return { parties, nextCursor: records.length > page.limit && last ? last.id : undefined };
}

/**
 * Sets or removes a party's webhook URL. A party that gets its first URL also gets a signing secret, returned here
 * once; a party that already has one keeps it (its receiver still verifies with it).
 * @returns the party after the change and the new secret if one was issued, or undefined when no party has this id
 */
export async function setPartyWebhook(
  db: Database,
  vault: KeyVault,
  id: string,
  webhookUrl: string | null,
): Promise<{ party: PartyAccount; webhookSecret?: string | undefined } | undefined> {
  const record = await db.parties.findById(id).lean<PartyRecord>();
  if (!record) return undefined;
  if (webhookUrl === null) {
    await db.parties.updateOne({ _id: id }, { $unset: { webhookUrl: '' } }).exec();
    const party = await findPartyAccount(db, id);
    return party && { party };
  }
  const webhookSecret = record.webhookSecretSealed ? undefined : `whsec_${randomBytes(24).toString('base64')}`;
  const set: Partial<PartyRecord> = { webhookUrl };
  if (webhookSecret) set.webhookSecretSealed = vault.keys('webhook-secrets').seal(webhookSecret);
  await db.parties.updateOne({ _id: id }, { $set: set }).exec();
  const party = await findPartyAccount(db, id);
  return party && { party, webhookSecret };
}

/** Renames a party; undefined when no party has this id. */
export async function renameParty(db: Database, id: string, name: string): Promise<PartyAccount | undefined> {
  await db.parties.updateOne({ _id: id }, { $set: { name } }).exec();
  return findPartyAccount(db, id);
}
