// Start-up against the real Temporal cluster fails clearly, and at once, when the deployment's connection is wrong:
// a TLS file that cannot be read or is not what it claims, a server that does not answer (within
// TEMPORAL_CONNECT_TIMEOUT_MS), TLS spoken to a plain server, a namespace that does not exist, and a namespace that
// exists but lacks the search attributes the order workflows write. The worker and the API are started as processes
// and must exit non-zero with a message that names the variable or the missing attribute and how to fix it.

import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeTlsFiles } from '../support/tls-files';
import type { TlsFiles } from '../support/tls-files';
import type { SettleflowProcess } from './processes';
import { freePort, startProcess } from './processes';

const ENTRIES = { worker: 'src/worker/main.ts', api: 'src/api/main.ts' } as const;
let dir: string;
let tls: TlsFiles;
const started: SettleflowProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'settleflow-startup-'));
  tls = makeTlsFiles(dir);
});

afterAll(async () => {
  for (const proc of started) await proc.kill();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Starts the entry point with `env` and resolves with its exit code and everything it printed. A process that comes up
 * instead (it printed that it polls or listens) is a failure of the check: it is killed and reported with code null.
 */
async function startUp(which: keyof typeof ENTRIES, env: Record<string, string>) {
  const port = await freePort();
  const proc = startProcess(`startup-${which}-${randomUUID().slice(0, 6)}`, ENTRIES[which], {
    PORT: String(port),
    TEMPORAL_TASK_QUEUE: `startup-${randomUUID()}`,
    ...env,
  });
  started.push(proc);
  const cameUp = Promise.race([proc.printed('polling task queue'), proc.printed('settleflow API listening')]);
  const outcome = await Promise.race([
    proc.exited,
    cameUp.then(
      () => 'up' as const,
      () => proc.exited,
    ),
  ]);
  if (outcome === 'up') {
    await proc.kill();
    return { code: null, output: proc.output() };
  }
  return { code: outcome.code, output: proc.output() };
}

function temporalCli(...args: string[]): string {
  const bin = process.env.TEMPORAL_BIN;
  const address = process.env.TEMPORAL_ADDRESS;
  if (!bin || !address) throw new Error('run this through `npm run test:cluster`');
  return execFileSync(bin, [...args, '--address', address], { encoding: 'utf8' });
}

describe('start-up against the cluster', () => {
  it.each(['worker', 'api'] as const)(
    '%s › a TLS certificate file that does not exist › exits 1 naming it',
    async (w) => {
      const missing = path.join(dir, 'missing-client.pem');
      const { code, output } = await startUp(w, {
        TEMPORAL_TLS_CLIENT_CERT_PATH: missing,
        TEMPORAL_TLS_CLIENT_KEY_PATH: tls.clientKey,
      });
      expect(code).toBe(1);
      expect(output).toContain(`invalid configuration: TEMPORAL_TLS_CLIENT_CERT_PATH: cannot read ${missing} (ENOENT)`);
    },
  );

  it('worker › a TLS key that belongs to another certificate › exits 1 before connecting', async () => {
    const { code, output } = await startUp('worker', {
      TEMPORAL_TLS_CLIENT_CERT_PATH: tls.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: tls.strayKey,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: tls.caCert,
    });
    expect(code).toBe(1);
    expect(output).toContain(`the key in ${tls.strayKey} does not belong to the certificate in ${tls.clientCert}`);
    expect(output).not.toContain('PRIVATE KEY');
  });

  it.each(['worker', 'api'] as const)(
    '%s › no server at TEMPORAL_ADDRESS › gives up after the budget, exits 1',
    async (w) => {
      const nowhere = `127.0.0.1:${await freePort()}`;
      const { code, output } = await startUp(w, { TEMPORAL_ADDRESS: nowhere, TEMPORAL_CONNECT_TIMEOUT_MS: '3000' });
      expect(code).toBe(1);
      expect(output).toContain(
        `Temporal at ${nowhere} is not reachable after 3 s (TEMPORAL_ADDRESS, TEMPORAL_CONNECT_TIMEOUT_MS)`,
      );
    },
  );

  it('worker › TLS spoken to the plain-text cluster › not reachable, and the message says TLS', async () => {
    const { code, output } = await startUp('worker', { TEMPORAL_TLS: 'true', TEMPORAL_CONNECT_TIMEOUT_MS: '3000' });
    expect(code).toBe(1);
    expect(output).toContain(`Temporal at ${process.env.TEMPORAL_ADDRESS} (TLS) is not reachable after 3 s`);
  });

  it.each(['worker', 'api'] as const)(
    '%s › a namespace that does not exist › exits 1 saying how to create it',
    async (w) => {
      const namespace = `nowhere-${randomUUID().slice(0, 8)}`;
      const { code, output } = await startUp(w, { TEMPORAL_NAMESPACE: namespace });
      expect(code).toBe(1);
      expect(output).toContain(`the namespace \\"${namespace}\\" does not exist`);
      expect(output).toContain(`temporal operator namespace create --namespace ${namespace}`);
    },
  );

  it.each(['worker', 'api'] as const)(
    '%s › a namespace without the search attributes › exits 1 listing them',
    async (w) => {
      const namespace = `bare-${randomUUID().slice(0, 8)}`;
      temporalCli('operator', 'namespace', 'create', '--namespace', namespace);
      temporalCli(
        'operator',
        'search-attribute',
        'create',
        '--namespace',
        namespace,
        '--name',
        'OrderStatus',
        '--type',
        'Keyword',
      );
      const { code, output } = await startUp(w, { TEMPORAL_NAMESPACE: namespace });
      expect(code).toBe(1);
      expect(output).toContain(`the namespace \\"${namespace}\\"`);
      expect(output).toContain(
        'lacks search attributes settleflow needs (or has them with another type): SellerId (Keyword), CustomerId ' +
          '(Keyword), SupplierId (Keyword), CarrierId (Keyword), OrderTotal (Int)',
      );
      expect(output).not.toMatch(/OrderStatus \(Keyword\)/);
      expect(output).toContain(
        `temporal operator search-attribute create --namespace ${namespace} --name SellerId --type Keyword`,
      );
    },
  );
});
