// Starts the bank host (src/bank-host/main.ts) as a child process on given ports and waits until its control API
// answers /health. Used by test/global-setup.js; `npm start` runs the same entry under its supervisor. The bank
// host gets only BANK_* variables of its own (its database, ports, admin token, the gateway's ISO 20022 channel token,
// hashing key), never settleflow's.
// Plain CommonJS.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');

/** The same MongoDB server as `mongoUri`, but the bank host's own database `database`. */
function bankDatabaseUri(mongoUri, database) {
  const url = new URL(mongoUri);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The environment of a bank host on these ports (added to `base`, which keeps PATH and the like). */
function bankHostEnv({ mongoUri, ports, adminToken, iso20022Token, secret, clearingPeriodMs, base = process.env }) {
  return {
    ...base,
    BANK_MONGODB_URI: mongoUri,
    BANK_HOST_ISO8583_PORT: String(ports.iso8583),
    BANK_HOST_ISO20022_PORT: String(ports.iso20022),
    BANK_HOST_CONTROL_PORT: String(ports.control),
    BANK_HOST_ADMIN_TOKEN: adminToken,
    BANK_HOST_ISO20022_TOKEN: iso20022Token,
    BANK_HOST_SECRET: secret,
    ...(clearingPeriodMs === undefined ? {} : { BANK_HOST_CLEARING_PERIOD_MS: String(clearingPeriodMs) }),
  };
}

/** Resolves once GET url answers 200; fails early when `check` throws, or after `timeoutMs`. */
async function waitForHealth(url, { timeoutMs = 60000, check = () => {} } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    check();
    try {
      const response = await fetch(url, { signal: globalThis.AbortSignal.timeout(2000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Spawns the bank host with `env` (see bankHostEnv), output appended to `logFile`, and waits for its control API.
 * @returns {Promise<{child, exited: Promise<object>, stop: () => Promise<void>}>}
 */
async function startBankHost({ env, logFile, timeoutMs = 60000 }) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'run-ts.js'), 'src/bank-host/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  let exit;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve((exit = { code, signal }))));
  const stop = async () => {
    if (exit) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForHealth(`http://127.0.0.1:${env.BANK_HOST_CONTROL_PORT}/health`, {
      timeoutMs,
      check: () => {
        if (exit) {
          const tail = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-20).join('\n');
          throw new Error(`the bank host exited during start-up (${JSON.stringify(exit)}). Log: ${logFile}\n${tail}`);
        }
      },
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, exited, stop };
}

module.exports = { bankDatabaseUri, bankHostEnv, startBankHost, waitForHealth };
