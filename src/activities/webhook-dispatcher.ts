// The first attempt of each notice's webhook delivery, made by the worker process right after the notice is written,
// without a workflow: a receiver that takes the notice at once (nearly all) costs two small writes instead of a
// workflow execution. Only a delivery that fails starts the delivery workflow, which goes on with the retry schedule.
// Nothing is lost when the process dies between the two: the notice is first put in an outbox (`webhook_outbox`, one
// entry per notice, removed once the attempt is recorded or handed to a workflow), and every worker sweeps the outbox
// for entries older than a bound and starts their workflows (idempotent by workflow id). Deliveries stay
// at-least-once, as Standard Webhooks expects (receivers deduplicate by `webhook-id`).
// It must never make a notice's workflow wait for a receiver, and never hold more attempts than its bounds.

import type { NoticeDraft } from '../contracts/order-contract';
import type { Database } from '../persistence/database';
import { WebhookOutbox } from '../persistence/webhook-outbox-store';
import type { WebhookAttemptOutcome } from '../contracts/webhook-delivery-contract';
import type { WebhookAttemptInput, WebhookDeliveryStarter } from './webhooks';

/** A notice whose recipient has a webhook (with its contents when the caller has them: then it is not read back). */
export interface HookedNotice {
  noticeId: string;
  recipientId: string;
  draft?: NoticeDraft | undefined;
}

/** How the order's activities hand over notices to deliver (the dispatcher, or a starter of workflows alone). */
export interface WebhookDeliveries {
  /** Delivers new notices: returns once they are safely queued (never waits for a receiver). */
  dispatch(notices: readonly HookedNotice[]): Promise<void>;
  /** Starts the delivery workflow of each notice unless started before (legacy callers). */
  start(notices: readonly HookedNotice[]): Promise<number>;
}

/** The dispatcher's bounds. */
export interface WebhookDispatcherOptions {
  /** First attempts running at once at most. */
  maxInFlight: number;
  /** First attempts waiting at most; past this, new notices go straight to delivery workflows. */
  maxQueued: number;
  /** The first attempt's HTTP bound (the workflow's later attempts have WEBHOOK_TIMEOUT_MS). */
  firstAttemptTimeoutMs: number;
  /** How often the outbox is swept. */
  sweepEveryMs: number;
  /** An outbox entry older than this is taken to be orphaned (its worker died) and gets a workflow. */
  orphanAfterMs: number;
  /** Where failures of the dispatcher itself are told (never a receiver's answer: attempts record that). */
  log?: (line: string) => void;
  now?: () => Date;
}

/** The defaults: 32 attempts at once, 2,000 waiting, 3 s per first attempt, a sweep every 30 s for entries over 60 s. */
export const DEFAULT_WEBHOOK_DISPATCH: Omit<WebhookDispatcherOptions, 'log' | 'now'> = {
  maxInFlight: 32,
  maxQueued: 2_000,
  firstAttemptTimeoutMs: 3_000,
  sweepEveryMs: 30_000,
  orphanAfterMs: 60_000,
};

/** Outbox entries one sweep takes at most. */
const SWEEP_BATCH = 200;

/** Makes first attempts in the background, and hands failures and orphans to delivery workflows. */
export class WebhookDispatcher implements WebhookDeliveries {
  private readonly outbox: WebhookOutbox;
  private readonly queue: HookedNotice[] = [];
  private running = 0;
  private sweeping: Promise<void> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    db: Database,
    private readonly attempt: (input: WebhookAttemptInput, draft?: NoticeDraft) => Promise<WebhookAttemptOutcome>,
    private readonly starter: WebhookDeliveryStarter,
    private readonly options: WebhookDispatcherOptions,
  ) {
    this.outbox = new WebhookOutbox(db, options.now);
  }

  /**
   * Puts the notices in the outbox, then queues their first attempts (or, past `maxQueued`, starts their workflows
   * at once, as before the dispatcher existed).
   */
  async dispatch(notices: readonly HookedNotice[]): Promise<void> {
    if (notices.length === 0) return;
    await this.outbox.add(notices);
    const room = Math.max(0, this.options.maxQueued - this.queue.length - this.running);
    const queued = notices.slice(0, room);
    const overflow = notices.slice(room);
    this.queue.push(...queued);
    this.pump();
    if (overflow.length > 0) {
      await this.starter.start(overflow);
      await this.outbox.remove(overflow.map((notice) => notice.noticeId));
    }
  }

  /** Starts delivery workflows directly (legacy order histories, redeliveries go through the starter too). */
  start(notices: readonly HookedNotice[]): Promise<number> {
    return this.starter.start(notices);
  }

  /** Sweeps the outbox every `sweepEveryMs` until {@link stop} (the timer never keeps the process alive). */
  startSweeping(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepEveryMs);
    this.sweepTimer.unref();
  }

  /** Stops sweeping; attempts running finish on their own. */
  stop(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /** Resolves once no attempt is queued or running (tests and graceful shutdown). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Starts the delivery workflow of every outbox entry older than `orphanAfterMs` (its first attempt never
   * finished: the process died, or the workflow could not be started then) and removes the entries.
   * @returns how many entries it handed over
   */
  sweep(): Promise<number> {
    if (this.sweeping) return this.sweeping.then(() => 0);
    let handed = 0;
    this.sweeping = (async () => {
      const orphans = await this.outbox.olderThan(this.options.orphanAfterMs, SWEEP_BATCH);
      if (orphans.length === 0) return;
      // A first attempt may have failed before its workflow could start: that workflow waits its first backoff.
      const attempted = await this.outbox.attempted(orphans.map((entry) => entry.noticeId));
      const fresh = orphans.filter((entry) => !attempted.has(entry.noticeId));
      const retried = orphans.filter((entry) => attempted.has(entry.noticeId));
      await this.starter.start(fresh);
      await this.starter.start(retried, { failedBefore: 1 });
      await this.outbox.remove(orphans.map((entry) => entry.noticeId));
      handed = orphans.length;
    })()
      .catch((error: unknown) => this.options.log?.(`webhook outbox sweep failed: ${(error as Error).message}`))
      .finally(() => {
        this.sweeping = undefined;
      });
    return this.sweeping.then(() => handed);
  }

  private pump(): void {
    while (this.running < this.options.maxInFlight && this.queue.length > 0) {
      const notice = this.queue.shift() as HookedNotice;
      this.running += 1;
      void this.deliverFirst(notice).finally(() => {
        this.running -= 1;
        this.pump();
        if (this.queue.length === 0 && this.running === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
        }
      });
    }
  }

  /** One first attempt (recorded by `attempt`); a retryable failure goes on in a delivery workflow. */
  private async deliverFirst(notice: HookedNotice): Promise<void> {
    try {
      const outcome = await this.attempt(
        {
          noticeId: notice.noticeId,
          recipientId: notice.recipientId,
          redelivery: 0,
          attempts: 1,
          timeoutMs: this.options.firstAttemptTimeoutMs,
        },
        notice.draft,
      ).catch((): WebhookAttemptOutcome => ({ delivered: false, retryable: true, error: 'attempt failed' }));
      const { noticeId, recipientId } = notice;
      if (!outcome.delivered && outcome.retryable)
        await this.starter.start([{ noticeId, recipientId }], { failedBefore: 1 });
      await this.outbox.remove([notice.noticeId]);
    } catch (error) {
      // The outbox keeps the entry: the sweep hands it to a workflow later.
      this.options.log?.(`webhook first attempt of ${notice.noticeId} not handed over: ${(error as Error).message}`);
    }
  }
}
