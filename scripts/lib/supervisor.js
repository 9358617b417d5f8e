// Keeps one child process running for `npm start`: when it exits without being asked to, it is started again after
// an exponential backoff (capped, and reset once the child has stayed up a while), with a log line each time.
// Bounded: after `maxConsecutiveRestarts` restarts in a row that each died before `resetAfterMs`, it gives up and
// says so through `onGiveUp`. It never restarts a child it was asked to stop, and never kills anything it did not
// start. Plain CommonJS (it runs before `npm ci`).
'use strict';

/** Restart policy defaults: 1 s, 2 s, 4 s ... up to 30 s; reset after 60 s up; give up after 8 quick crashes. */
const DEFAULT_POLICY = Object.freeze({
  initialDelayMs: 1000,
  maxDelayMs: 30000,
  factor: 2,
  resetAfterMs: 60000,
  maxConsecutiveRestarts: 8,
  stopGraceMs: 15000,
});

/** How an exit reads in a log line: `exit code 1`, `signal SIGKILL` or the spawn error's message. */
function describeExit(exit) {
  if (exit.error) return exit.error.message;
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

/**
 * The delay before restart number `attempt` (1 for the first restart after a stable run).
 * @returns {number} initialDelayMs × factor^(attempt−1), at most maxDelayMs
 */
function backoffDelay(attempt, policy = DEFAULT_POLICY) {
  const raw = policy.initialDelayMs * policy.factor ** Math.max(0, attempt - 1);
  return Math.min(policy.maxDelayMs, raw);
}

/**
 * Supervises one child process.
 *
 * `spawn()` starts the child and returns `{ child, exited }`: a node ChildProcess and a promise of its exit
 * (`{ code, signal, error? }`). `log(line)` receives one line per unexpected exit and restart. `onGiveUp(exit)` is
 * called once when the restart budget is spent (the caller decides what then: `npm start` stops everything).
 * `onRestart({ attempt, delayMs, exit })` and `onSpawn(running)` are hooks for tests and callers.
 */
class Supervisor {
  constructor({ name, spawn, log = () => {}, onGiveUp = () => {}, onRestart, onSpawn, now, policy = {} }) {
    this.name = name;
    this.spawnChild = spawn;
    this.log = log;
    this.onGiveUp = onGiveUp;
    this.onRestart = onRestart;
    this.onSpawn = onSpawn;
    this.now = now || (() => Date.now());
    this.policy = { ...DEFAULT_POLICY, ...policy };
    /** The running child: `{ child, exited, startedAt }`, or undefined between a crash and its restart. */
    this.current = undefined;
    /** Restarts in a row since the child last stayed up `resetAfterMs`. */
    this.consecutiveRestarts = 0;
    /** Every restart so far. */
    this.restarts = 0;
    this.stopped = false;
    this.gaveUp = false;
    this.timer = undefined;
  }

  /** Starts the child; returns what `spawn()` returned. */
  start() {
    const running = { ...this.spawnChild(), startedAt: this.now() };
    this.current = running;
    void running.exited.then((exit) => this.handleExit(running, exit));
    if (this.onSpawn) this.onSpawn(running);
    return running;
  }

  handleExit(running, exit) {
    if (this.current === running) this.current = undefined;
    if (this.stopped) return;
    const upMs = this.now() - running.startedAt;
    if (upMs >= this.policy.resetAfterMs) this.consecutiveRestarts = 0;
    const how = describeExit(exit);
    if (this.consecutiveRestarts >= this.policy.maxConsecutiveRestarts) {
      this.gaveUp = true;
      this.log(
        `${this.name} stopped unexpectedly (${how}) after ${this.consecutiveRestarts} restarts in a row; giving up`,
      );
      this.onGiveUp(exit);
      return;
    }
    this.consecutiveRestarts += 1;
    this.restarts += 1;
    const attempt = this.consecutiveRestarts;
    const delayMs = backoffDelay(attempt, this.policy);
    this.log(
      `${this.name} stopped unexpectedly (${how}) after ${(upMs / 1000).toFixed(1)} s; ` +
        `restart ${attempt}/${this.policy.maxConsecutiveRestarts} in ${(delayMs / 1000).toFixed(1)} s`,
    );
    if (this.onRestart) this.onRestart({ attempt, delayMs, exit });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.start();
    }, delayMs);
  }

  /** Stops supervising: cancels a pending restart, then SIGTERM, a grace period, SIGKILL. Resolves once it exited. */
  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const running = this.current;
    if (!running) return;
    const { child, exited } = running;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    let grace;
    const timedOut = new Promise((resolve) => (grace = setTimeout(() => resolve(true), this.policy.stopGraceMs)));
    const late = await Promise.race([exited.then(() => false), timedOut]);
    clearTimeout(grace);
    if (late) {
      this.log(`${this.name} did not stop within ${this.policy.stopGraceMs / 1000} s; killing it`);
      child.kill('SIGKILL');
      await exited;
    }
  }

  /** Kills the running child at once (a second Ctrl-C), without restarting it. */
  kill() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.current) this.current.child.kill('SIGKILL');
  }
}

module.exports = { Supervisor, backoffDelay, describeExit, DEFAULT_POLICY };
