// One webhook POST against real HTTP receivers on 127.0.0.1: redirects are not followed, the connection goes to the
// address that was checked (not to whatever DNS says later), and failures name what failed without the answer's body.

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { outcomeOfStatus, postWebhook, signWebhook } from '../../src/activities/webhooks';
import { resolveWebhookTarget } from '../../src/security/webhook-target';

const SECRET_BODY = 'receiver-secret-7f3a9c-do-not-echo';
const dev = { allowPrivate: true };

interface Receiver {
  url: string;
  port: number;
  requests: { url: string; headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

async function receiver(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      requests.push({ url: request.url ?? '', headers: request.headers, body });
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function post(url: string, timeoutMs = 5000) {
  const target = await resolveWebhookTarget(url, dev);
  const body = JSON.stringify({ type: 'TEST', data: { n: 1 } });
  return postWebhook(target, signWebhook('whsec_c2VjcmV0', 'msg-1', 1_700_000_000, body), body, timeoutMs);
}

describe('webhook post', () => {
  const receivers: Receiver[] = [];
  const open = async (answer: (request: IncomingMessage, response: ServerResponse) => void) => {
    const r = await receiver(answer);
    receivers.push(r);
    return r;
  };

  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
  });

  test('webhook post › a healthy receiver › gets the signed message and it counts as delivered', async () => {
    const healthy = await open((_req, res) => res.writeHead(204).end());

    const outcome = await post(healthy.url);

    expect(outcome).toEqual({ delivered: true, status: 204 });
    expect(healthy.requests).toHaveLength(1);
    expect(healthy.requests[0]?.headers['webhook-id']).toBe('msg-1');
    expect(healthy.requests[0]?.headers['webhook-signature']).toMatch(/^v1,/);
    expect(healthy.requests[0]?.body).toBe('{"type":"TEST","data":{"n":1}}');
  });

  test('webhook post › a receiver that redirects › is not followed and the redirect target gets nothing', async () => {
    const inside = await open((_req, res) => res.writeHead(200).end('inside'));
    const redirecting = await open((_req, res) => res.writeHead(302, { location: inside.url }).end(SECRET_BODY));

    const outcome = await post(redirecting.url);

    expect(outcome).toEqual({ delivered: false, retryable: true, error: 'HTTP 302 (redirect not followed)' });
    expect(redirecting.requests).toHaveLength(1);
    expect(inside.requests).toHaveLength(0);
  });

  test('webhook post › a 307 to a metadata address › is not followed either', async () => {
    const redirecting = await open((_req, res) =>
      res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    );

    const outcome = await post(redirecting.url);

    expect(outcome).toEqual({ delivered: false, retryable: true, error: 'HTTP 307 (redirect not followed)' });
  });

  test('webhook post › a receiver answering 500 with a body › fails as "HTTP 500" without the body', async () => {
    const failing = await open((_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end(SECRET_BODY));

    const outcome = await post(failing.url);

    expect(outcome).toEqual({ delivered: false, retryable: true, error: 'HTTP 500' });
    expect(JSON.stringify(outcome)).not.toContain(SECRET_BODY);
  });

  test('webhook post › a receiver that never answers › fails as a timeout', async () => {
    const silent = await open(() => undefined);

    const outcome = await post(silent.url, 300);

    expect(outcome).toEqual({ delivered: false, retryable: true, error: 'timeout after 300 ms' });
  });

  test('webhook post › nobody listening › fails naming the connection error code only', async () => {
    const gone = await open((_req, res) => res.writeHead(204).end());
    await gone.close();

    const outcome = await post(gone.url);

    expect(outcome).toEqual({ delivered: false, retryable: true, error: 'connection failed (ECONNREFUSED)' });
  });

  test('webhook post › a name resolved once › connects to the checked address though DNS would now say otherwise', async () => {
    const healthy = await open((_req, res) => res.writeHead(200).end());
    // The first answer passes the check; a rebinding resolver would answer the metadata address next time.
    const answers = [['127.0.0.1'], ['169.254.169.254']];
    let lookups = 0;
    const rebinding = async () => answers[Math.min(lookups++, 1)] ?? [];
    const target = await resolveWebhookTarget(`http://hooks.rebind.test:${healthy.port}/hooks`, dev, rebinding);
    const body = '{}';

    const outcome = await postWebhook(target, signWebhook('whsec_c2VjcmV0', 'msg-2', 1, body), body, 5000);

    expect(outcome).toEqual({ delivered: true, status: 200 });
    expect(lookups).toBe(1);
    expect(healthy.requests[0]?.headers.host).toBe(`hooks.rebind.test:${healthy.port}`);
  });

  test.each([
    [200, { delivered: true, status: 200 }],
    [301, { delivered: false, retryable: true, error: 'HTTP 301 (redirect not followed)' }],
    [400, { delivered: false, retryable: false, error: 'HTTP 400' }],
    [401, { delivered: false, retryable: false, error: 'HTTP 401' }],
    [404, { delivered: false, retryable: false, error: 'HTTP 404' }],
    [408, { delivered: false, retryable: true, error: 'HTTP 408' }],
    [410, { delivered: false, retryable: false, error: 'HTTP 410' }],
    [429, { delivered: false, retryable: true, error: 'HTTP 429' }],
    [502, { delivered: false, retryable: true, error: 'HTTP 502' }],
  ])('answer status › %i › means %j', (status, expected) => {
    expect(outcomeOfStatus(status)).toEqual(expected);
  });
});
