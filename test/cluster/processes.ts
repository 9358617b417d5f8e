// settleflow's own entry points as processes against the cluster lane's servers (test/cluster/global-setup.js): order
// workers, the gateway worker and APIs, each with its output in a log file of the lane, plus an HTTP client that
// spreads requests over several APIs like a load balancer (a refused connection goes to the next API).

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

/** One settleflow process started by a test. */
export interface SettleflowProcess {
  name: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves once it printed `text`; rejects if it exits first. */
  printed(text: string): Promise<void>;
  /** Resolves with its exit code and signal once it has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, resolved once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM, resolved once it has exited (graceful shutdown). */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Resolves with a TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts `node scripts/run-ts.js <entry>` with the lane's environment plus `env`. */
export function startProcess(name: string, entry: string, env: Record<string, string>): SettleflowProcess {
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'run-ts.js'), path.join(root, entry)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logDir = process.env.CLUSTER_LOG_DIR;
  const log = logDir ? createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' }) : undefined;
  let output = '';
  const waiting: { text: string; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    log?.write(chunk);
    for (const w of waiting.filter(({ text }) => output.includes(text))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      log?.end();
      resolve({ code, signal });
    }),
  );
  const printed = (text: string): Promise<void> =>
    Promise.race([
      output.includes(text) ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ text, resolve })),
      exited.then(({ code, signal }) => {
        throw new Error(`${name} exited (${code ?? signal}) before printing "${text}":\n${output.slice(-3000)}`);
      }),
    ]);
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    name,
    child,
    output: () => output,
    printed,
    exited,
    kill: async () => {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (!gone()) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A JSON answer as the tests read it. */
export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** Which API answered. */
  via: string;
}

/**
 * Spreads calls over APIs round-robin, as a load balancer would: a call whose connection fails (the API was killed)
 * is sent to the next API, once per API. With an Idempotency-Key the resent call is the same request.
 */
export class Balancer {
  private next = 0;

  constructor(private readonly apis: { name: string; baseUrl: string }[]) {}

  /** Sends one call; `prefer` pins the first try to an API (by index) to spread orders deliberately. */
  async call(
    method: string,
    urlPath: string,
    options: { key: string; body?: unknown; idempotencyKey?: string; prefer?: number } = { key: '' },
  ): Promise<Answer> {
    const start = options.prefer ?? this.next++;
    let lastError: unknown;
    for (let i = 0; i < this.apis.length; i += 1) {
      const api = this.apis[(start + i) % this.apis.length];
      if (!api) continue;
      try {
        const response = await fetch(`${api.baseUrl}${urlPath}`, {
          method,
          headers: {
            authorization: `Bearer ${options.key}`,
            ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
          },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
        });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : undefined, via: api.name };
      } catch (error) {
        lastError = error; // connection refused or reset: the next API
      }
    }
    throw new Error(`no API answered ${method} ${urlPath}: ${String(lastError)}`);
  }
}
