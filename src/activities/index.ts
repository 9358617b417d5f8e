// Every side effect of an order's workflow: the read model, parties' inboxes and webhooks, and the
// payment gateway. Built by a factory so tests and the worker pass their own dependencies.
// Each activity is idempotent: retried with the same input, it changes nothing more.

import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { NoticeDraft, OrderViewWrite } from '../contracts/order-contract';
import type { BankConnector } from '../bank/bank-connector';
import { RETIRED_BANK } from '../bank/bank-connector';
import type { Money } from '../domain/money';
import type { Settlement } from '../domain/order';
import { DomainError } from '../domain/errors';
import type { PaymentOutcome, PaymentReversal } from '../gateway/payment-gateway';
import { PaymentGateway } from '../gateway/payment-gateway';
import { requestSettlement } from '../gateway/settlement/settlement-requests';
import type { Database } from '../persistence/database';
import { findNotice, insertNotices } from '../persistence/notice-store';
import { writeOrderView } from '../persistence/order-store';
import { partiesWithWebhooks } from '../persistence/party-store';
import type { KeyVault } from '../security/purpose-keys';
import type { WebhookDeliveries } from './webhook-dispatcher';

/** What the activities need from the outside world. */
export interface ActivityDeps {
  db: Database;
  vault: KeyVault;
  /** The bank of the legacy payment activities (pre-gateway orders); none in the product (RETIRED_BANK). */
  bank?: BankConnector | undefined;
  /**
   * Delivers each notice to its recipient's webhook, beside the order and never in its way: the worker's dispatcher
   * (first attempt in the worker, a workflow only for what fails), or a starter of one workflow per notice.
   */
  webhookDeliveries: WebhookDeliveries;
  now?: () => Date;
}

/** The activities of the order workflow. */
export function createActivities(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  const gateway = new PaymentGateway(deps.db, deps.bank ?? RETIRED_BANK, deps.vault.keys('card-vault'));
  const webhookRecipients = new WebhookRecipientCache(deps.db, now);

  /** Turns a domain rule violation into a failure the retry policy will not retry. */
  async function nonRetryableOnDomainError<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof DomainError) {
        throw ApplicationFailure.nonRetryable(error.message, 'DomainError', { code: error.code, param: error.param });
      }
      throw error;
    }
  }

  return {
    /**
     * Writes the order's read model, puts notices in the recipients' inboxes and hands each notice whose recipient
     * registered a webhook to its delivery (once per notice: a retry's outbox entries and workflow starts are no-ops).
     * The read model keeps the newest version, so a retried or late call changes nothing.
     * @returns `webhookNoticeIds` always empty: deliveries are no longer the order workflow's to run
     */
    async publishOrder(input: {
      write: OrderViewWrite;
      notices: NoticeDraft[];
    }): Promise<{ needFullView: boolean; webhookNoticeIds: string[] }> {
      // The view and the notices are written side by side (one round trip less for the Update waiting on them); a
      // notice may show in an inbox a moment before its order's view, which the API then asks the workflow for.
      const [written, , hooked] = await Promise.all([
        writeOrderView(deps.db, input.write),
        insertNotices(deps.db, input.notices),
        webhookRecipients.among(input.notices.map((draft) => draft.recipientId)),
      ]);
      // Changes to an order the database does not have (restored from an older backup, say): ask for the whole view;
      // the notices go again with it (an insert of a stored notice changes nothing) and their webhooks start then.
      if (written === 'MISSING') return { needFullView: true, webhookNoticeIds: [] };
      if (input.notices.length === 0) return { needFullView: false, webhookNoticeIds: [] };
      await deps.webhookDeliveries.dispatch(
        input.notices
          .filter((draft) => hooked.has(draft.recipientId))
          .map((draft) => ({ noticeId: draft.noticeId, recipientId: draft.recipientId, draft })),
      );
      return { needFullView: false, webhookNoticeIds: [] };
    },

    /**
     * For order workflows started before deliveries had a workflow of their own (their histories still schedule
     * this): starts the notice's delivery workflow, if not started yet, and returns at once.
     */
    async deliverWebhook(input: { noticeId: string }): Promise<void> {
      const draft = await findNotice(deps.db, input.noticeId);
      if (draft) await deps.webhookDeliveries.start([draft]);
    },

    /**
     * Legacy (orders recorded before the gateway worker): step 7's authorization and capture through the in-worker
     * bank. New orders pay through the gateway's payment child workflows.
     */
    async collectPayment(input: {
      orderId: string;
      attempt: number;
      sellerId: string;
      amount: Money;
      sealedCard: string;
    }): Promise<PaymentOutcome> {
      return nonRetryableOnDomainError(() => gateway.collect({ ...input, at: now().toISOString() }));
    },

    /** Step 8: settles the captured amount to the seller and returns the transfer notice and settlement note. */
    async settlePayment(input: {
      orderId: string;
      sellerId: string;
      gross: Money;
      fee: { bps: number; fixedMinor: number };
    }): Promise<Settlement> {
      return nonRetryableOnDomainError(() => gateway.settle({ ...input, at: now().toISOString() }));
    },

    /**
     * Step 8 through settlement batches: asks for the captured payment's settlement by the next cut-off. Idempotent
     * (the first request stays); the batch signals the calling order workflow once its payout's outcome is known.
     */
    async requestSettlement(input: {
      orderId: string;
      paymentId: string;
      sellerId: string;
      currency: string;
    }): Promise<void> {
      // The order's workflow id, for the batch's signal (absent only outside a workflow: then the order's own scheme).
      const orderWorkflowId = Context.current().info.workflowExecution?.workflowId ?? `order-${input.orderId}`;
      await requestSettlement(deps.db, { ...input, orderWorkflowId }, now());
    },

    /**
     * Compensation: refunds or voids the order's payment, as far as it got. The ledger says whether the seller was
     * paid out already (the refund is then charged to the seller's bank account, else to the payable in clearing).
     */
    async refundOrVoidPayment(input: {
      orderId: string;
      attempts: number;
      sellerId: string;
      amount: Money;
    }): Promise<PaymentReversal> {
      return nonRetryableOnDomainError(async () =>
        gateway.reverse({ ...input, settled: await gateway.isSettled(input.orderId), at: now().toISOString() }),
      );
    },

    /** Compensation (version-1 orders): refunds or voids the order's payment, as far as it got. */
    async reversePayment(input: {
      orderId: string;
      attempts: number;
      sellerId: string;
      amount: Money;
      settled: boolean;
    }): Promise<PaymentReversal> {
      return nonRetryableOnDomainError(() => gateway.reverse({ ...input, at: now().toISOString() }));
    },
  };
}

/** The activities' type, for `proxyActivities` in workflow code. */
export type OrderActivities = ReturnType<typeof createActivities>;

/**
 * Which parties have a webhook, remembered for a few seconds: every write of an order's notices asks, and the
 * answer changes only when a party registers. A new webhook applies to notices written after the cache expires.
 */
class WebhookRecipientCache {
  private static readonly TTL_MS = 10_000;
  private readonly known = new Map<string, { hooked: boolean; until: number }>();

  constructor(
    private readonly db: Database,
    private readonly now: () => Date,
  ) {}

  /** The subset of `partyIds` that registered a webhook. */
  async among(partyIds: readonly string[]): Promise<Set<string>> {
    const at = this.now().getTime();
    const unknown = [...new Set(partyIds)].filter((id) => (this.known.get(id)?.until ?? 0) <= at);
    if (unknown.length > 0) {
      const hooked = new Set(await partiesWithWebhooks(this.db, unknown));
      if (this.known.size > 10_000) this.known.clear();
      for (const id of unknown)
        this.known.set(id, { hooked: hooked.has(id), until: at + WebhookRecipientCache.TTL_MS });
    }
    return new Set(partyIds.filter((id) => this.known.get(id)?.hooked));
  }
}
