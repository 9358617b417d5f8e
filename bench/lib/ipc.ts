// The little protocol between the benchmark and its child processes (the worker and the API): the child says
// when it is ready, answers requests for its timings, and stops when asked. Node's IPC channel, JSON messages.

import type { TimingTable } from './timings';

/** What a child reports about itself. */
export interface ChildStats {
  /** Named timings since the last reset (HTTP routes, Temporal calls, MongoDB commands). */
  timings: TimingTable;
  /** process.cpuUsage() since start, in seconds. */
  cpuSeconds: number;
}

/** Parent → child. */
export type ParentMessage = { type: 'stats'; id: number; reset: boolean } | { type: 'stop' };

/** Child → parent. */
export type ChildMessage =
  | { type: 'ready'; port?: number }
  | { type: 'stats'; id: number; stats: ChildStats }
  | { type: 'failed'; message: string };

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Tells the parent the child is ready (with the port it listens on, if any). */
export function reportReady(port?: number): void {
  send(port === undefined ? { type: 'ready' } : { type: 'ready', port });
}

/** Tells the parent the child could not start, and exits. */
export function reportFailure(error: unknown): never {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(message);
  send({ type: 'failed', message });
  process.exit(1);
}

/** Answers the parent's requests: timings on `stats`, a clean shutdown on `stop` (or when the parent goes away). */
export function serveParent(handlers: { timings: (reset: boolean) => TimingTable; stop: () => Promise<void> }): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    handlers.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') stop();
    if (message.type === 'stats') {
      const usage = process.cpuUsage();
      send({
        type: 'stats',
        id: message.id,
        stats: { timings: handlers.timings(message.reset), cpuSeconds: (usage.user + usage.system) / 1e6 },
      });
    }
  });
  process.on('disconnect', stop);
}
