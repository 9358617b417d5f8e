// Bots that play one order's parties over the HTTP API: the seller places it, the supplier and every candidate
// carrier answer, the customer pays, the chosen carrier reports the shipment, the seller confirms the settlement.
// A bot acts on the order id it was told about (what the inquiry notice would tell it) as soon as the party
// before it has acted. If the order is not yet at its step (409), it reads the order until the read model shows the
// step, then sends again: one request per step in the common case, where polling the inbox would cost every party a
// scan of its notices and order reads every round, and resending blindly would cost an Update round trip each time.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  CancellationReason,
  CarrierAnswer,
  OrderItem,
  OrderStatus,
  OrderView,
  SupplierAnswer,
} from '../../src/domain/order';
import { isTerminal } from '../../src/domain/order';
import type {
  CardDetails,
  PaymentNotificationResult,
  PlaceOrderRequest,
  RequestOptions,
  SettleflowClient,
} from './api-client';
import { ApiConnectionError, ApiRequestError } from './api-client';
import type { LatencyBook } from './latency';
import type { DemoPaymentMethod, OrderScenario } from './scenarios';

/** A party the bots act as: its id and a client holding its API key. */
export interface BotParty {
  id: string;
  client: SettleflowClient;
}

/** The parties of one order. */
export interface OrderCast {
  seller: BotParty;
  customer: BotParty;
  supplier: BotParty;
  /** Candidate carriers; each quotes, the cheapest wins. */
  carriers: BotParty[];
}

/** The names latencies are recorded under: one per party action, each an accepted request's round trip. */
export const ACTIONS = {
  placeOrder: 'place-order',
  supplierAnswer: 'supplier-answer',
  carrierAnswer: 'carrier-answer',
  paymentDeclined: 'payment-declined',
  paymentNotification: 'payment-notification',
  shipmentEvent: 'shipment-event',
  settlementConfirmation: 'settlement-confirmation',
} as const;

/** One of {@link ACTIONS}. */
export type ActionName = (typeof ACTIONS)[keyof typeof ACTIONS];

/** The actions that answer the order (everything but placing it): what "a party's answer round trip" covers. */
export const ANSWER_ACTIONS: readonly ActionName[] = [
  ACTIONS.supplierAnswer,
  ACTIONS.carrierAnswer,
  ACTIONS.paymentDeclined,
  ACTIONS.paymentNotification,
  ACTIONS.shipmentEvent,
  ACTIONS.settlementConfirmation,
];

/** The step of the ten that each action belongs to, for reports. */
export const ACTION_STEPS: Record<ActionName, number> = {
  'place-order': 1,
  'supplier-answer': 3,
  'carrier-answer': 5,
  'payment-declined': 7,
  'payment-notification': 7,
  'shipment-event': 7,
  'settlement-confirmation': 9,
};

/** How a bot waits for an order that is not yet at its step. */
export interface RetryPolicy {
  /** First pause between reads of an order that is not yet at the step (or before a resend); doubles up to max. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A bot that waited this long for one step gives up and reports the order as failed. */
  giveUpAfterMs: number;
}

/** Short first pauses (most 409s last one persist activity), capped so waiting bots do not hammer the API. */
export const DEFAULT_RETRY: RetryPolicy = { initialDelayMs: 50, maxDelayMs: 1000, giveUpAfterMs: 120_000 };

/** Test cards of the simulated bank. */
export const TEST_CARDS = {
  approved: '4242424242424242',
  insufficientFunds: '4000000000009995',
  expired: '4000000000000069',
} as const;

/** What a run needs besides the cast and the scenario. */
export interface LifecycleOptions {
  /** Where accepted requests' round trips are recorded, by {@link ActionName}. */
  latencies: LatencyBook;
  /** The supplier deadline of orders whose supplier misses it; short so they end quickly (API minimum 1000). */
  missedDeadlineMs?: number;
  retry?: RetryPolicy;
  /** Items of the order; a small random basket by default. */
  items?: OrderItem[];
  /** Stops the bots: requests in flight are abandoned and the order is reported `UNFINISHED`. */
  signal?: AbortSignal;
  /**
   * Resolves once `partyId` has received the order's notice of `kind` by webhook (a party with a webhook acts on its
   * notices, as the seller on step 8's settlement note). Without it, or when it gives up, the bot reads the order.
   */
  awaitNotice?: (partyId: string, orderId: string, kind: string, signal?: AbortSignal) => Promise<void>;
}

/** How one order ended, as its bots saw it. */
export interface OrderOutcome {
  orderId: string | undefined;
  scenario: OrderScenario;
  /** The last status seen; `FAILED` when a bot gave up or got an unexpected answer, `UNFINISHED` when stopped. */
  status: OrderStatus | 'FAILED' | 'UNFINISHED';
  cancellationReason?: CancellationReason | undefined;
  /** From the seller's place-order request to the answer that showed the order CLOSED or CANCELLED. */
  endToEndMs: number;
  declinedPayments: number;
  /** 409s a bot waited out, by action: how often it came before its step. */
  conflicts: Partial<Record<ActionName, number>>;
  /** Why the order failed, when it did. */
  error?: string | undefined;
}

/** The order ended (cancelled, usually) while a bot was waiting for its step. */
class OrderEnded extends Error {
  constructor(readonly order: OrderView) {
    super(`order ${order.orderId} is ${order.status}`);
    this.name = 'OrderEnded';
  }
}

/** 409 codes that mean "not yet": the order has not reached the step, is busy with a payment, or the same request
 * is still running. */
const NOT_YET = new Set(['order_not_at_step', 'payment_in_progress', 'idempotency_key_in_progress']);

/** Transport failures and 5xx: the same request, with the same idempotency key, may be sent again. */
function isTransient(error: unknown): boolean {
  if (error instanceof ApiConnectionError) return !error.refused;
  return error instanceof ApiRequestError && error.status >= 500;
}

const CATALOGUE: readonly OrderItem[] = [
  {
    sku: 'PAL-EUR-1200',
    description: 'Euro pallet 1200x800',
    quantity: 1,
    unitPrice: { amount: 1450, currency: 'EUR' },
  },
  {
    sku: 'BOX-K2-600',
    description: 'Corrugated box K2, 600x400x400',
    quantity: 1,
    unitPrice: { amount: 189, currency: 'EUR' },
  },
  {
    sku: 'STR-PP-12',
    description: 'Polypropylene strapping, 12 mm, 1000 m',
    quantity: 1,
    unitPrice: { amount: 3290, currency: 'EUR' },
  },
  {
    sku: 'FLM-STR-23',
    description: 'Stretch film 23 my, 1500 m',
    quantity: 1,
    unitPrice: { amount: 2475, currency: 'EUR' },
  },
];

/** A basket of one to three catalogue items with random quantities. */
export function sampleItems(random: () => number = Math.random): OrderItem[] {
  const count = 1 + Math.floor(random() * 3);
  const start = Math.floor(random() * CATALOGUE.length);
  return Array.from({ length: count }, (_, i) => {
    const item = CATALOGUE[(start + i) % CATALOGUE.length] as OrderItem;
    return { ...item, quantity: 1 + Math.floor(random() * 20) };
  });
}

function isoDate(daysFromNow: number): string {
  return new Date(Date.now() + daysFromNow * 86_400_000).toISOString().slice(0, 10);
}

/** A carrier's quote: prices differ by carrier so the choice varies between orders. */
function quoteFor(carrierIndex: number, random: () => number): CarrierAnswer {
  const days = 2 + Math.floor(random() * 4);
  return {
    accepted: true,
    pickupDate: isoDate(1),
    deliveryDate: isoDate(1 + days),
    route: ['Hamburg → Munich', 'Rotterdam → Vienna', 'Lyon → Milan'][carrierIndex % 3] ?? 'direct',
    method: ['road', 'rail', 'road express'][carrierIndex % 3] ?? 'road',
    price: { amount: 1500 + Math.floor(random() * 3000) + carrierIndex, currency: 'EUR' },
  };
}

/** A micropayment order's basket: under MICROPAYMENT_THRESHOLD_MINOR (10.00 by default). */
const MICROPAYMENT_ITEMS: OrderItem[] = [
  {
    sku: 'CLP-CBL-10',
    description: 'Cable clips, bag of 10',
    quantity: 1,
    unitPrice: { amount: 450, currency: 'EUR' },
  },
];

/** The demo customers' funded current account at the bank host (its seed: Globex Corporation). */
const DEMO_CUSTOMER_IBAN = 'DE70500105170000000002';

/**
 * Pays by the scenario's method: a card (also a micropayment's small order), an e-check from the demo customer's
 * account, or e-cash from the customer's wallet, topped up by card for this order first.
 */
async function payBy(
  client: SettleflowClient,
  method: DemoPaymentMethod,
  orderId: string,
  request: RequestOptions,
): Promise<PaymentNotificationResult> {
  let paid: PaymentNotificationResult | undefined;
  if (method === 'echeck') {
    const echeck = { iban: DEMO_CUSTOMER_IBAN, accountHolder: 'Globex Corporation' };
    paid = await client.payWith(orderId, { method: 'echeck', echeck }, request);
  } else if (method === 'ecash') {
    // The total as the customer sees it (a carrier's or supplier's view of the order has none).
    const { total } = await client.getOrder(orderId);
    if (total === undefined) throw new Error(`order ${orderId}: the customer's view shows no total`);
    const { walletId } = await client.openWallet(total.currency, 'demo-wallet');
    await client.topUpWallet(walletId, total.amount, card(TEST_CARDS.approved), `topup-${orderId}`);
    paid = await client.payWith(orderId, { method: 'ecash', ecash: { walletId } }, request);
  }
  // Without the gateway worker (PAYMENTS_THROUGH_GATEWAY=false) only cards are taken: the order is paid by card.
  if (paid !== undefined && paid.payment.status !== 'DECLINED') return paid;
  const fallback =
    paid === undefined || request.idempotencyKey === undefined
      ? request
      : { ...request, idempotencyKey: `${request.idempotencyKey}-card` };
  return client.paymentNotification(orderId, card(TEST_CARDS.approved), fallback);
}

function card(number: string): CardDetails {
  return { number, expMonth: 12, expYear: new Date().getUTCFullYear() + 3, cvc: '123' };
}

/** One order's run: its id once placed, the retry bookkeeping, and the actions' timing. */
class OrderRun {
  orderId = '';
  declinedPayments = 0;
  readonly conflicts: Partial<Record<ActionName, number>> = {};
  private readonly retry: RetryPolicy;
  private readonly signal: AbortSignal | undefined;

  constructor(private readonly options: LifecycleOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.signal = options.signal;
  }

  /**
   * Sends one party action until the order accepts it, and records the accepted request's round trip.
   * On a 409 "the order is not at this step" the bot reads the order until `readyWhen` holds, then resends with a
   * fresh idempotency key (the old one would replay the 409). A lost answer, a 5xx or a request still in progress is
   * resent with the same key, so the action cannot happen twice. The request body must not change between attempts.
   * @throws OrderEnded when the order ended first; the last error when it gave up
   */
  async act<T>(
    action: ActionName,
    party: BotParty,
    send: (options: RequestOptions) => Promise<T>,
    options: { readyWhen?: (order: OrderView) => boolean; recordAs?: (result: T) => ActionName } = {},
  ): Promise<T> {
    const started = Date.now();
    let delayMs = this.retry.initialDelayMs;
    const newKey = () => `${this.orderId || 'new'}:${action}:${party.id}:${randomUUID()}`;
    let key = newKey();
    for (;;) {
      this.signal?.throwIfAborted();
      const sentAt = performance.now();
      try {
        const result = await send({ idempotencyKey: key, signal: this.signal });
        this.options.latencies.record(options.recordAs?.(result) ?? action, performance.now() - sentAt);
        return result;
      } catch (error) {
        this.signal?.throwIfAborted();
        if (Date.now() - started > this.retry.giveUpAfterMs) throw error;
        const conflict = error instanceof ApiRequestError && error.status === 409 ? error.code : undefined;
        if (conflict === 'order_cancelling') throw new OrderEnded(await this.waitForEnd(party));
        if (conflict !== undefined && NOT_YET.has(conflict)) {
          this.conflicts[action] = (this.conflicts[action] ?? 0) + 1;
          if (conflict !== 'idempotency_key_in_progress') key = newKey();
          if (conflict === 'order_not_at_step' && options.readyWhen && this.orderId) {
            const order = await this.waitFor(party, options.readyWhen);
            if (isTerminal(order.status)) throw new OrderEnded(order);
            continue;
          }
        } else if (!isTransient(error)) {
          throw error;
        }
        await sleep(delayMs, undefined, { signal: this.signal });
        delayMs = Math.min(this.retry.maxDelayMs, delayMs * 2);
      }
    }
  }

  /**
   * Reads the order until `done` holds or it has ended, with pauses growing to `maxDelayMs`.
   * @throws Error when it is still not there after `limitMs`
   */
  async waitFor(
    party: BotParty,
    done: (order: OrderView) => boolean,
    limitMs = this.retry.giveUpAfterMs,
  ): Promise<OrderView> {
    const started = Date.now();
    let delayMs = this.retry.initialDelayMs;
    for (;;) {
      const order = await party.client.getOrder(this.orderId, { signal: this.signal });
      if (done(order) || isTerminal(order.status)) return order;
      if (Date.now() - started > limitMs) {
        throw new Error(`order ${this.orderId} still ${order.status} after ${limitMs} ms`);
      }
      await sleep(delayMs, undefined, { signal: this.signal });
      delayMs = Math.min(this.retry.maxDelayMs, delayMs * 2);
    }
  }

  /** Reads the order until it is CLOSED or CANCELLED. */
  waitForEnd(party: BotParty, limitMs?: number): Promise<OrderView> {
    return this.waitFor(party, (order) => isTerminal(order.status), limitMs);
  }
}

const statusIn =
  (...statuses: OrderStatus[]) =>
  (order: OrderView): boolean =>
    statuses.includes(order.status);

/**
 * Runs one order from the seller's order to its end with bots for every party, following `scenario`.
 * Never throws: a failure is reported in the outcome (`status: 'FAILED'`), so one bad order does not stop a run.
 */
export async function runOrderLifecycle(
  cast: OrderCast,
  scenario: OrderScenario,
  options: LifecycleOptions,
): Promise<OrderOutcome> {
  const run = new OrderRun(options);
  const random = Math.random;
  const started = performance.now();
  const outcome = (order: OrderView | undefined, error?: unknown): OrderOutcome => ({
    orderId: run.orderId || undefined,
    scenario,
    status: options.signal?.aborted ? 'UNFINISHED' : error === undefined && order ? order.status : 'FAILED',
    cancellationReason: order?.cancellationReason,
    endToEndMs: performance.now() - started,
    declinedPayments: run.declinedPayments,
    conflicts: run.conflicts,
    error: error === undefined ? undefined : error instanceof Error ? error.message : String(error),
  });

  try {
    const { seller, customer, supplier, carriers } = cast;
    const missedDeadlineMs = options.missedDeadlineMs ?? 2000;

    // Step 1: the seller places the order.
    const order: PlaceOrderRequest = {
      customerId: customer.id,
      supplierId: supplier.id,
      carrierIds: carriers.map((carrier) => carrier.id),
      items: scenario.paymentMethod === 'micropayment' ? MICROPAYMENT_ITEMS : (options.items ?? sampleItems(random)),
      shipTo: {
        name: 'Receiving dock 4',
        line1: 'Industriestrasse 12',
        city: 'Munich',
        postalCode: '80331',
        country: 'DE',
      },
      ...(scenario.supplier === 'misses-deadline' ? { deadlines: { supplierAnswerMs: missedDeadlineMs } } : {}),
    };
    const placed = await run.act(ACTIONS.placeOrder, seller, (request) => seller.client.placeOrder(order, request));
    run.orderId = placed.orderId;

    // Steps 2-3: the supplier answers the inquiry, or lets its deadline pass.
    if (scenario.supplier === 'misses-deadline') {
      return outcome(await run.waitForEnd(seller, missedDeadlineMs + (options.retry ?? DEFAULT_RETRY).giveUpAfterMs));
    }
    const available = scenario.supplier === 'answers';
    const supplierAnswer: SupplierAnswer = available
      ? {
          available: true,
          reservationId: `res-${run.orderId}`,
          items: placed.items.map(({ sku, quantity }) => ({ sku, quantity })),
        }
      : { available: false, items: [] };
    const afterSupplier = await run.act(
      ACTIONS.supplierAnswer,
      supplier,
      (request) => supplier.client.supplierAnswer(run.orderId, supplierAnswer, request),
      { readyWhen: statusIn('AWAITING_SUPPLIER') },
    );
    if (!available) return outcome(isTerminal(afterSupplier.status) ? afterSupplier : await run.waitForEnd(seller));

    // Steps 4-5: every candidate carrier quotes at once; the cheapest wins.
    const answers = await Promise.all(
      carriers.map((carrier, index) => {
        const quote = quoteFor(index, random);
        return run.act(
          ACTIONS.carrierAnswer,
          carrier,
          (request) => carrier.client.carrierAnswer(run.orderId, quote, request),
          { readyWhen: statusIn('AWAITING_CARRIER') },
        );
      }),
    );
    // The last answer usually shows the choice already (it waits for the confirmation's write); else read it.
    const confirmed =
      answers.find((view) => view.carrierId !== undefined) ??
      (await run.waitFor(seller, (view) => view.carrierId !== undefined));
    if (isTerminal(confirmed.status)) return outcome(confirmed);
    const chosen = carriers.find((carrier) => carrier.id === confirmed.carrierId);
    if (!chosen) throw new Error(`order ${run.orderId} chose ${confirmed.carrierId ?? 'no carrier'}, not a bot`);

    // Steps 6-7: the customer pays while the chosen carrier picks up and delivers.
    const inDelivery = statusIn('CONFIRMED', 'IN_DELIVERY');
    const pay = async (number: string) =>
      run.act(
        ACTIONS.paymentNotification,
        customer,
        (request) =>
          number === TEST_CARDS.approved && scenario.paymentMethod !== undefined
            ? payBy(customer.client, scenario.paymentMethod, run.orderId, request)
            : customer.client.paymentNotification(run.orderId, card(number), request),
        {
          readyWhen: inDelivery,
          recordAs: (result) =>
            result.payment.status === 'DECLINED' ? ACTIONS.paymentDeclined : ACTIONS.paymentNotification,
        },
      );
    const customerBot = async () => {
      if (scenario.declineFirstPayment) {
        const declined = await pay(TEST_CARDS.insufficientFunds);
        if (declined.payment.status !== 'DECLINED') throw new Error('the insufficient-funds card was not declined');
        run.declinedPayments += 1;
      }
      const paid = await pay(TEST_CARDS.approved);
      if (paid.payment.status !== 'CAPTURED' && paid.payment.status !== 'AUTHORIZED') {
        throw new Error(`payment ${paid.payment.status} (${paid.payment.declineCode ?? 'no code'})`);
      }
    };
    const carrierBot = async () => {
      for (const type of ['picked_up', 'in_transit', 'delivered'] as const) {
        await run.act(
          ACTIONS.shipmentEvent,
          chosen,
          (request) => chosen.client.shipmentEvent(run.orderId, type, request),
          { readyWhen: inDelivery },
        );
      }
    };
    await Promise.all([customerBot(), carrierBot()]);

    // Steps 8-10: once the gateway's transfer notice and settlement note are out, the seller confirms: as soon as its
    // webhook brings the settlement note, when it has one (else it reads the order when told it is not yet time).
    await options.awaitNotice?.(seller.id, run.orderId, 'SETTLEMENT_NOTE', options.signal).catch(() => undefined);
    const closed = await run.act(
      ACTIONS.settlementConfirmation,
      seller,
      (request) => seller.client.settlementConfirmation(run.orderId, { confirmed: true }, request),
      { readyWhen: statusIn('AWAITING_SELLER_CONFIRMATION') },
    );
    return outcome(isTerminal(closed.status) ? closed : await run.waitForEnd(seller));
  } catch (error) {
    if (error instanceof OrderEnded) return outcome(error.order);
    return outcome(undefined, error);
  }
}
