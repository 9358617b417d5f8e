// Two gateways share an acquirer id and both start their STANs at 000001, so two of their messages can carry the same
// field-90 key (MTI, STAN, transmission second, acquirer) for different payments on different cards. A reversal or a
// capture of one must never touch the other's authorization, and a reversal of a lost request must never decline
// another card's request that happens to share that key. Found by CI: a reversal from another test's gateway released
// the hold of the connector test's third authorization (STAN 000003 in the same second). Pure: the books, no server.

import type { CardAccount, IbanAccount } from '../../src/bank-host/domain/accounts';
import type { CardRequest } from '../../src/bank-host/domain/book';
import { Book } from '../../src/bank-host/domain/book';

const NOW = new Date('2026-11-27T06:00:00Z');
const SHARED_KEY = '0100|000003|1127060000|00000004711';

function card(id: string, panHash: string): CardAccount {
  return {
    _id: id,
    kind: 'card',
    label: id,
    panHash,
    last4: '4242',
    opening: { EUR: 100_000 },
    createdAt: NOW.toISOString(),
  };
}

function newBook(): Book {
  const book = new Book({ holdTtlMs: 60_000, clearingPeriodMs: 1_000 });
  const settlement: IbanAccount = {
    _id: 'acct_settlement',
    kind: 'settlement',
    label: 'settlement',
    iban: 'DE00000000000000000000',
    opening: { EUR: 0 },
    createdAt: NOW.toISOString(),
  };
  book.addAccount(card('card_a', 'hash-a'));
  book.addAccount(card('card_b', 'hash-b'));
  book.addAccount(settlement);
  return book;
}

function request(
  mti: CardRequest['mti'],
  rrn: string,
  panHash: string,
  amount: number,
  extra: Partial<CardRequest> = {},
) {
  return {
    mti,
    rrn,
    stan: '000003',
    acquirerId: '4711',
    messageKey: mti === '0100' ? SHARED_KEY : `${mti}|${rrn}`,
    digest: `${mti}:${rrn}:${amount}`,
    processingCode: '000000',
    amount,
    currency: 'EUR',
    panHash,
    expiry: '3012',
    ...extra,
  } satisfies CardRequest;
}

function decide(book: Book, req: CardRequest) {
  const decision = book.decideCard(req, NOW);
  if (decision.kind === 'new') book.apply(decision.entry);
  return decision.entry;
}

const heldOn = (book: Book, id: string) => book.accountsView(NOW).find((account) => account.id === id)!.held.EUR ?? 0;

describe('bank books: the original of a reversal or capture', () => {
  it('a reversal naming another card’s authorization by a shared field-90 key leaves that hold alone', () => {
    const book = newBook();
    // B's authorization first, then A's: the shared key now names A's.
    expect(decide(book, request('0100', 'RRNB00000001', 'hash-b', 700)).responseCode).toBe('00');
    expect(decide(book, request('0100', 'RRNA00000001', 'hash-a', 1_002)).responseCode).toBe('00');
    const reversal = decide(
      book,
      request('0420', 'RRNB00000001', 'hash-b', 700, { original: { mti: '0100', key: SHARED_KEY } }),
    );
    expect(reversal.responseCode).toBe('00');
    expect({ a: heldOn(book, 'card_a'), b: heldOn(book, 'card_b') }).toEqual({ a: 1_002, b: 0 });
  });

  it('a reversal of a request that never arrived preempts only that card’s late original', () => {
    const book = newBook();
    // Gateway B's 0100 was lost; its reversal comes first and names the shared key.
    expect(
      decide(book, request('0420', 'RRNB00000002', 'hash-b', 700, { original: { mti: '0100', key: SHARED_KEY } }))
        .responseCode,
    ).toBe('00');
    // Gateway A's own 0100 with the same key, on another card: approved, held.
    expect(decide(book, request('0100', 'RRNA00000002', 'hash-a', 1_002)).responseCode).toBe('00');
    // B's late original is still declined.
    expect(decide(book, request('0100', 'RRNB00000002', 'hash-b', 700)).responseCode).toBe('05');
    expect({ a: heldOn(book, 'card_a'), b: heldOn(book, 'card_b') }).toEqual({ a: 1_002, b: 0 });
  });

  it('a capture finds its authorization by RRN even when a field-90 key of another card matches', () => {
    const book = newBook();
    decide(book, request('0100', 'RRNB00000003', 'hash-b', 700));
    decide(book, request('0100', 'RRNA00000003', 'hash-a', 1_002));
    const capture = decide(
      book,
      request('0220', 'RRNB00000003', 'hash-b', 700, { original: { mti: '0100', key: SHARED_KEY } }),
    );
    expect(capture.responseCode).toBe('00');
    expect({ a: heldOn(book, 'card_a'), b: heldOn(book, 'card_b') }).toEqual({ a: 1_002, b: 0 });
    const view = book.accountsView(NOW);
    expect(view.find((account) => account.id === 'card_b')!.balances.EUR).toBe(100_000 - 700);
    expect(view.find((account) => account.id === 'card_a')!.balances.EUR).toBe(100_000);
  });
});
