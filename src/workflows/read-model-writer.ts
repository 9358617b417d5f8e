// The order's read-model writer: the only path from a workflow to its order document and its parties' inboxes.
// Writes run one at a time, in order, and carry only the top-level fields that changed since the last write; the
// webhook pushes of a write's notices are scheduled after it, and no Update waits for them.
// Deterministic workflow code: it must never read the clock or do I/O except through the functions it is given.

import * as wf from '@temporalio/workflow';
import type { NoticeDraft, OrderViewWrite } from '../contracts/order-contract';
import type { WebhookNoticeRef } from '../contracts/webhook-delivery-contract';
import type { OrderView } from '../domain/order';

/**
 * Writes one version of the order (and notices); `needFullView` asks for the whole view next time; `webhookNotices`
 * are the written notices whose recipients have a webhook, when the writer was given a way to push them.
 */
export type PublishOrder = (input: { write: OrderViewWrite; notices: NoticeDraft[] }) => Promise<{
  needFullView: boolean;
  webhookNotices?: WebhookNoticeRef[] | undefined;
}>;

/** Pushes written notices to their recipients' webhooks (the order's `deliverNotices` activity). */
export type PushNotices = (notices: WebhookNoticeRef[]) => Promise<unknown>;

/**
 * Keeps an order's read model up to date, from inside its workflow. Every request made while a write is in flight
 * is served by the next write, so changes that come together (an Update and the step it unblocks) cost one write.
 * FerretDB's conditional upsert is not atomic, so two concurrent writes could leave the older one last: hence one
 * writer, one write at a time.
 */
export class ReadModelWriter {
  private persistedVersion = 0;
  private readonly pendingNotices: NoticeDraft[] = [];
  private requestedWrites = 0;
  private completedWrites = 0;
  private failure: unknown;
  /** Each top-level field's JSON as last written; empty when the next write must carry the whole view. */
  private readonly written = new Map<string, string>();
  /** Pushes scheduled and not ended yet. */
  private pushing = 0;

  /**
   * @param push given from the `order-delivers-webhooks` patch on: each write's webhook notices are pushed through
   *   it after the write, and the writer goes on without waiting (see {@link pushesDone})
   */
  constructor(
    private readonly order: OrderView,
    private readonly publish: PublishOrder,
    private readonly push?: PushNotices,
  ) {}

  /**
   * True when no webhook push is still running. The workflow waits for it before it returns, so a push's retries
   * (bounded by its activity options) are never cut off by the workflow's end.
   */
  pushesDone(): boolean {
    return this.pushing === 0;
  }

  /**
   * Asks for the order as it is now (and `notices`) to be written, and waits until it is.
   * @returns the version the read model holds at least from now on
   * @throws the publish failure once its retries are spent (the workflow then fails, see README)
   */
  async persist(notices: NoticeDraft[] = []): Promise<number> {
    const version = this.order.version;
    if (notices.length === 0 && version <= this.persistedVersion) return version;
    this.pendingNotices.push(...notices);
    this.requestedWrites += 1;
    const request = this.requestedWrites;
    await wf.condition(() => this.completedWrites >= request || this.failure !== undefined);
    if (this.failure !== undefined) throw this.failure;
    return version;
  }

  /** The writer's loop, for the workflow's whole life; run it in a non-cancellable scope. */
  async run(): Promise<void> {
    for (;;) {
      await wf.condition(() => this.requestedWrites > this.completedWrites);
      const served = this.requestedWrites;
      const version = this.order.version;
      const notices = this.pendingNotices.splice(0);
      try {
        const { needFullView, webhookNotices } = await this.publish({ write: this.nextWrite(), notices });
        if (needFullView) {
          this.written.clear();
          this.pendingNotices.unshift(...notices);
          continue;
        }
        if (this.push && webhookNotices && webhookNotices.length > 0) this.startPush(webhookNotices);
      } catch (error) {
        this.failure = error;
        return;
      }
      this.persistedVersion = Math.max(this.persistedVersion, version);
      this.completedWrites = served;
    }
  }

  /** Schedules one push; its failure (retries spent) leaves the deliveries to the records and redelivery, see README. */
  private startPush(notices: WebhookNoticeRef[]): void {
    const push = this.push;
    if (!push) return;
    this.pushing += 1;
    void push(notices)
      .catch(() => undefined)
      .finally(() => {
        this.pushing -= 1;
      });
  }

  private nextWrite(): OrderViewWrite {
    const full = this.written.size === 0;
    const changes: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.order)) {
      const json = JSON.stringify(value);
      if (this.written.get(key) === json) continue;
      this.written.set(key, json);
      changes[key] = value;
    }
    return full
      ? { kind: 'FULL', view: this.order }
      : { kind: 'CHANGES', orderId: this.order.orderId, version: this.order.version, changes };
  }
}
