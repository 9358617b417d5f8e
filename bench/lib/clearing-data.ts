// What `npm run bench:clearing` seeds beside the day's payments for settlement and reconciliation, and the services it
// runs for them: the settlement requests of the captured payments and the sellers' payout accounts; the ledger's
// clearing journals (captures, refunds), the orders behind them and the bank's statement lines of the day (with a few
// breaks on purpose); the real bank host with the gateway's settlement account and the sellers' accounts; and a
// statement server answering the camt.053 pages of the seeded day. Seeding writes the collections in bulk (insertMany),
// as few fields as the code reads. It must never share a database with settleflow.

import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connection } from 'mongoose';
import { ibanOf } from '../../src/bank-host/domain/accounts';
import { rrnFor } from '../../src/gateway/bank-connector/card-client';
import { savePayoutAccount } from '../../src/gateway/settlement/settlement-admin';
import { LEDGER_ACCOUNTS } from '../../src/domain/ledger';
import { buildBankStatement } from '../../src/iso20022';
import type { Database } from '../../src/persistence/database';
import type { PurposeKeys } from '../../src/security/purpose-keys';

/** One statement entry of the seeded day, packed small (a million of them stay a few tens of MiB). */
interface BankEntry {
  /** The key the bank line carries: the card message's RRN. */
  rrn: string;
  /** Signed: a capture credits the settlement account, a refund debits it. */
  amountMinor: number;
}

/** A seeded payment, as far as the extras read it. */
interface SeededPayment {
  _id: string;
  orderId: string;
  sellerId: string;
  status: string;
  method?: string;
  micropayment?: unknown;
  amount: { amount: number; currency: string };
  capturedMinor: number;
  refundedMinor: number;
  createdAt: Date;
}

/** Which extras to seed. */
export interface ExtrasWanted {
  settlement: boolean;
  reconciliation: boolean;
}

/**
 * Builds the extras of each seeded payment and writes them with the payments' batches. Breaks on purpose (decided by a
 * generator of their own, so the payments stay those of the clearing section): 0.5 % of the captures missing from the
 * bank's statement, 0.5 % with another amount at the bank, and one bank-only line per 300 payments.
 */
export class ClearingExtras {
  readonly entries = new Map<string, BankEntry[]>();
  private requests: Record<string, unknown>[] = [];
  private orders: Record<string, unknown>[] = [];
  private journals: Record<string, unknown>[] = [];
  counts = { requests: 0, orders: 0, journals: 0, bankEntries: 0 };

  constructor(
    private readonly wanted: ExtrasWanted,
    private readonly random: () => number,
  ) {}

  /** Adds a payment's extras to the pending batch. */
  add(payment: SeededPayment, index: number): void {
    const approved = payment.status === 'succeeded' || payment.status === 'partially_refunded';
    if (!approved) return;
    const { currency } = payment.amount;
    if (this.wanted.settlement) {
      this.requests.push({
        _id: payment._id,
        orderId: payment.orderId,
        orderWorkflowId: `order-${payment.orderId}`,
        sellerId: payment.sellerId,
        currency,
        requestedAt: payment.createdAt,
        open: true,
      });
    }
    if (!this.wanted.reconciliation) return;
    this.orders.push({
      _id: payment.orderId,
      status: 'COMPLETED',
      payments: [{ attempt: 1, status: 'CAPTURED', amount: payment.amount }],
    });
    const card = payment.method === undefined;
    if (!card) return;
    const amount = payment.capturedMinor;
    const at = payment.createdAt;
    this.journals.push({
      _id: `${payment._id}:capture`,
      orderId: payment.orderId,
      kind: 'CAPTURE',
      at,
      legs: [
        { account: LEDGER_ACCOUNTS.bankClearing, direction: 'DEBIT', amount, currency },
        { account: LEDGER_ACCOUNTS.merchantPayable(payment.sellerId), direction: 'CREDIT', amount, currency },
      ],
    });
    const roll = this.random();
    const list = this.entries.get(currency) ?? [];
    this.entries.set(currency, list);
    if (roll >= 0.005) {
      const bankAmount = roll < 0.01 ? amount + 1 : amount;
      list.push({ rrn: rrnFor(`${payment._id}:authorization`), amountMinor: bankAmount });
    }
    if (payment.refundedMinor > 0) {
      const refund = payment.refundedMinor;
      this.journals.push({
        _id: `${payment._id}:refund:1`,
        orderId: payment.orderId,
        kind: 'REFUND',
        at: new Date(at.getTime() + 1000),
        legs: [
          { account: LEDGER_ACCOUNTS.merchantPayable(payment.sellerId), direction: 'DEBIT', amount: refund, currency },
          { account: LEDGER_ACCOUNTS.bankClearing, direction: 'CREDIT', amount: refund, currency },
        ],
      });
      list.push({ rrn: rrnFor(`${payment._id}:refund:1`), amountMinor: -refund });
    }
    if (index % 300 === 299) list.push({ rrn: rrnFor(`bank-only:${index}`), amountMinor: 1000 });
  }

  /** Writes the pending batch. */
  async flush(connection: Connection): Promise<void> {
    const writes: Promise<unknown>[] = [];
    if (this.requests.length > 0)
      writes.push(
        connection.collection('settlement_requests').insertMany(this.requests as never[], { ordered: false }),
      );
    if (this.orders.length > 0)
      writes.push(connection.collection('orders').insertMany(this.orders as never[], { ordered: false }));
    if (this.journals.length > 0)
      writes.push(connection.collection('ledger_journals').insertMany(this.journals as never[], { ordered: false }));
    await Promise.all(writes);
    this.counts.requests += this.requests.length;
    this.counts.orders += this.orders.length;
    this.counts.journals += this.journals.length;
    this.counts.bankEntries = [...this.entries.values()].reduce((n, list) => n + list.length, 0);
    this.requests = [];
    this.orders = [];
    this.journals = [];
  }
}

/** The sellers' payout IBANs at the bank host: one current account each, opened once per run. */
export function sellerIban(seller: number): string {
  return ibanOf('DE', `66666666${String(seller).padStart(10, '0')}`);
}

/** The gateway's settlement account of the benchmark at the bank host. */
export const BENCH_SETTLEMENT_IBAN = ibanOf('DE', `777777770000000001`);

/** Opens the gateway's settlement account (funded in every currency) and each seller's account at the bank host. */
export async function openBankAccounts(
  control: { url: string; adminToken: string },
  sellers: number,
  currencies: readonly string[],
): Promise<void> {
  const post = async (body: unknown) => {
    const response = await fetch(`${control.url}/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${control.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 201 && response.status !== 409)
      throw new Error(`bank host POST /v1/accounts: ${response.status} ${await response.text()}`);
  };
  const funds = Object.fromEntries(currencies.map((currency) => [currency, 1e14]));
  await post({ kind: 'settlement', iban: BENCH_SETTLEMENT_IBAN, label: 'bench settlement', balances: funds });
  for (let seller = 0; seller < sellers; seller += 1) {
    await post({ kind: 'current', iban: sellerIban(seller), label: `bench-seller-${seller}`, balances: {} });
  }
}

/** Saves every seller's payout account (its IBAN sealed by the vault) in the gateway's database. */
export async function savePayoutAccounts(db: Database, vault: PurposeKeys, sellers: number): Promise<void> {
  for (let seller = 0; seller < sellers; seller += 1) {
    await savePayoutAccount(db, vault, {
      sellerId: `bench-seller-${seller}`,
      iban: sellerIban(seller),
      accountHolder: `Bench Seller ${seller}`,
      operatorId: 'bench',
      now: new Date(),
    });
  }
}

/**
 * Serves `POST /iso20022/statements` as the bank host's channel does (pages of `pageSize` entries, 404
 * `page_not_found` past the last), from the seeded entries of `day`: other days have one empty page. Each page is built
 * with the real camt.053 builder from its own entries only.
 */
export async function startStatementServer(options: {
  entries: Map<string, BankEntry[]>;
  day: string;
  iban: string;
  bic: string;
  pageSize: number;
}): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const { currency, date, page } = JSON.parse(body) as { currency: string; date: string; page: number };
      const list = date === options.day ? (options.entries.get(currency) ?? []) : [];
      const pages = Math.max(1, Math.ceil(list.length / options.pageSize));
      if (page > pages) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'invalid_request_error', code: 'page_not_found' } }));
        return;
      }
      const from = (page - 1) * options.pageSize;
      const chosen = list.slice(from, from + options.pageSize);
      const createdAt = `${date}T23:59:59Z`;
      const xml = buildBankStatement({
        messageId: `STMBENCH${currency}${date.replaceAll('-', '')}P${page}`,
        createdAt,
        statements: [
          {
            id: `SBENCH${currency}${date.replaceAll('-', '')}`,
            pagination: { pageNumber: page, lastPage: page === pages },
            electronicSequenceNumber: Number(date.replaceAll('-', '')),
            createdAt,
            account: { iban: options.iban, currency, ownerName: 'bench settlement', servicerBic: options.bic },
            balances: [
              { type: 'OPBD', amount: { amount: 0, currency }, creditDebit: 'CRDT', date },
              { type: 'CLBD', amount: { amount: 0, currency }, creditDebit: 'CRDT', date },
            ],
            entries: chosen.map((entry, index) => {
              const credit = entry.amountMinor > 0;
              const amount = { amount: Math.abs(entry.amountMinor), currency };
              const creditDebit = credit ? ('CRDT' as const) : ('DBIT' as const);
              return {
                entryReference: String(from + index + 1),
                amount,
                creditDebit,
                status: 'BOOK' as const,
                bookingDate: date,
                valueDate: date,
                accountServicerReference: entry.rrn,
                bankTransactionCode: { domain: 'PMNT', family: 'MCRD', subFamily: credit ? 'POSP' : 'RIMB' },
                transactions: [{ transactionId: entry.rrn, accountServicerReference: entry.rrn, amount, creditDebit }],
              };
            }),
          },
        ],
      });
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(xml);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
