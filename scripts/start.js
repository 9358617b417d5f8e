#!/usr/bin/env node
// `npm start`: the whole product on one machine from a fresh clone. Installs dependencies, provisions and
// starts Temporal and FerretDB (unless TEMPORAL_ADDRESS and MONGODB_URI point elsewhere), then the bank host, the
// worker and the API, seeds the demo parties and prints where everything is. Once up, a worker or API that exits is
// restarted with backoff (scripts/lib/supervisor.js) while the servers stay up; a server that exits, or a worker or
// API that keeps crashing, stops everything. Ctrl-C stops it all, in reverse order. Never kills what it did not start.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { Supervisor, describeExit } = require('./lib/supervisor');

const root = path.resolve(__dirname, '..');
const verbose = process.argv.includes('--verbose') || process.env.SETTLEFLOW_VERBOSE === '1';

const say = (line) => console.log(`settleflow: ${line}`);

function installDependenciesIfMissing() {
  if (fs.existsSync(path.join(root, 'node_modules'))) return;
  const command = fs.existsSync(path.join(root, 'package-lock.json')) ? 'ci' : 'install';
  say(`node_modules is missing: running npm ${command}...`);
  const result = spawnSync('npm', [command], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm ${command} failed (exit code ${result.status})`);
}

/** Fails before anything starts if an entry point that other parts of the repo provide is absent. */
function assertEntryPointsExist() {
  const entries = [
    'src/worker/main.ts',
    'src/gateway/worker/main.ts',
    'src/api/main.ts',
    'src/bank-host/main.ts',
    'scripts/seed-demo-parties.ts',
  ];
  const missing = entries.filter((entry) => !fs.existsSync(path.join(root, entry)));
  if (missing.length > 0) throw new Error(`cannot start: missing entry point(s) ${missing.join(', ')}`);
}

/**
 * Where the worker and the API find the vault key: SETTLEFLOW_VAULT_KEY or SETTLEFLOW_VAULT_KEY_FILE when set,
 * otherwise the file DATA_DIR/vault.key, created (mode 0600) on first start and passed by name, not by value.
 */
function vaultKeyEnv(dataDir) {
  if (process.env.SETTLEFLOW_VAULT_KEY || process.env.SETTLEFLOW_VAULT_KEY_FILE) return {};
  const keyFile = path.join(dataDir, 'vault.key');
  if (!fs.existsSync(keyFile)) {
    fs.writeFileSync(keyFile, `${crypto.randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    say(`created a new vault key in ${keyFile} (keep it: it decrypts stored card data and webhook secrets)`);
  }
  return { SETTLEFLOW_VAULT_KEY_FILE: keyFile };
}

/**
 * Where the processes find the key-encryption key that wraps the key ring's keys: SETTLEFLOW_KEK or
 * SETTLEFLOW_KEK_FILE when set, otherwise DATA_DIR/kek.key, created (mode 0600) on first start and passed by name.
 */
function kekEnv(dataDir) {
  if (process.env.SETTLEFLOW_KEK || process.env.SETTLEFLOW_KEK_FILE) return {};
  const keyFile = path.join(dataDir, 'kek.key');
  if (!fs.existsSync(keyFile)) {
    fs.writeFileSync(keyFile, `${crypto.randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    say(`created a new key-encryption key in ${keyFile} (keep it: without it no stored key opens)`);
  }
  return { SETTLEFLOW_KEK_FILE: keyFile };
}

/**
 * The bank host's own settings: its database (settleflow_bank on the same server unless BANK_MONGODB_URI says
 * otherwise), its ports, and an admin token, the gateway's ISO 20022 channel token and a hashing key kept in DATA_DIR
 * (created mode 0600 on first start).
 */
function bankHostEnvFor(dataDir, mongoUri) {
  const secretFile = (name, bytes, encoding) => {
    const file = path.join(dataDir, name);
    if (!fs.existsSync(file))
      fs.writeFileSync(file, `${crypto.randomBytes(bytes).toString(encoding)}\n`, { mode: 0o600 });
    return fs.readFileSync(file, 'utf8').trim();
  };
  const { bankDatabaseUri } = require('./lib/bank-host');
  return {
    BANK_MONGODB_URI: process.env.BANK_MONGODB_URI || bankDatabaseUri(mongoUri, 'settleflow_bank'),
    BANK_HOST_ISO8583_PORT: String(portFromEnv('BANK_HOST_ISO8583_PORT', 8583)),
    BANK_HOST_ISO20022_PORT: String(portFromEnv('BANK_HOST_ISO20022_PORT', 8584)),
    BANK_HOST_CONTROL_PORT: String(portFromEnv('BANK_HOST_CONTROL_PORT', 8585)),
    BANK_HOST_ADMIN_TOKEN: process.env.BANK_HOST_ADMIN_TOKEN || secretFile('bank-host-admin-token', 24, 'hex'),
    // The gateway's credential on the ISO 20022 channel (the bank host accepts a comma-separated list while one is
    // rotated; the gateway presents the first).
    BANK_HOST_ISO20022_TOKEN: process.env.BANK_HOST_ISO20022_TOKEN || secretFile('bank-host-iso20022-token', 24, 'hex'),
    // E-checks clear in seconds for the demo; the gateway waits as long (ECHECK_CLEARING_MS, set below).
    BANK_HOST_CLEARING_PERIOD_MS: process.env.BANK_HOST_CLEARING_PERIOD_MS || '2000',
    ...(process.env.BANK_HOST_SECRET || process.env.BANK_HOST_SECRET_FILE
      ? {}
      : { BANK_HOST_SECRET_FILE: (secretFile('bank-host.key', 32, 'base64'), path.join(dataDir, 'bank-host.key')) }),
  };
}

function portFromEnv(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`${name}=${value} is not a TCP port`);
  return port;
}

/**
 * Spawns `node scripts/run-ts.js <entry>` in its own process group (so a terminal's Ctrl-C reaches only
 * this script, which stops children in order), with output appended to a log file and, with --verbose,
 * echoed to the console with a prefix.
 */
function spawnTs(name, entry, env, logFile) {
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  log.write(`\n--- ${new Date().toISOString()} ${entry}\n`);
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'run-ts.js'), entry], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const proc = { name, child, logFile, exited: null };
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => {
      log.write(chunk);
      if (verbose) process.stdout.write(`${name} | ${chunk}`.replace(/\n(?=.)/g, `\n${name} | `));
    });
  }
  proc.exitedPromise = new Promise((resolve) => {
    child.once('close', (code, signal) => {
      proc.exited = { code, signal };
      log.end();
      resolve(proc.exited);
    });
    child.once('error', (err) => {
      proc.exited = { code: null, signal: null, error: err };
      log.end();
      resolve(proc.exited);
    });
  });
  return proc;
}

function tailOf(file, lines = 20) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Fails with the log's tail if a supervised child exited before the stack was up. */
function assertNoStartupFailure() {
  if (!startupFailure) return;
  const { name, exit, logFile } = startupFailure;
  throw new Error(`the ${name} exited during start-up (${describeExit(exit)}). Log: ${logFile}\n${tailOf(logFile)}`);
}

async function waitForHealth(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    assertNoStartupFailure();
    try {
      const response = await fetch(url, { signal: globalThis.AbortSignal.timeout(2000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s (see the API's log)`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

function printBanner({ apiUrl, uiUrl, temporalAddress, mongoUri, dataDir, logDir, parties, bankHost }) {
  const rows = parties.map((party) => [party.role, party.name, party.id, party.apiKey]);
  const header = ['role', 'name', 'id', 'API key'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => String(row[column]).length)),
  );
  const line = (cells) => `  ${cells.map((cell, column) => String(cell).padEnd(widths[column])).join('  ')}`.trimEnd();
  const out = [
    '',
    'settleflow is running',
    '',
    `  API            ${apiUrl}`,
    `  OpenAPI        ${apiUrl}/openapi.json`,
    `  Console        ${apiUrl}/console (sign in with an API key below)`,
    `  Temporal UI    ${uiUrl || '(external Temporal: see its own UI)'}`,
    ...(uiUrl
      ? [
          `                 payloads are encrypted; to read them decoded, sign in to the console as an operator, then`,
          `                 in Temporal UI's codec settings turn on "Include cross-origin credentials" (README, Operations)`,
        ]
      : []),
    `  Temporal       ${temporalAddress}`,
    `  MongoDB        ${mongoUri}`,
    `  bank host      ISO 8583 127.0.0.1:${bankHost.BANK_HOST_ISO8583_PORT}, ISO 20022 http://127.0.0.1:${bankHost.BANK_HOST_ISO20022_PORT}, ` +
      `control http://127.0.0.1:${bankHost.BANK_HOST_CONTROL_PORT} (token in ${path.join(dataDir, 'bank-host-admin-token')})`,
    `  data dir       ${dataDir}`,
    `  logs           ${logDir}`,
    '',
    'Demo parties (send the API key as `Authorization: Bearer <key>`):',
    line(header),
    ...rows.map(line),
    '',
    'Try: npm run demo -- --orders 5',
    'A worker or API that stops is restarted on its own (see README, Operations). Ctrl-C stops everything.',
    '',
  ];
  console.log(out.join('\n'));
}

const running = []; // services first, then worker, then API: stopped in reverse order
let shuttingDown = false;

/** Stops everything that was started, last first, then exits with the given code. */
async function shutdown(exitCode) {
  if (shuttingDown) return;
  shuttingDown = true;
  for (const item of [...running].reverse()) {
    say(`stopping ${item.name}...`);
    await item.stop();
  }
  process.exit(exitCode);
}

/** Set when the worker or the API exits before the stack is up: start-up then fails at once, with its log. */
let startupFailure;
let stackReady = false;

function onUnexpectedExit(name, exit, logFile) {
  if (shuttingDown) return;
  console.error(
    `\nsettleflow: ${name} stopped unexpectedly (${describeExit(exit)}). Log: ${logFile}\n${tailOf(logFile)}\n`,
  );
  void shutdown(1);
}

let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupts += 1;
    if (interrupts > 1) {
      say('second interrupt: killing everything now');
      for (const item of running) item.kill();
      process.exit(130);
    }
    console.log('');
    void shutdown(0);
  });
}

async function main() {
  installDependenciesIfMissing();
  assertEntryPointsExist();

  const dataDir = path.resolve(root, process.env.DATA_DIR || '.data');
  const logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const vaultKey = { ...vaultKeyEnv(dataDir), ...kekEnv(dataDir) };
  const apiPort = portFromEnv('PORT', 3000);
  // Checked first: a stranger answering /health on this port would pass for our API.
  await require('./lib/services').assertPortFree(apiPort, 'the settleflow API, PORT');
  for (const [name, fallback] of [
    ['BANK_HOST_ISO8583_PORT', 8583],
    ['BANK_HOST_ISO20022_PORT', 8584],
    ['BANK_HOST_CONTROL_PORT', 8585],
  ]) {
    await require('./lib/services').assertPortFree(portFromEnv(name, fallback), `the bank host, ${name}`);
  }
  // The workers' metrics endpoints (0 turns one off): a port taken here would stop a worker after everything else
  // has started, with only the worker's log to say why.
  for (const [name, fallback, owner] of [
    ['WORKER_METRICS_PORT', 9464, 'the order worker'],
    ['TEMPORAL_METRICS_PORT', 9465, "the order worker's Temporal SDK"],
    ['GATEWAY_METRICS_PORT', 9466, 'the gateway worker'],
  ]) {
    const port = process.env[name] === '0' ? 0 : portFromEnv(name, fallback);
    if (port !== 0) await require('./lib/services').assertPortFree(port, `${owner}'s metrics, ${name}`);
  }

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  let mongoUri = process.env.MONGODB_URI;
  let uiUrl;
  if (!temporalAddress || !mongoUri) {
    const { provision } = require('./lib/provision');
    const { startServices } = require('./lib/services');
    const { temporalBin, ferretdbBin } = await provision({ log: say });
    process.env.TEMPORAL_BIN = process.env.TEMPORAL_BIN || temporalBin;
    process.env.FERRETDB_BIN = process.env.FERRETDB_BIN || ferretdbBin;
    const services = await startServices({
      dataDir,
      temporalPort: portFromEnv('TEMPORAL_PORT', 7233),
      uiPort: portFromEnv('TEMPORAL_UI_PORT', 8233),
      mongoPort: portFromEnv('MONGODB_PORT', 27017),
      temporalBin,
      ferretdbBin,
      withTemporal: !temporalAddress,
      withMongo: !mongoUri,
      detached: true,
      // Temporal UI decodes the encrypted payloads through the API's codec endpoint, for a signed-in operator.
      uiCodecEndpoint: `http://127.0.0.1:${apiPort}/v1/codec`,
      log: say,
      onExit: (name, exit) => onUnexpectedExit(name, exit, path.join(logDir, `${name}.log`)),
    });
    running.push({
      name: 'Temporal and FerretDB',
      stop: services.stop,
      kill: () => services.processes.forEach((proc) => proc.child.kill('SIGKILL')),
    });
    temporalAddress = temporalAddress || services.temporalAddress;
    mongoUri = mongoUri || services.mongoUri;
    uiUrl = services.uiUrl;
  }
  if (!uiUrl && process.env.TEMPORAL_UI_PORT) uiUrl = `http://127.0.0.1:${process.env.TEMPORAL_UI_PORT}`;

  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE || 'default',
    TEMPORAL_TASK_QUEUE: process.env.TEMPORAL_TASK_QUEUE || 'settleflow-orders',
    MONGODB_URI: mongoUri,
    PORT: String(apiPort),
    DATA_DIR: dataDir,
    // A developer's stack: webhooks to receivers on this machine (loopback, private ranges) are allowed unless the
    // caller says otherwise. Production deployments leave it unset (see the README's webhook address rules).
    WEBHOOK_ALLOW_PRIVATE: process.env.WEBHOOK_ALLOW_PRIVATE ?? 'true',
    // The demo's one customer pays every demo order within a minute or two; the production default (10 a minute per
    // customer and per order) would turn half of `npm run demo -- --orders 20` away with 429s.
    PAYMENT_RATE_PER_MINUTE: process.env.PAYMENT_RATE_PER_MINUTE ?? '600',
    // The console links an order to its workflow in the embedded Temporal UI.
    ...(uiUrl && !process.env.TEMPORAL_UI_URL ? { TEMPORAL_UI_URL: uiUrl } : {}),
    // The codec endpoint answers (CORS, session cookie) pages of the embedded Temporal UI only.
    ...(uiUrl && !process.env.TEMPORAL_UI_ORIGIN ? { TEMPORAL_UI_ORIGIN: new URL(uiUrl).origin } : {}),
    ...vaultKey,
  };
  // The worker and the API run under a supervisor: restarted with exponential backoff when they exit, the servers
  // untouched. Before the stack is up, an exit fails start-up instead (a broken configuration should say so now).
  const startChild = (name, entry, childEnv = env) => {
    const logFile = path.join(logDir, `${name}.log`);
    const supervisor = new Supervisor({
      name,
      spawn: () => {
        const proc = spawnTs(name, entry, childEnv, logFile);
        return { child: proc.child, exited: proc.exitedPromise };
      },
      // Before the stack is up an exit fails start-up (below), so no restart line then.
      log: (line) => stackReady && say(`${line} (log ${logFile})`),
      onRestart: ({ exit }) => {
        if (!stackReady && !startupFailure) startupFailure = { name, exit, logFile };
      },
      onGiveUp: (exit) => onUnexpectedExit(name, exit, logFile),
    });
    supervisor.start();
    running.push({ name, stop: () => supervisor.stop(), kill: () => supervisor.kill() });
    return supervisor;
  };

  const bankHost = bankHostEnvFor(dataDir, mongoUri);
  say('starting the bank host...');
  startChild('bank-host', 'src/bank-host/main.ts', { ...process.env, ...bankHost });
  await require('./lib/bank-host').waitForHealth(`http://127.0.0.1:${bankHost.BANK_HOST_CONTROL_PORT}/health`, {
    timeoutMs: 60000,
    check: assertNoStartupFailure,
  });
  Object.assign(env, {
    BANK_HOST_ADDRESS: `127.0.0.1:${bankHost.BANK_HOST_ISO8583_PORT}`,
    BANK_HOST_ISO20022_URL: `http://127.0.0.1:${bankHost.BANK_HOST_ISO20022_PORT}`,
    BANK_HOST_CONTROL_URL: `http://127.0.0.1:${bankHost.BANK_HOST_CONTROL_PORT}`,
    BANK_HOST_ADMIN_TOKEN: bankHost.BANK_HOST_ADMIN_TOKEN,
    BANK_HOST_ISO20022_TOKEN: bankHost.BANK_HOST_ISO20022_TOKEN.split(',')[0].trim(),
    ECHECK_CLEARING_MS: process.env.ECHECK_CLEARING_MS || bankHost.BANK_HOST_CLEARING_PERIOD_MS,
    // Settlement cut-offs every minute on the local stack, so the demo's orders are paid out while their bots wait
    // (production: daily, or a cron); the settlement asks for the payouts' outcome after the bank's clearing period.
    SETTLEMENT_CUTOFF_INTERVAL_MS: process.env.SETTLEMENT_CUTOFF_INTERVAL_MS || '60000',
    SETTLEMENT_CLEARING_MS: process.env.SETTLEMENT_CLEARING_MS || bankHost.BANK_HOST_CLEARING_PERIOD_MS,
  });

  // The console (served by the API at /console) is built when console/dist is missing or older than its sources.
  require('./console-build').buildConsole({ ifStale: true, log: say });

  say('starting the worker and the API...');
  startChild('worker', 'src/worker/main.ts');
  // The gateway worker: the one process holding the bank connection (payment child workflows, bank activities).
  startChild('gateway', 'src/gateway/worker/main.ts');
  startChild('api', 'src/api/main.ts');
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitForHealth(`${apiUrl}/health`, 90000);

  say('seeding demo parties...');
  const seeder = spawnTs('seed', 'scripts/seed-demo-parties.ts', env, path.join(logDir, 'seed.log'));
  const seeded = await seeder.exitedPromise;
  if (seeded.code !== 0) {
    throw new Error(
      `seeding demo parties failed (${JSON.stringify(seeded)}). Log: ${seeder.logFile}\n${tailOf(seeder.logFile)}`,
    );
  }
  const parties = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-parties.json'), 'utf8'));
  assertNoStartupFailure();
  stackReady = true;

  printBanner({ apiUrl, uiUrl, temporalAddress, mongoUri, dataDir, logDir, parties, bankHost });
}

main().catch((err) => {
  console.error(`\nsettleflow: ${err.message}`);
  void shutdown(1);
});
