// The order workflow as it ran before the hardening of issue 5 (patch `order-hardening-v2`), FROZEN: orders started
// on it keep replaying and running on exactly these commands. Never change what it does; fix bugs in the new
// workflow (../order-workflow.ts) instead. Deterministic: no clocks but the workflow's, no I/O but activities.

import * as wf from '@temporalio/workflow';
import type { OrderActivities } from '../../activities';
import type { Actor, NoticeDraft, OrderViewWrite, OrderWorkflowInput } from '../../contracts/order-contract';
import { notice, orderSearchAttributes, orderStatusQuery } from '../../contracts/order-contract';
import type { PaymentNotificationResultV1 as PaymentNotificationResult } from './order-contract-v1';
import {
  cancelOrderUpdate,
  carrierAnswerUpdate,
  paymentNotificationUpdate,
  resolveDisputeUpdate,
  settlementConfirmationUpdate,
  shipmentEventUpdate,
  supplierAnswerUpdate,
} from './order-contract-v1';
import { DomainError } from '../../domain/errors';
import { formatMoney } from '../../domain/money';
import type { CancellationReason, CompensationType, OrderStatus, OrderView, StepNumber } from '../../domain/order';
import {
  LIFECYCLE_STEPS,
  OrderStateConflict,
  assertCancellation,
  assertCarrierAnswer,
  assertDisputeResolution,
  assertPaymentNotification,
  assertSettlementConfirmation,
  assertShipmentEvent,
  assertSupplierAnswer,
  cancellationReasonFor,
  chooseBestQuote,
  initialOrderView,
  isPaid,
  isTerminal,
} from '../../domain/order';

const retry = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' } as const;

const { publishOrder } = wf.proxyActivities<OrderActivities>({ startToCloseTimeout: '30s', retry });
const { deliverWebhook } = wf.proxyActivities<OrderActivities>({ startToCloseTimeout: '30s', retry });
// Money moves at the bank: these always run to completion, even when the workflow is cancelled (see compensate).
const { collectPayment, settlePayment, reversePayment } = wf.proxyActivities<OrderActivities>({
  startToCloseTimeout: '60s',
  retry,
});

/** Runs a money activity to its end even if the workflow is being cancelled, so its outcome is always known. */
function toCompletion<T>(work: () => Promise<T>): Promise<T> {
  return wf.CancellationScope.nonCancellable(work);
}

/** A requested end of the order, and who asked. */
interface CancelRequest {
  reason: CancellationReason;
  detail: string;
}

/** The undo steps registered so far, run newest first. */
type Compensation = 'RESERVATION' | 'TRANSPORT' | 'PAYMENT';

/**
 * Runs one order through the ten steps as version 1 did (no bounded payments, no deadlines after confirmation).
 * @returns the final order view, `CLOSED` or `CANCELLED`
 */
export async function legacyOrderWorkflowV1(input: OrderWorkflowInput): Promise<OrderView> {
  const order = initialOrderView(input);
  const compensations: Compensation[] = [];
  let cancelRequest: CancelRequest | undefined;
  let paymentAttempts = 0;
  let paymentInFlight = false;
  /** Set when the payment deadline passes: a payment still in flight may finish, no new one may start. */
  let paymentWindowClosed = false;
  /** The read-model writer's state: the version last stored, notices waiting, requests made and served. */
  let persistedVersion = 0;
  const pendingNotices: NoticeDraft[] = [];
  let requestedWrites = 0;
  let completedWrites = 0;
  let writeFailure: unknown;
  /** Set once the saga starts: from then on no Update is accepted. */
  let closing = false;
  /** Webhook deliveries in flight; the workflow ends only after they have finished or given up. */
  const webhookDeliveries: Promise<void>[] = [];

  const nowIso = (): string => new Date().toISOString();

  /** Marks a change: bumps the version the read model orders writes by. */
  function touch(): void {
    order.version += 1;
    order.updatedAt = nowIso();
  }

  function setStatus(status: OrderStatus): void {
    order.status = status;
    touch();
    wf.upsertSearchAttributes([{ key: orderSearchAttributes.status, value: status }]);
  }

  function reachStep(step: StepNumber, actor: string, outcome: string): void {
    if (order.timeline.some((entry) => entry.step === step)) return;
    order.timeline.push({ step, name: LIFECYCLE_STEPS[step], actor, at: nowIso(), outcome });
    touch();
  }

  /**
   * Asks for the current view (and notices) to be written to the read model and waits until it is. Writes run one
   * at a time, in order (FerretDB's conditional upsert is not atomic, so two concurrent writes could leave the older
   * one last), and every request made while a write is in flight is served by the next one, so changes that come
   * together (an Update and the step it unblocks) cost one write.
   */
  async function persist(notices: NoticeDraft[] = []): Promise<void> {
    if (notices.length === 0 && order.version <= persistedVersion) return;
    pendingNotices.push(...notices);
    requestedWrites += 1;
    const request = requestedWrites;
    await wf.condition(() => completedWrites >= request || writeFailure !== undefined);
    if (writeFailure !== undefined) throw writeFailure;
  }

  /** The read model's single writer, for the workflow's whole life. */
  async function readModelWriter(): Promise<void> {
    /** Each top-level field's JSON as last written; empty when the next write must carry the whole view. */
    const written = new Map<string, string>();
    const nextWrite = (): OrderViewWrite => {
      const full = written.size === 0;
      const changes: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(order)) {
        const json = JSON.stringify(value);
        if (written.get(key) === json) continue;
        written.set(key, json);
        changes[key] = value;
      }
      return full
        ? { kind: 'FULL', view: order }
        : { kind: 'CHANGES', orderId: order.orderId, version: order.version, changes };
    };
    for (;;) {
      await wf.condition(() => requestedWrites > completedWrites);
      const served = requestedWrites;
      const version = order.version;
      const notices = pendingNotices.splice(0);
      try {
        const { needFullView, webhookNoticeIds } = await publishOrder({ write: nextWrite(), notices });
        if (needFullView) {
          written.clear();
          pendingNotices.unshift(...notices);
          continue;
        }
        // Webhooks go out beside the order, never in its way: a dead endpoint must not hold up the next step.
        for (const noticeId of webhookNoticeIds) {
          webhookDeliveries.push(deliverWebhook({ noticeId }).catch(() => undefined));
        }
      } catch (error) {
        writeFailure = error;
        return;
      }
      persistedVersion = Math.max(persistedVersion, version);
      completedWrites = served;
    }
  }

  /** The order once its state up to now is in the read model, for read-your-writes answers. */
  async function persisted(): Promise<OrderView> {
    await persist();
    return order;
  }

  /** Runs a validator, turning domain errors into Update rejections the API maps to HTTP statuses. */
  function validate(check: () => void): void {
    try {
      // The action's own rules first: they include who may act, so an outsider learns nothing of the order's state.
      check();
      if (isTerminal(order.status)) throw new OrderStateConflict('order_not_at_step', `the order is ${order.status}`);
      if (cancelRequest || closing) throw new OrderStateConflict('order_cancelling', 'the order is being cancelled');
    } catch (error) {
      if (error instanceof DomainError) {
        throw wf.ApplicationFailure.create({
          type: error.name,
          message: error.message,
          details: [{ code: error.code, param: error.param }],
          nonRetryable: true,
        });
      }
      throw error;
    }
  }

  const waitOrCancel = async (done: () => boolean, timeoutMs?: number): Promise<'DONE' | 'CANCELLED' | 'TIMEOUT'> => {
    const ready = () => done() || cancelRequest !== undefined;
    let arrived = true;
    if (timeoutMs === undefined) await wf.condition(ready);
    else arrived = await wf.condition(ready, timeoutMs);
    if (cancelRequest) return 'CANCELLED';
    return arrived ? 'DONE' : 'TIMEOUT';
  };

  // ---- queries and Updates -------------------------------------------------------------------

  wf.setHandler(orderStatusQuery, () => order);

  wf.setHandler(
    supplierAnswerUpdate,
    async ({ supplierId, answer }) => {
      await wf.condition(() => order.status !== 'PLACED');
      order.supplierAnswer = { ...answer, answeredAt: nowIso() };
      reachStep(3, supplierId, answer.available ? `available, reservation ${answer.reservationId}` : 'not available');
      if (answer.available) compensations.push('RESERVATION');
      return persisted();
    },
    { validator: ({ supplierId, answer }) => validate(() => assertSupplierAnswer(order, supplierId, answer)) },
  );

  wf.setHandler(
    carrierAnswerUpdate,
    async ({ carrierId, answer }) => {
      order.quotes.push({ ...answer, carrierId, answeredAt: nowIso() });
      touch();
      return persisted();
    },
    { validator: ({ carrierId, answer }) => validate(() => assertCarrierAnswer(order, carrierId, answer)) },
  );

  wf.setHandler(
    shipmentEventUpdate,
    async ({ type }) => {
      order.shipment.events.push({ type, at: nowIso() });
      if (order.status === 'CONFIRMED') setStatus('IN_DELIVERY');
      else touch();
      return persisted();
    },
    { validator: ({ carrierId, type }) => validate(() => assertShipmentEvent(order, carrierId, type)) },
  );

  wf.setHandler(
    paymentNotificationUpdate,
    async ({ payment }): Promise<PaymentNotificationResult> => {
      paymentInFlight = true;
      try {
        paymentAttempts += 1;
        const attempt = paymentAttempts;
        if (!compensations.includes('PAYMENT')) compensations.push('PAYMENT');
        const outcome = await toCompletion(() =>
          collectPayment({
            orderId: order.orderId,
            attempt,
            sellerId: order.sellerId,
            amount: order.total,
            sealedCard: payment.sealedCard,
          }),
        );
        const recorded = {
          attempt,
          method: payment.method,
          brand: payment.brand,
          last4: payment.last4,
          amount: order.total,
          status: outcome.status,
          declineCode: outcome.declineCode,
          authorizationId: outcome.authorizationId,
          captureId: outcome.captureId,
          at: nowIso(),
        };
        order.payments.push(recorded);
        touch();
        if (outcome.status === 'CAPTURED') {
          reachStep(
            7,
            order.customerId,
            `payment of ${formatMoney(order.total)} captured (card ending ${payment.last4})`,
          );
        }
        await persist(
          outcome.status === 'CAPTURED'
            ? [
                notice('PAYMENT_RECEIPT', order.orderId, order.customerId, nowIso(), {
                  amount: order.total,
                  last4: payment.last4,
                }),
              ]
            : [],
        );
        return { order, payment: recorded };
      } finally {
        paymentInFlight = false;
      }
    },
    {
      validator: ({ customerId }) =>
        validate(() => {
          assertPaymentNotification(order, customerId);
          if (paymentInFlight) throw new OrderStateConflict('payment_in_progress', 'a payment is being processed');
          if (paymentWindowClosed)
            throw new OrderStateConflict('payment_deadline_passed', 'the payment deadline passed');
        }),
    },
  );

  wf.setHandler(
    settlementConfirmationUpdate,
    async ({ sellerId, confirmed, reason }) => {
      order.sellerConfirmation = { confirmed, reason, at: nowIso() };
      reachStep(9, sellerId, confirmed ? 'transfer notice and settlement note confirmed' : `disputed: ${reason ?? ''}`);
      await wf.condition(() => order.status !== 'AWAITING_SELLER_CONFIRMATION');
      return persisted();
    },
    {
      validator: ({ sellerId }) =>
        validate(() => {
          assertSettlementConfirmation(order, sellerId);
          if (order.sellerConfirmation) throw new OrderStateConflict('already_answered', 'the seller has answered');
        }),
    },
  );

  wf.setHandler(
    cancelOrderUpdate,
    async ({ actor, reason }) => {
      cancelRequest = { reason: cancellationReasonFor(actor.role) ?? 'CANCELLED_BY_OPERATOR', detail: reason ?? '' };
      await wf.condition(() => order.status === 'CANCELLED');
      return persisted();
    },
    { validator: ({ actor }) => validate(() => assertCancellation(order, actor as Actor)) },
  );

  wf.setHandler(
    resolveDisputeUpdate,
    async ({ operatorId, resolution, note }) => {
      order.disputeResolution = { resolution, operatorId, note, at: nowIso() };
      touch();
      await wf.condition(() => isTerminal(order.status));
      return persisted();
    },
    {
      validator: (_resolution) =>
        validate(() => {
          assertDisputeResolution(order);
          if (order.disputeResolution) throw new OrderStateConflict('already_resolved', 'the dispute is resolved');
        }),
    },
  );

  // ---- the saga ------------------------------------------------------------------------------

  async function compensate(reason: CancellationReason, detail: string): Promise<OrderView> {
    closing = true;
    await wf.CancellationScope.nonCancellable(async () => {
      await wf.condition(() => !paymentInFlight);
      const notices: NoticeDraft[] = [];
      const done = (type: CompensationType) => order.compensations.push({ type, at: nowIso() });
      for (const step of [...compensations].reverse()) {
        if (step === 'PAYMENT') {
          const reversal = await reversePayment({
            orderId: order.orderId,
            attempts: paymentAttempts,
            sellerId: order.sellerId,
            amount: order.total,
            settled: order.settlement !== undefined,
          });
          if (reversal === 'REFUNDED') done('PAYMENT_REFUNDED');
          if (reversal === 'VOIDED') done('PAYMENT_VOIDED');
        } else if (step === 'TRANSPORT' && order.carrierId) {
          notices.push(notice('TRANSPORT_CANCELLATION', order.orderId, order.carrierId, nowIso(), { reason }));
          done('TRANSPORT_CANCELLED');
        } else if (step === 'RESERVATION') {
          notices.push(
            notice('RESERVATION_RELEASE', order.orderId, order.supplierId, nowIso(), {
              reservationId: order.supplierAnswer?.reservationId,
              reason,
            }),
          );
          done('RESERVATION_RELEASED');
        }
      }
      order.cancellationReason = reason;
      order.cancellationDetail = detail;
      for (const party of [order.sellerId, order.customerId]) {
        notices.push(notice('ORDER_CANCELLED', order.orderId, party, nowIso(), { reason, detail }));
      }
      setStatus('CANCELLED');
      await persist(notices);
    });
    return order;
  }

  async function run(): Promise<OrderView> {
    // Steps 1 and 2: the seller's order, recorded by the workflow that owns it, and the order inquiry to the
    // supplier, in one write so a supplier answering at once never finds the order still PLACED.
    setStatus('AWAITING_SUPPLIER');
    reachStep(2, order.sellerId, `order inquiry sent to ${order.supplierId}`);
    await persist([
      notice('SUPPLIER_INQUIRY', order.orderId, order.supplierId, nowIso(), {
        items: order.items.map(({ sku, description, quantity }) => ({ sku, description, quantity })),
        answerBy: new Date(Date.now() + order.deadlines.supplierAnswerMs).toISOString(),
      }),
    ]);

    // Step 3: the supplier's answer, or the deadline.
    const supplier = await waitOrCancel(() => order.supplierAnswer !== undefined, order.deadlines.supplierAnswerMs);
    if (supplier === 'CANCELLED' && cancelRequest) return compensate(cancelRequest.reason, cancelRequest.detail);
    if (supplier === 'TIMEOUT') return compensate('SUPPLIER_DEADLINE_PASSED', 'the supplier did not answer in time');
    if (!order.supplierAnswer?.available) return compensate('SUPPLIER_UNAVAILABLE', 'the supplier cannot deliver');

    // Step 4: the transport inquiry to every candidate carrier.
    setStatus('AWAITING_CARRIER');
    reachStep(4, order.sellerId, `transport inquiry sent to ${order.carrierIds.join(', ')}`);
    const answerBy = new Date(Date.now() + order.deadlines.carrierAnswerMs).toISOString();
    await persist(
      order.carrierIds.map((carrierId) =>
        notice('TRANSPORT_INQUIRY', order.orderId, carrierId, nowIso(), {
          items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
          shipTo: order.shipTo,
          answerBy,
        }),
      ),
    );

    // Step 5: carriers' answers until all have answered or the deadline passes; the best quote wins.
    const carriers = await waitOrCancel(
      () => order.quotes.length === order.carrierIds.length,
      order.deadlines.carrierAnswerMs,
    );
    if (carriers === 'CANCELLED' && cancelRequest) return compensate(cancelRequest.reason, cancelRequest.detail);
    const best = chooseBestQuote(order, order.quotes);
    if (!best?.price) return compensate('NO_CARRIER', `no acceptable quote from ${order.quotes.length} answers`);
    compensations.push('TRANSPORT');
    order.carrierId = best.carrierId;
    order.transportCost = best.price;
    wf.upsertSearchAttributes([{ key: orderSearchAttributes.carrierId, value: best.carrierId }]);
    reachStep(
      5,
      best.carrierId,
      `${best.method ?? ''} via ${best.route ?? ''} for ${formatMoney(best.price)}, delivery ${best.deliveryDate ?? ''}; ` +
        `${order.quotes.length} of ${order.carrierIds.length} answered`,
    );

    // Step 6: confirmation to the customer, delivery notice to the supplier, transport notice to the carrier.
    setStatus('CONFIRMED');
    reachStep(6, order.sellerId, `order confirmed; carrier ${best.carrierId}`);
    const paymentDueAt = Date.now() + order.deadlines.paymentMs;
    await persist([
      ...order.carrierIds
        .filter((id) => id !== best.carrierId)
        .map((id) => notice('QUOTE_NOT_SELECTED', order.orderId, id, nowIso())),
      notice('ORDER_CONFIRMATION', order.orderId, order.customerId, nowIso(), {
        total: order.total,
        deliveryDate: best.deliveryDate,
        payBy: new Date(paymentDueAt).toISOString(),
      }),
      notice('DELIVERY_NOTICE', order.orderId, order.supplierId, nowIso(), {
        reservationId: order.supplierAnswer.reservationId,
        carrierId: best.carrierId,
        pickupDate: best.pickupDate,
      }),
      notice('TRANSPORT_NOTICE', order.orderId, best.carrierId, nowIso(), {
        pickupDate: best.pickupDate,
        deliveryDate: best.deliveryDate,
        route: best.route,
        method: best.method,
        price: best.price,
        shipTo: order.shipTo,
      }),
    ]);

    // Step 7: the carrier delivers; the customer's payment notification reaches the gateway (Update).
    const payment = await waitOrCancel(() => isPaid(order), order.deadlines.paymentMs);
    if (payment === 'CANCELLED' && cancelRequest) return compensate(cancelRequest.reason, cancelRequest.detail);
    if (payment === 'TIMEOUT') {
      paymentWindowClosed = true;
      await wf.condition(() => !paymentInFlight);
      if (!isPaid(order)) {
        const declines = order.payments.length;
        return compensate('PAYMENT_DEADLINE_PASSED', `no payment captured in time (${declines} declined)`);
      }
    }

    // Step 8: the gateway's transfer notice and bank settlement note to the seller.
    const settlement = await toCompletion(() =>
      settlePayment({ orderId: order.orderId, sellerId: order.sellerId, gross: order.total, fee: input.gatewayFee }),
    );
    order.settlement = settlement;
    reachStep(8, 'gateway', `net ${formatMoney(settlement.net)} after fee ${formatMoney(settlement.fee)}`);
    await persist([
      notice('TRANSFER_NOTICE', order.orderId, order.sellerId, nowIso(), {
        transferNoticeId: settlement.transferNoticeId,
        amount: settlement.net,
      }),
      notice('SETTLEMENT_NOTE', order.orderId, order.sellerId, nowIso(), { ...settlement }),
    ]);

    // Delivery completes step 7; a cancellation before pickup still refunds.
    const delivery = await waitOrCancel(() => order.shipment.events.some((e) => e.type === 'delivered'));
    if (delivery === 'CANCELLED' && cancelRequest) return compensate(cancelRequest.reason, cancelRequest.detail);

    // Step 9: the seller confirms, or disputes and waits for an operator.
    setStatus('AWAITING_SELLER_CONFIRMATION');
    await persist();
    await wf.condition(() => order.sellerConfirmation !== undefined);
    if (!order.sellerConfirmation?.confirmed) {
      setStatus('DISPUTED');
      await persist([
        notice('SETTLEMENT_DISPUTED', order.orderId, order.sellerId, nowIso(), {
          reason: order.sellerConfirmation?.reason,
        }),
      ]);
      await wf.condition(() => order.disputeResolution !== undefined);
      if (order.disputeResolution?.resolution === 'REFUND') {
        return compensate('DISPUTE_REFUNDED', order.disputeResolution.note ?? 'refunded by an operator');
      }
    }

    // Step 10: the deal closes.
    reachStep(10, 'settleflow', 'deal closed');
    setStatus('CLOSED');
    await persist(
      [order.sellerId, order.customerId].map((party) => notice('DEAL_CLOSED', order.orderId, party, nowIso())),
    );
    return order;
  }

  /** Lets Update handlers answer and webhooks go out before the workflow completes. */
  async function finish(result: OrderView): Promise<OrderView> {
    await wf.condition(wf.allHandlersFinished);
    while (webhookDeliveries.length > 0) await Promise.all(webhookDeliveries.splice(0));
    return result;
  }

  // The writer outlives any cancellation of the workflow: compensations must still be recorded.
  void wf.CancellationScope.nonCancellable(readModelWriter);
  try {
    return await finish(await run());
  } catch (error) {
    if (wf.isCancellation(error) && !isTerminal(order.status)) {
      // The root scope is cancelled: everything from here on must not be.
      return wf.CancellationScope.nonCancellable(async () =>
        finish(await compensate('CANCELLED_BY_OPERATOR', 'workflow cancelled in Temporal')),
      );
    }
    throw error;
  }
}
