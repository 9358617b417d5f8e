// Clearing statistics per seller, day, payment method and currency (issue 9 B): counts, volumes, fees, net amounts,
// approval rate, decline reasons and authorization latency, accumulated one payment at a time so a day is never held
// in memory (only one accumulator per group, and a latency histogram of bounded size). Pure: no I/O, no clock; the
// fee schedule comes from the caller. Amounts are integer minor units; it must never use floating point on money.

import { gatewayFee } from '../../domain/order';
import type { PaymentStatus } from '../../domain/payment';
import type { FeeSchedule } from '../../persistence/settings-store';

/** How a payment is counted: its method, micropayments (aggregated card payments) apart. */
export type ClearingMethod = 'card' | 'echeck' | 'ecash' | 'micropayment';

/** Every method, in report order. */
export const CLEARING_METHODS: readonly ClearingMethod[] = ['card', 'echeck', 'ecash', 'micropayment'];

/** The fields of a stored payment the statistics read (a projection of `gateway_payments`). */
export interface ClearingPayment {
  _id: string;
  orderId: string;
  sellerId: string;
  method?: string | undefined;
  micropayment?: { aggregatorId?: string | undefined } | undefined;
  status: PaymentStatus;
  amount: { amount: number; currency: string };
  authorizedMinor: number;
  capturedMinor: number;
  refundedMinor: number;
  declineCode?: string | undefined;
  authorizationLatencyMs?: number | undefined;
  createdAt: Date;
}

/** Latency of the answered authorizations of a group, in milliseconds (percentiles within 3.2 %, exact below 64). */
export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** One row of clearing statistics. */
export interface ClearingStatisticsRow {
  /** UTC day of the payment's creation (its authorization request), `YYYY-MM-DD`. */
  day: string;
  sellerId: string;
  method: ClearingMethod;
  currency: string;
  /** Every payment attempt. */
  payments: number;
  /** Approved by the bank (or wallet): authorized, captured, refunded or voided after approval. */
  approved: number;
  /** Declined, returned or reversed (`failed`). */
  declined: number;
  /** Not answered yet (`processing`, `unknown`, waiting for its instrument). */
  pending: number;
  /** approved / (approved + declined), to 4 decimals; null while nothing was answered. */
  approvalRate: number | null;
  authorizedMinor: number;
  capturedMinor: number;
  refundedMinor: number;
  /** The gateway's fee on each captured payment, by the fee schedule the caller looked up. */
  feesMinor: number;
  /** captured - refunded - fees. */
  netMinor: number;
  /** Declines by reason code, codes in alphabetical order. */
  declineReasons: Record<string, number>;
  authorizationLatency: LatencySummary | null;
}

/**
 * Looks up the fee of a seller's payment of a method and currency made at `at`: the fee schedule version in force at
 * that time (see fee-lookup.ts), so a day's fees follow the schedule's versions as settlement batches do.
 */
export type FeeLookup = (sellerId: string, method: ClearingMethod, currency: string, at: Date) => FeeSchedule;

const APPROVED: ReadonlySet<PaymentStatus> = new Set([
  'requires_capture',
  'succeeded',
  'partially_refunded',
  'refunded',
  'canceled',
]);
const PENDING: ReadonlySet<PaymentStatus> = new Set(['requires_payment_method', 'processing', 'unknown']);

/** The method a payment is counted under. */
export function clearingMethodOf(payment: Pick<ClearingPayment, 'method' | 'micropayment'>): ClearingMethod {
  if (payment.micropayment !== undefined && payment.micropayment !== null) return 'micropayment';
  if (payment.method === 'echeck' || payment.method === 'ecash') return payment.method;
  return 'card';
}

/**
 * Whether the payment is the card charge of a micropayment aggregate: its members are counted (as `micropayment`),
 * so the charge is not counted again.
 */
export function isMicropaymentAggregate(payment: Pick<ClearingPayment, 'orderId'>): boolean {
  return payment.orderId.startsWith('micropayments-');
}

/** The UTC day of a time, `YYYY-MM-DD`. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The sort key of a row: day, seller, method (in {@link CLEARING_METHODS} order), currency. */
export function rowKey(row: Pick<ClearingStatisticsRow, 'day' | 'sellerId' | 'method' | 'currency'>): string {
  return `${row.day}\u0000${row.sellerId}\u0000${CLEARING_METHODS.indexOf(row.method)}\u0000${row.currency}`;
}

/**
 * A histogram of latencies with bounded memory: one bucket per millisecond below 64 ms, then 32 buckets per power of
 * two (a bucket's width is at most 1/32 of its values), so percentiles are within 3.2 % at any scale.
 */
export class LatencyHistogram {
  private readonly buckets = new Map<number, number>();
  private count = 0;
  private sum = 0;
  private max = 0;

  /** Adds one latency (negative or fractional values are clamped and rounded). */
  add(latencyMs: number): void {
    const value = Math.max(0, Math.round(latencyMs));
    const bucket = LatencyHistogram.bucketOf(value);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + 1);
    this.count += 1;
    this.sum += value;
    if (value > this.max) this.max = value;
  }

  /** The lowest value of a value's bucket. */
  static bucketOf(value: number): number {
    if (value < 64) return value;
    const width = 2 ** (Math.floor(Math.log2(value)) - 5);
    return Math.floor(value / width) * width;
  }

  /** The highest value of the bucket starting at `bucket`. */
  static bucketTop(bucket: number): number {
    if (bucket < 64) return bucket;
    return bucket + 2 ** (Math.floor(Math.log2(bucket)) - 5) - 1;
  }

  /** The nearest-rank percentile `p` (0 < p ≤ 1): the top of the bucket holding it, never above the maximum. */
  percentile(p: number): number {
    const rank = Math.max(1, Math.ceil(p * this.count));
    let seen = 0;
    for (const bucket of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(bucket)!;
      if (seen >= rank) return Math.min(this.max, LatencyHistogram.bucketTop(bucket));
    }
    return this.max;
  }

  /** The summary, or null without a latency. */
  summary(): LatencySummary | null {
    if (this.count === 0) return null;
    return {
      count: this.count,
      meanMs: Math.round(this.sum / this.count),
      p50Ms: this.percentile(0.5),
      p95Ms: this.percentile(0.95),
      maxMs: this.max,
    };
  }
}

/** The running totals of one group. */
class GroupAccumulator {
  payments = 0;
  approved = 0;
  declined = 0;
  pending = 0;
  authorizedMinor = 0;
  capturedMinor = 0;
  refundedMinor = 0;
  feesMinor = 0;
  readonly declineReasons = new Map<string, number>();
  readonly latency = new LatencyHistogram();

  constructor(
    readonly day: string,
    readonly sellerId: string,
    readonly method: ClearingMethod,
    readonly currency: string,
  ) {}

  add(payment: ClearingPayment, fee: FeeSchedule): void {
    this.payments += 1;
    if (APPROVED.has(payment.status)) this.approved += 1;
    else if (payment.status === 'failed') {
      this.declined += 1;
      const code = payment.declineCode ?? 'unspecified';
      this.declineReasons.set(code, (this.declineReasons.get(code) ?? 0) + 1);
    } else if (PENDING.has(payment.status)) this.pending += 1;
    this.authorizedMinor += payment.authorizedMinor ?? 0;
    this.capturedMinor += payment.capturedMinor ?? 0;
    this.refundedMinor += payment.refundedMinor ?? 0;
    if ((payment.capturedMinor ?? 0) > 0) {
      const captured = { amount: payment.capturedMinor, currency: payment.amount.currency };
      this.feesMinor += gatewayFee(captured, fee.bps, fee.fixedMinor).amount;
    }
    if (typeof payment.authorizationLatencyMs === 'number') this.latency.add(payment.authorizationLatencyMs);
  }

  row(): ClearingStatisticsRow {
    const answered = this.approved + this.declined;
    return {
      day: this.day,
      sellerId: this.sellerId,
      method: this.method,
      currency: this.currency,
      payments: this.payments,
      approved: this.approved,
      declined: this.declined,
      pending: this.pending,
      approvalRate: answered === 0 ? null : Math.round((this.approved / answered) * 10_000) / 10_000,
      authorizedMinor: this.authorizedMinor,
      capturedMinor: this.capturedMinor,
      refundedMinor: this.refundedMinor,
      feesMinor: this.feesMinor,
      netMinor: this.capturedMinor - this.refundedMinor - this.feesMinor,
      declineReasons: Object.fromEntries([...this.declineReasons.entries()].sort(([a], [b]) => a.localeCompare(b))),
      authorizationLatency: this.latency.summary(),
    };
  }
}

/**
 * Accumulates payments into rows. Memory grows with the number of groups only (seller × day × method × currency),
 * never with the number of payments. With `capacity`, only the `capacity` groups of smallest key above `after` are
 * kept: a page of rows needs no more, and a payment of a larger group is skipped once that many are held.
 */
export class ClearingStatistics {
  private readonly groups = new Map<string, GroupAccumulator>();
  /** Groups of this key or above cannot be on the page any more (capacity reached with smaller ones). */
  private bound: string | undefined;

  constructor(
    private readonly feeOf: FeeLookup,
    private readonly page: { after?: string | undefined; capacity?: number | undefined } = {},
  ) {}

  /** Adds one payment to its group (a micropayment aggregate's charge is left out: its members count). */
  add(payment: ClearingPayment): void {
    if (isMicropaymentAggregate(payment)) return;
    const method = clearingMethodOf(payment);
    const row = {
      day: utcDay(payment.createdAt),
      sellerId: payment.sellerId,
      method,
      currency: payment.amount.currency,
    };
    const key = rowKey(row);
    if (this.page.after !== undefined && key <= this.page.after) return;
    if (this.bound !== undefined && key >= this.bound) return;
    let group = this.groups.get(key);
    if (group === undefined) {
      group = new GroupAccumulator(row.day, row.sellerId, method, row.currency);
      this.groups.set(key, group);
      this.evictBeyondCapacity();
    }
    if (!this.groups.has(key)) return;
    group.add(payment, this.feeOf(payment.sellerId, method, row.currency, payment.createdAt));
  }

  /** The rows, in key order. */
  rows(): ClearingStatisticsRow[] {
    return [...this.groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group.row());
  }

  private evictBeyondCapacity(): void {
    const capacity = this.page.capacity;
    if (capacity === undefined || this.groups.size <= capacity) return;
    let largest: string | undefined;
    for (const key of this.groups.keys()) if (largest === undefined || key > largest) largest = key;
    this.groups.delete(largest!);
    this.bound = largest;
  }
}
