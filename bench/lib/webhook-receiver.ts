// The benchmark's webhook receiver: a local HTTP server that the parties registered with a webhook point at, so the
// lifecycle pays for the deliveries real parties would get. It checks each delivery's Standard Webhooks signature
// against the party's secret and counts what arrived. It answers 204 at once and keeps no bodies: only which party
// got which order's notice of which kind, until a bot waiting for it (awaitNotice) has been told.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';

/** What the receiver has seen since its last reset. */
export interface WebhookCounts {
  /** Deliveries received (every POST). */
  received: number;
  /** Deliveries whose signature matched their party's secret. */
  validSignatures: number;
  /** Deliveries with a missing or wrong signature, or for a party the receiver does not know. */
  invalid: number;
  /** Deliveries of a message id already received (a retry that the first delivery had already answered). */
  duplicates: number;
  /** Deliveries by receiving party id. */
  byParty: Record<string, number>;
}

/** A running receiver. */
export class WebhookReceiver {
  private readonly secrets = new Map<string, Buffer>();
  private readonly partyIds = new Map<string, string>();
  private readonly seen = new Set<string>();
  private counts: WebhookCounts = emptyCounts();
  /** Notices arrived that nobody waited for yet, and waiters for ones not arrived, by `party|order|kind`. */
  private readonly arrived = new Set<string>();
  private readonly waiters = new Map<string, Array<() => void>>();

  private constructor(
    private readonly server: Server,
    /** Its base URL: `http://127.0.0.1:<port>`. */
    readonly baseUrl: string,
  ) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.receive(req, res));
  }

  /** Starts a receiver on 127.0.0.1 at a free port. */
  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (!address || typeof address !== 'object') throw new Error('the webhook receiver has no port');
    return new WebhookReceiver(server, `http://127.0.0.1:${address.port}`);
  }

  /** The URL a party registers; deliveries to it are checked against `secret` once {@link addParty} is called. */
  urlFor(partyKey: string): string {
    return `${this.baseUrl}/hooks/${encodeURIComponent(partyKey)}`;
  }

  /** Tells the receiver the secret of the party at `urlFor(partyKey)` and its id (for the counts). */
  addParty(partyKey: string, partyId: string, secret: string): void {
    const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
    this.secrets.set(partyKey, key);
    this.partyIds.set(partyKey, partyId);
  }

  /** The counts since the last reset; `reset` starts new counts (message ids stay remembered). */
  snapshot(reset: boolean): WebhookCounts {
    const counts = this.counts;
    if (reset) this.counts = emptyCounts();
    return { ...counts, byParty: { ...counts.byParty } };
  }

  /**
   * Resolves once `partyId` has received (with a valid signature) the order's notice of `kind`, at once if it already
   * has; rejects after `limitMs` or when `signal` aborts.
   */
  awaitNotice(partyId: string, orderId: string, kind: string, signal?: AbortSignal, limitMs = 120_000): Promise<void> {
    const key = `${partyId}|${orderId}|${kind}`;
    if (this.arrived.delete(key)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', abort);
        resolve();
      };
      const give = (why: string) => {
        const list = this.waiters.get(key)?.filter((waiter) => waiter !== done) ?? [];
        if (list.length > 0) this.waiters.set(key, list);
        else this.waiters.delete(key);
        reject(new Error(why));
      };
      const abort = () => give('stopped');
      const timer = setTimeout(() => give(`no ${kind} for ${orderId} within ${limitMs} ms`), limitMs);
      signal?.addEventListener('abort', abort, { once: true });
      this.waiters.set(key, [...(this.waiters.get(key) ?? []), done]);
    });
  }

  /** Stops listening. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private noticeArrived(partyId: string, chunks: Buffer[]): void {
    const notice = noticeOf(chunks);
    if (!notice) return;
    const key = `${partyId}|${notice.orderId}|${notice.kind}`;
    const waiting = this.waiters.get(key);
    if (waiting) {
      this.waiters.delete(key);
      for (const wake of waiting) wake();
    } else {
      this.arrived.add(key);
    }
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(204).end();
      if (req.method !== 'POST') return;
      this.counts.received += 1;
      const partyKey = decodeURIComponent(/^\/hooks\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '');
      const secret = this.secrets.get(partyKey);
      const id = header(req, 'webhook-id');
      const timestamp = header(req, 'webhook-timestamp');
      const signatures = header(req, 'webhook-signature');
      if (!secret || !id || !timestamp || !signatures) {
        this.counts.invalid += 1;
        return;
      }
      const partyId = this.partyIds.get(partyKey) ?? partyKey;
      this.counts.byParty[partyId] = (this.counts.byParty[partyId] ?? 0) + 1;
      const expected = createHmac('sha256', secret)
        .update(`${id}.${timestamp}.${Buffer.concat(chunks).toString('utf8')}`)
        .digest();
      const valid = signatures.split(' ').some((entry) => {
        const [version, value] = entry.split(',');
        const given = Buffer.from(value ?? '', 'base64');
        return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
      });
      if (valid) {
        this.counts.validSignatures += 1;
        this.noticeArrived(partyId, chunks);
      } else this.counts.invalid += 1;
      if (this.seen.has(id)) this.counts.duplicates += 1;
      this.seen.add(id);
    });
  }
}

function noticeOf(chunks: Buffer[]): { orderId: string; kind: string } | undefined {
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: unknown; data?: { orderId?: unknown } };
    const orderId = body.data?.orderId;
    return typeof body.type === 'string' && typeof orderId === 'string' ? { orderId, kind: body.type } : undefined;
  } catch {
    return undefined;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function emptyCounts(): WebhookCounts {
  return { received: 0, validSignatures: 0, invalid: 0, duplicates: 0, byParty: {} };
}
