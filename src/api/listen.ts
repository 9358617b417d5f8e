// Starts the API's HTTP server. Node closes an idle keep-alive connection after 5 s by default; a client or proxy
// that pools connections for longer (browsers, load balancers, Playwright's request context) then reuses a socket
// the API is closing and gets ECONNRESET. The API keeps idle connections for config.keepAliveTimeoutMs instead
// (65 s: longer than the usual 60 s of load balancers), so the client side is the one that closes.
import type { Server } from 'node:http';
import type { Express } from 'express';

/** Listens on `port` (0: any free port) at `host`; resolves once the server accepts connections. */
export function listen(
  app: Express,
  options: { port: number; host: string; keepAliveTimeoutMs: number },
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port, options.host, (error?: Error) => {
      if (error) reject(error);
      else resolve(server);
    });
    server.keepAliveTimeout = options.keepAliveTimeoutMs;
    // A request's headers must be allowed longer than an idle connection, or the headers timer closes it first.
    server.headersTimeout = options.keepAliveTimeoutMs + 1_000;
  });
}
