// The bank host's log: one JSON line per event on stdout. Callers pass only masked values (the ISO 8583 codec's
// `describe`, `maskPan`, ISO 20022's `maskIban`); this module never receives a PAN, a CVC or a secret in clear.

/** Log severities, least severe first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Writes one event with its fields (already masked). */
export type LogFunction = (level: LogLevel, event: string, fields?: Readonly<Record<string, unknown>>) => void;

/** A logger writing JSON lines at `minimum` and above to `write` (stdout by default). */
export function createLogger(
  minimum: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(line),
): LogFunction {
  return (level, event, fields = {}) => {
    if (RANK[level] < RANK[minimum]) return;
    write(`${JSON.stringify({ at: new Date().toISOString(), level, event, ...fields })}\n`);
  };
}

/** Whether a level would be written (to skip building costly descriptions). */
export function logs(minimum: LogLevel, level: LogLevel): boolean {
  return RANK[level] >= RANK[minimum];
}
