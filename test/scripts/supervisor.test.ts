// The supervisor behind `npm start` (scripts/lib/supervisor.js) against real child processes: a tiny node script
// that crashes a given number of times (counted in a file) and then stays up. No servers, no timing assertions.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildExit, SpawnedChild } from '../../scripts/lib/supervisor';
import { Supervisor, backoffDelay } from '../../scripts/lib/supervisor';

/** Crashes (exit 3) while the run count in argv[2] is at most argv[3], then prints `up` and stays up. */
const CHILD = `
const fs = require('node:fs');
const [counter, crashes] = [process.argv[2], Number(process.argv[3])];
const run = (fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) : 0) + 1;
fs.writeFileSync(counter, String(run));
if (run <= crashes) process.exit(3);
process.stdout.write('up\\n');
setInterval(() => {}, 1000);
`;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'settleflow-supervisor-'));
  writeFileSync(path.join(dir, 'child.js'), CHILD);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Spawns the crash-then-stay-up child; `up` resolves when it says it is up. */
function crashingChild(crashes: number, onUp: () => void): () => SpawnedChild {
  return () => {
    const child = spawn(process.execPath, [path.join(dir, 'child.js'), path.join(dir, 'runs'), String(crashes)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('up')) onUp();
    });
    const exited = new Promise<ChildExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    return { child, exited };
  };
}

describe('supervisor', () => {
  it('supervisor › a child that crashes twice then stays up › is restarted twice with growing delays', async () => {
    const delays: number[] = [];
    const exits: ChildExit[] = [];
    const lines: string[] = [];
    let spawned = 0;
    let markUp: () => void = () => {};
    const up = new Promise<void>((resolve) => (markUp = resolve));
    const supervisor = new Supervisor({
      name: 'crasher',
      spawn: crashingChild(2, () => markUp()),
      log: (line) => lines.push(line),
      onSpawn: () => (spawned += 1),
      onRestart: ({ delayMs, exit }) => {
        delays.push(delayMs);
        exits.push(exit);
      },
      onGiveUp: () => lines.push('gave up'),
      policy: { initialDelayMs: 20, factor: 2, maxDelayMs: 1000, maxConsecutiveRestarts: 5 },
    });
    supervisor.start();
    await up;
    const stayedUp = supervisor.current?.child;

    expect(spawned).toBe(3);
    expect(supervisor.restarts).toBe(2);
    expect(delays).toEqual([20, 40]);
    expect(exits).toEqual([
      { code: 3, signal: null },
      { code: 3, signal: null },
    ]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^crasher stopped unexpectedly \(exit code 3\) .*restart 1\/5 in 0\.0 s$/);
    expect(lines[1]).toMatch(/restart 2\/5 in 0\.0 s$/);
    expect(readFileSync(path.join(dir, 'runs'), 'utf8')).toBe('3');

    await supervisor.stop();
    // Stopped on request: SIGTERM, and no restart after it.
    expect(stayedUp?.signalCode).toBe('SIGTERM');
    expect(supervisor.restarts).toBe(2);
    expect(spawned).toBe(3);
    expect(lines).not.toContain('gave up');
  });

  it('supervisor › a child that keeps crashing › is given up after maxConsecutiveRestarts with onGiveUp', async () => {
    let spawned = 0;
    const gaveUp = new Promise<ChildExit>((resolve) => {
      const supervisor = new Supervisor({
        name: 'hopeless',
        spawn: crashingChild(Number.MAX_SAFE_INTEGER, () => {}),
        onSpawn: () => (spawned += 1),
        onGiveUp: resolve,
        policy: { initialDelayMs: 1, maxConsecutiveRestarts: 3 },
      });
      supervisor.start();
    });
    const exit = await gaveUp;

    expect(exit).toEqual({ code: 3, signal: null });
    expect(spawned).toBe(4);
    expect(readFileSync(path.join(dir, 'runs'), 'utf8')).toBe('4');
  });

  it('supervisor › a crash after the child stayed up resetAfterMs › restarts from the initial delay', async () => {
    let clock = 0;
    const delays: number[] = [];
    let markUp: () => void = () => {};
    let up = new Promise<void>((resolve) => (markUp = resolve));
    const supervisor = new Supervisor({
      name: 'steady',
      spawn: crashingChild(1, () => markUp()),
      now: () => clock,
      onRestart: ({ delayMs }) => delays.push(delayMs),
      policy: { initialDelayMs: 10, factor: 3, resetAfterMs: 1000, maxConsecutiveRestarts: 5 },
    });
    supervisor.start();
    await up;
    expect(delays).toEqual([10]);

    // The clock says it has been up past resetAfterMs; a kill from outside is a crash like any other.
    clock += 5000;
    up = new Promise<void>((resolve) => (markUp = resolve));
    supervisor.current?.child.kill('SIGKILL');
    await up;

    expect(delays).toEqual([10, 10]);
    expect(supervisor.restarts).toBe(2);
    expect(supervisor.consecutiveRestarts).toBe(1);
    await supervisor.stop();
  });

  it('backoffDelay › successive attempts › double up to the cap', () => {
    const policy = {
      initialDelayMs: 1000,
      maxDelayMs: 30000,
      factor: 2,
      resetAfterMs: 60000,
      maxConsecutiveRestarts: 8,
      stopGraceMs: 1,
    };
    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(attempt, policy))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
  });
});
