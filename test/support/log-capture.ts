// Loggers for tests: the product's logger factory (same redaction, same format) writing into an array of lines, so
// a test can assert on what was and was not logged.

import { Writable } from 'node:stream';
import type { LogLevelName, Logger } from '../../src/observability/logger';
import { createLogger } from '../../src/observability/logger';

/** A logger whose JSON lines land in `lines`, one string per line. */
export function captureLogger(service: string, level: LogLevelName = 'info'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(line);
      callback();
    },
  });
  return { logger: createLogger({ service, level, destination }), lines };
}

/** A logger that writes nothing. */
export function silentLogger(): Logger {
  return createLogger({ service: 'test', level: 'silent' });
}

/** The lines at level `error` or above, parsed. */
export function errorLines(lines: readonly string[]): Record<string, unknown>[] {
  return lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.level === 'error' || entry.level === 'fatal');
}
