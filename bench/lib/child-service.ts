// The parent's side of a benchmark child process (the worker or the API): starts it, waits until it is ready,
// asks it for its timings, reads its memory and CPU from /proc, and stops it.

import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { ChildMessage, ChildStats, ParentMessage } from './ipc';
import { cpuSecondsOf, resetPeakRss, rssOf } from './proc';

const STOP_GRACE_MS = 15_000;

/** A running child process. */
export class ChildService {
  private nextId = 1;
  private readonly waiting = new Map<number, (stats: ChildStats) => void>();
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly logFile: string,
    /** The port it listens on, for the API. */
    readonly port: number | undefined,
  ) {
    child.on('message', (message: ChildMessage) => {
      if (message.type !== 'stats') return;
      this.waiting.get(message.id)?.(message.stats);
      this.waiting.delete(message.id);
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /**
   * Forks `script` (plain JavaScript) with `env`, its output appended to `logFile`, and waits for its ready message.
   * @throws Error with the log's tail when it fails or exits before it is ready
   */
  static async start(name: string, script: string, env: NodeJS.ProcessEnv, logFile: string, timeoutMs = 120_000) {
    const log = openSync(logFile, 'a');
    const child = fork(script, [], { env, stdio: ['ignore', log, log, 'ipc'] });
    closeSync(log);
    const port = await new Promise<number | undefined>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} not ready after ${timeoutMs} ms`)), timeoutMs);
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message.port);
        }
        if (message.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`${name} failed to start: ${message.message.split('\n')[0] ?? ''}`));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code} before it was ready; log ${logFile}:\n${tail(logFile)}`));
      });
    });
    return new ChildService(name, child, logFile, port);
  }

  /** Its process id. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Its timings since the last reset, and its CPU seconds since start. */
  stats(reset: boolean): Promise<ChildStats> {
    const id = this.nextId;
    this.nextId += 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not answer a stats request`)), 10_000);
      this.waiting.set(id, (stats) => {
        clearTimeout(timer);
        resolve(stats);
      });
      this.child.send({ type: 'stats', id, reset } satisfies ParentMessage);
    });
  }

  /** Starts a new peak-memory window; false when the kernel does not allow it. */
  resetPeakMemory(): boolean {
    return resetPeakRss(this.pid);
  }

  /** Resident set now and at its peak in the current window, in MiB. */
  memory(): { rssMiB: number; peakRssMiB: number } | undefined {
    return rssOf(this.pid);
  }

  /** CPU seconds used since start, read from /proc. */
  cpuSeconds(): number | undefined {
    return cpuSecondsOf(this.pid);
  }

  /** Asks it to stop; kills it after a grace period. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies ParentMessage);
    else this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
