// The API keeps an idle keep-alive connection past Node's 5 s default, so a client that pools sockets (a browser,
// a load balancer, Playwright's request context) does not reuse one the API has just closed (ECONNRESET).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { listen } from '../../src/api/listen';

jest.setTimeout(20_000);

function get(agent: http.Agent, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

test('keep-alive › a client idle for 6 s › reuses its connection, which the API kept open', async () => {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ ok: true });
  });
  const server = await listen(app, { port: 0, host: '127.0.0.1', keepAliveTimeoutMs: 65_000 });
  let connections = 0;
  server.on('connection', () => {
    connections += 1;
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const { port } = server.address() as AddressInfo;
    const first = await get(agent, port);
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const second = await get(agent, port);
    expect([first, second, connections, server.keepAliveTimeout, server.headersTimeout]).toEqual([
      200, 200, 1, 65_000, 66_000,
    ]);
  } finally {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
