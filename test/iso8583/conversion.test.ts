import {
  CONVERSIONS,
  CURRENCIES,
  Iso8583Error,
  MESSAGE_TYPES,
  authorizationRequest,
  authorizationResponse,
  checkMessageType,
  currencyByAlpha,
  isoMessage,
  networkManagementRequest,
  pack,
  reconciliationRequest,
  responseCode,
  responseOutcome,
  responseTo,
  reversalRequest,
  unpack,
} from '../../src/iso8583';
import { minorDigits } from '../../src/domain/money';
import { AUTHORIZATION, RECEIVED, REVERSAL, SAMPLES, sampleMessage } from './samples';

function errorOf(action: () => unknown): Iso8583Error {
  try {
    action();
  } catch (error) {
    if (error instanceof Iso8583Error) return error;
    throw new Error(`expected an Iso8583Error, got ${String(error)}`);
  }
  throw new Error('expected an Iso8583Error, nothing was thrown');
}

describe('iso8583 conversion', () => {
  describe.each(SAMPLES.map((entry) => [entry.mti, entry] as const))(
    'JSON → ISO → bytes → ISO → JSON › a %s',
    (_mti, entry) => {
      it('gives the same JSON back', () => {
        const bytes = pack(entry.conversion.toIso8583(entry.json));

        const back = entry.conversion.fromIso8583(unpack(bytes), RECEIVED);

        expect(back).toEqual(entry.json);
      });
    },
  );

  it('CONVERSIONS › has one conversion per message type, under its MTI', () => {
    expect([...CONVERSIONS.keys()].sort()).toEqual(MESSAGE_TYPES.map((type) => type.mti).sort());
  });

  describe('authorizationRequest.toIso8583', () => {
    it('places amount, currency, times, card, acceptor and references in their fields', () => {
      const message = authorizationRequest.toIso8583(AUTHORIZATION);

      expect(Object.fromEntries(message.fields)).toEqual({
        2: '4242424242424242',
        3: '000000',
        4: '000000012550',
        7: '1126143015',
        11: '000042',
        12: '143015',
        13: '1126',
        14: '2812',
        18: '5999',
        22: '812',
        25: '59',
        32: '423935',
        37: '633014000042',
        41: 'SFGW0001',
        42: 'SELLER-000042  ',
        43: 'ACME SUPPLIES BERLIN DE'.padEnd(40, ' '),
        49: '978',
        60: 'pay_ord-7f3a_1',
        61: '123',
        62: 'ord-7f3a',
      });
    });

    it.each([
      ['USD', 105, '000000000105', '840'],
      ['EUR', 105, '000000000105', '978'],
      ['JPY', 1200, '000000001200', '392'],
      ['KWD', 1250, '000000001250', '414'],
      ['GBP', 999_999_999_999, '999999999999', '826'],
    ])('sends %s %d as field 4 %s and field 49 %s', (currency, amount, field4, field49) => {
      const message = authorizationRequest.toIso8583({ ...AUTHORIZATION, amount: { amount, currency } });

      expect(message.fields.get(4)).toBe(field4);
      expect(message.fields.get(49)).toBe(field49);
    });

    it.each([
      ['an amount over 12 digits', { amount: { amount: 1_000_000_000_000, currency: 'EUR' } }, 'amount.amount'],
      ['a fractional amount', { amount: { amount: 10.5, currency: 'EUR' } }, 'amount.amount'],
      ['a currency the profile lacks', { amount: { amount: 100, currency: 'XAU' } }, 'amount.currency'],
      ['a short STAN', { stan: '42' }, 'stan'],
      ['a time with milliseconds', { transmittedAt: '2026-11-26T14:30:15.123Z' }, 'transmittedAt'],
      ['a PAN with a letter', { card: { ...AUTHORIZATION.card, number: '42424242424242X2' } }, 'card.number'],
      [
        'a terminal id of 9 characters',
        { acceptor: { ...AUTHORIZATION.acceptor, terminalId: 'SFGW00001' } },
        'acceptor.terminalId',
      ],
      ['an unknown property', { surcharge: 5 }, ''],
    ])('refuses %s with invalid_json_message naming %s', (_name, change, param) => {
      const error = errorOf(() =>
        authorizationRequest.toIso8583({ ...AUTHORIZATION, ...change } as typeof AUTHORIZATION),
      );

      expect(error.code).toBe('invalid_json_message');
      expect(error.param).toBe(param);
      expect(error.message).not.toContain('4242424242');
    });
  });

  describe('fromIso8583', () => {
    it('takes the year nearest to the receipt: a 31 December message read on 1 January is from last year', () => {
      const sent = networkManagementRequest.toIso8583({
        stan: '000001',
        transmittedAt: '2026-12-31T23:59:58Z',
        code: 'echo',
      });

      const read = networkManagementRequest.fromIso8583(sent, { receivedAt: new Date('2027-01-01T00:00:03Z') });

      expect(read.transmittedAt).toBe('2026-12-31T23:59:58Z');
    });

    it('refuses a message of another type with unsupported_mti', () => {
      const error = errorOf(() => authorizationRequest.fromIso8583(sampleMessage('0200'), RECEIVED));

      expect(error.code).toBe('unsupported_mti');
    });

    it('refuses a 0100 without its STAN with missing_field 11', () => {
      const message = sampleMessage('0100');
      message.fields.delete(11);

      const error = errorOf(() => authorizationRequest.fromIso8583(message, RECEIVED));

      expect([error.code, error.field]).toEqual(['missing_field', 11]);
    });

    it('refuses a currency code the profile lacks with invalid_field_value 49', () => {
      const message = sampleMessage('0100');
      message.fields.set(49, '999');

      const error = errorOf(() => authorizationRequest.fromIso8583(message, RECEIVED));

      expect([error.code, error.field]).toEqual(['invalid_field_value', 49]);
    });

    it('refuses a transmission time of 31 February with invalid_field_value 7', () => {
      const message = sampleMessage('0100');
      message.fields.set(7, '0231120000');

      const error = errorOf(() => authorizationRequest.fromIso8583(message, RECEIVED));

      expect([error.code, error.field]).toEqual(['invalid_field_value', 7]);
    });

    it('reads a reversal’s original data (90) and partial amount (95)', () => {
      const message = reversalRequest.toIso8583(REVERSAL);

      expect(message.fields.get(90)).toBe('0100' + '000041' + '1126142900' + '00000423935' + '00000000000');
      expect(message.fields.get(95)).toBe('000000002500' + '000000000000' + 'C00000000' + 'C00000000');
      expect(reversalRequest.fromIso8583(message, RECEIVED).original).toEqual(REVERSAL.original);
    });

    it('reads a negative net settlement as D and back', () => {
      const entry = SAMPLES.find((sample) => sample.mti === '0500')!;
      const message = reconciliationRequest.toIso8583(
        entry.json as Parameters<typeof reconciliationRequest.toIso8583>[0],
      );

      expect(message.fields.get(97)).toBe('D0000000001227567');
      expect(reconciliationRequest.fromIso8583(message, RECEIVED).netAmount).toBe(-1_227_567);
    });
  });

  describe('responseTo', () => {
    it.each(MESSAGE_TYPES.filter((type) => type.responseMti !== undefined).map((type) => [type.mti, type] as const))(
      'answers a %s with its response MTI, echoing amount, currency, STAN and RRN',
      (mti, type) => {
        const request = sampleMessage(mti);

        const response = responseTo(request, '00', mti === '0500' ? { 66: '1' } : {});

        expect(response.mti).toBe(type.responseMti);
        expect(response.fields.get(39)).toBe('00');
        for (const field of [4, 49, 11, 37, 7, 90]) expect(response.fields.get(field)).toBe(request.fields.get(field));
        expect(response.fields.has(2)).toBe(false);
        expect(response.fields.has(61)).toBe(false);
        expect(checkMessageType(response).mti).toBe(type.responseMti);
      },
    );

    it('gives a response the connector reads back as JSON', () => {
      const response = responseTo(authorizationRequest.toIso8583(AUTHORIZATION), '51');

      const json = authorizationResponse.fromIso8583(unpack(pack(response)), RECEIVED);

      expect(json).toMatchObject({
        stan: '000042',
        rrn: '633014000042',
        responseCode: '51',
        amount: AUTHORIZATION.amount,
      });
    });

    it('refuses to answer a response', () => {
      expect(errorOf(() => responseTo(sampleMessage('0110'), '00')).code).toBe('unsupported_mti');
    });
  });

  describe('checkMessageType', () => {
    it('refuses a 0100 that carries field 90 with unexpected_field 90', () => {
      const message = isoMessage('0100', Object.fromEntries(sampleMessage('0100').fields));
      message.fields.set(90, '0'.repeat(42));

      const error = errorOf(() => checkMessageType(message));

      expect([error.code, error.field]).toEqual(['unexpected_field', 90]);
    });

    it('refuses an MTI outside the profile with unsupported_mti', () => {
      expect(errorOf(() => checkMessageType(isoMessage('0120', {}))).code).toBe('unsupported_mti');
    });
  });

  describe('response codes', () => {
    it.each([
      ['00', 'approved', undefined],
      ['05', 'declined', 'do_not_honor'],
      ['14', 'declined', 'incorrect_number'],
      ['51', 'declined', 'insufficient_funds'],
      ['54', 'declined', 'expired_card'],
      ['55', 'declined', 'incorrect_pin'],
      ['61', 'declined', 'card_velocity_exceeded'],
      ['91', 'retry_later', 'issuer_not_available'],
      ['96', 'retry_later', 'processing_error'],
      ['30', 'error', 'processing_error'],
    ])('%s is %s (%s)', (code, outcome, declineCode) => {
      expect(responseOutcome(code)).toBe(outcome);
      expect(responseCode(code)?.declineCode).toBe(declineCode);
    });

    it('an unknown code is declined, never approved', () => {
      expect(responseOutcome('Q7')).toBe('declined');
    });
  });

  describe('currencies', () => {
    it('carry the same minor-unit digits as the domain’s money', () => {
      for (const currency of CURRENCIES)
        expect([currency.alpha, currency.exponent]).toEqual([currency.alpha, minorDigits(currency.alpha)]);
    });

    it.each([
      ['USD', '840'],
      ['EUR', '978'],
      ['JPY', '392'],
      ['KWD', '414'],
      ['GBP', '826'],
    ])('%s is %s', (alpha, numeric) => {
      expect(currencyByAlpha(alpha)?.numeric).toBe(numeric);
    });
  });
});
