// The bank host's configuration (pure): the ISO 20022 channel's tokens are required, at least 16 characters each, a
// comma-separated list while one is rotated, and never the admin token.

import { loadBankHostConfig } from '../../src/bank-host/config';

const ADMIN = 'admin-token-0123456789abcdef';
const GATEWAY = 'gateway-token-0123456789abcdef';
const base = { BANK_HOST_ADMIN_TOKEN: ADMIN, BANK_HOST_SECRET: Buffer.alloc(32, 7).toString('base64') };

describe('bank host configuration › BANK_HOST_ISO20022_TOKEN', () => {
  it('unset › refused, naming the variable', () => {
    expect(() => loadBankHostConfig({ ...base })).toThrow(/BANK_HOST_ISO20022_TOKEN is not set/);
  });

  it('one token › the channel accepts it', () => {
    expect(loadBankHostConfig({ ...base, BANK_HOST_ISO20022_TOKEN: GATEWAY }).iso20022Tokens).toEqual([GATEWAY]);
  });

  it('two, while rotating › both accepted, spaces trimmed', () => {
    const next = 'gateway-token-next-0123456789';
    expect(loadBankHostConfig({ ...base, BANK_HOST_ISO20022_TOKEN: `${next}, ${GATEWAY}` }).iso20022Tokens).toEqual([
      next,
      GATEWAY,
    ]);
  });

  it.each([
    ['too short', 'short'],
    ['one of two too short', `${GATEWAY},short`],
    ['an empty entry', `${GATEWAY},`],
  ])('%s › refused', (_name, value) => {
    expect(() => loadBankHostConfig({ ...base, BANK_HOST_ISO20022_TOKEN: value })).toThrow(/16 characters/);
  });

  it('the admin token among them › refused (the gateway must not hold the bank’s admin credential)', () => {
    expect(() => loadBankHostConfig({ ...base, BANK_HOST_ISO20022_TOKEN: `${GATEWAY},${ADMIN}` })).toThrow(
      /must not be the admin token/,
    );
  });
});
