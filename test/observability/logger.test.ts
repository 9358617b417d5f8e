// The logger's redaction without servers: secret keys are replaced by configuration at any depth up to three, and
// card numbers in free text (messages, strings, errors) are scrubbed while ordinary numbers stay readable.

import { scrubPans, temporalLoggerFor } from '../../src/observability/logger';
import { captureLogger } from '../support/log-capture';

const PAN = '4242424242424242';
const PAN_SPACED = '4111 1111 1111 1111';

function logged(write: (logger: ReturnType<typeof captureLogger>['logger']) => void): Record<string, unknown>[] {
  const { logger, lines } = captureLogger('test', 'debug');
  write(logger);
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('logger', () => {
  test('logger › secrets under known keys at several depths › are replaced with [REDACTED]', () => {
    const [entry] = logged((logger) =>
      logger.info(
        {
          req: { headers: { authorization: 'Bearer sk_test_abcdef', 'x-api-key': 'k-123', cookie: 'session=1' } },
          card: { number: PAN, cvc: '123' },
          party: { webhookSecret: 'whsec_abc', apiKey: 'sk_live_1' },
          bank: { link: { vaultKey: 'base64key==', token: 'tok_1' } },
          orderId: 'ord-1',
        },
        'request',
      ),
    );

    expect(entry).toMatchObject({
      req: { headers: { authorization: '[REDACTED]', 'x-api-key': '[REDACTED]', cookie: '[REDACTED]' } },
      card: '[REDACTED]',
      party: { webhookSecret: '[REDACTED]', apiKey: '[REDACTED]' },
      bank: { link: { vaultKey: '[REDACTED]', token: '[REDACTED]' } },
      orderId: 'ord-1',
    });
    const text = JSON.stringify(entry);
    for (const secret of ['sk_test_abcdef', 'k-123', PAN, 'whsec_abc', 'sk_live_1', 'base64key==', 'tok_1']) {
      expect(text).not.toContain(secret);
    }
  });

  test('logger › card numbers in a message, a field and an error › are scrubbed', () => {
    const entries = logged((logger) => {
      logger.warn({ note: `customer typed ${PAN_SPACED} in the reference` }, `payment with ${PAN} failed`);
      logger.error({ err: new Error(`bank rejected 4111-1111-1111-1111`) }, 'bank call failed');
    });

    const text = JSON.stringify(entries);
    expect(text).not.toContain(PAN);
    expect(text).not.toContain(PAN_SPACED);
    expect(text).not.toContain('4111-1111-1111-1111');
    expect(entries[0]).toMatchObject({ msg: 'payment with [PAN REDACTED] failed' });
    expect((entries[1]?.err as { type: string; message: string }).message).toBe('bank rejected [PAN REDACTED]');
  });

  test("temporalLoggerFor › the SDK's line with an error › is a pino line with level, fields and a scrubbed err", () => {
    const { logger, lines } = captureLogger('test', 'debug');

    temporalLoggerFor(logger).warn('Activity failed', {
      sdkComponent: 'worker',
      activityType: 'collectPayment',
      error: new Error(`declined ${PAN}`),
    });

    const [entry] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entry).toMatchObject({
      level: 'warn',
      msg: 'Activity failed',
      component: 'temporal',
      sdkComponent: 'worker',
      activityType: 'collectPayment',
      err: { type: 'Error', message: 'declined [PAN REDACTED]' },
    });
  });

  test('scrubPans › ids, amounts and a timestamp that fail the Luhn check › stay as they are', () => {
    expect(scrubPans('order ord-1718000000001 amount 12500 at 1718000000001')).toBe(
      'order ord-1718000000001 amount 12500 at 1718000000001',
    );
    expect(scrubPans(`pan ${PAN}!`)).toBe('pan [PAN REDACTED]!');
  });
});
