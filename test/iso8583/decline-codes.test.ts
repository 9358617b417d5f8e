// The one mapping from field 39 to the decline codes a payment records (Stripe's names): every code the bank host
// answers the README's test cards with maps to the code the README promises, 55 stays a PIN failure (never a CVC
// one), and a code the table does not know is a generic decline, never an approval.

import { DEMO_CARDS } from '../../src/bank-host/seed';
import { GENERIC_DECLINE, RESPONSE_CODES, declineCodeFor, responseOutcome } from '../../src/iso8583';

describe('decline codes', () => {
  it.each([
    ['4000000000009995', '51', 'insufficient_funds'],
    ['4000000000000069', '54', 'expired_card'],
    ['4000000000000127', '82', 'incorrect_cvc'],
    ['4000000000000002', '05', 'do_not_honor'],
    ['4000000000000119', '96', 'processing_error'],
    ['4000000000000911', '91', 'issuer_not_available'],
    ['4000000000000614', '61', 'card_velocity_exceeded'],
  ])('decline codes › README test card %s (field 39 %s) › %s', (pan, code, declineCode) => {
    const seeded = DEMO_CARDS.find((card) => card.pan === pan);
    expect(seeded?.answer.slice(0, 2)).toBe(code);
    expect(responseOutcome(code)).not.toBe('approved');
    expect(declineCodeFor(code)).toBe(declineCode);
  });

  it('decline codes › 55 (incorrect PIN) › incorrect_pin, not incorrect_cvc', () => {
    expect(declineCodeFor('55')).toBe('incorrect_pin');
  });

  it('decline codes › 14 (no such card) › incorrect_number', () => {
    expect(declineCodeFor('14')).toBe('incorrect_number');
  });

  it('decline codes › a code outside the table › generic_decline', () => {
    expect(declineCodeFor('Q7')).toBe(GENERIC_DECLINE);
    expect(responseOutcome('Q7')).toBe('declined');
  });

  it('decline codes › every refusal in the table › has a decline code of its own, none for approvals', () => {
    for (const spec of RESPONSE_CODES) {
      if (spec.outcome === 'approved') expect(spec.declineCode).toBeUndefined();
      else expect(spec.declineCode).toMatch(/^[a-z_]+$/);
    }
  });
});
