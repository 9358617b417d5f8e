// The bank: the books in memory (domain/book.ts) and the journal in the bank's own store, kept in step. A decision
// is taken on the books synchronously (so requests never race), applied at once, and handed back only once its
// entry is durable; a repeat of a request in flight waits for the first one's write. Rebuilt from the store at start.

import type { Account } from './domain/accounts';
import type { CardDecision, CardRequest, TransferRequest } from './domain/book';
import { Book } from './domain/book';
import type { JournalEntry, TransferEntry } from './domain/journal';
import type { BankStore } from './store';

/** The bank host's state and the only writer of its journal. */
export class Bank {
  readonly book: Book;
  private readonly inFlight = new Map<string, Promise<void>>();

  private constructor(
    private readonly store: BankStore,
    options: { holdTtlMs: number; clearingPeriodMs: number },
  ) {
    this.book = new Book(options);
  }

  /** Loads the accounts and replays the journal. */
  static async load(store: BankStore, options: { holdTtlMs: number; clearingPeriodMs: number }): Promise<Bank> {
    const bank = new Bank(store, options);
    for (const account of await store.loadAccounts()) bank.book.addAccount(account);
    for (const entry of await store.loadJournal()) bank.book.apply(entry);
    return bank;
  }

  /** Opens an account (idempotent by id): stored, then known to the books. */
  async openAccount(account: Account): Promise<boolean> {
    const inserted = await this.store.insertAccount(account);
    this.book.addAccount(account);
    return inserted;
  }

  /** Decides a card request and resolves once its answer may be sent (its entry, or the first one's, is durable). */
  async decideCard(request: CardRequest, now: Date = new Date()): Promise<CardDecision> {
    const decision = this.book.decideCard(request, now);
    if (decision.kind === 'new') await this.commit(decision.entry);
    else await this.inFlight.get(decision.entry._id);
    return decision;
  }

  /** Takes in the transfers of one ISO 20022 message; resolves with their entries once durable. */
  async intakeTransfers(requests: readonly TransferRequest[], now: Date = new Date()): Promise<TransferEntry[]> {
    const entries = requests.map((request) => {
      const entry = this.book.intakeTransfer(request, now);
      this.book.apply(entry);
      return entry;
    });
    await Promise.all(entries.map((entry) => this.write(entry)));
    return entries;
  }

  /** Settles or returns every transfer whose clearing period is over; resolves with the outcomes once durable. */
  async clearDueTransfers(now: Date = new Date()): Promise<TransferEntry[]> {
    const outcomes = this.book.dueTransfers(now).map((accepted) => {
      const outcome = this.book.clearTransfer(accepted, now);
      this.book.apply(outcome);
      return outcome;
    });
    await Promise.all(outcomes.map((entry) => this.write(entry)));
    return outcomes;
  }

  private async commit(entry: JournalEntry): Promise<void> {
    this.book.apply(entry);
    await this.write(entry);
  }

  private write(entry: JournalEntry): Promise<void> {
    const written = this.store.append(entry).finally(() => this.inFlight.delete(entry._id));
    this.inFlight.set(entry._id, written);
    return written;
  }
}
