// The Temporal and MongoDB servers the benchmark runs against: those named by TEMPORAL_ADDRESS and MONGODB_URI,
// or else a Temporal dev server and FerretDB of its own (scripts/lib/services.js) on free ports in a temp dir.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What scripts/lib/services.js exports (plain CommonJS, untyped). */
interface ServicesModule {
  startServices(options: {
    dataDir: string;
    temporalPort: number;
    uiPort: number;
    mongoPort: number;
    log?: (line: string) => void;
    quiet?: boolean;
  }): Promise<{
    temporalAddress?: string;
    mongoUri?: string;
    processes: { name: string; child: { pid?: number } }[];
    stop: () => Promise<void>;
  }>;
  findFreePort(): Promise<number>;
}

/** Servers to run against, and how to let go of them. */
export interface Servers {
  temporalAddress: string;
  /** The server's base URI; the benchmark appends its own database name. */
  mongoServerUri: string;
  /** Process ids of servers this run started, for CPU accounting; empty for servers given by the environment. */
  pids: Record<string, number>;
  /** 'started' when this run started them, 'environment' when TEMPORAL_ADDRESS and MONGODB_URI named them. */
  origin: 'started' | 'environment';
  stop: () => Promise<void>;
}

/** A MongoDB URI's server part, without database name and options. */
function serverPart(uri: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)/.exec(uri);
  if (!match?.[1]) throw new Error(`MONGODB_URI is not a mongodb:// URI: ${uri}`);
  return match[1];
}

/**
 * Uses the servers in TEMPORAL_ADDRESS and MONGODB_URI when both are set; otherwise provisions the binaries and
 * starts both servers on free ports with their state in a temp dir that `stop` removes.
 */
export async function acquireServers(log: (line: string) => void): Promise<Servers> {
  const { TEMPORAL_ADDRESS, MONGODB_URI } = process.env;
  if (TEMPORAL_ADDRESS && MONGODB_URI) {
    log(`using Temporal at ${TEMPORAL_ADDRESS} and MongoDB at ${serverPart(MONGODB_URI)} from the environment`);
    return {
      temporalAddress: TEMPORAL_ADDRESS,
      mongoServerUri: serverPart(MONGODB_URI),
      pids: {},
      origin: 'environment',
      stop: async () => {},
    };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- scripts/lib is plain CommonJS without types
  const services = require('../../scripts/lib/services.js') as ServicesModule;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'settleflow-bench-'));
  const [temporalPort, uiPort, mongoPort] = [
    await services.findFreePort(),
    await services.findFreePort(),
    await services.findFreePort(),
  ];
  log(`starting a Temporal dev server and FerretDB in ${dataDir}`);
  const started = await services.startServices({ dataDir, temporalPort, uiPort, mongoPort, log });
  if (!started.temporalAddress || !started.mongoUri) throw new Error('startServices did not start both servers');
  const pids: Record<string, number> = {};
  for (const proc of started.processes) if (proc.child.pid !== undefined) pids[proc.name] = proc.child.pid;
  return {
    temporalAddress: started.temporalAddress,
    mongoServerUri: serverPart(started.mongoUri),
    pids,
    origin: 'started',
    stop: async () => {
      await started.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
