// What the fault scenarios and the ledger property test share: a gateway runtime of their own against the real bank
// host, cards in several currencies, bounded retries of an operation the way the payment activity retries it, and the
// bank-versus-ledger comparison: the bank's own balances and holds of the test's cards against settleflow's ledger,
// per currency, with every journal balanced and every payment within captured ≤ authorized and refunded ≤ captured.
// It never reads the bank host's database: the bank is asked through its control API, as an operator would.

import type { PaymentSummary } from '../../src/gateway/card-payments';
import { PaymentOperationError, cardAccounts } from '../../src/gateway/card-payments';
import type { GatewayRuntime } from '../../src/gateway/gateway-runtime';
import { DEFAULT_GATEWAY_SETTINGS, startGatewayRuntime } from '../../src/gateway/gateway-runtime';
import { trialBalance } from '../../src/domain/ledger';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import type { LedgerJournalRecord } from '../../src/persistence/database';
import { balances, journalsForOrder } from '../../src/persistence/ledger-store';
import { Vault } from '../../src/security/vault';
import type { FaultRule, TestCard } from '../support/bank-control';
import { addFault, bankHostEnv, freshPan } from '../support/bank-control';
import { testServers, uniqueDatabaseUri } from '../support/workflow-env';

/** How long one bank request waits in these tests: short, so a withheld answer becomes `unknown` quickly. */
export const REQUEST_TIMEOUT_MS = 1_000;

/** A gateway runtime on a database of its own, and what it logged. */
export interface TestGateway {
  db: Database;
  vault: Vault;
  runtime: GatewayRuntime;
  logs: string[];
  close(): Promise<void>;
}

/** Starts a gateway runtime (connection signed on) against the bank host of this jest run. */
export async function startTestGateway(prefix: string): Promise<TestGateway> {
  const servers = testServers();
  const db = await connectDatabase(uniqueDatabaseUri(servers.mongoUri, prefix));
  const vault = new Vault(servers.vaultKey);
  const logs: string[] = [];
  const runtime = await startGatewayRuntime({
    db,
    vault,
    settings: {
      ...DEFAULT_GATEWAY_SETTINGS,
      bankHostAddress: bankHostEnv().address,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      reconnectInitialMs: 20,
      reconnectMaxMs: 200,
      reversalRetryInitialMs: 30,
      reversalRetryMaxMs: 200,
      reversalHorizonMs: 60_000,
    },
    log: (line) => logs.push(line),
  });
  await runtime.connection.ready();
  return {
    db,
    vault,
    runtime,
    logs,
    async close() {
      await runtime.close();
      await db.connection.dropDatabase();
      await db.close();
    },
  };
}

async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  const { controlUrl, adminToken } = bankHostEnv();
  const response = await fetch(`${controlUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`bank control ${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A fresh card at the bank host with these opening balances (minor units per currency). */
export async function openCardIn(opening: Record<string, number>): Promise<TestCard> {
  const number = freshPan();
  const expYear = new Date().getUTCFullYear() + 3;
  await control('POST', '/v1/accounts', {
    kind: 'card',
    pan: number,
    expiry: `${String(expYear % 100).padStart(2, '0')}12`,
    cvc: '123',
    balances: opening,
  });
  return { number, expMonth: 12, expYear, cvc: '123' };
}

/** The bank's own books of a card, per currency. */
export async function booksAtBank(
  pan: string,
): Promise<{ balances: Record<string, number>; held: Record<string, number> }> {
  return control('POST', '/v1/cards/lookup', { pan });
}

const ownRules: string[] = [];

/** Adds a fault rule, remembered so that {@link removeOwnFaults} takes it away again. */
export async function addOwnFault(rule: FaultRule): Promise<string> {
  const id = await addFault(rule);
  ownRules.push(id);
  return id;
}

/**
 * Removes the rules this file added (a leftover must not fault the next test); never another file's, which may be
 * running against the same bank host at the same time.
 */
export async function removeOwnFaults(): Promise<void> {
  for (const id of ownRules.splice(0)) await control('DELETE', `/v1/fault-rules/${id}`).catch(() => undefined);
}

/** How often an operation is tried: the first call and the activity's retries (bounded, as every retry is). */
export const MAX_ATTEMPTS = 6;

/**
 * Calls an operation as the payment activity does: again (same arguments, so the same RRN) while it fails
 * retryably, at most {@link MAX_ATTEMPTS} times; a non-retryable failure is returned, not thrown.
 */
export async function withRetries(
  operation: () => Promise<PaymentSummary>,
): Promise<{ summary?: PaymentSummary; refused?: Error; attempts: number }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { summary: await operation(), attempts: attempt };
    } catch (error) {
      const retryable = error instanceof PaymentOperationError && error.retryable;
      if (!retryable) return { refused: error as Error, attempts: attempt };
      if (attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/** The order id of a payment id `payment-<orderId>-<attempt>`. */
export function orderOfPayment(paymentId: string): string {
  return paymentId.replace(/^payment-/, '').replace(/-\d+$/, '');
}

/** The ledger journals of the given payments' orders. */
export async function journalsOf(db: Database, paymentIds: readonly string[]): Promise<LedgerJournalRecord[]> {
  const orders = [...new Set(paymentIds.map(orderOfPayment))];
  return (await Promise.all(orders.map((orderId) => journalsForOrder(db, orderId)))).flat();
}

/** What the comparison found, for a test to assert whole. */
export interface BooksComparison {
  /** Per currency: what the bank holds on the cards and what it took from them, and what the ledger says. */
  bank: Record<string, { held: number; charged: number }>;
  ledger: Record<string, { held: number; charged: number }>;
  /** Per currency: Σ (captured − refunded) of the payments as the gateway stores them. */
  payments: Record<string, number>;
  /** Journals whose debits and credits differ in some currency (none expected). */
  unbalanced: string[];
  /** Payments breaking captured ≤ authorized or refunded ≤ captured, or left `unknown` (none expected). */
  broken: string[];
}

/**
 * Compares the bank's books of `cards` (opened with `opening`) with the ledger and the stored payments of
 * `paymentIds` (every payment made with those cards).
 */
export async function compareBooks(
  gateway: TestGateway,
  cards: readonly TestCard[],
  opening: Record<string, number>,
  paymentIds: readonly string[],
): Promise<BooksComparison> {
  const currencies = Object.keys(opening).sort();
  const zero = () => Object.fromEntries(currencies.map((c) => [c, { held: 0, charged: 0 }]));
  const bank: BooksComparison['bank'] = zero();
  for (const card of cards) {
    const books = await booksAtBank(card.number);
    for (const currency of currencies) {
      bank[currency]!.held += books.held[currency] ?? 0;
      bank[currency]!.charged += opening[currency]! - (books.balances[currency] ?? 0);
    }
  }
  const journals = await journalsOf(gateway.db, paymentIds);
  const totals = balances(journals);
  const ledger: BooksComparison['ledger'] = zero();
  for (const currency of currencies) {
    ledger[currency] = {
      held: totals.get(`${cardAccounts.cardHolds} ${currency}`) ?? 0,
      charged: totals.get(`${cardAccounts.clearing} ${currency}`) ?? 0,
    };
  }
  const unbalanced = journals
    .filter((journal) =>
      [...trialBalance([journal]).values()].some((side) => side.debits !== side.credits || side.debits <= 0),
    )
    .map((journal) => journal._id);
  const payments: Record<string, number> = Object.fromEntries(currencies.map((c) => [c, 0]));
  const broken: string[] = [];
  for (const paymentId of new Set(paymentIds)) {
    const payment = await gateway.runtime.payments.find(paymentId);
    if (!payment) continue;
    payments[payment.amount.currency] =
      (payments[payment.amount.currency] ?? 0) + payment.capturedMinor - payment.refundedMinor;
    if (payment.status === 'unknown') broken.push(`${paymentId} unknown`);
    if (payment.capturedMinor > payment.authorizedMinor) broken.push(`${paymentId} captured > authorized`);
    if (payment.refundedMinor > payment.capturedMinor) broken.push(`${paymentId} refunded > captured`);
  }
  return { bank, ledger, payments, unbalanced, broken };
}

/** The comparison's expected shape: bank = ledger, charged = Σ(captured − refunded), nothing broken. */
export function agreeing(comparison: BooksComparison): BooksComparison {
  return {
    ...comparison,
    ledger: comparison.bank,
    payments: Object.fromEntries(Object.entries(comparison.bank).map(([c, side]) => [c, side.charged])),
    unbalanced: [],
    broken: [],
  };
}
