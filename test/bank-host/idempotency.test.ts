// The bank host's ISO 8583 idempotency on the real process: a repeat of a request (same MTI and RRN) gets the first
// answer and moves nothing; reversals are idempotent; a reversal of something never seen is recorded so the late
// original is declined; many requests in flight on one connection are all answered, matched by STAN; 0500 totals.

import { reconciliationRequest, stringField } from '../../src/iso8583';
import { authorizationRequest, financialRequest } from '../../src/iso8583';
import {
  IsoClient,
  accountView,
  authorization,
  authorizationMessage,
  captureMessage,
  codeOf,
  control,
  nextStan,
  openCard,
  reversalMessage,
  transmittedNow,
} from './support';

let client: IsoClient;

beforeAll(async () => {
  client = await IsoClient.connect();
});

afterAll(() => client.close());

describe('bank host idempotency › the same RRN and MTI again', () => {
  it('a repeated 0100 with a new STAN › the first answer (same code and authorization code) and one hold only', async () => {
    const { pan, id } = await openCard(10_000);
    const json = authorization(pan, 3_000);
    const first = await client.request(authorizationRequest.toIso8583(json));
    const again = await client.request(authorizationRequest.toIso8583({ ...json, stan: nextStan() }));
    expect(codeOf(first)).toBe('00');
    expect(codeOf(again)).toBe('00');
    expect(stringField(again, 38)).toBe(stringField(first, 38));
    const books = await accountView(id);
    expect(books.held.EUR).toBe(3_000);
    expect(books.holds).toHaveLength(1);
  });

  it('concurrent copies of a 0200 › every copy answered 00 and the card debited once', async () => {
    const { pan, id } = await openCard(10_000);
    const json = { ...authorization(pan, 2_000), transactionType: 'purchase' as const };
    const copies = await Promise.all(
      Array.from({ length: 8 }, () => client.request(financialRequest.toIso8583({ ...json, stan: nextStan() }))),
    );
    expect(copies.map(codeOf)).toEqual(Array(8).fill('00'));
    expect((await accountView(id)).balances.EUR).toBe(8_000);
  });

  it('a repeat asking another amount › 94 and nothing moves', async () => {
    const { pan, id } = await openCard(10_000);
    const json = { ...authorization(pan, 2_000), transactionType: 'purchase' as const };
    expect(codeOf(await client.request(financialRequest.toIso8583(json)))).toBe('00');
    const changed = { ...json, stan: nextStan(), amount: { amount: 5_000, currency: 'EUR' } };
    expect(codeOf(await client.request(financialRequest.toIso8583(changed)))).toBe('94');
    expect((await accountView(id)).balances.EUR).toBe(8_000);
  });
});

describe('bank host idempotency › reversals', () => {
  it('0400 of an authorization › 00, the hold is released; a second 0400 and a 0420 › 00 and nothing changes', async () => {
    const { pan, id } = await openCard(10_000);
    const auth = authorization(pan, 4_000);
    expect(codeOf(await client.request(authorizationRequest.toIso8583(auth)))).toBe('00');
    const reversal = await client.request(reversalMessage(auth, '0100'));
    expect(reversal.mti).toBe('0410');
    expect(codeOf(reversal)).toBe('00');
    expect(stringField(reversal, 90)).toBeDefined();
    expect((await accountView(id)).held.EUR ?? 0).toBe(0);
    expect(codeOf(await client.request(reversalMessage(auth, '0100')))).toBe('00');
    const advice = await client.request(reversalMessage(auth, '0100', '0420'));
    expect(advice.mti).toBe('0430');
    expect(codeOf(advice)).toBe('00');
    const books = await accountView(id);
    expect(books.balances.EUR).toBe(10_000);
    expect(books.held.EUR ?? 0).toBe(0);
    expect(books.holds[0]).toEqual(expect.objectContaining({ state: 'reversed' }));
  });

  it('a reversed authorization › cannot be captured (12)', async () => {
    const { pan, id } = await openCard(10_000);
    const auth = authorization(pan, 4_000);
    const code = stringField(await client.request(authorizationRequest.toIso8583(auth)), 38)!;
    expect(codeOf(await client.request(reversalMessage(auth, '0100')))).toBe('00');
    expect(codeOf(await client.request(captureMessage(auth, code, 4_000)))).toBe('12');
    expect((await accountView(id)).balances.EUR).toBe(10_000);
  });

  it('a partial reversal of an authorization (field 95) › the hold keeps the replacement amount, which can be captured', async () => {
    const { pan, id } = await openCard(10_000);
    const auth = authorization(pan, 4_000);
    const code = stringField(await client.request(authorizationRequest.toIso8583(auth)), 38)!;
    expect(codeOf(await client.request(reversalMessage(auth, '0100', '0400', { replacementAmount: 1_500 })))).toBe(
      '00',
    );
    expect((await accountView(id)).held.EUR).toBe(1_500);
    expect(codeOf(await client.request(captureMessage(auth, code, 1_500)))).toBe('00');
    expect((await accountView(id)).balances.EUR).toBe(8_500);
  });

  it('0400 of a purchase (0200) › 00 and the card gets the money back once, however often it is sent', async () => {
    const { pan, id } = await openCard(10_000);
    const purchase = { ...authorization(pan, 2_500), transactionType: 'purchase' as const };
    expect(codeOf(await client.request(financialRequest.toIso8583(purchase)))).toBe('00');
    expect((await accountView(id)).balances.EUR).toBe(7_500);
    const answers = await Promise.all([
      client.request(reversalMessage(purchase, '0200')),
      client.request(reversalMessage(purchase, '0200', '0420')),
      client.request(reversalMessage(purchase, '0200', '0420')),
    ]);
    expect(answers.map(codeOf)).toEqual(['00', '00', '00']);
    expect((await accountView(id)).balances.EUR).toBe(10_000);
  });

  it('0420 of a request never seen › 00 and recorded; the late original is then declined (05) and holds nothing', async () => {
    const { pan, id } = await openCard(10_000);
    const auth = authorization(pan, 4_000);
    const advice = await client.request(reversalMessage(auth, '0100', '0420'));
    expect(codeOf(advice)).toBe('00');
    const late = await client.request(authorizationRequest.toIso8583(auth));
    expect(codeOf(late)).toBe('05');
    expect((await accountView(id)).held.EUR ?? 0).toBe(0);
  });

  it('0400 of a request never seen › 25, and the late original is declined too', async () => {
    const { pan, id } = await openCard(10_000);
    const purchase = { ...authorization(pan, 4_000), transactionType: 'purchase' as const };
    expect(codeOf(await client.request(reversalMessage(purchase, '0200')))).toBe('25');
    expect(codeOf(await client.request(financialRequest.toIso8583(purchase)))).toBe('05');
    expect((await accountView(id)).balances.EUR).toBe(10_000);
  });
});

describe('bank host ISO 8583 › many requests in flight on one connection', () => {
  it('64 authorizations sent at once › each answered with its own STAN and RRN, all holds in the books', async () => {
    const { pan, id } = await openCard(1_000_000);
    const requests = Array.from({ length: 64 }, (_, i) => authorization(pan, 100 + i));
    const answers = await Promise.all(requests.map((json) => client.request(authorizationRequest.toIso8583(json))));
    answers.forEach((answer, i) => {
      expect(codeOf(answer)).toBe('00');
      expect(stringField(answer, 37)).toBe(requests[i]!.rrn);
      expect(Number(stringField(answer, 4))).toBe(100 + i);
    });
    const expectedHeld = requests.reduce((sum, json) => sum + json.amount.amount, 0);
    expect((await accountView(id)).held.EUR).toBe(expectedHeld);
  });

  it('a slow answer does not hold back the ones after it › answers come back out of order', async () => {
    const { pan } = await openCard(100_000);
    const rule = await control<{ id: string }>('POST', '/v1/fault-rules', {
      action: 'delay',
      pan,
      amount: 777,
      delayMs: 400,
    });
    try {
      const slow = client.request(authorizationMessage(pan, 777));
      const fast = client.request(authorizationMessage(pan, 778));
      const order: string[] = [];
      await Promise.all([slow.then(() => order.push('slow')), fast.then(() => order.push('fast'))]);
      expect(order).toEqual(['fast', 'slow']);
    } finally {
      await control('DELETE', `/v1/fault-rules/${rule.id}`);
    }
  });
});

describe('bank host ISO 8583 › 0500 reconciliation', () => {
  it("the gateway's totals of the day › 66=1 when they agree with the bank's, 66=2 with the bank's totals when not", async () => {
    const acquirerId = String(70_000_000 + Math.floor(Math.random() * 1_000_000));
    const { pan } = await openCard(100_000);
    const purchase = { ...authorization(pan, 3_000, { acquirerId }), transactionType: 'purchase' as const };
    const refund = { ...authorization(pan, 500, { acquirerId }), transactionType: 'refund' as const };
    expect(codeOf(await client.request(financialRequest.toIso8583(purchase)))).toBe('00');
    expect(codeOf(await client.request(financialRequest.toIso8583(refund)))).toBe('00');
    const today = new Date().toISOString().slice(0, 10);
    const totals = {
      stan: nextStan(),
      transmittedAt: transmittedNow(),
      acquirerId,
      settlementDate: today,
      currency: 'EUR',
      credits: { count: 1, reversalCount: 0, amount: 500, reversalAmount: 0 },
      debits: { count: 1, reversalCount: 0, amount: 3_000, reversalAmount: 0 },
      netAmount: 2_500,
    };
    const agree = await client.request(reconciliationRequest.toIso8583(totals));
    expect(agree.mti).toBe('0510');
    expect(codeOf(agree)).toBe('00');
    expect(stringField(agree, 66)).toBe('1');
    const wrong = { ...totals, stan: nextStan(), debits: { ...totals.debits, amount: 9_999 }, netAmount: 9_499 };
    const disagree = await client.request(reconciliationRequest.toIso8583(wrong));
    expect(stringField(disagree, 66)).toBe('2');
    expect(Number(stringField(disagree, 88))).toBe(3_000);
    expect(stringField(disagree, 97)).toBe('C0000000000002500');
  });
});
