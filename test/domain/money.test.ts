import { DomainError } from '../../src/domain/errors';
import { addMoney, formatMoney, money, multiplyMoney } from '../../src/domain/money';

describe('money', () => {
  it('money › a fractional amount › is rejected as invalid_amount', () => {
    expect(() => money(10.5, 'EUR')).toThrow(expect.objectContaining({ code: 'invalid_amount' }));
  });

  it('money › a negative amount › is rejected', () => {
    expect(() => money(-1, 'EUR')).toThrow(DomainError);
  });

  it('money › a lower-case currency › is rejected as invalid_currency', () => {
    expect(() => money(1, 'eur')).toThrow(expect.objectContaining({ code: 'invalid_currency' }));
  });

  it('addMoney › two amounts of one currency › sums exactly', () => {
    expect(addMoney(money(10, 'EUR'), money(20, 'EUR'))).toEqual({ amount: 30, currency: 'EUR' });
  });

  it('addMoney › two currencies › is rejected as currency_mismatch', () => {
    expect(() => addMoney(money(10, 'EUR'), money(20, 'USD'))).toThrow(
      expect.objectContaining({ code: 'currency_mismatch' }),
    );
  });

  it('addMoney › a sum beyond the safe integers › is rejected rather than rounded', () => {
    expect(() => addMoney(money(Number.MAX_SAFE_INTEGER, 'EUR'), money(1, 'EUR'))).toThrow(
      expect.objectContaining({ code: 'invalid_amount' }),
    );
  });

  it('multiplyMoney › a unit price times a quantity › is exact', () => {
    expect(multiplyMoney(money(1999, 'EUR'), 3)).toEqual({ amount: 5997, currency: 'EUR' });
  });

  it('formatMoney › yen › prints no minor digits', () => {
    expect(formatMoney(money(1200, 'JPY'))).toBe('1200 JPY');
  });

  it('formatMoney › Kuwaiti dinar › prints three minor digits', () => {
    expect(formatMoney(money(1250, 'KWD'))).toBe('1.250 KWD');
  });

  it('formatMoney › cents › prints two minor digits', () => {
    expect(formatMoney(money(12305, 'EUR'))).toBe('123.05 EUR');
  });
});
