// The records behind Idempotency-Key: a reservation taken by one atomic insert before a request runs, replaced by
// the answer when it is done, released for a retry after a failure, taken over after a crash, and swept when old.
// Works on MongoDB 7 and FerretDB alike, without transactions or a TTL index. Every "only one wins" decision is a
// unique insert: FerretDB 1.x evaluates an update's filter and writes in separate steps, so two conditional updates
// racing on one document can both succeed there (seen in the takeover test), while a duplicate _id never passes.
// Never stores a request body (it may hold card data): only its keyed digest.

import type { Logger } from '../observability/logger';
import { randomBytes } from 'node:crypto';
import type { Database, IdempotencyRecord } from './database';
import { isDuplicateKeyError, nativeCollection } from './database';

/** The answer a finished request stored, to be replayed. */
export interface StoredAnswer {
  statusCode: number;
  /** JSON text of the answer, vault-sealed when `sealed`. */
  body: string;
  sealed: boolean;
}

/** What a request with a key finds when it tries to reserve it. */
export type Reservation =
  /**
   * The key is this request's until it finishes or `lockedUntil`; finish or release it with `lockToken`.
   * `requestHash` is the fingerprint the record holds (an older one, under an older key, when taken over).
   */
  | { kind: 'reserved'; lockToken: string; requestHash: string }
  /** The same request already finished: replay its answer. */
  | { kind: 'replay'; answer: StoredAnswer }
  /** The same request is running elsewhere and its lock holds. */
  | { kind: 'in_progress' }
  /** The key was used with another request (whatever became of it). */
  | { kind: 'reused' };

/** How many times a reservation re-reads a record that changed under it before calling the key busy. */
const MAX_RESERVE_ROUNDS = 4;

/** One taking over of a record: its `_id` names the record and the holder it replaces, so only one copy inserts it. */
interface TakeoverClaim {
  _id: string;
  createdAt: Date;
}

function claims(db: Database) {
  return db.connection.collection<TakeoverClaim>('idempotency_claims');
}

function newLockToken(): string {
  return randomBytes(12).toString('hex');
}

/** How many abandoned claims on one holder are passed over before giving up (each took one crash after a claim). */
const MAX_CLAIM_ATTEMPTS = 8;

/**
 * Claims the right to take a record over from its current holder (or from the failed request of a RETRYABLE one).
 * A claim whose taker died before using it (older than `lockMs`) is passed over by claiming the next attempt number,
 * so claims are only ever inserted, never deleted while in use.
 * @returns whether this copy won the claim
 */
async function claimTakeover(db: Database, existing: IdempotencyRecord, now: Date, lockMs: number): Promise<boolean> {
  const holder = `${existing._id}\n${existing.state}\n${existing.lockToken ?? `created-${existing.createdAt.getTime()}`}`;
  for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt += 1) {
    const _id = `${holder}\n${attempt}`;
    try {
      await claims(db).insertOne({ _id, createdAt: now });
      return true;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const claim = await claims(db).findOne({ _id });
    if (claim && claim.createdAt.getTime() + lockMs >= now.getTime()) return false;
  }
  return false;
}

/**
 * Reserves an idempotency key for a request, atomically: a unique insert of an IN_PROGRESS record, or, when a
 * record exists with the same request digest, a conditional update that only one of several racing copies wins
 * (a RETRYABLE record after a failure, or an IN_PROGRESS one whose lock has passed after a crash).
 * @param scope the caller-scoped key, the record's `_id`
 * @param requestHash the keyed digest of method, path and body
 * @param sameRequest whether a stored digest is of this same request (default: equal to `requestHash`); a digest
 *   made under an older key before a key rotation still matches
 */
export async function reserveIdempotencyKey(
  db: Database,
  input: {
    scope: string;
    requestHash: string;
    sameRequest?: (storedHash: string) => boolean;
    now: Date;
    lockMs: number;
  },
): Promise<Reservation> {
  const sameRequest = input.sameRequest ?? ((stored: string) => stored === input.requestHash);
  const records = nativeCollection(db.idempotency);
  const lockedUntil = new Date(input.now.getTime() + input.lockMs);
  for (let round = 0; round < MAX_RESERVE_ROUNDS; round += 1) {
    const lockToken = newLockToken();
    try {
      await records.insertOne({
        _id: input.scope,
        requestHash: input.requestHash,
        state: 'IN_PROGRESS',
        lockedUntil,
        lockToken,
        createdAt: input.now,
      });
      return { kind: 'reserved', lockToken, requestHash: input.requestHash };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const existing = await records.findOne({ _id: input.scope });
    if (!existing) continue; // swept between the insert and the read: try the insert again
    if (!sameRequest(existing.requestHash)) return { kind: 'reused' };
    if (existing.state === 'DONE' && existing.statusCode !== undefined) {
      return {
        kind: 'replay',
        answer: { statusCode: existing.statusCode, body: String(existing.body), sealed: existing.sealed === true },
      };
    }
    const takeOver = takeOverFilter(existing, input.now, input.lockMs);
    if (!takeOver) return { kind: 'in_progress' };
    if (!(await claimTakeover(db, existing, input.now, input.lockMs))) continue; // another copy is taking it over
    // A RETRYABLE record is written by nobody but the takers of its claim (its failed request released it for
    // good), and another taker needs this claim to have passed its lock: while the claim is fresh, the key alone
    // (which FerretDB answers from its index) is enough. An IN_PROGRESS one may still be finished by its slow
    // holder at any moment: the filter names it.
    const fresh = isWithinLock({ reservedAt: input.now, now: new Date(), lockMs: input.lockMs });
    const taken = await records.updateOne(
      existing.state === 'RETRYABLE' && fresh
        ? { _id: input.scope }
        : { _id: input.scope, requestHash: existing.requestHash, ...takeOver },
      { $set: { state: 'IN_PROGRESS', lockedUntil, lockToken } },
    );
    if (taken.modifiedCount === 1) return { kind: 'reserved', lockToken, requestHash: existing.requestHash };
    // It finished meanwhile: read it again.
  }
  return { kind: 'in_progress' };
}

/**
 * The condition under which a record may be taken over by a new copy of its request, or undefined while its
 * holder's lock stands. A record without `lockedUntil` (written before locks existed) holds from its creation.
 */
function takeOverFilter(existing: IdempotencyRecord, now: Date, lockMs: number): Record<string, unknown> | undefined {
  // The holder's token in the filter too: on MongoDB it alone decides the race, which the claim decides on FerretDB.
  const sameHolder = { lockToken: existing.lockToken ?? { $exists: false } };
  if (existing.state === 'RETRYABLE') return { state: 'RETRYABLE', ...sameHolder };
  if (existing.state !== 'IN_PROGRESS') return undefined;
  const lockedUntil = existing.lockedUntil ?? new Date(existing.createdAt.getTime() + lockMs);
  if (lockedUntil.getTime() >= now.getTime()) return undefined;
  const lockPassed = existing.lockedUntil ? { lockedUntil: { $lt: now } } : { lockedUntil: { $exists: false } };
  return { state: 'IN_PROGRESS', ...sameHolder, ...lockPassed };
}

/** When a reservation was taken and how long its lock holds: what decides whether it can still be another's. */
export interface ReservationAge {
  reservedAt: Date;
  now: Date;
  lockMs: number;
}

/** How much of a lock's end is kept as the margin for API processes' clocks that disagree: at most 10 s, half of it. */
const CLOCK_MARGIN_MS = 10_000;

/**
 * Whether a reservation (or a takeover claim) is surely still its holder's: until its lock passes nothing else may
 * touch the record (a takeover and the sweep both wait for the lock to pass, and only the holder finishes or releases
 * it), less a margin for clocks of API processes that disagree (10 s, or half the lock when that is shorter). With
 * the defaults (a 60 s lock, 30 s Update deadline) a request that ended in a 504 is still within it.
 */
export function isWithinLock(age: ReservationAge): boolean {
  const elapsed = age.now.getTime() - age.reservedAt.getTime();
  return elapsed >= 0 && elapsed < age.lockMs - Math.min(CLOCK_MARGIN_MS, age.lockMs / 2);
}

/**
 * The filter of this request's own reservation, for its answer or its release: the key alone within the lock
 * ({@link isWithinLock}, given the reservation's age), else the key held in progress under this request's token.
 */
function reservationOf(scope: string, lockToken: string, age: ReservationAge | undefined) {
  return age && isWithinLock(age) ? { _id: scope } : { _id: scope, state: 'IN_PROGRESS' as const, lockToken };
}

/**
 * Replaces this request's reservation by its answer. A no-op when the reservation is no longer this request's (its
 * lock passed and another copy took the key over): that copy's answer will stand.
 *
 * Given the reservation's age, a write within its lock ({@link isWithinLock}) filters on `_id` alone: on FerretDB a
 * filter on anything beside `_id` reads the whole collection (several ms per write at a few thousand records, growing
 * with it), while an `_id` filter uses the index (about 1 ms). Past that, the holder's token decides in the filter.
 * @returns whether the answer was stored
 */
export async function completeIdempotencyKey(
  db: Database,
  scope: string,
  lockToken: string,
  answer: StoredAnswer,
  age?: ReservationAge,
): Promise<boolean> {
  const mine = reservationOf(scope, lockToken, age);
  const result = await nativeCollection(db.idempotency).updateOne(mine, {
    $set: { state: 'DONE', statusCode: answer.statusCode, body: answer.body, sealed: answer.sealed },
    $unset: { lockedUntil: '' },
  });
  return result.modifiedCount === 1;
}

/**
 * Releases this request's reservation after a failure (a 5xx, a timeout, a thrown error): the record keeps its
 * request digest, so a retry with the same body runs again and one with another body is still refused. Within the
 * lock ({@link isWithinLock}, given the reservation's age) the write filters on the key alone, as an answer's does.
 * @returns whether the reservation was still this request's
 */
export async function releaseIdempotencyKey(
  db: Database,
  scope: string,
  lockToken: string,
  age?: ReservationAge,
): Promise<boolean> {
  const mine = reservationOf(scope, lockToken, age);
  const result = await nativeCollection(db.idempotency).updateOne(mine, {
    $set: { state: 'RETRYABLE' },
    $unset: { lockedUntil: '' },
  });
  return result.modifiedCount === 1;
}

/**
 * Deletes records created before `olderThan`, at most `batchSize` per round and `maxRounds` rounds per call, so one
 * sweep never holds the database for long. Spares a reservation whose lock still holds.
 * @returns how many records were deleted
 */
export async function sweepIdempotencyRecords(
  db: Database,
  input: { olderThan: Date; now: Date; batchSize: number; maxRounds?: number },
): Promise<number> {
  const records = nativeCollection(db.idempotency);
  const expired = {
    createdAt: { $lt: input.olderThan },
    $or: [{ state: { $ne: 'IN_PROGRESS' as const } }, { lockedUntil: { $lt: input.now } }],
  };
  let deleted = 0;
  for (let round = 0; round < (input.maxRounds ?? 10); round += 1) {
    const batch = await records
      .find(expired, { projection: { _id: 1 } })
      .limit(input.batchSize)
      .toArray();
    if (batch.length === 0) break;
    const result = await records.deleteMany({ _id: { $in: batch.map((record) => record._id) }, ...expired });
    deleted += result.deletedCount;
    if (batch.length < input.batchSize) break;
  }
  await claims(db).deleteMany({ createdAt: { $lt: input.olderThan } });
  return deleted;
}

/** A running periodic sweep. */
export interface IdempotencySweeper {
  /** Runs one sweep now (also what the timer runs); never throws, logs instead. */
  sweepOnce(): Promise<number>;
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

/**
 * Sweeps records older than `ttlHours` every `intervalMs` (FerretDB has no TTL index). The timer does not keep the
 * process alive, and a sweep never overlaps the previous one.
 */
export function startIdempotencySweeper(
  db: Database,
  options: {
    ttlHours: number;
    intervalMs: number;
    batchSize: number;
    now?: () => Date;
    /** Where a failed sweep is logged; nowhere by default. */
    logger?: Pick<Logger, 'error'>;
    /** Other records that expire, swept after the idempotency records (e.g. the payment notifications' ids). */
    alsoSweep?: ReadonlyArray<(now: Date) => Promise<number>>;
  },
): IdempotencySweeper {
  const now = options.now ?? (() => new Date());
  let running: Promise<number> | undefined;
  const sweepOnce = (): Promise<number> => {
    running ??= (async () => {
      try {
        const at = now();
        const deleted = await sweepIdempotencyRecords(db, {
          olderThan: new Date(at.getTime() - options.ttlHours * 3_600_000),
          now: at,
          batchSize: options.batchSize,
        });
        for (const sweep of options.alsoSweep ?? []) await sweep(at);
        return deleted;
      } catch (error) {
        options.logger?.error({ err: error }, 'idempotency sweep failed');
        return 0;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(() => void sweepOnce(), options.intervalMs);
  timer.unref();
  return {
    sweepOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
