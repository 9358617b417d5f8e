// The reversal queue: every authorization or purchase whose outcome is unknown (sent, then a timeout or a lost
// connection) is reversed with a 0420 advice, repeated with capped, jittered backoff until the bank acknowledges it
// (0430), for at most `horizonMs`; past that the reversal is `abandoned` and the payment stays `unknown` for an
// operator. Pending reversals live in settleflow's database (`gateway_reversals`, id `rev:<RRN>:<original MTI>`), are
// written before the first attempt and resumed when the gateway starts, so a crash loses none. The card number is
// kept sealed by the vault, never in clear.

import type { Connection } from 'mongoose';
import type { Acceptor, OriginalData, TransactionAmount, TransactionType } from '../../iso8583';
import type { PurposeKeys } from '../../security/purpose-keys';
import type { BackoffPolicy } from './backoff';
import { backoffDelayMs } from './backoff';
import type { CardClient } from './card-client';
import { withoutUndefined } from '../../domain/objects';

/** The collection's name. */
export const GATEWAY_REVERSALS = 'gateway_reversals';

/** A reversal as stored. */
export interface ReversalRecord {
  /** `rev:<RRN>:<original MTI>`: one reversal per request, however often it is enqueued. */
  _id: string;
  paymentId: string;
  state: 'pending' | 'acknowledged' | 'abandoned';
  attempts: number;
  rrn: string;
  reference: string;
  orderReference?: string | undefined;
  acceptor: Acceptor;
  amount: TransactionAmount;
  transactionType: TransactionType;
  original: OriginalData;
  card: { sealedNumber: string; expMonth?: number | undefined; expYear?: number | undefined };
  /** The bank's field 39 on the acknowledgement. */
  responseCode?: string | undefined;
  lastError?: string | undefined;
  createdAt: Date;
  deadlineAt: Date;
  nextAttemptAt: Date;
  doneAt?: Date | undefined;
}

/** What to reverse (the original request, as sent). */
export interface ReversalInput {
  paymentId: string;
  rrn: string;
  reference: string;
  orderReference?: string | undefined;
  acceptor: Acceptor;
  amount: TransactionAmount;
  transactionType: TransactionType;
  original: OriginalData;
  card: { number: string; expMonth?: number | undefined; expYear?: number | undefined };
}

/** The queue's settings. */
export interface ReversalQueueOptions {
  /** How long a reversal is repeated before it is abandoned (the payment then stays `unknown`). */
  readonly horizonMs: number;
  readonly backoff: BackoffPolicy;
  /** How long one 0420 waits for its 0430. */
  readonly attemptTimeoutMs: number;
  readonly log: (line: string) => void;
  /** Called once a reversal ends (acknowledged or abandoned), for the payment's state. */
  readonly onDone?: (record: ReversalRecord) => Promise<void>;
  readonly now?: () => Date;
}

/** The persisted queue and the loop that drains it. */
export class ReversalQueue {
  private readonly running = new Map<string, Promise<ReversalRecord>>();
  private stopped = false;
  private readonly now: () => Date;
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();

  constructor(
    private readonly connection: Connection,
    private readonly cards: CardClient,
    private readonly vault: PurposeKeys,
    private readonly options: ReversalQueueOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  private get collection() {
    return this.connection.collection<ReversalRecord>(GATEWAY_REVERSALS);
  }

  /** The id of the reversal of a request. */
  static idOf(rrn: string, originalMti: string): string {
    return `rev:${rrn}:${originalMti}`;
  }

  /**
   * Stores the reversal (once: a second enqueue of the same request finds the first) and starts repeating it.
   * @returns the reversal's end: acknowledged or abandoned
   */
  async enqueue(input: ReversalInput): Promise<ReversalRecord> {
    const at = this.now();
    const id = ReversalQueue.idOf(input.rrn, input.original.mti);
    const record: ReversalRecord = {
      _id: id,
      paymentId: input.paymentId,
      state: 'pending',
      attempts: 0,
      rrn: input.rrn,
      reference: input.reference,
      orderReference: input.orderReference,
      acceptor: input.acceptor,
      amount: input.amount,
      transactionType: input.transactionType,
      original: input.original,
      card: {
        sealedNumber: this.vault.seal(input.card.number),
        expMonth: input.card.expMonth,
        expYear: input.card.expYear,
      },
      createdAt: at,
      deadlineAt: new Date(at.getTime() + this.options.horizonMs),
      nextAttemptAt: at,
    };
    await this.collection.updateOne({ _id: id }, { $setOnInsert: withoutUndefined(record) }, { upsert: true });
    this.options.log(`reversal ${id}: queued (payment ${input.paymentId})`);
    return this.drive(id);
  }

  /** The stored reversal of a request, if any. */
  find(rrn: string, originalMti: string): Promise<ReversalRecord | null> {
    return this.collection.findOne({ _id: ReversalQueue.idOf(rrn, originalMti) }) as Promise<ReversalRecord | null>;
  }

  /** Reversals of a payment. */
  forPayment(paymentId: string): Promise<ReversalRecord[]> {
    return this.collection.find({ paymentId }).toArray() as Promise<ReversalRecord[]>;
  }

  /** Resumes every pending reversal (at start); returns how many. */
  async resume(): Promise<number> {
    const pending = await this.collection.find({ state: 'pending' }, { projection: { _id: 1 } }).toArray();
    for (const { _id } of pending) void this.drive(_id);
    if (pending.length > 0) this.options.log(`reversals: resumed ${pending.length} pending`);
    return pending.length;
  }

  /** Waits for the reversal of a request to end (acknowledged or abandoned), driving it if nobody does. */
  waitFor(rrn: string, originalMti: string): Promise<ReversalRecord> {
    return this.drive(ReversalQueue.idOf(rrn, originalMti));
  }

  /** Stops repeating (pending reversals stay stored and resume at the next start). */
  stop(): void {
    this.stopped = true;
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.wake();
    }
  }

  private drive(id: string): Promise<ReversalRecord> {
    let run = this.running.get(id);
    if (!run) {
      run = this.repeat(id).finally(() => this.running.delete(id));
      this.running.set(id, run);
    }
    return run;
  }

  private async repeat(id: string): Promise<ReversalRecord> {
    for (;;) {
      const record = (await this.collection.findOne({ _id: id })) as ReversalRecord | null;
      if (!record) throw new Error(`reversal ${id} is not stored`);
      if (record.state !== 'pending') return record;
      if (this.stopped) return record;
      const at = this.now();
      if (at.getTime() >= record.deadlineAt.getTime()) {
        return this.finish(record, { state: 'abandoned', doneAt: at });
      }
      const wait = record.nextAttemptAt.getTime() - at.getTime();
      if (wait > 0) {
        await this.sleep(Math.min(wait, record.deadlineAt.getTime() - at.getTime()));
        continue;
      }
      const answer = await this.cards.reverse('0420', {
        rrn: record.rrn,
        reference: record.reference,
        orderReference: record.orderReference,
        acceptor: record.acceptor,
        amount: record.amount,
        transactionType: record.transactionType,
        original: record.original,
        card: {
          number: this.vault.open(record.card.sealedNumber),
          ...(record.card.expMonth === undefined ? {} : { expMonth: record.card.expMonth }),
          ...(record.card.expYear === undefined ? {} : { expYear: record.card.expYear }),
        },
        timeoutMs: this.options.attemptTimeoutMs,
      });
      const attempts = record.attempts + 1;
      if (answer.outcome === 'approved') {
        this.options.log(`reversal ${id}: acknowledged after ${attempts} attempt(s)`);
        return this.finish(record, {
          state: 'acknowledged',
          attempts,
          responseCode: answer.responseCode,
          doneAt: this.now(),
        });
      }
      const why = answer.outcome === 'declined' ? `declined ${answer.responseCode}` : answer.reason;
      const delay = backoffDelayMs(attempts, this.options.backoff);
      this.options.log(`reversal ${id}: attempt ${attempts} not acknowledged (${why}); again in ${delay} ms`);
      await this.collection.updateOne(
        { _id: id, state: 'pending' },
        { $set: { attempts, lastError: why, nextAttemptAt: new Date(this.now().getTime() + delay) } },
      );
    }
  }

  private async finish(record: ReversalRecord, change: Partial<ReversalRecord>): Promise<ReversalRecord> {
    await this.collection.updateOne({ _id: record._id, state: 'pending' }, { $set: withoutUndefined(change) });
    const done = ((await this.collection.findOne({ _id: record._id })) as ReversalRecord | null) ?? record;
    if (done.state === 'abandoned') this.options.log(`reversal ${record._id}: abandoned; the payment stays unknown`);
    await this.options.onDone?.(done);
    return done;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.sleepers.delete(sleeper);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.sleepers.add(sleeper);
    });
  }
}
