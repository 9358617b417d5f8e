// Types of scripts/lib/supervisor.js (plain CommonJS, used by `npm start`), for the TypeScript tests.

import type { ChildProcess } from 'node:child_process';

/** How a child ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** A started child and the promise of its exit. */
export interface SpawnedChild {
  child: ChildProcess;
  exited: Promise<ChildExit>;
}

/** The restart policy. */
export interface RestartPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  resetAfterMs: number;
  maxConsecutiveRestarts: number;
  stopGraceMs: number;
}

/** The defaults `npm start` uses. */
export const DEFAULT_POLICY: Readonly<RestartPolicy>;

/** The delay before restart number `attempt`: initialDelayMs × factor^(attempt−1), capped at maxDelayMs. */
export function backoffDelay(attempt: number, policy?: RestartPolicy): number;

/** How an exit reads in a log line. */
export function describeExit(exit: ChildExit): string;

/** Keeps one child running with bounded, exponentially backed-off restarts. */
export class Supervisor {
  constructor(options: {
    name: string;
    spawn: () => SpawnedChild;
    log?: (line: string) => void;
    onGiveUp?: (exit: ChildExit) => void;
    onRestart?: (restart: { attempt: number; delayMs: number; exit: ChildExit }) => void;
    onSpawn?: (running: SpawnedChild & { startedAt: number }) => void;
    now?: () => number;
    policy?: Partial<RestartPolicy>;
  });
  readonly name: string;
  readonly current: (SpawnedChild & { startedAt: number }) | undefined;
  readonly restarts: number;
  readonly consecutiveRestarts: number;
  readonly gaveUp: boolean;
  /** Starts the child. */
  start(): SpawnedChild & { startedAt: number };
  /** Stops supervising and stops the child (SIGTERM, grace, SIGKILL). */
  stop(): Promise<void>;
  /** Kills the child at once, without restarting it. */
  kill(): void;
}
