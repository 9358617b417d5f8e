// The order-to-settlement workflow: one per order, from the seller's order (step 1) to the closed deal (step 10).
// Each party action is taken at most once per step, every wait and every bank call has a deadline with a defined
// outcome, and the seller is paid out only after delivery. The plumbing lives beside it: the read-model writer
// (./read-model-writer.ts), the saga (./order-saga.ts) and the error table (../contracts/order-errors.ts).
// Deterministic: no clocks but the workflow's, no I/O but activities, no imports but @temporalio/workflow,
// the domain and the contract. Orders started before `order-hardening-v2` run ./legacy/order-workflow-v1.ts.

import * as wf from '@temporalio/workflow';
import type { OrderActivities } from '../activities';
import type {
  Actor,
  NoticeDraft,
  OrderActionResult,
  OrderWorkflowInput,
  PaymentNotificationResult,
  SealedCardPayment,
} from '../contracts/order-contract';
import {
  cancelOrderUpdate,
  carrierAnswerUpdate,
  notice,
  orderSearchAttributes,
  orderStatusQuery,
  paymentNotificationUpdate,
  resolveAttentionUpdate,
  resolveDisputeUpdate,
  settlementConfirmationUpdate,
  shipmentEventUpdate,
  supplierAnswerUpdate,
} from '../contracts/order-contract';
import { toUpdateFailure } from '../contracts/order-errors';
import { DomainError } from '../domain/errors';
import { formatMoney } from '../domain/money';
import type {
  AttentionReason,
  AttentionResolution,
  CancellationReason,
  OrderStatus,
  OrderView,
  PaymentAttempt,
  Settlement,
  StepNumber,
} from '../domain/order';
import {
  ATTENTION_ACTIONS,
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
} from '../domain/order';
import type { PaymentCommand, PaymentMethod, PaymentSummary } from '../contracts/payment-contract';
import { DEFAULT_GATEWAY_TASK_QUEUE, paymentIdFor, paymentWorkflowId } from '../contracts/payment-contract';
import type { SettlementLineSignal } from '../contracts/settlement-contract';
import { SETTLEMENT_BATCHES_PATCH, settlementLineSignal } from '../contracts/settlement-contract';
import type { OrderViewer } from '../domain/order-views';
import { viewFor } from '../domain/order-views';
import { legacyOrderWorkflowV1 } from './legacy/order-workflow-v1';
import type { PaymentReversalOutcome } from './order-saga';
import { OrderSaga } from './order-saga';
import { ReadModelWriter } from './read-model-writer';

/** The patch id that separates version-1 orders from hardened ones (see ./legacy/order-workflow-v1.ts). */
export const ORDER_HARDENING_PATCH = 'order-hardening-v2';

/**
 * The patch id from which an order pays through the gateway's payment child workflow (`payment-<orderId>-<attempt>`
 * on the gateway's task queue): authorization at the payment notification, capture at delivery, void or refund in
 * the saga. Orders recorded before it keep the in-worker activities.
 */
export const PAYMENT_CHILD_PATCH = 'payment-child-v1';

/** Payment notifications an order takes when its input does not say (PAYMENT_MAX_ATTEMPTS). */
export const DEFAULT_PAYMENT_MAX_ATTEMPTS = 5;

/** How long one money activity may take, retries included, when the input does not say (BANK_CALL_TIMEOUT_MS). */
export const DEFAULT_BANK_CALL_TIMEOUT_MS = 5 * 60 * 1000;

// The read model is written through a local activity: an Update answered after a local activity costs one workflow
// task instead of an activity round trip (measured in the README). Bounded: retried with backoff for at most a day,
// then the write fails the workflow (a database down for a day is an operator's matter).
const { publishOrder } = wf.proxyLocalActivities<OrderActivities>({
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '24h',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** An Update's definition, as `defineUpdate` makes it. */
type UpdateDef<Ret, Arg> = ReturnType<typeof wf.defineUpdate<Ret, [Arg]>>;

/** An end of the order before step 10: the saga runs with this reason. */
class OrderEnding extends Error {
  constructor(
    readonly reason: CancellationReason,
    readonly detail: string,
  ) {
    super(`order ends: ${reason}`);
    this.name = 'OrderEnding';
  }
}

/**
 * Runs one order through the ten steps.
 * @returns the final order view, `CLOSED` or `CANCELLED`
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderView> {
  // Orders started before the hardening keep running the frozen version-1 code they were recorded with.
  if (!wf.patched(ORDER_HARDENING_PATCH)) return legacyOrderWorkflowV1(input);
  return hardenedOrderWorkflow(input);
}

async function hardenedOrderWorkflow(input: OrderWorkflowInput): Promise<OrderView> {
  const order = initialOrderView(input);
  const saga = new OrderSaga();
  const writer = new ReadModelWriter(order, (publish) => publishOrder(publish));
  const maxPaymentAttempts = input.paymentMaxAttempts ?? DEFAULT_PAYMENT_MAX_ATTEMPTS;
  const bankCallMs = input.bankCallTimeoutMs ?? DEFAULT_BANK_CALL_TIMEOUT_MS;
  // Money moves at the bank: bounded by BANK_CALL_TIMEOUT_MS (retries included), then an operator decides.
  const bank = wf.proxyActivities<OrderActivities>({
    startToCloseTimeout: Math.min(60_000, bankCallMs),
    scheduleToCloseTimeout: bankCallMs,
    retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
  });

  let cancelRequest: { reason: CancellationReason; detail: string } | undefined;
  /** Set once the saga starts: from then on only operators' attention decisions are accepted. */
  let closing = false;
  let paymentAttempts = 0;
  let paymentInFlight = false;
  /** Set when the payment deadline passes: a payment still in flight may finish, no new one may start. */
  let paymentWindowClosed = false;
  /** A payment whose bank call ran out before an answer: its sealed card, kept for an operator's RETRY. */
  let unknownPayment: { attempt: number; sealedCard: string; method?: PaymentMethod } | undefined;
  /** The status to return to once an attention is resolved, and the operator's decision once taken. */
  let statusBeforeAttention: OrderStatus | undefined;
  let attentionDecision: AttentionResolution | undefined;
  let attentionsRaised = 0;
  let decisionsTaken = 0;
  /** True while a bank call an operator asked to RETRY runs. */
  let retrying = false;

  const nowIso = (): string => new Date().toISOString();
  const persist = (notices: NoticeDraft[] = []): Promise<number> => writer.persist(notices);
  /**
   * An Update's answer once the read model holds the order as it is now (read-your-writes), with the order as the
   * acting party may see it: the API answers it as is, without reading the order back.
   */
  const reply = async (viewer: OrderViewer): Promise<OrderActionResult> => {
    const version = await persist();
    return { orderId: order.orderId, version, view: viewFor(order, viewer) };
  };

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

  /** The order as a party's action sees it: while it needs attention, the status it had before. */
  function actionView(): OrderView {
    return statusBeforeAttention ? { ...order, status: statusBeforeAttention } : order;
  }

  /** Runs an action's checks, turning domain errors into the Update failures of the one error table. */
  function validate(check: () => void, options: { duringAttention?: boolean; whileClosing?: boolean } = {}): void {
    try {
      // The action's own rules first: they include who may act, so an outsider learns nothing of the order's state.
      check();
      if (isTerminal(order.status)) throw new OrderStateConflict('order_not_at_step', `the order is ${order.status}`);
      if (!options.whileClosing && (cancelRequest || closing)) {
        throw new OrderStateConflict('order_cancelling', 'the order is being cancelled');
      }
      if (!options.duringAttention && order.status === 'NEEDS_ATTENTION') {
        throw new OrderStateConflict('order_needs_attention', 'the order waits for an operator');
      }
    } catch (error) {
      throw toUpdateFailure(error);
    }
  }

  /**
   * Registers an Update whose checks run twice: in the validator (so a rejection never reaches history) and again
   * at the start of the handler, before its first await, where the handler also claims the step. Handlers of one
   * workflow task run one at a time up to their first await, so of concurrent copies exactly one claims the step.
   */
  function onUpdate<Arg, Ret>(
    definition: UpdateDef<Ret, Arg>,
    check: (arg: Arg) => void,
    handler: (arg: Arg) => Promise<Ret>,
    options: { duringAttention?: boolean; whileClosing?: boolean } = {},
  ): void {
    wf.setHandler(
      definition,
      async (arg: Arg) => {
        // Runs synchronously up to the handler's own first await: the re-check and the claim happen together.
        validate(() => check(arg), options);
        return handler(arg);
      },
      { validator: (arg: Arg) => validate(() => check(arg), options) },
    );
  }

  /** Waits for `done` (or the deadline); a cancellation request ends the order instead. */
  async function waitFor(done: () => boolean, timeoutMs?: number): Promise<boolean> {
    const ready = () => done() || cancelRequest !== undefined;
    const arrived = timeoutMs === undefined ? (await wf.condition(ready), true) : await wf.condition(ready, timeoutMs);
    if (cancelRequest) throw new OrderEnding(cancelRequest.reason, cancelRequest.detail);
    return arrived;
  }

  /**
   * Puts the order in `NEEDS_ATTENTION` with a notice to the seller (and the customer when `customerToo`) and waits
   * for an operator's decision, or for `settledElsewhere` (the awaited event came after all).
   * @returns the operator's decision, or undefined when settled elsewhere
   */
  async function needAttention(
    reason: AttentionReason,
    detail: string,
    options: { customerToo?: boolean; settledElsewhere?: () => boolean } = {},
  ): Promise<AttentionResolution | undefined> {
    attentionsRaised += 1;
    statusBeforeAttention = order.status;
    order.attention = { reason, since: nowIso(), detail };
    attentionDecision = undefined;
    setStatus('NEEDS_ATTENTION');
    const recipients = options.customerToo ? [order.sellerId, order.customerId] : [order.sellerId];
    await persist(
      recipients.map((party) =>
        notice('ATTENTION_NEEDED', order.orderId, party, nowIso(), { reason, detail }, attentionsRaised),
      ),
    );
    const settled = options.settledElsewhere ?? (() => false);
    await wf.condition(() => attentionDecision !== undefined || settled());
    // Set by the operator's Update handler meanwhile (TypeScript cannot see that through the closure).
    const decision = attentionDecision as AttentionResolution | undefined;
    order.attention = undefined;
    if (decision) order.attentionResolutions = [...(order.attentionResolutions ?? []), decision];
    const resume = statusBeforeAttention;
    statusBeforeAttention = undefined;
    attentionDecision = undefined;
    // Set before the decision counts as taken, so the operator's Update answers after the retried call.
    if (decision?.action === 'RETRY') retrying = true;
    decisionsTaken += 1;
    setStatus(resume);
    return decision;
  }

  /**
   * Runs a money activity to its end (even while the workflow is being cancelled). When it runs out of time, nothing
   * is guessed: the order needs attention until an operator retries it (same bank reference) or cancels the order.
   */
  async function moneyCall<T>(reason: AttentionReason, what: string, call: () => Promise<T>): Promise<T> {
    for (;;) {
      let failure: wf.ActivityFailure;
      try {
        return await wf.CancellationScope.nonCancellable(call);
      } catch (error) {
        if (!(error instanceof wf.ActivityFailure)) throw error;
        failure = error;
      } finally {
        retrying = false;
      }
      const decision = await needAttention(reason, `${what} did not complete: ${failureText(failure)}`);
      if (decision?.action === 'CANCEL') {
        throw new OrderEnding('CANCELLED_BY_OPERATOR', decision.note ?? `cancelled by an operator: ${what}`);
      }
    }
  }

  /** Whether this order pays through the gateway's child workflows (decided once, at its first payment). */
  let paysThroughChild: boolean | undefined;
  const sealedCards = new Map<number, string>();
  /** Each attempt's payment method (`card` when absent), for the child workflows that follow its authorization. */
  const paymentMethods = new Map<number, PaymentMethod>();

  /** Runs one bank operation as a payment child workflow on the gateway's task queue. */
  function paymentChild(command: PaymentCommand): Promise<PaymentSummary> {
    return wf.executeChild('paymentWorkflow', {
      workflowId: paymentWorkflowId(command),
      taskQueue: input.gatewayTaskQueue ?? DEFAULT_GATEWAY_TASK_QUEUE,
      args: [command],
    });
  }

  /** One payment attempt at the bank; `UNKNOWN` when the bank call ran out before an answer. */
  async function collect(attempt: number, sealedCard: string, method: PaymentMethod = 'card') {
    // Orders placed with a gateway task queue pay through the gateway worker (recorded by the patch marker).
    paysThroughChild ??= input.gatewayTaskQueue !== undefined && wf.patched(PAYMENT_CHILD_PATCH);
    if (!paysThroughChild && method !== 'card') {
      // E-checks and e-cash exist only at the gateway worker: an order on the in-worker bank takes cards only.
      const declineCode = 'payment_method_unavailable';
      return { status: 'DECLINED' as const, declineCode, authorizationId: undefined, captureId: undefined };
    }
    if (paysThroughChild) {
      sealedCards.set(attempt, sealedCard);
      paymentMethods.set(attempt, method);
      try {
        const summary: PaymentSummary = await wf.CancellationScope.nonCancellable(() =>
          paymentChild({
            command: 'authorize',
            ...(method === 'card' ? {} : { method }),
            customerId: order.customerId,
            orderId: order.orderId,
            attempt,
            sellerId: order.sellerId,
            amount: order.total,
            captureMode: input.captureMode ?? 'at_delivery',
            sealedCard,
            timeoutMs: bankCallMs,
          }),
        );
        // A signed notification's instrument is the gateway's to read: its last four come back with the answer.
        return { ...outcomeOf(summary), gatewayLast4: summary.last4 };
      } catch (error) {
        if (!(error instanceof wf.ChildWorkflowFailure)) throw error;
        return { status: 'UNKNOWN' as const, declineCode: undefined, authorizationId: undefined, captureId: undefined };
      }
    }
    try {
      return await wf.CancellationScope.nonCancellable(() =>
        bank.collectPayment({
          orderId: order.orderId,
          attempt,
          sellerId: order.sellerId,
          amount: order.total,
          sealedCard,
        }),
      );
    } catch (error) {
      if (!(error instanceof wf.ActivityFailure)) throw error;
      return { status: 'UNKNOWN' as const, declineCode: undefined, authorizationId: undefined, captureId: undefined };
    }
  }

  /** The `method` of an attempt's later commands: absent for a card (the commands a card order always sent). */
  function methodOf(attempt: number): { method?: PaymentMethod } {
    const method = paymentMethods.get(attempt) ?? 'card';
    return method === 'card' ? {} : { method };
  }

  /** Captures at delivery the payment authorized through the child workflow, if there is one. */
  async function captureAuthorized(): Promise<void> {
    const authorized = order.payments.find((p) => p.status === 'AUTHORIZED');
    if (!authorized) return;
    const summary = await moneyCall('PAYOUT_UNKNOWN', 'the capture of the payment', () =>
      paymentChild({
        command: 'capture',
        ...methodOf(authorized.attempt),
        orderId: order.orderId,
        attempt: authorized.attempt,
        sealedCard: sealedCards.get(authorized.attempt) ?? '',
        timeoutMs: bankCallMs,
      }),
    );
    if (summary.status === 'succeeded') {
      await persist(
        recordPayment({
          ...authorized,
          status: 'CAPTURED',
          captureId: paymentIdFor(order.orderId, authorized.attempt),
        }),
      );
    }
  }

  /** Voids or refunds the order's payment through the child workflows, as far as it got. */
  async function reverseThroughChild(): Promise<PaymentReversalOutcome> {
    for (const payment of [...order.payments].sort((a, b) => b.attempt - a.attempt)) {
      const sealedCard = sealedCards.get(payment.attempt) ?? '';
      const base = {
        ...methodOf(payment.attempt),
        orderId: order.orderId,
        attempt: payment.attempt,
        sealedCard,
        timeoutMs: bankCallMs,
      };
      if (payment.status === 'AUTHORIZED') {
        await paymentChild({ command: 'void', ...base });
        return 'VOIDED';
      }
      if (payment.status === 'CAPTURED') {
        await paymentChild({ command: 'refund', ...base, refundNo: 1, settled: order.settlement !== undefined });
        return 'REFUNDED';
      }
    }
    return 'NONE';
  }

  /** Records a payment attempt's outcome (replacing an earlier record of the same attempt) and step 7 on capture. */
  function recordPayment(recorded: PaymentAttempt): NoticeDraft[] {
    order.payments = [...order.payments.filter((p) => p.attempt !== recorded.attempt), recorded];
    touch();
    if (recorded.status !== 'CAPTURED' && recorded.status !== 'AUTHORIZED') return [];
    if (order.timeline.some((entry) => entry.step === 7)) return [];
    const verb = recorded.status === 'AUTHORIZED' ? 'authorized' : 'captured';
    const instrument = { card: 'card', echeck: 'e-check from account', ecash: 'e-cash wallet' }[recorded.method];
    reachStep(
      7,
      order.customerId,
      `payment of ${formatMoney(order.total)} ${verb} (${instrument} ending ${recorded.last4})`,
    );
    return [
      notice('PAYMENT_RECEIPT', order.orderId, order.customerId, nowIso(), {
        amount: order.total,
        last4: recorded.last4,
      }),
    ];
  }

  // ---- queries, signals and Updates ---------------------------------------------------------

  wf.setHandler(orderStatusQuery, () => order);

  /** The settlement batches' lines of this order, as their workflows signalled them (a repeat is dropped). */
  const settlementLines: SettlementLineSignal[] = [];
  wf.setHandler(settlementLineSignal, (line) => {
    if (settlementLines.some((seen) => seen.lineId === line.lineId && seen.status === line.status)) return;
    settlementLines.push(line);
  });

  onUpdate(
    supplierAnswerUpdate,
    ({ supplierId, answer }) => {
      assertSupplierAnswer(actionView(), supplierId, answer);
      if (order.supplierAnswer) throw new OrderStateConflict('already_answered', 'the supplier has answered');
    },
    async ({ supplierId, answer }) => {
      order.supplierAnswer = { ...answer, answeredAt: nowIso() };
      // An answer may arrive in the instant the workflow starts sending the inquiry: step 3 follows step 2.
      if (order.status === 'PLACED') await wf.condition(() => order.status !== 'PLACED');
      reachStep(3, supplierId, answer.available ? `available, reservation ${answer.reservationId}` : 'not available');
      return reply({ id: supplierId, role: 'supplier' });
    },
  );

  onUpdate(
    carrierAnswerUpdate,
    ({ carrierId, answer }) => assertCarrierAnswer(actionView(), carrierId, answer),
    async ({ carrierId, answer }) => {
      order.quotes.push({ ...answer, carrierId, answeredAt: nowIso() });
      touch();
      return reply({ id: carrierId, role: 'carrier' });
    },
  );

  onUpdate(
    shipmentEventUpdate,
    ({ carrierId, type }) => assertShipmentEvent(actionView(), carrierId, type),
    async ({ carrierId, type }) => {
      order.shipment.events.push({ type, at: nowIso() });
      if (order.status === 'CONFIRMED') setStatus('IN_DELIVERY');
      else {
        if (statusBeforeAttention === 'CONFIRMED') statusBeforeAttention = 'IN_DELIVERY';
        touch();
      }
      return reply({ id: carrierId, role: 'carrier' });
    },
    { duringAttention: true },
  );

  onUpdate(
    paymentNotificationUpdate,
    ({ customerId }) => {
      assertPaymentNotification(actionView(), customerId);
      if (paymentInFlight || unknownPayment) {
        throw new OrderStateConflict('payment_in_progress', 'a payment is being processed');
      }
      if (paymentWindowClosed) throw new OrderStateConflict('payment_deadline_passed', 'the payment deadline passed');
      if (paymentAttempts >= maxPaymentAttempts) {
        throw new OrderStateConflict(
          'payment_attempts_exhausted',
          `the order takes at most ${maxPaymentAttempts} payment notifications`,
        );
      }
    },
    async ({
      customerId,
      payment,
    }: {
      customerId: string;
      payment: SealedCardPayment;
    }): Promise<PaymentNotificationResult> => {
      paymentInFlight = true;
      paymentAttempts += 1;
      const attempt = paymentAttempts;
      saga.register('PAYMENT');
      try {
        const outcome = await collect(attempt, payment.sealedCard, payment.method);
        const recorded: PaymentAttempt = {
          attempt,
          method: payment.method,
          brand: payment.brand,
          last4: lastFourOf(payment.last4, 'gatewayLast4' in outcome ? outcome.gatewayLast4 : undefined),
          amount: order.total,
          status: outcome.status,
          declineCode: outcome.declineCode,
          authorizationId: outcome.authorizationId,
          captureId: outcome.captureId,
          at: nowIso(),
        };
        if (outcome.status === 'UNKNOWN') {
          unknownPayment = { attempt, sealedCard: payment.sealedCard, method: payment.method };
        }
        const version = await persist(recordPayment(recorded));
        const view = viewFor(order, { id: customerId, role: 'customer' });
        return { orderId: order.orderId, version, payment: recorded, view };
      } finally {
        paymentInFlight = false;
      }
    },
  );

  onUpdate(
    settlementConfirmationUpdate,
    ({ sellerId }) => {
      assertSettlementConfirmation(actionView(), sellerId);
      if (order.sellerConfirmation) throw new OrderStateConflict('already_answered', 'the seller has answered');
    },
    async ({ sellerId, confirmed, reason }) => {
      order.sellerConfirmation = { confirmed, reason, at: nowIso() };
      reachStep(9, sellerId, confirmed ? 'transfer notice and settlement note confirmed' : `disputed: ${reason ?? ''}`);
      await wf.condition(() => order.status !== 'AWAITING_SELLER_CONFIRMATION');
      return reply({ id: sellerId, role: 'seller' });
    },
  );

  onUpdate(
    cancelOrderUpdate,
    ({ actor }) => assertCancellation(actionView(), actor as Actor),
    async ({ actor, reason }) => {
      cancelRequest = { reason: cancellationReasonFor(actor.role) ?? 'CANCELLED_BY_OPERATOR', detail: reason ?? '' };
      await wf.condition(() => order.status === 'CANCELLED');
      return reply({ id: actor.partyId, role: actor.role });
    },
  );

  onUpdate(
    resolveDisputeUpdate,
    () => {
      assertDisputeResolution(actionView());
      if (order.disputeResolution) throw new OrderStateConflict('already_resolved', 'the dispute is resolved');
    },
    async ({ operatorId, resolution, note }) => {
      order.disputeResolution = { resolution, operatorId, note, at: nowIso() };
      touch();
      await wf.condition(() => isTerminal(order.status));
      return reply({ id: operatorId, role: 'operator' });
    },
    { duringAttention: true },
  );

  onUpdate(
    resolveAttentionUpdate,
    ({ action, extendMs }) => {
      const reason = order.attention?.reason;
      if (order.status !== 'NEEDS_ATTENTION' || !reason) {
        throw new OrderStateConflict('order_not_at_step', `the order is ${order.status}, not NEEDS_ATTENTION`);
      }
      if (attentionDecision) throw new OrderStateConflict('already_answered', 'an operator has decided');
      if (!ATTENTION_ACTIONS[reason].includes(action)) {
        throw new OrderStateConflict('action_not_applicable', `${action} does not apply to ${reason}`);
      }
      if (action === 'EXTEND' && extendMs === undefined) {
        throw new DomainError('parameter_missing', 'EXTEND needs extendMs', 'extendMs');
      }
    },
    async ({ operatorId, action, note, extendMs }) => {
      const reason = order.attention?.reason ?? 'PAYMENT_UNKNOWN';
      attentionDecision = { reason, action, operatorId, note, extendMs, at: nowIso() };
      const taken = decisionsTaken + 1;
      // Answers once the decision has taken effect: a retried bank call answered (or needing attention again), a
      // cancellation done, or a deadline extended.
      await wf.condition(() => decisionsTaken >= taken && !retrying);
      if (action === 'CANCEL') await wf.condition(() => isTerminal(order.status) || order.status === 'NEEDS_ATTENTION');
      return reply({ id: operatorId, role: 'operator' });
    },
    { duringAttention: true, whileClosing: true },
  );

  // ---- the saga ------------------------------------------------------------------------------

  async function cancelOrder(reason: CancellationReason, detail: string): Promise<OrderView> {
    closing = true;
    await wf.CancellationScope.nonCancellable(async () => {
      await wf.condition(() => !paymentInFlight);
      const notices = await saga.compensate(order, reason, nowIso, () =>
        moneyCall<PaymentReversalOutcome>('REFUND_UNKNOWN', 'the refund or void of the payment', () =>
          paysThroughChild
            ? reverseThroughChild()
            : bank.refundOrVoidPayment({
                orderId: order.orderId,
                attempts: paymentAttempts,
                sellerId: order.sellerId,
                amount: order.total,
              }),
        ),
      );
      order.cancellationReason = reason;
      order.cancellationDetail = detail;
      order.attention = undefined;
      // The customer reads the cancellation as its view has it: no operator's note, no system detail.
      const customerView = viewFor(order, { id: order.customerId, role: 'customer' });
      notices.push(
        notice('ORDER_CANCELLED', order.orderId, order.sellerId, nowIso(), { reason, detail }),
        notice('ORDER_CANCELLED', order.orderId, order.customerId, nowIso(), {
          reason: customerView.cancellationReason,
          ...(customerView.cancellationDetail !== undefined ? { detail: customerView.cancellationDetail } : {}),
        }),
      );
      setStatus('CANCELLED');
      await persist(notices);
    });
    return order;
  }

  // ---- the ten steps -------------------------------------------------------------------------

  /** Step 7's payment: captured, or the order ends (deadline, attempts exhausted, cancelled). */
  async function awaitPayment(paymentDueAt: number): Promise<void> {
    const exhausted = () => paymentAttempts >= maxPaymentAttempts && !paymentInFlight && !unknownPayment;
    for (;;) {
      const remaining = paymentDueAt - Date.now();
      const arrived =
        remaining > 0 && (await waitFor(() => isPaid(order) || unknownPayment !== undefined || exhausted(), remaining));
      if (!arrived) paymentWindowClosed = true;
      await wf.condition(() => !paymentInFlight);
      if (isPaid(order)) return;
      const unknown = unknownPayment;
      if (unknown) {
        const decision = await needAttention(
          'PAYMENT_UNKNOWN',
          `payment attempt ${unknown.attempt}: the bank did not answer within ${bankCallMs} ms`,
        );
        if (decision?.action === 'CANCEL') {
          throw new OrderEnding('CANCELLED_BY_OPERATOR', decision.note ?? 'payment outcome unknown; cancelled');
        }
        paymentInFlight = true;
        try {
          const outcome = await collect(unknown.attempt, unknown.sealedCard, unknown.method);
          const earlier = order.payments.find((p) => p.attempt === unknown.attempt);
          if (earlier) await persist(recordPayment({ ...earlier, ...outcome, at: nowIso() }));
          if (outcome.status !== 'UNKNOWN') unknownPayment = undefined;
        } finally {
          paymentInFlight = false;
          retrying = false;
        }
        continue;
      }
      if (exhausted()) {
        throw new OrderEnding('PAYMENT_FAILED', `${paymentAttempts} payment attempts declined`);
      }
      if (paymentWindowClosed) {
        throw new OrderEnding('PAYMENT_DEADLINE_PASSED', `no payment captured in time (${paymentAttempts} declined)`);
      }
    }
  }

  /** The carrier's `delivered`, or an operator's decision once the delivery is overdue. */
  async function awaitDelivery(deliveryDueAt: number): Promise<void> {
    const delivered = () => order.shipment.events.some((e) => e.type === 'delivered');
    let dueAt = deliveryDueAt;
    for (;;) {
      const remaining = dueAt - Date.now();
      if (remaining > 0 && (await waitFor(delivered, remaining))) return;
      if (delivered()) return;
      const decision = await needAttention('DELIVERY_OVERDUE', `no delivery reported by ${isoAt(dueAt)}`, {
        customerToo: true,
        settledElsewhere: delivered,
      });
      if (!decision) return;
      if (decision.action === 'CANCEL') {
        throw new OrderEnding('CANCELLED_BY_OPERATOR', decision.note ?? 'delivery overdue; cancelled by an operator');
      }
      dueAt = Date.now() + (decision.extendMs ?? order.deadlines.deliveryMs);
    }
  }

  /**
   * Step 8 through settlement batches: asks for the captured payment's settlement and waits for the batch that pays
   * it out (its workflow's signal). A rejected or returned payout tells the seller (`PAYOUT_REJECTED`) and the wait
   * goes on for a later cut-off; past `settlementWaitMs` the order needs attention (`SETTLEMENT_OVERDUE`, EXTEND)
   * and takes the batch's signal whenever it comes.
   */
  async function awaitSettlementBatch(payment: PaymentAttempt, waitMs: number): Promise<Settlement> {
    const paymentId = paymentIdFor(order.orderId, payment.attempt);
    await moneyCall('PAYOUT_UNKNOWN', 'the settlement request', () =>
      bank.requestSettlement({
        orderId: order.orderId,
        paymentId,
        sellerId: order.sellerId,
        currency: order.total.currency,
      }),
    );
    const paidLine = () => settlementLines.find((line) => line.paymentId === paymentId && line.status === 'PAID');
    const rejectedLines = () =>
      settlementLines.filter((line) => line.paymentId === paymentId && line.status === 'REJECTED');
    let rejectionsTold = 0;
    let dueAt = Date.now() + waitMs;
    const news = () => paidLine() !== undefined || rejectedLines().length > rejectionsTold;
    for (;;) {
      const remaining = dueAt - Date.now();
      const arrived = remaining > 0 && (await wf.condition(news, remaining));
      const fresh = rejectedLines().slice(rejectionsTold);
      if (fresh.length > 0) {
        const notices = fresh.map((line, index) =>
          notice(
            'PAYOUT_REJECTED',
            order.orderId,
            order.sellerId,
            nowIso(),
            { batchId: line.batchId, lineId: line.lineId, reason: line.reason, gross: line.gross, net: line.net },
            rejectionsTold + index + 1,
          ),
        );
        rejectionsTold += fresh.length;
        touch();
        await persist(notices);
      }
      if (paidLine()) break;
      if (arrived) continue;
      // Overdue: an operator may give it more time; a batch's outcome meanwhile ends the attention (a rejection is
      // told at the top of the loop, and the order, still unpaid, needs attention again).
      const decision = await needAttention(
        'SETTLEMENT_OVERDUE',
        `no settlement batch paid the order out by ${isoAt(dueAt)}`,
        { settledElsewhere: news },
      );
      if (decision) dueAt = Date.now() + (decision.extendMs ?? waitMs);
    }
    const line = paidLine()!;
    return {
      transferNoticeId: `tn_${order.orderId}`,
      settlementNoteId: `sn_${order.orderId}`,
      gross: line.gross,
      fee: line.fee,
      net: line.net,
      settledAt: line.at,
      batchId: line.batchId,
      lineId: line.lineId,
    };
  }

  /** Step 9's dispute: resolved by an operator, escalated to `NEEDS_ATTENTION` when overdue. */
  async function awaitDisputeResolution(): Promise<void> {
    const resolved = () => order.disputeResolution !== undefined;
    let dueAt = Date.now() + order.deadlines.disputeResolutionMs;
    for (;;) {
      const remaining = dueAt - Date.now();
      if (remaining > 0 && (await waitFor(resolved, remaining))) return;
      if (resolved()) return;
      const decision = await needAttention('DISPUTE_OVERDUE', `the dispute was not resolved by ${isoAt(dueAt)}`, {
        settledElsewhere: resolved,
      });
      if (!decision) return;
      if (decision.action === 'CANCEL') {
        throw new OrderEnding('CANCELLED_BY_OPERATOR', decision.note ?? 'dispute overdue; refunded by an operator');
      }
      dueAt = Date.now() + (decision.extendMs ?? order.deadlines.disputeResolutionMs);
    }
  }

  async function run(): Promise<OrderView> {
    // Steps 1 and 2: the seller's order, recorded by the workflow that owns it, and the order inquiry to the
    // supplier, in one write so a supplier answering at once never finds the order still PLACED.
    setStatus('AWAITING_SUPPLIER');
    reachStep(2, order.sellerId, `order inquiry sent to ${order.supplierId}`);
    await persist([
      notice('SUPPLIER_INQUIRY', order.orderId, order.supplierId, nowIso(), {
        items: order.items.map(({ sku, description, quantity }) => ({ sku, description, quantity })),
        answerBy: isoAt(Date.now() + order.deadlines.supplierAnswerMs),
      }),
    ]);

    // Step 3: the supplier's answer, or the deadline.
    const answered = await waitFor(() => order.timeline.some((e) => e.step === 3), order.deadlines.supplierAnswerMs);
    if (!answered) throw new OrderEnding('SUPPLIER_DEADLINE_PASSED', 'the supplier did not answer in time');
    if (!order.supplierAnswer?.available) throw new OrderEnding('SUPPLIER_UNAVAILABLE', 'the supplier cannot deliver');
    saga.register('RESERVATION');

    // Step 4: the transport inquiry to every candidate carrier.
    setStatus('AWAITING_CARRIER');
    reachStep(4, order.sellerId, `transport inquiry sent to ${order.carrierIds.join(', ')}`);
    const answerBy = isoAt(Date.now() + order.deadlines.carrierAnswerMs);
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
    await waitFor(() => order.quotes.length === order.carrierIds.length, order.deadlines.carrierAnswerMs);
    const best = chooseBestQuote(order, order.quotes);
    if (!best?.price) throw new OrderEnding('NO_CARRIER', `no acceptable quote from ${order.quotes.length} answers`);
    saga.register('TRANSPORT');
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
    const confirmedAt = Date.now();
    const paymentDueAt = confirmedAt + order.deadlines.paymentMs;
    await persist([
      ...order.carrierIds
        .filter((id) => id !== best.carrierId)
        .map((id) => notice('QUOTE_NOT_SELECTED', order.orderId, id, nowIso())),
      notice('ORDER_CONFIRMATION', order.orderId, order.customerId, nowIso(), {
        total: order.total,
        deliveryDate: best.deliveryDate,
        payBy: isoAt(paymentDueAt),
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

    // Step 7: the customer's payment notification reaches the gateway (Update); the carrier delivers.
    await awaitPayment(paymentDueAt);
    await awaitDelivery(confirmedAt + order.deadlines.deliveryMs);
    // Capture at delivery (payments authorized through the gateway's child workflow).
    await captureAuthorized();

    // Step 8: only now is the seller paid out: the gateway's transfer notice and bank settlement note. Orders paying
    // through the gateway with a settlement wait are paid out by the cut-off's batch (from SETTLEMENT_BATCHES_PATCH).
    const captured = order.payments.find((p) => p.status === 'CAPTURED');
    const batched =
      input.settlementWaitMs !== undefined &&
      paysThroughChild === true &&
      captured !== undefined &&
      wf.patched(SETTLEMENT_BATCHES_PATCH);
    const settlement = batched
      ? await awaitSettlementBatch(captured, input.settlementWaitMs!)
      : await moneyCall('PAYOUT_UNKNOWN', 'the payout to the seller', () =>
          bank.settlePayment({
            orderId: order.orderId,
            sellerId: order.sellerId,
            gross: order.total,
            fee: input.gatewayFee,
          }),
        );
    order.settlement = settlement;
    const paidBy = settlement.batchId === undefined ? '' : `batch ${settlement.batchId}: `;
    reachStep(8, 'gateway', `${paidBy}net ${formatMoney(settlement.net)} after fee ${formatMoney(settlement.fee)}`);

    // Step 9: the seller confirms, or disputes and waits for an operator; no answer in time counts as confirmed.
    setStatus('AWAITING_SELLER_CONFIRMATION');
    await persist([
      notice('TRANSFER_NOTICE', order.orderId, order.sellerId, nowIso(), {
        transferNoticeId: settlement.transferNoticeId,
        amount: settlement.net,
        ...(settlement.batchId === undefined ? {} : { batchId: settlement.batchId, lineId: settlement.lineId }),
      }),
      notice('SETTLEMENT_NOTE', order.orderId, order.sellerId, nowIso(), {
        ...settlement,
        confirmBy: isoAt(Date.now() + order.deadlines.sellerConfirmationMs),
      }),
    ]);
    const confirmed = await waitFor(() => order.sellerConfirmation !== undefined, order.deadlines.sellerConfirmationMs);
    if (!confirmed) {
      order.sellerConfirmation = { confirmed: true, reason: 'no answer by the deadline', at: nowIso() };
      reachStep(9, 'settleflow', 'no answer from the seller by the deadline: counted as confirmed');
    }
    if (!order.sellerConfirmation?.confirmed) {
      setStatus('DISPUTED');
      await persist([
        notice('SETTLEMENT_DISPUTED', order.orderId, order.sellerId, nowIso(), {
          reason: order.sellerConfirmation?.reason,
        }),
      ]);
      await awaitDisputeResolution();
      if (order.disputeResolution?.resolution === 'REFUND') {
        throw new OrderEnding('DISPUTE_REFUNDED', order.disputeResolution.note ?? 'refunded by an operator');
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

  /** Runs the steps; an ending before step 10 runs the saga. */
  async function runToEnd(): Promise<OrderView> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof OrderEnding) return cancelOrder(error.reason, error.detail);
      throw error;
    }
  }

  /** Lets Update handlers answer before the workflow completes. */
  async function finish(result: OrderView): Promise<OrderView> {
    await wf.condition(wf.allHandlersFinished);
    return result;
  }

  // The writer outlives any cancellation of the workflow: compensations must still be recorded.
  void wf.CancellationScope.nonCancellable(() => writer.run());
  try {
    return await finish(await runToEnd());
  } catch (error) {
    if (wf.isCancellation(error) && !isTerminal(order.status)) {
      // The root scope is cancelled (Cancel in Temporal UI): everything from here on must not be.
      return wf.CancellationScope.nonCancellable(async () =>
        finish(await cancelOrder('CANCELLED_BY_OPERATOR', 'workflow cancelled in Temporal')),
      );
    }
    throw error;
  }
}

/**
 * The last four digits the order shows: the API's, unless the API could not read the instrument (a signed
 * notification: `????`) and the gateway, which could, answered them.
 */
function lastFourOf(fromApi: string, fromGateway: string | undefined): string {
  return fromApi === '????' && fromGateway !== undefined && /^[0-9A-Za-z]{4}$/.test(fromGateway)
    ? fromGateway
    : fromApi;
}

/** The order's view of a payment child's result. */
function outcomeOf(summary: PaymentSummary) {
  const ids = { authorizationId: summary.paymentId, captureId: undefined as string | undefined };
  switch (summary.status) {
    case 'requires_capture':
      return { status: 'AUTHORIZED' as const, declineCode: undefined, ...ids };
    case 'succeeded':
      return { status: 'CAPTURED' as const, declineCode: undefined, ...ids, captureId: summary.paymentId };
    case 'unknown':
      return { status: 'UNKNOWN' as const, declineCode: undefined, authorizationId: undefined, captureId: undefined };
    default:
      return {
        status: 'DECLINED' as const,
        declineCode: summary.declineCode,
        authorizationId: undefined,
        captureId: undefined,
      };
  }
}

/** An epoch time as ISO 8601. */
function isoAt(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** What a failed activity says, without anything from outside (the bank's answer stays in the gateway). */
function failureText(error: wf.ActivityFailure): string {
  if (error.cause instanceof wf.TimeoutFailure) return 'the bank call timed out';
  return error.cause?.message ?? error.message;
}
