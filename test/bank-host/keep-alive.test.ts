// The bank host's HTTP servers (control API, ISO 20022 channel) keep an idle connection for 65 s, as the API does:
// with Node's 5 s, a client pooling sockets (undici's fetch in the gateway and in tests) could reuse one the server was
// closing and get "other side closed" (a browser test's first control call failed so, its jest worker having called
// the control API a few seconds before). Node announces the server's timeout in the Keep-Alive header.

import http from 'node:http';
import { bankHost } from './support';

function keepAliveOf(url: string): Promise<string | undefined> {
  const agent = new http.Agent({ keepAlive: true });
  return new Promise<string | undefined>((resolve, reject) => {
    http
      .get(`${url}/health`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers['keep-alive']?.toString()));
      })
      .on('error', reject);
  }).finally(() => agent.destroy());
}

test.each([
  ['control API', () => bankHost.controlUrl],
  ['ISO 20022 channel', () => bankHost.iso20022Url],
])('bank host › the %s › keeps idle connections 65 s', async (_name, url) => {
  expect(await keepAliveOf(url())).toBe('timeout=65');
});
