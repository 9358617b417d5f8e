// The console's money display, without a browser: amounts in minor units shown with their currency's own decimals
// (JPY none, EUR two, KWD three; Intl puts a no-break space after a code), negative amounts (a payout leaving the
// settlement account) included.

import { formatMoney } from '../../console/src/format';

describe('formatMoney', () => {
  it('formatMoney › JPY, EUR and KWD › 0, 2 and 3 decimals from the same minor units', () => {
    expect(formatMoney({ amount: 1250, currency: 'JPY' })).toBe('¥1,250');
    expect(formatMoney({ amount: 1250, currency: 'EUR' })).toBe('€12.50');
    expect(formatMoney({ amount: 1250, currency: 'KWD' })).toBe('KWD\u00a01.250');
  });

  it('formatMoney › a payout leaving the account, and no amount › signed, and a dash', () => {
    expect(formatMoney({ amount: -318958, currency: 'EUR' })).toBe('-€3,189.58');
    expect(formatMoney(undefined)).toBe('—');
  });
});
