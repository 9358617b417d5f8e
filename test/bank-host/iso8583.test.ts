// The bank host's ISO 8583 channel, on the real process over TCP: network management, every card message type's
// approvals and declines with real field 39 codes, the echoed fields, and what each does to the bank's books.

import { stringField } from '../../src/iso8583';
import {
  IsoClient,
  accountView,
  authorization,
  authorizationMessage,
  captureMessage,
  card,
  codeOf,
  financialMessage,
  networkMessage,
  openCard,
} from './support';
import { authorizationRequest } from '../../src/iso8583';

let client: IsoClient;

beforeAll(async () => {
  client = await IsoClient.connect();
});

afterAll(() => client.close());

describe('bank host ISO 8583 › network management', () => {
  it.each([
    ['sign_on', '001'],
    ['echo', '301'],
    ['sign_off', '002'],
  ] as const)('0800 %s › answers 0810 with 39=00 and echoes STAN and 70', async (code, field70) => {
    const request = networkMessage(code);
    const answer = await client.request(request);
    expect(answer.mti).toBe('0810');
    expect(codeOf(answer)).toBe('00');
    expect(stringField(answer, 11)).toBe(stringField(request, 11));
    expect(stringField(answer, 70)).toBe(field70);
  });
});

describe('bank host ISO 8583 › 0100 authorization', () => {
  it('approved › answers 00 with an authorization code, echoes amount, currency, STAN and RRN, and holds the amount', async () => {
    const { pan, id } = await openCard(50_000);
    const json = authorization(pan, 12_550);
    const answer = await client.request(authorizationRequest.toIso8583(json));
    expect(answer.mti).toBe('0110');
    expect(codeOf(answer)).toBe('00');
    expect(stringField(answer, 38)).toMatch(/^[A-Z0-9]{6}$/);
    expect(stringField(answer, 4)).toBe('000000012550');
    expect(stringField(answer, 49)).toBe('978');
    expect(stringField(answer, 11)).toBe(json.stan);
    expect(stringField(answer, 37)).toBe(json.rrn);
    expect(answer.fields.has(2)).toBe(false);
    const books = await accountView(id);
    expect(books.balances.EUR).toBe(50_000);
    expect(books.held.EUR).toBe(12_550);
    expect(books.available.EUR).toBe(37_450);
    expect(books.holds).toEqual([expect.objectContaining({ rrn: json.rrn, amount: 12_550, state: 'active' })]);
  });

  it.each([
    ['4000000000009995', '51'],
    ['4000000000000069', '54'],
    ['4000000000000127', '82'],
    ['4000000000000002', '05'],
    ['4000000000000911', '91'],
    ['4000000000000119', '96'],
    ['4000000000000010', '14'],
  ])('demo card %s › answers %s and holds nothing', async (pan, code) => {
    const answer = await client.request(authorizationMessage(pan, 1_000));
    expect(answer.mti).toBe('0110');
    expect(codeOf(answer)).toBe(code);
    expect(answer.fields.has(38)).toBe(false);
  });

  it('4242424242424242 › approved', async () => {
    expect(codeOf(await client.request(authorizationMessage('4242424242424242', 1_000)))).toBe('00');
  });

  it('card with a limit › 61 above it, 00 at it', async () => {
    expect(codeOf(await client.request(authorizationMessage('4000000000000614', 10_001)))).toBe('61');
    expect(codeOf(await client.request(authorizationMessage('4000000000000614', 10_000)))).toBe('00');
  });

  it('card with a stored expiry and CVC › 54 on another expiry, 82 on another CVC, 00 on both right', async () => {
    const pan = '5105105105105100';
    const wrongExpiry = authorizationMessage(pan, 100, { card: { ...card(pan, '737'), expMonth: 11, expYear: 2034 } });
    const wrongCvc = authorizationMessage(pan, 100, { card: { number: pan, expMonth: 12, expYear: 2034, cvc: '738' } });
    const right = authorizationMessage(pan, 100, { card: { number: pan, expMonth: 12, expYear: 2034, cvc: '737' } });
    expect(codeOf(await client.request(wrongExpiry))).toBe('54');
    expect(codeOf(await client.request(wrongCvc))).toBe('82');
    expect(codeOf(await client.request(right))).toBe('00');
  });

  it('an expiry in the past › 54', async () => {
    const { pan } = await openCard(10_000);
    const answer = await client.request(
      authorizationMessage(pan, 100, { card: { number: pan, expMonth: 1, expYear: 2020 } }),
    );
    expect(codeOf(answer)).toBe('54');
  });

  it('more than available › 51, and the hold of an earlier approval counts', async () => {
    const { pan, id } = await openCard(10_000);
    expect(codeOf(await client.request(authorizationMessage(pan, 6_000)))).toBe('00');
    expect(codeOf(await client.request(authorizationMessage(pan, 6_000)))).toBe('51');
    expect((await accountView(id)).held.EUR).toBe(6_000);
  });

  it('amount zero › 13', async () => {
    const { pan } = await openCard(10_000);
    expect(codeOf(await client.request(authorizationMessage(pan, 0)))).toBe('13');
  });
});

describe('bank host ISO 8583 › 0200 financial', () => {
  it('purchase › 00 and the card is debited at once', async () => {
    const { pan, id } = await openCard(10_000);
    const answer = await client.request(financialMessage(pan, 2_500));
    expect(answer.mti).toBe('0210');
    expect(codeOf(answer)).toBe('00');
    const books = await accountView(id);
    expect(books.balances.EUR).toBe(7_500);
    expect(books.held.EUR ?? 0).toBe(0);
  });

  it('refund (processing code 200000) › 00 and the card is credited', async () => {
    const { pan, id } = await openCard(10_000);
    const answer = await client.request(financialMessage(pan, 1_200, { transactionType: 'refund' }));
    expect(codeOf(answer)).toBe('00');
    expect(stringField(answer, 3)).toBe('200000');
    expect((await accountView(id)).balances.EUR).toBe(11_200);
  });

  it('purchase above the balance › 51 and nothing moves', async () => {
    const { pan, id } = await openCard(1_000);
    expect(codeOf(await client.request(financialMessage(pan, 1_001)))).toBe('51');
    expect((await accountView(id)).balances.EUR).toBe(1_000);
  });
});

describe('bank host ISO 8583 › 0220 capture', () => {
  it('partial capture › 00, the card is debited the captured amount and the rest of the hold is released', async () => {
    const { pan, id } = await openCard(10_000);
    const auth = authorization(pan, 4_000);
    const approved = await client.request(authorizationRequest.toIso8583(auth));
    const capture = await client.request(captureMessage(auth, stringField(approved, 38)!, 3_000));
    expect(capture.mti).toBe('0230');
    expect(codeOf(capture)).toBe('00');
    expect(stringField(capture, 90)).toBeDefined();
    const books = await accountView(id);
    expect(books.balances.EUR).toBe(7_000);
    expect(books.held.EUR ?? 0).toBe(0);
    expect(books.holds[0]).toEqual(expect.objectContaining({ state: 'captured', amount: 0 }));
  });

  it('a second capture of the same authorization › 12 and nothing moves', async () => {
    const { pan, id } = await openCard(10_000);
    const auth = authorization(pan, 4_000);
    const code = stringField(await client.request(authorizationRequest.toIso8583(auth)), 38)!;
    expect(codeOf(await client.request(captureMessage(auth, code, 4_000)))).toBe('00');
    expect(codeOf(await client.request(captureMessage(auth, code, 1_000, { rrn: 'OTHERRRN0001' })))).toBe('12');
    expect((await accountView(id)).balances.EUR).toBe(6_000);
  });

  it('more than authorized › 13', async () => {
    const { pan } = await openCard(10_000);
    const auth = authorization(pan, 4_000);
    const code = stringField(await client.request(authorizationRequest.toIso8583(auth)), 38)!;
    expect(codeOf(await client.request(captureMessage(auth, code, 4_001)))).toBe('13');
  });

  it('an authorization never seen › 25', async () => {
    const { pan } = await openCard(10_000);
    const auth = authorization(pan, 4_000);
    expect(codeOf(await client.request(captureMessage(auth, 'ABC123', 1_000)))).toBe('25');
  });
});
