// The webhook address rules over a table of spellings: every way of writing a loopback, private, link-local or
// metadata address must land where its address belongs, with and without WEBHOOK_ALLOW_PRIVATE.

import type { HostResolver } from '../../src/security/webhook-target';
import {
  WebhookTargetRefused,
  WebhookTargetUnresolved,
  assertWebhookUrlAllowed,
  classifyAddress,
  resolveWebhookTarget,
} from '../../src/security/webhook-target';

const strict = { allowPrivate: false };
const dev = { allowPrivate: true };

/** A resolver for the test's own names; any other name does not resolve. */
const resolver =
  (answers: Record<string, string[]>): HostResolver =>
  async (hostname) => {
    const addresses = answers[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses;
  };

const names = resolver({
  'public.example': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'loopback.example': ['127.0.0.1'],
  'mixed.example': ['93.184.215.14', '10.0.0.7'],
  'metadata.example': ['169.254.169.254'],
  'mapped.example': ['::ffff:127.0.0.1'],
  localhost: ['127.0.0.1', '::1'],
});

async function verdict(url: string, policy: { allowPrivate: boolean }): Promise<string> {
  try {
    const target = await resolveWebhookTarget(url, policy, names);
    return `ok ${target.address}`;
  } catch (error) {
    if (error instanceof WebhookTargetRefused) return 'refused';
    if (error instanceof WebhookTargetUnresolved) return 'unresolved';
    throw error;
  }
}

/** Hosts that are refused whatever the flag says: link-local, metadata, multicast, unspecified, broadcast, reserved. */
const ALWAYS_REFUSED = [
  '169.254.169.254',
  '169.254.169.254.',
  '2852039166',
  '0xa9fea9fe',
  '0251.0376.0251.0376',
  '169.254.43518',
  '[::ffff:169.254.169.254]',
  '[::ffff:a9fe:a9fe]',
  '[0:0:0:0:0:ffff:a9fe:a9fe]',
  '[64:ff9b::a9fe:a9fe]',
  '[fd00:ec2::254]',
  'metadata.google.internal',
  'METADATA.GOOGLE.INTERNAL.',
  'metadata.example',
  '169.254.1.1',
  '169.254.170.2',
  '100.100.100.200',
  '[fe80::1]',
  '[febf::1]',
  '224.0.0.1',
  '239.255.255.250',
  '[ff02::1]',
  '0.0.0.0',
  '0',
  '0x0',
  '[::]',
  '[0:0:0:0:0:0:0:0]',
  '255.255.255.255',
  '192.0.2.1',
  '240.0.0.1',
  '[::127.0.0.1]',
  '[2002:7f00:1::]',
  '[::ffff:0:7f00:1]',
];

/** Hosts that are loopback or private in some spelling: refused by default, admitted with the flag. */
const PRIVATE = [
  '127.0.0.1',
  '2130706433',
  '0x7f000001',
  '0X7F000001',
  '0177.0.0.1',
  '0177.0000.0000.0001',
  '127.1',
  '127.0.1',
  '0x7f.1',
  '0x7f.0.0.0x1',
  '127.0.0.1.',
  '127.0.0.1%2e',
  '１２７.０.０.１',
  '127.255.255.254',
  '[::1]',
  '[0:0:0:0:0:0:0:1]',
  '[::ffff:127.0.0.1]',
  '[::ffff:7f00:1]',
  '[0:0:0:0:0:ffff:7f00:1]',
  '10.0.0.1',
  '012.0.0.1',
  '167772161',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '3232235777',
  '100.64.0.1',
  '[fc00::1]',
  '[fd12:3456::1]',
  '[::ffff:10.0.0.1]',
  '[64:ff9b::7f00:1]',
  'localhost',
  'LOCALHOST.',
  'loopback.example',
  'mapped.example',
  'mixed.example',
];

/** Public addresses: admitted either way (over https). */
const PUBLIC = ['93.184.215.14', '8.8.8.8', '[2606:4700:4700::1111]', 'public.example', '172.32.0.1', '100.128.0.1'];

describe('webhook target', () => {
  test.each(ALWAYS_REFUSED)('address check › %s › is refused with and without WEBHOOK_ALLOW_PRIVATE', async (host) => {
    expect(await verdict(`https://${host}/hooks`, strict)).toBe('refused');
    expect(await verdict(`https://${host}/hooks`, dev)).toBe('refused');
    expect(await verdict(`http://${host}:8080/hooks`, dev)).toBe('refused');
  });

  test.each(PRIVATE)('address check › %s › is refused unless WEBHOOK_ALLOW_PRIVATE', async (host) => {
    expect(await verdict(`https://${host}/hooks`, strict)).toBe('refused');
    expect(await verdict(`https://${host}:27017/hooks`, dev)).toMatch(/^ok /);
    expect(await verdict(`http://${host}:7233/hooks`, dev)).toMatch(/^ok /);
  });

  test.each(PUBLIC)('address check › %s › is admitted over https', async (host) => {
    expect(await verdict(`https://${host}/hooks`, strict)).toMatch(/^ok /);
  });

  test('address check › odd spellings of 127.0.0.1 › connect to 127.0.0.1 itself', async () => {
    for (const host of ['2130706433', '0x7f000001', '0177.0.0.1', '127.1', '[::ffff:127.0.0.1]', '127.0.0.1.']) {
      expect(await verdict(`http://${host}/`, dev)).toBe('ok 127.0.0.1');
    }
    expect(await verdict('http://[::1]/', dev)).toBe('ok ::1');
  });

  test('scheme › plain http without the flag › is refused as needing https', async () => {
    await expect(resolveWebhookTarget('http://93.184.215.14/hooks', strict, names)).rejects.toThrow(
      'https is required',
    );
    expect(await verdict('http://93.184.215.14/hooks', dev)).toBe('ok 93.184.215.14');
  });

  test.each(['ftp://93.184.215.14/', 'file:///etc/passwd', 'gopher://127.0.0.1:6379/', 'ws://93.184.215.14/', 'nope'])(
    'scheme › %s › is refused',
    async (url) => {
      expect(await verdict(url, dev)).toBe('refused');
    },
  );

  test('url › credentials in it › are refused', async () => {
    expect(await verdict('https://user:secret@93.184.215.14/hooks', strict)).toBe('refused');
  });

  test('url › an IPv6 zone id › is refused', async () => {
    expect(await verdict('http://[fe80::1%25eth0]/', dev)).toBe('refused');
  });

  test('dns › a name that does not resolve › is unresolved at delivery and let through at registration', async () => {
    expect(await verdict('https://nowhere.example/hooks', strict)).toBe('unresolved');
    await expect(assertWebhookUrlAllowed('https://nowhere.example/hooks', strict, names)).resolves.toBeUndefined();
    await expect(assertWebhookUrlAllowed('https://metadata.example/hooks', dev, names)).rejects.toThrow(
      'address refused: cloud metadata address',
    );
  });

  test('refusal message › a refused address › names its kind, not the address', async () => {
    const error = await resolveWebhookTarget('https://metadata.example/', dev, names).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookTargetRefused);
    expect((error as Error).message).toBe('address refused: cloud metadata address');
    expect((error as Error).message).not.toContain('169.254');
    await expect(resolveWebhookTarget('https://loopback.example/', strict, names)).rejects.toThrow(
      'address refused: loopback address (allowed only with WEBHOOK_ALLOW_PRIVATE=true)',
    );
  });

  test('classify › addresses from the resolver in any family › land in their range', () => {
    expect(classifyAddress('::ffff:169.254.169.254')).toEqual({ kind: 'FORBIDDEN', range: 'metadata' });
    expect(classifyAddress('fe80::1')).toEqual({ kind: 'FORBIDDEN', range: 'linkLocal' });
    expect(classifyAddress('::ffff:192.168.0.1')).toEqual({ kind: 'PRIVATE', range: 'private' });
    expect(classifyAddress('::1')).toEqual({ kind: 'PRIVATE', range: 'loopback' });
    expect(classifyAddress('2001:db8::1')).toEqual({ kind: 'FORBIDDEN', range: 'reserved' });
    expect(classifyAddress('1.1.1.1')).toEqual({ kind: 'PUBLIC' });
    expect(classifyAddress('not-an-ip')).toEqual({ kind: 'FORBIDDEN', range: 'not an IP address' });
  });
});
