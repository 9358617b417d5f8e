// What operators do with the key ring beyond reading it (the `npm run keys` CLI): re-seal stored secrets under the
// current key so an old key can be retired, and the checks that refuse a retirement that would make stored data
// unreadable. Never prints or logs a secret; only counts and key ids.

import type { Connection } from 'mongoose';
import { countMatching } from '../persistence/count';
import { KeyRingError } from './key-errors';
import type { KeyInfo, KeyRing } from './key-ring';
import type { SymmetricPurpose } from './purpose-keys';
import { LEGACY_KID } from './vault';

/** A collection field that holds values sealed under one purpose's keys. */
interface SealedField {
  collection: string;
  field: string;
  purpose: SymmetricPurpose;
}

/**
 * The stored sealed values the key ring can re-seal, by purpose. Card data sealed into Temporal histories and the
 * gateway's records follows the orders' lives and is not re-sealed: those keys retire once the orders are closed.
 */
export const SEALED_FIELDS: readonly SealedField[] = [
  { collection: 'parties', field: 'webhookSecretSealed', purpose: 'webhook-secrets' },
  { collection: 'idempotency_keys', field: 'body', purpose: 'idempotency' },
  { collection: 'gateway_reversals', field: 'card.sealedNumber', purpose: 'card-vault' },
];

/** The prefix of values sealed under a key id. */
function sealedPrefix(kid: string): string {
  return kid === LEGACY_KID ? 'v1.' : `v2.${kid}.`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** How many stored values each sealed field still holds under `kid`. */
export async function countSealedUnder(connection: Connection, kid: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { collection, field } of SEALED_FIELDS) {
    const count = await countMatching(connection, collection, {
      [field]: { $regex: `^${escapeRegex(sealedPrefix(kid))}` },
    });
    counts.set(`${collection}.${field}`, count);
  }
  return counts;
}

/** Progress of a re-seal: the field, how many values are done out of how many. */
export type ResealProgress = (field: string, done: number, total: number) => void;

/**
 * Re-seals every stored value of `purpose` that is not under its current key (legacy `v1.` values included), one
 * document at a time with a conditional update (a value changed meanwhile is left for the next run).
 * @returns how many values were re-sealed
 */
export async function reseal(
  ring: KeyRing,
  connection: Connection,
  purpose: SymmetricPurpose,
  progress: ResealProgress = () => undefined,
): Promise<number> {
  const keys = ring.keys(purpose);
  const current = ring.list().find((key) => key.purpose === purpose && key.state === 'active');
  if (!current) throw new KeyRingError('no_active_key', `no active key for ${purpose}`);
  let resealed = 0;
  for (const { collection, field } of SEALED_FIELDS.filter((entry) => entry.purpose === purpose)) {
    const stale = {
      $and: [
        { [field]: { $regex: '^v[12]\\.' } },
        { [field]: { $not: { $regex: `^${escapeRegex(sealedPrefix(current.kid))}` } } },
      ],
    };
    const documents = connection.collection(collection);
    const total = await countMatching(connection, collection, stale);
    let done = 0;
    for await (const document of documents.find(stale, { projection: { [field]: 1 } })) {
      const old = field
        .split('.')
        .reduce<unknown>((value, part) => (value as Record<string, unknown>)?.[part], document);
      if (typeof old !== 'string') continue;
      const updated = await documents.updateOne(
        { _id: document._id, [field]: old },
        { $set: { [field]: keys.seal(keys.open(old)) } },
      );
      done += 1;
      resealed += updated.modifiedCount;
      if (done % 100 === 0 || done === total) progress(`${collection}.${field}`, done, total);
    }
    if (total === 0) progress(`${collection}.${field}`, 0, 0);
  }
  return resealed;
}

/**
 * Why retiring a key now would break something, or undefined when it is safe: stored values still sealed under it,
 * or (idempotency) fingerprints of records that may still be replayed.
 */
export async function retirementBlocker(
  connection: Connection,
  key: KeyInfo,
  settings: { idempotencyTtlMs: number; now: Date },
): Promise<string | undefined> {
  const counts = await countSealedUnder(connection, key.kid);
  const left = [...counts].filter(([, count]) => count > 0);
  if (left.length > 0) {
    const list = left.map(([field, count]) => `${count} in ${field}`).join(', ');
    return `values are still sealed under ${key.kid} (${list}): run \`npm run keys -- reseal <purpose>\` first`;
  }
  if (key.purpose === 'idempotency' && key.deactivatedAt) {
    const safeAt = key.deactivatedAt.getTime() + settings.idempotencyTtlMs;
    if (safeAt > settings.now.getTime()) {
      return (
        `idempotency records fingerprinted under ${key.kid} live until ${new Date(safeAt).toISOString()} ` +
        '(IDEMPOTENCY_TTL_HOURS after it was superseded); retiring it sooner turns their replays into 422s'
      );
    }
  }
  if (key.purpose === 'temporal-payloads') {
    return (
      `Temporal payloads sealed under ${key.kid} are in the workflow histories of orders run before it was ` +
      "superseded; retire it once those histories are past the namespace's retention (--force)"
    );
  }
  if (key.purpose === 'signing' && key.published) {
    return (
      `notices signed under ${key.kid} verify with the JWKS until SETTLEFLOW_JWKS_GRACE_HOURS after it was ` +
      'superseded; retiring it sooner makes their verification fail (--force)'
    );
  }
  if (key.purpose === 'card-vault' || key.purpose === 'legacy') {
    return (
      `card data sealed under ${key.kid} travels in the workflow histories of orders placed before it was ` +
      'superseded; retire it once those orders are closed (--force)'
    );
  }
  return undefined;
}
