// Decides whether settleflow may call a webhook URL: parses it as the HTTP client will (the WHATWG URL parser, which
// turns `0x7f000001`, `2130706433`, `0177.1` and `127.1` into `127.0.0.1`), resolves the host to every address it
// has, and checks each one. Must never pass an address it did not check: deliveries connect to the address returned
// here (see postWebhook), so a DNS answer that changes between the check and the connect cannot redirect them.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** What the operator allowed. */
export interface WebhookTargetPolicy {
  /** `WEBHOOK_ALLOW_PRIVATE`: admit loopback and private ranges and plain http (development and tests only). */
  allowPrivate: boolean;
}

/** A URL settleflow refuses to call; `message` says why without echoing anything the target said. */
export class WebhookTargetRefused extends Error {
  /** The API's error code for it. */
  readonly code = 'webhook_url_refused';

  constructor(reason: string) {
    super(reason);
    this.name = 'WebhookTargetRefused';
  }
}

/** The host has no address right now (DNS failed or answered nothing); retrying later may work. */
export class WebhookTargetUnresolved extends Error {
  constructor(readonly dnsCode: string) {
    super(`DNS lookup failed (${dnsCode})`);
    this.name = 'WebhookTargetUnresolved';
  }
}

/** A checked target: the URL to send to and the one address to connect to. */
export interface WebhookTarget {
  url: URL;
  /** The checked IP address the request must connect to. */
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses; the system resolver by default, a fake one in tests. */
export type HostResolver = (hostname: string) => Promise<string[]>;

/** How settleflow sees one IP address. */
export type AddressClass =
  { kind: 'PUBLIC' } | { kind: 'PRIVATE'; range: string } | { kind: 'FORBIDDEN'; range: string };

/** Host names of cloud metadata services, refused whatever they resolve to. */
const METADATA_HOSTNAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.com',
]);

/**
 * Cloud metadata and platform endpoints, refused even where private addresses are allowed: AWS (IMDS, ECS, EKS pod
 * identity, IPv6 IMDS), GCP, Azure, OpenStack, Oracle and DigitalOcean (169.254.169.254), Alibaba (100.100.100.200)
 * and Azure's platform address (168.63.129.16).
 */
const METADATA_ADDRESSES = new Set(
  [
    '169.254.169.254',
    '169.254.170.2',
    '169.254.170.23',
    '100.100.100.200',
    '168.63.129.16',
    'fd00:ec2::254',
    'fd00:ec2::23',
  ].map((address) => ipaddr.parse(address).toNormalizedString()),
);

/** Ranges every party may use. ipaddr.js names the rest of the public internet `unicast`. */
const PUBLIC_RANGES = new Set(['unicast', 'amt', 'as112', 'as112v6']);

/** Ranges admitted only with `WEBHOOK_ALLOW_PRIVATE`. */
const PRIVATE_RANGES = new Set(['loopback', 'private', 'carrierGradeNat', 'uniqueLocal']);

/** Readable names of ipaddr.js ranges, for refusal messages. */
const RANGE_NAMES: Record<string, string> = {
  loopback: 'loopback',
  private: 'private',
  carrierGradeNat: 'shared (100.64.0.0/10)',
  uniqueLocal: 'unique local (fc00::/7)',
  linkLocal: 'link-local',
  multicast: 'multicast',
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  reserved: 'reserved',
  benchmarking: 'benchmarking',
  rfc6145: 'IPv4-translated',
  '6to4': '6to4',
  teredo: 'Teredo',
  orchid2: 'ORCHID',
  discard: 'discard-only',
  deprecated: 'deprecated',
  droneRemoteIdProtocolEntityTags: 'reserved',
  metadata: 'cloud metadata',
  ipv4Compatible: 'IPv4-compatible IPv6',
};

/** Classifies one IP address (any spelling ipaddr.js parses); IPv4 inside IPv6 is judged as the IPv4 it carries. */
export function classifyAddress(address: string): AddressClass {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address.replace(/^\[|\]$/g, ''));
  } catch {
    return { kind: 'FORBIDDEN', range: 'not an IP address' };
  }
  return classifyParsed(parsed);
}

function classifyParsed(address: ipaddr.IPv4 | ipaddr.IPv6): AddressClass {
  if (address.kind() === 'ipv6') {
    const v6 = address as ipaddr.IPv6;
    if (v6.zoneId !== undefined) return { kind: 'FORBIDDEN', range: 'link-local' };
    if (v6.isIPv4MappedAddress()) return classifyParsed(v6.toIPv4Address());
    // NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits: judge that one.
    if (v6.range() === 'rfc6052') return classifyParsed(embeddedIPv4(v6));
    // ::a.b.c.d (deprecated IPv4-compatible form): never a real destination, refused rather than guessed at.
    if (v6.parts.slice(0, 6).every((part) => part === 0) && !['unspecified', 'loopback'].includes(v6.range())) {
      return { kind: 'FORBIDDEN', range: 'ipv4Compatible' };
    }
  }
  if (METADATA_ADDRESSES.has(address.toNormalizedString())) return { kind: 'FORBIDDEN', range: 'metadata' };
  const range = address.range();
  if (PUBLIC_RANGES.has(range)) return { kind: 'PUBLIC' };
  if (PRIVATE_RANGES.has(range)) return { kind: 'PRIVATE', range };
  return { kind: 'FORBIDDEN', range };
}

function embeddedIPv4(v6: ipaddr.IPv6): ipaddr.IPv4 {
  const high = v6.parts[6] ?? 0;
  const low = v6.parts[7] ?? 0;
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/**
 * Checks one resolved address against the policy.
 * @throws WebhookTargetRefused naming the kind of address (never the address itself)
 */
export function assertAddressAllowed(address: string, policy: WebhookTargetPolicy): void {
  const verdict = classifyAddress(address);
  if (verdict.kind === 'PUBLIC') return;
  if (verdict.kind === 'PRIVATE' && policy.allowPrivate) return;
  const name = RANGE_NAMES[verdict.range] ?? verdict.range;
  throw new WebhookTargetRefused(
    verdict.kind === 'PRIVATE'
      ? `address refused: ${name} address (allowed only with WEBHOOK_ALLOW_PRIVATE=true)`
      : `address refused: ${name} address`,
  );
}

/** The URL's host as the resolver takes it: lower case, without IPv6 brackets or trailing dots. */
function hostOf(url: URL): string {
  return url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.+$/, '')
    .toLowerCase();
}

/**
 * Parses a webhook URL and checks what can be checked without DNS: https (or http where private addresses are
 * allowed), no credentials in the URL, not a metadata host name, and an IP literal's address.
 * @throws WebhookTargetRefused
 */
export function parseWebhookUrl(raw: string, policy: WebhookTargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetRefused('not a valid URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowPrivate)) {
    throw new WebhookTargetRefused(
      url.protocol === 'http:' ? 'https is required (http only with WEBHOOK_ALLOW_PRIVATE=true)' : 'https is required',
    );
  }
  if (url.username !== '' || url.password !== '') throw new WebhookTargetRefused('credentials in the URL');
  const host = hostOf(url);
  if (host === '') throw new WebhookTargetRefused('no host');
  if (METADATA_HOSTNAMES.has(host)) throw new WebhookTargetRefused('address refused: cloud metadata host');
  if (isIP(host) !== 0) assertAddressAllowed(host, policy);
  return url;
}

/** How long the system resolver may take before the host counts as unresolved. */
export const DNS_TIMEOUT_MS = 5_000;

/**
 * The system resolver: every address of the host, IPv4 and IPv6, in the order the system gives them; a lookup that
 * takes longer than {@link DNS_TIMEOUT_MS} fails with code `ETIMEOUT`.
 */
export const systemResolver: HostResolver = async (hostname) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error('DNS lookup timed out'), { code: 'ETIMEOUT' })),
      DNS_TIMEOUT_MS,
    );
  });
  try {
    const answers = await Promise.race([lookup(hostname, { all: true, verbatim: true }), timeout]);
    return answers.map((answer) => answer.address);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Parses, resolves and checks a webhook URL. Every address the host resolves to must pass; the first is the one to
 * connect to.
 * @throws WebhookTargetRefused when the URL or any of its addresses is refused
 * @throws WebhookTargetUnresolved when the host has no address now
 */
export async function resolveWebhookTarget(
  raw: string,
  policy: WebhookTargetPolicy,
  resolve: HostResolver = systemResolver,
): Promise<WebhookTarget> {
  const url = parseWebhookUrl(raw, policy);
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new WebhookTargetUnresolved(typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : 'ERROR');
    }
    if (addresses.length === 0) throw new WebhookTargetUnresolved('ENODATA');
  }
  for (const address of addresses) assertAddressAllowed(address, policy);
  // An IPv4-mapped IPv6 address is connected to as the IPv4 address it is.
  const address = ipaddr.process(addresses[0] as string).toString();
  return { url, address, family: isIP(address) === 6 ? 6 : 4 };
}

/**
 * The check at registration: refuses a URL that is refused now. A host that does not resolve yet is let through, since
 * every delivery checks again and nothing is sent to an unchecked address.
 * @throws WebhookTargetRefused
 */
export async function assertWebhookUrlAllowed(
  raw: string,
  policy: WebhookTargetPolicy,
  resolve: HostResolver = systemResolver,
): Promise<void> {
  try {
    await resolveWebhookTarget(raw, policy, resolve);
  } catch (error) {
    if (error instanceof WebhookTargetUnresolved) return;
    throw error;
  }
}
