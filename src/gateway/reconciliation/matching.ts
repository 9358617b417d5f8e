// Three-way matching of one reconciliation day, one match key at a time: the bank's statement lines, the gateway's
// ledger journals on its clearing account (the bank settlement account's mirror) and the orders behind them. Lines of
// every side are staged with a match key (the RRN of a card message, the end-to-end id of a transfer); the day is then
// read sorted by key, and each key's lines are classified here. Pure and deterministic: no I/O, no clock; the same
// lines always give the same items in the same order, which is what makes a re-run and a dry run predictable.

/** What an item of a reconciliation is. */
export const RECONCILIATION_CLASSES = [
  'MATCHED',
  'AMOUNT_MISMATCH',
  'MISSING_IN_BANK',
  'MISSING_IN_LEDGER',
  'DUPLICATE',
  'TIMING',
] as const;
/** What an item of a reconciliation is. */
export type ReconciliationClass = (typeof RECONCILIATION_CLASSES)[number];

/**
 * Where a staged line comes from: the day's statement (`bank`), a later day's statement (`bank_later`, for timing),
 * the day's ledger (`ledger`), or an earlier day's ledger (`ledger_earlier`, whose bank line arrives on this day).
 */
export type LineSide = 'bank' | 'bank_later' | 'ledger' | 'ledger_earlier';

/** One staged line. Amounts are signed from the settlement account's side: positive = money in at the bank. */
export interface StagedLine {
  readonly _id: string;
  readonly key: string;
  readonly side: LineSide;
  readonly amountMinor: number;
  readonly currency: string;
  /** The bank's entry reference, or the journal id. */
  readonly reference: string;
  /** The day the line is booked on (YYYY-MM-DD). */
  readonly bookedOn: string;
  /** A bank line that reverses an earlier one of the same key (camt.053 `RvslInd`). */
  readonly reversal?: boolean | undefined;
  /** What kind of money movement the mapping saw (`card_capture`, `card_refund`, `echeck_collection`, ...). */
  readonly kind?: string | undefined;
  readonly orderId?: string | undefined;
  readonly paymentId?: string | undefined;
}

/** An item as matching finds it, before it is stored. */
export interface ItemDraft {
  readonly key: string;
  /** Its number within the key (0, 1...): with the run and key, the item's deterministic id. */
  readonly index: number;
  readonly class: ReconciliationClass;
  readonly currency: string;
  readonly bankAmountMinor?: number | undefined;
  readonly ledgerAmountMinor?: number | undefined;
  /** Bank minus ledger, when both sides are there. */
  readonly differenceMinor?: number | undefined;
  /** The bank line(s) folded into this item (an entry and its reversal are one). */
  readonly bankReferences: string[];
  readonly journalId?: string | undefined;
  readonly kind?: string | undefined;
  readonly orderId?: string | undefined;
  readonly paymentId?: string | undefined;
  /** The day the other side was booked on, when it is not the reconciled day (timing, late arrival). */
  readonly otherDay?: string | undefined;
  /** The order's status, when the item's journal names an order the gateway knows (the third way). */
  readonly orderStatus?: string | undefined;
  readonly note?: string | undefined;
}

interface BankLine {
  amountMinor: number;
  currency: string;
  references: string[];
  bookedOn: string;
}

/** Folds each reversal into the line it reverses (the latest earlier line of the key not itself a reversal). */
function foldReversals(lines: readonly StagedLine[]): BankLine[] {
  const folded: BankLine[] = [];
  for (const line of lines) {
    const target = line.reversal
      ? [...folded].reverse().find((candidate) => candidate.currency === line.currency)
      : undefined;
    if (target !== undefined) {
      target.amountMinor += line.amountMinor;
      target.references.push(line.reference);
    } else {
      folded.push({
        amountMinor: line.amountMinor,
        currency: line.currency,
        references: [line.reference],
        bookedOn: line.bookedOn,
      });
    }
  }
  return folded;
}

function ledgerFields(line: StagedLine) {
  return { journalId: line.reference, kind: line.kind, orderId: line.orderId, paymentId: line.paymentId };
}

/**
 * Classifies the lines of one key. Bank lines of the day pair with the day's ledger lines in order, then with earlier
 * days' ledger lines (a late arrival: MATCHED, the other day noted); equal amounts are MATCHED, others
 * AMOUNT_MISMATCH. A bank line left over is a DUPLICATE when the key has a ledger side, else MISSING_IN_LEDGER (the
 * first; any more are DUPLICATEs). A ledger line left over is TIMING when a later statement holds a line of the key,
 * a DUPLICATE when the day's bank has the key, else MISSING_IN_BANK. A bank line and its reversal that cancel out with
 * no ledger line are MATCHED (nothing moved). Lines of other days alone make no item.
 */
export function classifyKey(key: string, lines: readonly StagedLine[]): ItemDraft[] {
  const sorted = [...lines].sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
  const bank = foldReversals(sorted.filter((line) => line.side === 'bank'));
  const later = foldReversals(sorted.filter((line) => line.side === 'bank_later'));
  const ledger = sorted.filter((line) => line.side === 'ledger');
  const earlier = sorted.filter((line) => line.side === 'ledger_earlier');
  const items: ItemDraft[] = [];
  const push = (item: Omit<ItemDraft, 'key' | 'index'>) => items.push({ key, index: items.length, ...item });
  const pair = (b: BankLine, l: StagedLine, extra: Partial<ItemDraft> = {}) => {
    const same = b.amountMinor === l.amountMinor && b.currency === l.currency;
    push({
      class: same ? 'MATCHED' : 'AMOUNT_MISMATCH',
      currency: l.currency,
      bankAmountMinor: b.amountMinor,
      ledgerAmountMinor: l.amountMinor,
      differenceMinor: b.amountMinor - l.amountMinor,
      bankReferences: b.references,
      ...ledgerFields(l),
      ...extra,
    });
  };

  const paired = Math.min(bank.length, ledger.length);
  for (let i = 0; i < paired; i += 1) pair(bank[i]!, ledger[i]!);
  let nextEarlier = 0;
  let missingInLedger = 0;
  for (const b of bank.slice(paired)) {
    const e = earlier[nextEarlier];
    if (e !== undefined) {
      nextEarlier += 1;
      pair(b, e, { otherDay: e.bookedOn, note: `ledger booked it on ${e.bookedOn}` });
      continue;
    }
    if (b.amountMinor === 0 && ledger.length === 0) {
      push({
        class: 'MATCHED',
        currency: b.currency,
        bankAmountMinor: 0,
        bankReferences: b.references,
        note: 'reversed at the bank; nothing to book',
      });
      continue;
    }
    const hasLedger = ledger.length > 0 || earlier.length > 0;
    const cls = hasLedger || missingInLedger > 0 ? 'DUPLICATE' : 'MISSING_IN_LEDGER';
    if (cls === 'MISSING_IN_LEDGER') missingInLedger += 1;
    push({
      class: cls,
      currency: b.currency,
      bankAmountMinor: b.amountMinor,
      bankReferences: b.references,
      ...(cls === 'DUPLICATE' ? { note: 'the bank booked this reference more often than the ledger' } : {}),
    });
  }
  let nextLater = 0;
  for (const l of ledger.slice(paired)) {
    const b = later[nextLater];
    if (b !== undefined) {
      nextLater += 1;
      push({
        class: 'TIMING',
        currency: l.currency,
        bankAmountMinor: b.amountMinor,
        ledgerAmountMinor: l.amountMinor,
        differenceMinor: b.amountMinor - l.amountMinor,
        bankReferences: b.references,
        otherDay: b.bookedOn,
        note: `on the bank's statement of ${b.bookedOn}`,
        ...ledgerFields(l),
      });
      continue;
    }
    const duplicate = bank.length > 0;
    push({
      class: duplicate ? 'DUPLICATE' : 'MISSING_IN_BANK',
      currency: l.currency,
      ledgerAmountMinor: l.amountMinor,
      bankReferences: [],
      ...ledgerFields(l),
      ...(duplicate ? { note: 'the ledger booked this reference more often than the bank' } : {}),
    });
  }
  return items;
}

/** Counts of items per class, every class present (0 when none). */
export function emptyClassCounts(): Record<ReconciliationClass, number> {
  return Object.fromEntries(RECONCILIATION_CLASSES.map((cls) => [cls, 0])) as Record<ReconciliationClass, number>;
}

/** Whether an item is a break (anything but MATCHED): it goes to the exception queue. */
export function isBreak(cls: ReconciliationClass): boolean {
  return cls !== 'MATCHED';
}
