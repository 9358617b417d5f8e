// The gateway's settings an operator changes at run time, and their audit trail (collection `settings_audit`,
// insert-only: who changed which setting from what to what, and when, with the whole new settings). The audit entry of
// version N+1 is the change itself: its insert under the unique id `v<N+1>` is atomic, so of two concurrent changes
// of version N exactly one is made (no transaction needed on FerretDB). The collection `settings` holds a copy of the
// latest for readers of the database; the latest audit entry is the truth. New orders read the effective settings
// through a short cache. Must never hold a secret, and never edit or delete an audit entry.

import { Schema } from 'mongoose';
import type { Model } from 'mongoose';
import type { Config } from '../config';
import type { OrderDeadlines } from '../domain/order';
import type { Database } from './database';
import { isDuplicateKeyError, nativeCollection } from './database';

/** A fee: basis points of the gross plus a fixed amount in minor units. */
export interface FeeSchedule {
  bps: number;
  fixedMinor: number;
}

/**
 * When the gateway captures a seller's payments: `IMMEDIATE` purchases at the payment notification (0200), `ON_SHIPMENT`
 * (the default) authorizes then captures at delivery (0100, then 0220).
 */
export type CaptureSetting = 'IMMEDIATE' | 'ON_SHIPMENT';

/** What an operator set; everything left out follows the configuration. */
export interface GatewaySettings {
  defaultDeadlines: Partial<OrderDeadlines>;
  paymentMaxAttempts?: number | undefined;
  gatewayFee?: FeeSchedule | undefined;
  sellers: Record<string, { fee?: FeeSchedule | undefined; capture?: CaptureSetting | undefined }>;
}

/** The settings an order is placed with. */
export interface EffectiveSettings {
  defaultDeadlines: OrderDeadlines;
  paymentMaxAttempts: number;
  gatewayFee: FeeSchedule;
}

/** The stored settings with their version (0 before the first change) and last change. */
export interface StoredSettings {
  settings: GatewaySettings;
  version: number;
  updatedAt?: string | undefined;
  updatedBy?: string | undefined;
}

/** One changed setting. */
export interface SettingChange {
  path: string;
  from?: unknown;
  to?: unknown;
}

/** One audit entry: the change that made `version`. */
export interface SettingsAuditEntry {
  version: number;
  at: string;
  operatorId: string;
  changes: SettingChange[];
}

interface SettingsRecord {
  _id: string;
  settings: GatewaySettings;
  version: number;
  updatedAt: Date;
  updatedBy: string;
}

interface SettingsAuditRecord {
  _id: string;
  version: number;
  at: Date;
  operatorId: string;
  changes: SettingChange[];
  /** The whole settings after this change. */
  settings: GatewaySettings;
}

/** How long a process trusts the settings it read: the bound on how late another process's change takes effect. */
export const SETTINGS_CACHE_MS = 5000;

const SETTINGS_ID = 'gateway';

const settingsSchema = new Schema<SettingsRecord>(
  {
    _id: String,
    settings: Schema.Types.Mixed,
    version: Number,
    updatedAt: Date,
    updatedBy: String,
  },
  { versionKey: false, collection: 'settings', minimize: false },
);

const auditSchema = new Schema<SettingsAuditRecord>(
  {
    _id: String,
    version: { type: Number, index: true },
    at: Date,
    operatorId: String,
    changes: Schema.Types.Mixed,
    settings: Schema.Types.Mixed,
  },
  { versionKey: false, collection: 'settings_audit', minimize: false },
);

function models(db: Database): { settings: Model<SettingsRecord>; audit: Model<SettingsAuditRecord> } {
  const settings =
    (db.connection.models.Settings as Model<SettingsRecord> | undefined) ??
    db.connection.model<SettingsRecord>('Settings', settingsSchema);
  const audit =
    (db.connection.models.SettingsAudit as Model<SettingsAuditRecord> | undefined) ??
    db.connection.model<SettingsAuditRecord>('SettingsAudit', auditSchema);
  return { settings, audit };
}

const EMPTY: GatewaySettings = { defaultDeadlines: {}, sellers: {} };

/** The stored settings (the latest audit entry's), or empty ones at version 0. */
export async function readSettings(db: Database): Promise<StoredSettings> {
  const [latest] = await nativeCollection(models(db).audit).find({}).sort({ version: -1 }).limit(1).toArray();
  if (!latest) return { settings: structuredClone(EMPTY), version: 0 };
  return {
    settings: { ...structuredClone(EMPTY), ...latest.settings },
    version: latest.version,
    updatedAt: latest.at.toISOString(),
    updatedBy: latest.operatorId,
  };
}

/** Raised when the settings changed since the version the operator edited. */
export class SettingsVersionConflict extends Error {
  readonly code = 'settings_version_conflict';
}

/**
 * Replaces the settings if they are still at `expectedVersion`, and records what changed. A change that changes
 * nothing writes nothing.
 * @throws SettingsVersionConflict when another change came first
 */
export async function replaceSettings(
  db: Database,
  input: { settings: GatewaySettings; expectedVersion: number; operatorId: string; now: Date },
): Promise<StoredSettings> {
  const current = await readSettings(db);
  if (current.version !== input.expectedVersion) {
    throw new SettingsVersionConflict(
      `the settings are at version ${current.version}, not ${input.expectedVersion}: reload and change them again`,
    );
  }
  const changes = diffSettings(current.settings, input.settings);
  if (changes.length === 0) return current;
  const { settings, audit } = models(db);
  const version = current.version + 1;
  try {
    await nativeCollection(audit).insertOne({
      _id: `v${version}`,
      version,
      at: input.now,
      operatorId: input.operatorId,
      changes,
      settings: input.settings,
    });
  } catch (error) {
    if (isDuplicateKeyError(error)) throw new SettingsVersionConflict('the settings changed meanwhile: reload');
    throw error;
  }
  // The copy for readers of the database; only the maker of this version writes it.
  const record: SettingsRecord = {
    _id: SETTINGS_ID,
    settings: input.settings,
    version,
    updatedAt: input.now,
    updatedBy: input.operatorId,
  };
  await nativeCollection(settings).replaceOne({ _id: SETTINGS_ID }, record, { upsert: true });
  forgetCachedSettings(db);
  return { settings: input.settings, version, updatedAt: input.now.toISOString(), updatedBy: input.operatorId };
}

/** The audit trail, newest first: `limit` entries older than version `before` (all when absent). */
export async function listSettingsAudit(
  db: Database,
  page: { limit: number; before?: number | undefined },
): Promise<{ entries: SettingsAuditEntry[]; nextCursor: number | undefined }> {
  const query = page.before === undefined ? {} : { version: { $lt: page.before } };
  const records = await nativeCollection(models(db).audit)
    .find(query)
    .sort({ version: -1 })
    .limit(page.limit + 1)
    .toArray();
  const entries = records.slice(0, page.limit).map((record) => ({
    version: record.version,
    at: record.at.toISOString(),
    operatorId: record.operatorId,
    changes: record.changes,
  }));
  const last = entries[entries.length - 1];
  return { entries, nextCursor: records.length > page.limit && last ? last.version : undefined };
}

/** The settings an order of this seller is placed with: the stored ones over the configuration's defaults. */
export function effectiveSettings(
  config: Pick<Config, 'defaultDeadlines' | 'paymentMaxAttempts' | 'gatewayFee'>,
  stored: GatewaySettings,
  sellerId?: string,
): EffectiveSettings {
  const seller = sellerId === undefined ? undefined : stored.sellers[sellerId];
  return {
    defaultDeadlines: { ...config.defaultDeadlines, ...stored.defaultDeadlines },
    paymentMaxAttempts: stored.paymentMaxAttempts ?? config.paymentMaxAttempts,
    gatewayFee: seller?.fee ?? stored.gatewayFee ?? config.gatewayFee,
  };
}

/**
 * The capture mode of a seller's new orders, as the order workflow's input names it: `immediate` for `IMMEDIATE`,
 * else `at_delivery` (the default, also for `ON_SHIPMENT`: the capture waits for the carrier's delivery).
 */
export function captureModeFor(stored: GatewaySettings, sellerId: string): 'immediate' | 'at_delivery' {
  return stored.sellers[sellerId]?.capture === 'IMMEDIATE' ? 'immediate' : 'at_delivery';
}

const cache = new WeakMap<Database, { value: Promise<StoredSettings>; until: number }>();

/** The stored settings through a per-process cache of {@link SETTINGS_CACHE_MS} (cleared by a change made here). */
export async function cachedSettings(db: Database, nowMs: number = Date.now()): Promise<StoredSettings> {
  const hit = cache.get(db);
  if (hit && hit.until > nowMs) return hit.value;
  const value = readSettings(db);
  cache.set(db, { value, until: nowMs + SETTINGS_CACHE_MS });
  value.catch(() => cache.delete(db));
  return value;
}

function forgetCachedSettings(db: Database): void {
  cache.delete(db);
}

/** Every leaf that differs between two settings documents, by dotted path. */
export function diffSettings(before: GatewaySettings, after: GatewaySettings): SettingChange[] {
  const a = flatten(before);
  const b = flatten(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((key) => a.get(key) !== b.get(key))
    .map((key) => {
      const change: SettingChange = { path: key };
      if (a.has(key)) change.from = a.get(key);
      if (b.has(key)) change.to = b.get(key);
      return change;
    });
}

function flatten(value: unknown, prefix = '', into = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) {
      if (inner !== undefined) flatten(inner, prefix ? `${prefix}.${key}` : key, into);
    }
  } else if (prefix) {
    into.set(prefix, value);
  }
  return into;
}
