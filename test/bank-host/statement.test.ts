// The bank host's end-of-day statement (camt.053.001.08): on the real process, an acquirer's settlement account gets
// exactly its own card lines (purchase, refund, reversal, with their RRNs) and its balances; a statement split into
// pages (the book on its own, three entries a page) carries every entry once with the same balances on each page.
// Every page the bank host produces validates against the official XSD.

import { ibanOf } from '../../src/bank-host/domain/accounts';
import type { IbanAccount } from '../../src/bank-host/domain/accounts';
import { Book } from '../../src/bank-host/domain/book';
import type { JournalEntry } from '../../src/bank-host/domain/journal';
import { statementPage } from '../../src/bank-host/statement';
import { financialRequest } from '../../src/iso8583';
import { parseBankStatement } from '../../src/iso20022';
import { validateAgainstXsd } from '../support/iso20022-xsd';
import {
  IsoClient,
  authorization,
  bankHost,
  channelHeaders,
  codeOf,
  control,
  openCard,
  reversalMessage,
} from './support';

const today = () => new Date().toISOString().slice(0, 10);

async function statement(body: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const response = await fetch(`${bankHost.iso20022Url}/iso20022/statements`, {
    method: 'POST',
    headers: channelHeaders('application/json'),
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

describe('bank host camt.053 › an acquirer settlement account', () => {
  let client: IsoClient;
  beforeAll(async () => {
    client = await IsoClient.connect();
  });
  afterAll(() => client.close());

  it('statement › purchase, refund and reversal of its acquirer › exactly those lines, balances from the journal, XSD-valid', async () => {
    const acquirerId = String(80_000_000 + Math.floor(Math.random() * 1_000_000));
    const iban = ibanOf('DE', `77777777${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);
    await control('POST', '/v1/accounts', { kind: 'settlement', iban, acquirerId, balances: { EUR: 1_000 } });
    const { pan } = await openCard(100_000);
    const purchase = { ...authorization(pan, 3_000, { acquirerId }), transactionType: 'purchase' as const };
    const refund = { ...authorization(pan, 500, { acquirerId }), transactionType: 'refund' as const };
    const reversed = { ...authorization(pan, 700, { acquirerId }), transactionType: 'purchase' as const };
    const other = { ...authorization(pan, 900), transactionType: 'purchase' as const };
    for (const request of [purchase, refund, reversed, other]) {
      expect(codeOf(await client.request(financialRequest.toIso8583(request)))).toBe('00');
    }
    expect(codeOf(await client.request(reversalMessage(reversed, '0200')))).toBe('00');

    const answer = await statement({ iban, currency: 'EUR', date: today() });
    expect(answer.status).toBe(200);
    const validation = await validateAgainstXsd('camt.053.001.08', [answer.text]);
    expect(validation.errors).toEqual([]);
    const [parsed] = parseBankStatement(answer.text).statements;
    const lines = parsed!.entries.map((entry) => ({
      rrn: entry.transactions?.[0]?.transactionId,
      side: entry.creditDebit,
      amount: entry.amount.amount,
      reversal: entry.reversal ?? false,
    }));
    expect(lines).toEqual([
      { rrn: purchase.rrn, side: 'CRDT', amount: 3_000, reversal: false },
      { rrn: refund.rrn, side: 'DBIT', amount: 500, reversal: false },
      { rrn: reversed.rrn, side: 'CRDT', amount: 700, reversal: false },
      { rrn: reversed.rrn, side: 'DBIT', amount: 700, reversal: true },
    ]);
    expect(parsed!.pagination).toEqual({ pageNumber: 1, lastPage: true });
    expect(parsed!.balances.map((balance) => [balance.type, balance.creditDebit, balance.amount.amount])).toEqual([
      ['OPBD', 'CRDT', 1_000],
      ['CLBD', 'CRDT', 3_500],
    ]);
  });

  it('statement › unknown IBAN, bad date, page past the last › 404, 400, 404 in the error shape', async () => {
    const iban = ibanOf('DE', `77777777${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);
    expect((await statement({ iban, currency: 'EUR', date: today() })).status).toBe(404);
    await control('POST', '/v1/accounts', { kind: 'settlement', iban });
    const bad = await statement({ iban, currency: 'EUR', date: '2026-13-45' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error.param).toBe('date');
    expect((await statement({ iban, currency: 'EUR', date: today(), page: 2 })).status).toBe(404);
    const empty = await statement({ iban, currency: 'EUR', date: today() });
    expect((await validateAgainstXsd('camt.053.001.08', [empty.text])).errors).toEqual([]);
  });

  it('a current account with an acquirer id › 400, the account is not opened', async () => {
    const iban = ibanOf('DE', `77777777${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);
    await expect(control('POST', '/v1/accounts', { kind: 'current', iban, acquirerId: '12' })).rejects.toThrow(/400/);
  });
});

/** A card purchase (refund when `delta` is negative) on a settlement day, moving money as `effects` say. */
function cardEntry(
  seq: number,
  day: string,
  effects: JournalEntry['effects'],
  { currency = 'EUR', delta = 1 }: { currency?: string; delta?: number } = {},
): JournalEntry {
  const rrn = `R${String(seq).padStart(11, '0')}`;
  return {
    _id: `8583:0200:${rrn}`,
    seq,
    at: `${day}T10:00:00.000Z`,
    settlementDate: day,
    channel: 'iso8583',
    mti: '0200',
    rrn,
    stan: '000001',
    acquirerId: '4711',
    messageKey: `k${seq}`,
    digest: 'd',
    processingCode: delta > 0 ? '000000' : '200000',
    amount: Math.abs(delta),
    currency,
    responseCode: '00',
    effects,
  };
}

describe('statementPage › a day of seven entries, three a page', () => {
  it('pages › every entry once, in order, the same balances on each page, last page marked, XSD-valid', async () => {
    const book = new Book({ holdTtlMs: 60_000, clearingPeriodMs: 1_000 });
    const account: IbanAccount = {
      _id: 'acct_s',
      kind: 'settlement',
      label: 'gateway',
      iban: 'DE97500105170000000001',
      opening: { EUR: 10_000 },
      createdAt: '2026-11-01T00:00:00Z',
    };
    book.addAccount(account);
    const entry = (seq: number, day: string, delta: number): JournalEntry =>
      cardEntry(
        seq,
        day,
        [
          { accountId: 'acct_s', currency: 'EUR', delta },
          { accountId: 'card_x', currency: 'EUR', delta: -delta },
        ],
        { delta },
      );
    book.apply(entry(1, '2026-11-25', 5_000));
    const deltas = [100, 200, -50, 400, 500, -60, 700];
    deltas.forEach((delta, i) => book.apply(entry(i + 2, '2026-11-26', delta)));
    book.apply(entry(20, '2026-11-27', 9_999));

    const pages = [1, 2, 3].map((page) =>
      statementPage(book, {
        account,
        currency: 'EUR',
        date: '2026-11-26',
        page,
        pageSize: 3,
        bic: 'SFBKDEFFXXX',
        now: new Date('2026-11-27T00:30:00Z'),
      }),
    );
    expect(
      statementPage(book, {
        account,
        currency: 'EUR',
        date: '2026-11-26',
        page: 4,
        pageSize: 3,
        bic: 'SFBKDEFFXXX',
        now: new Date(),
      }),
    ).toBeUndefined();
    const xmls = pages.map((page) => page!.xml);
    expect((await validateAgainstXsd('camt.053.001.08', xmls)).errors).toEqual([]);
    const statements = xmls.map((xml) => parseBankStatement(xml).statements[0]!);
    expect(statements.map((s) => s.pagination)).toEqual([
      { pageNumber: 1, lastPage: false },
      { pageNumber: 2, lastPage: false },
      { pageNumber: 3, lastPage: true },
    ]);
    const signed = statements.flatMap((s) =>
      s.entries.map((e) => (e.creditDebit === 'CRDT' ? e.amount.amount : -e.amount.amount)),
    );
    expect(signed).toEqual(deltas);
    for (const s of statements) {
      expect(s.balances.map((b) => [b.type, b.amount.amount])).toEqual([
        ['OPBD', 15_000],
        ['CLBD', 16_790],
      ]);
    }
  });
});

describe('statementPage › a day of two currencies', () => {
  it('pages › only the currency asked, never an entry that nets to zero on the account, and a new entry at once', () => {
    const book = new Book({ holdTtlMs: 60_000, clearingPeriodMs: 1_000 });
    const account: IbanAccount = {
      _id: 'acct_m',
      kind: 'settlement',
      label: 'gateway',
      iban: ibanOf('DE', '500105170000000002'),
      opening: { EUR: 1_000, USD: 2_000 },
      createdAt: '2026-11-01T00:00:00Z',
    };
    book.addAccount(account);
    const day = '2026-11-26';
    const entry = (seq: number, effects: JournalEntry['effects'], currency = 'EUR'): JournalEntry =>
      cardEntry(seq, day, effects, { currency });
    const onAccount = (currency: string, delta: number) => [
      { accountId: 'acct_m', currency, delta },
      { accountId: 'card_y', currency, delta: -delta },
    ];
    book.apply(entry(1, onAccount('EUR', 300)));
    book.apply(entry(2, onAccount('USD', 700), 'USD'));
    // In and out of the account in one entry: nets to zero, no line (and no movement of the balance).
    book.apply(
      entry(3, [
        { accountId: 'acct_m', currency: 'EUR', delta: 50 },
        { accountId: 'acct_m', currency: 'EUR', delta: -50 },
      ]),
    );
    book.apply(entry(4, onAccount('EUR', -40)));
    // Another account's entry of the same day and currency.
    book.apply(entry(5, [{ accountId: 'acct_other', currency: 'EUR', delta: 9 }]));

    const read = (currency: string) => {
      const page = statementPage(book, {
        account,
        currency,
        date: day,
        page: 1,
        pageSize: 10,
        bic: 'SFBKDEFFXXX',
        now: new Date('2026-11-27T00:30:00Z'),
      });
      const statement = parseBankStatement(page!.xml).statements[0]!;
      return {
        lines: statement.entries.map((e) => [
          e.entryReference,
          e.creditDebit === 'CRDT' ? e.amount.amount : -e.amount.amount,
        ]),
        balances: statement.balances.map((b) => [b.type, b.amount.amount]),
      };
    };
    const eur = read('EUR');
    expect(eur.lines.map(([, amount]) => amount)).toEqual([300, -40]);
    expect(eur.balances).toEqual([
      ['OPBD', 1_000],
      ['CLBD', 1_260],
    ]);
    expect(read('USD')).toMatchObject({
      lines: [[expect.any(String), 700]],
      balances: [
        ['OPBD', 2_000],
        ['CLBD', 2_700],
      ],
    });

    book.apply(entry(6, onAccount('EUR', 5)));
    expect(read('EUR').lines.map(([, amount]) => amount)).toEqual([300, -40, 5]);
    expect(read('EUR').balances[1]).toEqual(['CLBD', 1_265]);
  });
});
