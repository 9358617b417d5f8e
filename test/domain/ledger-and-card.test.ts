import { cardBrand, isExpired, passesLuhn } from '../../src/domain/card';
import { assertBalanced } from '../../src/domain/ledger';

describe('card', () => {
  it('passesLuhn › the test card 4242 4242 4242 4242 › passes', () => {
    expect(passesLuhn('4242424242424242')).toBe(true);
  });

  it('passesLuhn › one digit changed › fails', () => {
    expect(passesLuhn('4242424242424241')).toBe(false);
  });

  it('cardBrand › a 5555 number › is mastercard', () => {
    expect(cardBrand('5555555555554444')).toBe('mastercard');
  });

  it('isExpired › the current month › is still valid', () => {
    expect(isExpired(11, 2026, new Date('2026-11-26T00:00:00Z'))).toBe(false);
  });

  it('isExpired › last month › is expired', () => {
    expect(isExpired(10, 2026, new Date('2026-11-26T00:00:00Z'))).toBe(true);
  });
});

describe('ledger', () => {
  const eur = (amount: number) => ({ amount, currency: 'EUR' });

  it('assertBalanced › debits equal credits › passes', () => {
    expect(() =>
      assertBalanced({
        journalId: 'j',
        orderId: 'o',
        kind: 'SETTLEMENT',
        at: 'x',
        legs: [
          { account: 'a', direction: 'DEBIT', amount: eur(100) },
          { account: 'b', direction: 'CREDIT', amount: eur(98) },
          { account: 'c', direction: 'CREDIT', amount: eur(2) },
        ],
      }),
    ).not.toThrow();
  });

  it('assertBalanced › one minor unit off › is rejected as unbalanced_journal', () => {
    expect(() =>
      assertBalanced({
        journalId: 'j',
        orderId: 'o',
        kind: 'CAPTURE',
        at: 'x',
        legs: [
          { account: 'a', direction: 'DEBIT', amount: eur(100) },
          { account: 'b', direction: 'CREDIT', amount: eur(99) },
        ],
      }),
    ).toThrow(expect.objectContaining({ code: 'unbalanced_journal' }));
  });
});
