// The bank's books in memory: accounts, balances, holds and the state of every authorization, derived from the
// accounts and the journal entries applied in order. Every decision (authorize, debit, capture, reverse, settle a
// transfer) is taken here against this state and returned as a new entry, which the caller makes durable before
// answering. Pure and synchronous: no I/O, no clock (the caller passes `now`), so two requests never race.

import type { Account, CardAccount, IbanAccount } from './accounts';
import { isExpiryPast } from './accounts';
import type { CardEntry, Effect, JournalEntry, TransferEntry } from './journal';
import { cardEntryId, transferEntryId } from './journal';
import { withoutUndefined } from '../../domain/objects';

/** What a card request asks, as the ISO 8583 server reads it (the PAN and CVC only as keyed hashes). */
export interface CardRequest {
  readonly mti: '0100' | '0200' | '0220' | '0400' | '0420';
  readonly rrn: string;
  readonly stan: string;
  readonly acquirerId: string;
  readonly messageKey: string;
  readonly digest: string;
  readonly processingCode: string;
  readonly amount: number;
  /** ISO 4217 alphabetic code, or undefined when field 49 names a currency the bank does not hold. */
  readonly currency: string | undefined;
  readonly panHash: string;
  /** Field 14, YYMM, when present. */
  readonly expiry?: string;
  readonly cvcHash?: string;
  /** Field 38 of a capture or reversal. */
  readonly authCode?: string;
  /** Field 90: the original's MTI and key. */
  readonly original?: { readonly mti: string; readonly key: string };
  /** Field 95's actual amount: what stays charged after a partial reversal. */
  readonly replacementAmount?: number;
}

/** The outcome of a card request: a new entry to make durable, the earlier entry of a repeat, or a conflict. */
export type CardDecision =
  | { readonly kind: 'new'; readonly entry: CardEntry }
  | { readonly kind: 'repeat'; readonly entry: CardEntry }
  | { readonly kind: 'conflict'; readonly entry: CardEntry };

/** A hold on a card, as the books show it. */
export interface HoldView {
  readonly authorization: string;
  readonly rrn: string;
  readonly currency: string;
  readonly amount: number;
  readonly expiresAt: string;
  readonly state: 'active' | 'expired' | 'captured' | 'reversed';
}

/** An account with its balances, holds and available funds, for the books endpoint. */
export interface AccountView {
  readonly id: string;
  readonly kind: Account['kind'];
  readonly label: string;
  readonly last4?: string;
  readonly iban?: string;
  readonly balances: Record<string, number>;
  readonly held: Record<string, number>;
  readonly available: Record<string, number>;
  readonly holds: HoldView[];
}

/** Totals of one direction of a reconciliation day (as fields 74-77 and 86-89 carry them). */
export interface DirectionTotals {
  count: number;
  reversalCount: number;
  amount: number;
  reversalAmount: number;
}

/** A transfer to take in: one transaction of a pain.008, pacs.003 or pacs.008. */
export interface TransferRequest {
  readonly kind: TransferEntry['kind'];
  readonly messageId: string;
  readonly messageName: string;
  readonly endToEndId: string;
  readonly instructionId?: string;
  readonly amount: number;
  readonly currency: string;
  readonly debtorIban: string;
  readonly creditorIban: string;
}

interface Hold {
  readonly accountId: string;
  readonly rrn: string;
  readonly currency: string;
  remaining: number;
  readonly expiresAtMs: number;
  readonly expiresAt: string;
  state: 'active' | 'captured' | 'reversed';
}

const APPROVED = '00';

/**
 * The active holds of one account, summed per currency, so that what is held at a time costs O(1) amortized instead of
 * a walk over every hold the account ever had (a card with thousands of authorizations is walked no more). Holds are
 * also kept in order of expiry; the ones expired at `now` are summed from the front, continuing from the last `now`
 * asked (time moves forward), and recounted from the start when asked about an earlier time or after a change to an
 * already expired hold.
 */
class AccountHolds {
  private readonly active = new Map<string, number>();
  private readonly byExpiry: Hold[] = [];
  private expired: { nowMs: number; index: number; sums: Map<string, number> } | undefined;

  add(hold: Hold): void {
    this.active.set(hold.currency, (this.active.get(hold.currency) ?? 0) + hold.remaining);
    let at = this.byExpiry.length;
    while (at > 0 && this.byExpiry[at - 1]!.expiresAtMs > hold.expiresAtMs) at -= 1;
    this.byExpiry.splice(at, 0, hold);
    if (this.expired !== undefined && at < this.expired.index) this.expired = undefined;
  }

  /** Takes `amount` off an active hold (capture, reversal), ending it when `state` says so. */
  release(hold: Hold, amount: number, state: Hold['state']): void {
    if (hold.state !== 'active') return;
    this.active.set(hold.currency, (this.active.get(hold.currency) ?? 0) - amount);
    hold.remaining -= amount;
    if (state !== 'active') {
      this.active.set(hold.currency, (this.active.get(hold.currency) ?? 0) - hold.remaining);
    }
    hold.state = state;
    if (this.expired !== undefined && hold.expiresAtMs <= this.expired.nowMs) this.expired = undefined;
  }

  /** What the active, unexpired holds of a currency add up to at `nowMs`. */
  held(currency: string, nowMs: number): number {
    if (this.expired === undefined || nowMs < this.expired.nowMs) {
      this.expired = { nowMs, index: 0, sums: new Map() };
    }
    const expired = this.expired;
    expired.nowMs = nowMs;
    while (expired.index < this.byExpiry.length && this.byExpiry[expired.index]!.expiresAtMs <= nowMs) {
      const hold = this.byExpiry[expired.index]!;
      if (hold.state === 'active')
        expired.sums.set(hold.currency, (expired.sums.get(hold.currency) ?? 0) + hold.remaining);
      expired.index += 1;
    }
    return (this.active.get(currency) ?? 0) - (expired.sums.get(currency) ?? 0);
  }
}

/** The books: derived state and the decisions taken on it. */
export class Book {
  private readonly accounts = new Map<string, Account>();
  private readonly cardsByPanHash = new Map<string, CardAccount>();
  private readonly accountsByIban = new Map<string, IbanAccount>();
  /** Settlement accounts opened for one acquirer, by its id; the first without one; the first of all. */
  private readonly settlementByAcquirer = new Map<string, IbanAccount>();
  private sharedSettlement: IbanAccount | undefined;
  private firstSettlement: IbanAccount | undefined;
  private readonly balances = new Map<string, Map<string, number>>();
  private readonly holds = new Map<string, Hold>();
  private readonly holdsByAccount = new Map<string, Set<string>>();
  private readonly heldByAccount = new Map<string, AccountHolds>();
  private readonly entries = new Map<string, JournalEntry>();
  private readonly byMessageKey = new Map<string, string>();
  private readonly byAuthCode = new Map<string, string>();
  private readonly reversed = new Set<string>();
  private readonly preempted = new Map<string, string>();
  private readonly transfersByEndToEnd = new Map<string, string>();
  private readonly pendingTransfers = new Map<string, TransferEntry>();
  private readonly transferMessages = new Map<string, string[]>();
  /** Per account, per settlement day, per currency: what that day's entries moved (for a statement's balances). */
  private readonly accountDayNets = new Map<string, Map<string, Map<string, number>>>();
  /**
   * Per account, settlement day and currency (`account\u0000day\u0000currency`): the entries whose net movement on it
   * is not zero, in order. A statement page takes its slice from here: filtering the day's entries for every page
   * cost the whole day per page, so a day's statement grew with the square of its entries (2,000 pages of 500 at 1M).
   */
  private readonly statementLines = new Map<string, JournalEntry[]>();
  private nextSeq = 1;

  constructor(private readonly options: { readonly holdTtlMs: number; readonly clearingPeriodMs: number }) {}

  /** Adds an account (at load, seed or through the control API); an id already known is left as it is. */
  addAccount(account: Account): void {
    if (this.accounts.has(account._id)) return;
    this.accounts.set(account._id, account);
    if (account.kind === 'card') this.cardsByPanHash.set(account.panHash, account);
    else this.accountsByIban.set(account.iban, account);
    if (account.kind === 'settlement') {
      this.firstSettlement ??= account;
      if (account.acquirerId === undefined) this.sharedSettlement ??= account;
      else if (!this.settlementByAcquirer.has(account.acquirerId))
        this.settlementByAcquirer.set(account.acquirerId, account);
    }
    const balances = new Map<string, number>();
    for (const [currency, amount] of Object.entries(account.opening)) balances.set(currency, amount);
    this.balances.set(account._id, balances);
  }

  /** The account of an id, a PAN hash or an IBAN. */
  account(id: string): Account | undefined {
    return this.accounts.get(id);
  }

  /** The card whose PAN has this keyed hash. */
  cardByPanHash(panHash: string): CardAccount | undefined {
    return this.cardsByPanHash.get(panHash);
  }

  /** The account of an IBAN. */
  accountByIban(iban: string): IbanAccount | undefined {
    return this.accountsByIban.get(iban);
  }

  /**
   * The settlement account of an acquirer (credited by its card purchases, debited by its refunds): the one opened for
   * that acquirer id, else the first settlement account without an acquirer, else the first one.
   */
  settlementAccount(acquirerId?: string): IbanAccount | undefined {
    if (acquirerId !== undefined) {
      const own = this.settlementByAcquirer.get(acquirerId);
      if (own !== undefined) return own;
    }
    return this.sharedSettlement ?? this.firstSettlement;
  }

  /** Applies an entry: at load (in `seq` order) and after each decision. */
  apply(entry: JournalEntry): void {
    this.entries.set(entry._id, entry);
    if (entry.seq >= this.nextSeq) this.nextSeq = entry.seq + 1;
    for (const effect of entry.effects) this.move(effect);
    this.indexByAccountDay(entry);
    if (entry.channel === 'iso8583') this.applyCard(entry);
    else this.applyTransfer(entry);
  }

  private applyCard(entry: CardEntry): void {
    this.byMessageKey.set(entry.messageKey, entry._id);
    for (const key of entry.preempts ?? []) this.preempted.set(key, entry._id);
    if (entry.hold !== undefined && entry.accountId !== undefined) {
      const expiresAtMs = Date.parse(entry.hold.expiresAt);
      const hold: Hold = {
        accountId: entry.accountId,
        rrn: entry.rrn,
        currency: entry.currency,
        remaining: entry.hold.amount,
        expiresAtMs,
        expiresAt: entry.hold.expiresAt,
        state: 'active',
      };
      this.holds.set(entry._id, hold);
      let set = this.holdsByAccount.get(entry.accountId);
      if (set === undefined) this.holdsByAccount.set(entry.accountId, (set = new Set()));
      set.add(entry._id);
      this.accountHolds(entry.accountId).add(hold);
      if (entry.authCode !== undefined) this.byAuthCode.set(`${entry.accountId}:${entry.authCode}`, entry._id);
    }
    if (entry.original !== undefined && entry.responseCode === APPROVED) {
      const hold = this.holds.get(entry.original);
      if (hold !== undefined && entry.releasesHold !== undefined) {
        const left = hold.remaining - entry.releasesHold;
        const state = entry.mti === '0220' ? 'captured' : left === 0 ? 'reversed' : hold.state;
        this.accountHolds(hold.accountId).release(hold, entry.releasesHold, state);
      }
      if (entry.reversesOriginal) this.reversed.add(entry.original);
    }
  }

  private applyTransfer(entry: TransferEntry): void {
    const ids = this.transferMessages.get(entry.messageId) ?? [];
    ids.push(entry._id);
    this.transferMessages.set(entry.messageId, ids);
    const pendingKey = `${entry.messageId}:${entry.endToEndId}`;
    if (entry.stage === 'accepted') {
      this.transfersByEndToEnd.set(`${entry.kind}:${entry.endToEndId}`, entry._id);
      this.pendingTransfers.set(pendingKey, entry);
    } else if (entry.stage === 'settled' || entry.stage === 'returned') {
      this.pendingTransfers.delete(pendingKey);
    }
  }

  private indexByAccountDay(entry: JournalEntry): void {
    for (const effect of entry.effects) {
      let days = this.accountDayNets.get(effect.accountId);
      if (days === undefined) this.accountDayNets.set(effect.accountId, (days = new Map()));
      let nets = days.get(entry.settlementDate);
      if (nets === undefined) days.set(entry.settlementDate, (nets = new Map()));
      nets.set(effect.currency, (nets.get(effect.currency) ?? 0) + effect.delta);
    }
    const moved = new Map<string, number>();
    for (const effect of entry.effects) {
      const key = `${effect.accountId}\u0000${entry.settlementDate}\u0000${effect.currency}`;
      moved.set(key, (moved.get(key) ?? 0) + effect.delta);
    }
    for (const [key, delta] of moved) {
      if (delta === 0) continue;
      const lines = this.statementLines.get(key);
      if (lines === undefined) this.statementLines.set(key, [entry]);
      else lines.push(entry);
    }
  }

  /**
   * The entries that moved an account's currency on a settlement day (net of the entry's effects, not zero), in
   * order: the lines of that day's statement in that currency. The array is the book's own: read it, never change it.
   */
  statementEntries(accountId: string, currency: string, settlementDate: string): readonly JournalEntry[] {
    return this.statementLines.get(`${accountId}\u0000${settlementDate}\u0000${currency}`) ?? [];
  }

  /** What an account's entries of a settlement day moved in a currency, all told. */
  dayNet(accountId: string, currency: string, settlementDate: string): number {
    return this.accountDayNets.get(accountId)?.get(settlementDate)?.get(currency) ?? 0;
  }

  /** An account's booked balance in a currency at the start of a settlement day: its opening plus every earlier day. */
  balanceAtStartOf(accountId: string, currency: string, settlementDate: string): number {
    let balance = this.accounts.get(accountId)?.opening[currency] ?? 0;
    for (const [day, nets] of this.accountDayNets.get(accountId) ?? []) {
      if (day < settlementDate) balance += nets.get(currency) ?? 0;
    }
    return balance;
  }

  private move(effect: Effect): void {
    let balances = this.balances.get(effect.accountId);
    if (balances === undefined) this.balances.set(effect.accountId, (balances = new Map()));
    balances.set(effect.currency, (balances.get(effect.currency) ?? 0) + effect.delta);
  }

  private balance(accountId: string, currency: string): number {
    return this.balances.get(accountId)?.get(currency) ?? 0;
  }

  private accountHolds(accountId: string): AccountHolds {
    let holds = this.heldByAccount.get(accountId);
    if (holds === undefined) this.heldByAccount.set(accountId, (holds = new AccountHolds()));
    return holds;
  }

  private held(accountId: string, currency: string, nowMs: number): number {
    return this.heldByAccount.get(accountId)?.held(currency, nowMs) ?? 0;
  }

  /** Balance minus the holds still running. */
  available(accountId: string, currency: string, now: Date): number {
    return this.balance(accountId, currency) - this.held(accountId, currency, now.getTime());
  }

  /** The entry of an id. */
  entry(id: string): JournalEntry | undefined {
    return this.entries.get(id);
  }

  /** Every entry, in order. */
  allEntries(): JournalEntry[] {
    return [...this.entries.values()].sort((a, b) => a.seq - b.seq);
  }

  // ---- card requests (ISO 8583)

  /**
   * Decides a card request: the earlier entry when the same MTI and RRN came before (a conflict when it asked
   * something else), else a new entry, not yet applied. The caller applies it (`apply`) at once, before any other
   * decision, and answers once it is durable.
   */
  decideCard(request: CardRequest, now: Date): CardDecision {
    const id = cardEntryId(request.mti, request.rrn);
    const earlier = this.entries.get(id);
    if (earlier !== undefined && earlier.channel === 'iso8583') {
      return { kind: earlier.digest === request.digest ? 'repeat' : 'conflict', entry: earlier };
    }
    const base = this.entryBase(id, request, now);
    switch (request.mti) {
      case '0100':
      case '0200':
        return { kind: 'new', entry: this.decidePayment(base, request, now) };
      case '0220':
        return { kind: 'new', entry: this.decideCapture(base, request, now) };
      case '0400':
      case '0420':
        return { kind: 'new', entry: this.decideReversal(base, request) };
    }
  }

  private entryBase(id: string, request: CardRequest, now: Date): CardEntry {
    const card = this.cardsByPanHash.get(request.panHash);
    return withoutUndefined({
      _id: id,
      seq: this.nextSeq,
      at: now.toISOString(),
      settlementDate: now.toISOString().slice(0, 10),
      channel: 'iso8583',
      mti: request.mti,
      rrn: request.rrn,
      stan: request.stan,
      acquirerId: request.acquirerId,
      messageKey: request.messageKey,
      digest: request.digest,
      processingCode: request.processingCode,
      amount: request.amount,
      currency: request.currency ?? 'XXX',
      accountId: card?._id,
      last4: card?.last4,
      responseCode: '96',
      effects: [],
    });
  }

  private decidePayment(base: CardEntry, request: CardRequest, now: Date): CardEntry {
    const decline = (responseCode: string, detail: string): CardEntry => ({ ...base, responseCode, detail });
    const purpose = request.processingCode.slice(0, 2);
    if (purpose !== '00' && !(purpose === '20' && request.mti === '0200'))
      return decline('12', 'processing code not supported for this message');
    if (request.currency === undefined) return decline('12', 'currency not held by this bank');
    if (request.amount <= 0) return decline('13', 'amount must be positive');
    const card = this.cardsByPanHash.get(request.panHash);
    // A reversal that came first preempts its original, named by RRN or by field 90's key; a key is only unique per
    // acquirer connection, so a preemption counts only for the card it was made on.
    const preemptedBy = [request.messageKey, cardEntryId(request.mti, request.rrn)]
      .map((key) => this.preempted.get(key))
      .find((id) => {
        const entry = id === undefined ? undefined : this.entries.get(id);
        return entry?.channel === 'iso8583' && entry.accountId === card?._id;
      });
    if (preemptedBy !== undefined) return decline('05', 'reversed before it arrived');
    if (card === undefined) return decline('14', 'no such card');
    switch (card.behavior) {
      case 'do_not_honor':
        return decline('05', 'do not honor');
      case 'issuer_unavailable':
        return decline('91', 'issuer unavailable');
      case 'system_error':
        return decline('96', 'system malfunction');
      case 'expired':
        return decline('54', 'expired card');
      case 'incorrect_cvc':
        return decline('82', 'incorrect CVC');
      case undefined:
        break;
    }
    if (request.expiry === undefined || isExpiryPast(request.expiry, now)) return decline('54', 'expired card');
    if (card.expiry !== undefined && (card.expiry !== request.expiry || isExpiryPast(card.expiry, now)))
      return decline('54', 'expired card');
    if (card.cvcHash !== undefined && card.cvcHash !== request.cvcHash) return decline('82', 'incorrect CVC');
    if (card.limitMinor !== undefined && request.amount > card.limitMinor)
      return decline('61', 'exceeds the amount limit');
    const settlement = this.settlementAccount(request.acquirerId);
    if (settlement === undefined) return decline('96', 'no settlement account');
    const currency = request.currency;
    const authCode = authorizationCode(base.seq);
    if (purpose === '20') {
      return {
        ...base,
        responseCode: APPROVED,
        authCode,
        detail: 'refund credited',
        effects: [
          { accountId: settlement._id, currency, delta: -request.amount },
          { accountId: card._id, currency, delta: request.amount },
        ],
      };
    }
    if (this.available(card._id, currency, now) < request.amount) return decline('51', 'insufficient funds');
    if (request.mti === '0100') {
      const expiresAt = new Date(now.getTime() + this.options.holdTtlMs).toISOString();
      return { ...base, responseCode: APPROVED, authCode, hold: { amount: request.amount, expiresAt } };
    }
    return {
      ...base,
      responseCode: APPROVED,
      authCode,
      effects: [
        { accountId: card._id, currency, delta: -request.amount },
        { accountId: settlement._id, currency, delta: request.amount },
      ],
    };
  }

  /** The authorization a capture or reversal names: by field 90, else by the same RRN, else by its code. */
  /**
   * The original a capture or reversal names: by RRN (field 37, unique per payment), else by field 90's key (MTI,
   * STAN, transmission second, acquirer), else by authorization code. Field 90's key is only unique on one acquirer
   * connection (two gateways sharing an acquirer id both count STANs), so an original is only ever one of the same card.
   */
  private findOriginal(request: CardRequest, originalMti: string): CardEntry | undefined {
    const card = this.cardsByPanHash.get(request.panHash);
    const candidates = [
      cardEntryId(originalMti, request.rrn),
      request.original === undefined ? undefined : this.byMessageKey.get(request.original.key),
    ];
    for (const id of candidates) {
      const entry = id === undefined ? undefined : this.entries.get(id);
      if (entry?.channel === 'iso8583' && entry.mti === originalMti && entry.accountId === card?._id) return entry;
    }
    if (originalMti === '0100' && card !== undefined && request.authCode !== undefined) {
      const id = this.byAuthCode.get(`${card._id}:${request.authCode}`);
      const entry = id === undefined ? undefined : this.entries.get(id);
      if (entry?.channel === 'iso8583') return entry;
    }
    return undefined;
  }

  private decideCapture(base: CardEntry, request: CardRequest, now: Date): CardEntry {
    const decline = (responseCode: string, detail: string): CardEntry => ({ ...base, responseCode, detail });
    if (request.original !== undefined && request.original.mti !== '0100')
      return decline('12', 'a capture names an authorization (0100)');
    const authorization = this.findOriginal(request, '0100');
    if (authorization === undefined || authorization.responseCode !== APPROVED)
      return decline('25', 'authorization not found');
    const card = this.cardsByPanHash.get(request.panHash);
    if (card === undefined || card._id !== authorization.accountId) return decline('25', 'authorization not found');
    const hold = this.holds.get(authorization._id);
    if (hold === undefined) return decline('25', 'authorization not found');
    if (hold.state === 'captured') return decline('12', 'authorization already captured');
    if (hold.state === 'reversed' || this.reversed.has(authorization._id))
      return decline('12', 'authorization reversed');
    if (hold.expiresAtMs <= now.getTime()) return decline('12', 'authorization expired');
    if (request.currency !== hold.currency) return decline('12', 'currency differs from the authorization');
    if (request.amount <= 0 || request.amount > hold.remaining)
      return decline('13', 'amount above what the authorization holds');
    const settlement = this.settlementAccount(request.acquirerId);
    if (settlement === undefined) return decline('96', 'no settlement account');
    return {
      ...base,
      responseCode: APPROVED,
      authCode: authorization.authCode,
      original: authorization._id,
      releasesHold: hold.remaining,
      detail: request.amount < hold.remaining ? 'partial capture; the rest is released' : 'captured',
      effects: [
        { accountId: card._id, currency: hold.currency, delta: -request.amount },
        { accountId: settlement._id, currency: hold.currency, delta: request.amount },
      ],
    };
  }

  private decideReversal(base: CardEntry, request: CardRequest): CardEntry {
    const originalMti = request.original?.mti ?? '0100';
    const original = this.findOriginal(request, originalMti);
    if (original === undefined) {
      const preempts = [cardEntryId(originalMti, request.rrn)];
      if (request.original !== undefined) preempts.unshift(request.original.key);
      // An advice must be acknowledged; a request is told nothing was found. Either way a late original is declined.
      return {
        ...base,
        responseCode: request.mti === '0420' ? APPROVED : '25',
        detail: 'original not found; recorded, a late original will be declined',
        preempts,
      };
    }
    const done = (detail: string): CardEntry => ({ ...base, responseCode: APPROVED, original: original._id, detail });
    if (original.responseCode !== APPROVED) return done('original was declined; nothing to reverse');
    if (this.reversed.has(original._id)) return done('already reversed; nothing changed');
    const keep = request.replacementAmount ?? 0;
    if (keep > original.amount) return { ...base, responseCode: '13', detail: 'replacement above the original amount' };
    const giveBack = original.amount - keep;
    const reversal = { ...base, responseCode: APPROVED, original: original._id, reversesOriginal: true };
    if (original.mti === '0100') {
      const hold = this.holds.get(original._id);
      if (hold === undefined) return done('no hold to release');
      if (hold.state === 'captured')
        return { ...base, responseCode: '12', detail: 'authorization already captured; reverse the capture' };
      const release = Math.max(0, hold.remaining - keep);
      // A partial reversal leaves the rest of the hold capturable; the same one again releases nothing more.
      if (keep > 0)
        return {
          ...base,
          responseCode: APPROVED,
          original: original._id,
          releasesHold: release,
          detail: 'hold reduced',
        };
      return { ...reversal, releasesHold: release, detail: 'hold released' };
    }
    const settlement = this.settlementAccount(original.acquirerId);
    if (settlement === undefined || original.accountId === undefined)
      return { ...base, responseCode: '96', detail: 'no settlement account' };
    const sign = original.processingCode.startsWith('20') ? -1 : 1;
    return {
      ...reversal,
      detail: keep > 0 ? 'partly reversed' : 'reversed',
      effects:
        giveBack === 0
          ? []
          : [
              { accountId: original.accountId, currency: original.currency, delta: sign * giveBack },
              { accountId: settlement._id, currency: original.currency, delta: -sign * giveBack },
            ],
    };
  }

  // ---- reconciliation (0500)

  /**
   * The bank's totals of a settlement day and currency for an acquirer: debits are purchases (0200) and captures
   * (0220), credits are refunds (0200, processing code 20); reversals count what they gave back, on their own day.
   */
  reconciliationTotals(
    settlementDate: string,
    currency: string,
    acquirerId: string | undefined,
  ): { credits: DirectionTotals; debits: DirectionTotals } {
    const credits: DirectionTotals = { count: 0, reversalCount: 0, amount: 0, reversalAmount: 0 };
    const debits: DirectionTotals = { count: 0, reversalCount: 0, amount: 0, reversalAmount: 0 };
    for (const entry of this.entries.values()) {
      if (entry.channel !== 'iso8583' || entry.responseCode !== APPROVED) continue;
      if (entry.settlementDate !== settlementDate || entry.currency !== currency) continue;
      if (acquirerId !== undefined && entry.acquirerId !== acquirerId) continue;
      if (entry.mti === '0200' || entry.mti === '0220') {
        const totals = entry.processingCode.startsWith('20') ? credits : debits;
        totals.count += 1;
        totals.amount += entry.amount;
      } else if ((entry.mti === '0400' || entry.mti === '0420') && entry.effects.length > 0) {
        const original = entry.original === undefined ? undefined : this.entries.get(entry.original);
        if (original?.channel !== 'iso8583') continue;
        const totals = original.processingCode.startsWith('20') ? credits : debits;
        totals.reversalCount += 1;
        totals.reversalAmount += Math.abs(entry.effects[0]!.delta);
      }
    }
    return { credits, debits };
  }

  // ---- transfers (ISO 20022)

  /** The entries of an ISO 20022 message, in order (empty when never received). */
  transferEntriesOf(messageId: string): TransferEntry[] {
    return (this.transferMessages.get(messageId) ?? []).map((id) => this.entries.get(id) as TransferEntry);
  }

  /** Takes in one transfer: accepted (settles after the clearing period) or rejected at once with a reason. */
  intakeTransfer(request: TransferRequest, now: Date): TransferEntry {
    const debtor = this.accountsByIban.get(request.debtorIban);
    const creditor = this.accountsByIban.get(request.creditorIban);
    const accepted = {
      _id: transferEntryId(request.messageId, request.endToEndId, 'accepted'),
      seq: this.nextSeq,
      at: now.toISOString(),
      settlementDate: now.toISOString().slice(0, 10),
      channel: 'iso20022' as const,
      kind: request.kind,
      stage: 'accepted' as const,
      messageId: request.messageId,
      messageName: request.messageName,
      endToEndId: request.endToEndId,
      amount: request.amount,
      currency: request.currency,
      effects: [],
      ...(request.instructionId === undefined ? {} : { instructionId: request.instructionId }),
      ...(debtor === undefined ? {} : { debtorAccountId: debtor._id }),
      ...(creditor === undefined ? {} : { creditorAccountId: creditor._id }),
    };
    const reject = (reason: string): TransferEntry => ({
      ...accepted,
      _id: transferEntryId(request.messageId, request.endToEndId, 'rejected'),
      stage: 'rejected',
      reason,
    });
    if (debtor === undefined || creditor === undefined) return reject('AC01');
    if (this.transfersByEndToEnd.has(`${request.kind}:${request.endToEndId}`)) return reject('AM05');
    return { ...accepted, dueAt: new Date(now.getTime() + this.options.clearingPeriodMs).toISOString() };
  }

  /** Accepted transfers whose clearing period is over at `now`, oldest first. */
  dueTransfers(now: Date): TransferEntry[] {
    const nowMs = now.getTime();
    return [...this.pendingTransfers.values()]
      .filter((entry) => entry.dueAt !== undefined && Date.parse(entry.dueAt) <= nowMs)
      .sort((a, b) => a.seq - b.seq);
  }

  /**
   * Settles an accepted transfer (money moves from debtor to creditor) or returns it with a reason: the account's
   * return reason when it has one, AM04 when the debtor (not the settlement account) lacks the funds.
   */
  clearTransfer(accepted: TransferEntry, now: Date): TransferEntry {
    const debtor = this.accounts.get(accepted.debtorAccountId ?? '') as IbanAccount | undefined;
    const creditor = this.accounts.get(accepted.creditorAccountId ?? '') as IbanAccount | undefined;
    const base = {
      ...accepted,
      seq: this.nextSeq,
      at: now.toISOString(),
      settlementDate: now.toISOString().slice(0, 10),
    };
    const returned = (reason: string): TransferEntry => ({
      ...base,
      _id: transferEntryId(accepted.messageId, accepted.endToEndId, 'returned'),
      stage: 'returned',
      reason,
      effects: [],
    });
    if (debtor === undefined || creditor === undefined) return returned('AC01');
    const reason = debtor.returnReason ?? creditor.returnReason;
    if (reason !== undefined) return returned(reason);
    if (debtor.kind !== 'settlement' && this.available(debtor._id, accepted.currency, now) < accepted.amount)
      return returned('AM04');
    return {
      ...base,
      _id: transferEntryId(accepted.messageId, accepted.endToEndId, 'settled'),
      stage: 'settled',
      effects: [
        { accountId: debtor._id, currency: accepted.currency, delta: -accepted.amount },
        { accountId: creditor._id, currency: accepted.currency, delta: accepted.amount },
      ],
    };
  }

  // ---- the books

  /** Every account with its balances, holds and available funds at `now`. */
  accountsView(now: Date): AccountView[] {
    const nowMs = now.getTime();
    return [...this.accounts.values()].map((account) => {
      const balances = Object.fromEntries(this.balances.get(account._id) ?? new Map<string, number>());
      const holds: HoldView[] = [...(this.holdsByAccount.get(account._id) ?? [])].map((id) => {
        const hold = this.holds.get(id)!;
        const state = hold.state === 'active' && hold.expiresAtMs <= nowMs ? 'expired' : hold.state;
        return {
          authorization: id,
          rrn: hold.rrn,
          currency: hold.currency,
          amount: hold.remaining,
          expiresAt: hold.expiresAt,
          state,
        };
      });
      const held: Record<string, number> = {};
      for (const hold of holds)
        if (hold.state === 'active') held[hold.currency] = (held[hold.currency] ?? 0) + hold.amount;
      const currencies = new Set([...Object.keys(balances), ...Object.keys(held)]);
      const available = Object.fromEntries(
        [...currencies].map((currency) => [currency, (balances[currency] ?? 0) - (held[currency] ?? 0)]),
      );
      return withoutUndefined({
        id: account._id,
        kind: account.kind,
        label: account.label,
        last4: account.kind === 'card' ? account.last4 : undefined,
        iban: account.kind === 'card' ? undefined : account.iban,
        balances,
        held,
        available,
        holds,
      });
    });
  }
}

/** The authorization code (field 38) of the entry with sequence number `seq`: six base-36 characters. */
export function authorizationCode(seq: number): string {
  return (seq % 36 ** 6).toString(36).toUpperCase().padStart(6, '0');
}
