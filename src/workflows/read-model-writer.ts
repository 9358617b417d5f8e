// The order's read-model writer: the only path from a workflow to its order document and its parties' inboxes.
// Writes run one at a time, in order, and carry only the top-level fields that changed since the last write.
// Deterministic workflow code: it must never read the clock or do I/O except through the publish function it is given.

import * as wf from '@temporalio/workflow';
import type { NoticeDraft, OrderViewWrite } from '../contracts/order-contract';
import type { OrderView } from '../domain/order';

/** Writes one version of the order (and notices); `needFullView` asks for the whole view next time. */
export type PublishOrder = (input: { write: OrderViewWrite; notices: NoticeDraft[] }) => Promise<{
  needFullView: boolean;
}>;

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

  constructor(
    private readonly order: OrderView,
    private readonly publish: PublishOrder,
  ) {}

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
        const { needFullView } = await this.publish({ write: this.nextWrite(), notices });
        if (needFullView) {
          this.written.clear();
          this.pendingNotices.unshift(...notices);
          continue;
        }
      } catch (error) {
        this.failure = error;
        return;
      }
      this.persistedVersion = Math.max(this.persistedVersion, version);
      this.completedWrites = served;
    }
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
