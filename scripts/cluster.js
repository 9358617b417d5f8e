#!/usr/bin/env node
// `npm run cluster`: settleflow scaled out on this machine, on a real Temporal server cluster instead of the dev server.
// Starts the Temporal server (v1.29.1, built once with Go) on a private PostgreSQL with several history shards and
// the `settleflow` namespace, FerretDB, then `npm start`'s stack against them (bank host, gateway worker, worker, API,
// demo parties), a second worker and a second API, and a small round-robin load balancer in front of both APIs.
// Ctrl-C stops everything in reverse order. Never kills what it did not start.
'use strict';

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { Supervisor, describeExit } = require('./lib/supervisor');

const root = path.resolve(__dirname, '..');
const say = (line) => console.log(`settleflow cluster: ${line}`);

function portFromEnv(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`${name}=${value} is not a TCP port`);
  return port;
}

/**
 * A TCP load balancer: each new connection goes to the next backend in turn; a backend that refuses the connection is
 * skipped for that connection (so a killed API costs no request that had not reached it). No state beyond the turn.
 */
function startBalancer(port, backends) {
  let turn = 0;
  const server = net.createServer((client) => {
    const first = turn++ % backends.length;
    const tryBackend = (i) => {
      if (i >= backends.length) {
        client.destroy();
        return;
      }
      const upstream = net.connect({ host: '127.0.0.1', port: backends[(first + i) % backends.length] });
      upstream.once('connect', () => {
        upstream.removeAllListeners('error');
        client.pipe(upstream).pipe(client);
        const close = () => {
          client.destroy();
          upstream.destroy();
        };
        upstream.on('error', close);
        client.on('error', close);
      });
      upstream.once('error', () => tryBackend(i + 1));
    };
    client.pause();
    tryBackend(0);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const running = []; // stopped in reverse order
let shuttingDown = false;

async function shutdown(exitCode) {
  if (shuttingDown) return;
  shuttingDown = true;
  for (const item of [...running].reverse()) {
    say(`stopping ${item.name}...`);
    await item.stop().catch((err) => say(`${item.name}: ${err.message}`));
  }
  process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void shutdown(0));

function spawnSupervised(name, entry, env, logFile) {
  const supervisor = new Supervisor({
    name,
    spawn: () => {
      const out = fs.openSync(logFile, 'a');
      const child = spawn(process.execPath, [path.join(root, 'scripts', 'run-ts.js'), entry], {
        cwd: root,
        env,
        stdio: ['ignore', out, out],
        detached: true,
      });
      fs.closeSync(out);
      const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      return { child, exited };
    },
    log: (line) => say(`${line} (log ${logFile})`),
    onGiveUp: (exit) => {
      say(`${name} keeps failing (${describeExit(exit)}); stopping. Log: ${logFile}`);
      void shutdown(1);
    },
  });
  supervisor.start();
  running.push({ name, stop: () => supervisor.stop() });
}

async function main() {
  const started = Date.now();
  const dataDir = path.resolve(root, process.env.DATA_DIR || path.join('.data', 'cluster'));
  const logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const balancerPort = portFromEnv('PORT', 3000);
  const apiPorts = [portFromEnv('API_1_PORT', balancerPort + 1), portFromEnv('API_2_PORT', balancerPort + 2)];
  const { assertPortFree, startServices, findFreePort } = require('./lib/services');
  for (const port of [balancerPort, ...apiPorts])
    await assertPortFree(port, 'the load balancer and the two APIs, PORT');

  const { startTemporalCluster } = require('./lib/temporal-cluster');
  const cluster = await startTemporalCluster({
    dataDir,
    frontendPort: portFromEnv('TEMPORAL_PORT', 7233),
    namespace: process.env.TEMPORAL_NAMESPACE || 'settleflow',
    detached: true,
    log: say,
    onExit: (name, exit) => {
      say(`${name} stopped unexpectedly (${describeExit(exit)}); see ${logDir}`);
      void shutdown(1);
    },
  });
  running.push({ name: 'the Temporal cluster and PostgreSQL', stop: cluster.stop });

  let mongoUri = process.env.MONGODB_URI;
  let ferretProcesses = [];
  if (!mongoUri) {
    const services = await startServices({
      dataDir,
      mongoPort: portFromEnv('MONGODB_PORT', 27017),
      withTemporal: false,
      detached: true,
      log: say,
    });
    running.push({ name: 'FerretDB', stop: services.stop });
    ferretProcesses = services.processes;
    mongoUri = services.mongoUri;
  }

  // The servers' process ids, for `npm run bench -- --server-pids` (their CPU beside the benchmark's processes).
  const serverPids = {};
  for (const proc of [...cluster.processes, ...ferretProcesses])
    if (proc.child.pid !== undefined) serverPids[proc.name] = proc.child.pid;
  const serverPidsFile = path.join(dataDir, 'server-pids.json');
  fs.writeFileSync(serverPidsFile, `${JSON.stringify(serverPids, null, 2)}\n`);
  running.push({ name: 'the server pid file', stop: async () => fs.rmSync(serverPidsFile, { force: true }) });

  const vaultKeyFile = path.join(dataDir, 'vault.key');
  if (!process.env.SETTLEFLOW_VAULT_KEY && !process.env.SETTLEFLOW_VAULT_KEY_FILE && !fs.existsSync(vaultKeyFile)) {
    fs.writeFileSync(vaultKeyFile, `${crypto.randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const kekFile = path.join(dataDir, 'kek.key');
  if (!process.env.SETTLEFLOW_KEK && !process.env.SETTLEFLOW_KEK_FILE && !fs.existsSync(kekFile)) {
    fs.writeFileSync(kekFile, `${crypto.randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const bankPorts = {
    BANK_HOST_ISO8583_PORT: String(portFromEnv('BANK_HOST_ISO8583_PORT', 8583)),
    BANK_HOST_ISO20022_PORT: String(portFromEnv('BANK_HOST_ISO20022_PORT', 8584)),
    BANK_HOST_CONTROL_PORT: String(portFromEnv('BANK_HOST_CONTROL_PORT', 8585)),
  };
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: cluster.temporalAddress,
    TEMPORAL_NAMESPACE: cluster.namespace,
    MONGODB_URI: mongoUri,
    ...(process.env.SETTLEFLOW_VAULT_KEY || process.env.SETTLEFLOW_VAULT_KEY_FILE
      ? {}
      : { SETTLEFLOW_VAULT_KEY_FILE: vaultKeyFile }),
    ...(process.env.SETTLEFLOW_KEK || process.env.SETTLEFLOW_KEK_FILE ? {} : { SETTLEFLOW_KEK_FILE: kekFile }),
    ...bankPorts,
    WEBHOOK_ALLOW_PRIVATE: process.env.WEBHOOK_ALLOW_PRIVATE ?? 'true',
    PAYMENT_RATE_PER_MINUTE: process.env.PAYMENT_RATE_PER_MINUTE ?? '600',
  };

  // `npm start`'s stack against the cluster: bank host, gateway worker, the first worker and API, the demo parties.
  say('starting the bank host, the gateway worker, the first worker and API (scripts/start.js)...');
  const stack = spawn(process.execPath, [path.join(root, 'scripts', 'start.js')], {
    cwd: root,
    env: { ...env, PORT: String(apiPorts[0]) },
    stdio: ['ignore', 'pipe', 'inherit'],
    // Its own process group: a terminal's Ctrl-C reaches only this script, which then sends it one SIGTERM.
    detached: true,
  });
  const stackExited = new Promise((resolve) => stack.once('exit', (code, signal) => resolve({ code, signal })));
  running.push({
    name: 'the first worker and API stack',
    stop: async () => {
      if (stack.exitCode === null && stack.signalCode === null) stack.kill('SIGTERM');
      await stackExited;
    },
  });
  await new Promise((resolve, reject) => {
    let output = '';
    stack.stdout.on('data', (chunk) => {
      // Its own hint (`npm run demo` with npm start's parties file) does not fit the cluster: ours follows below.
      const text = String(chunk)
        .split('\n')
        .filter((line) => !line.startsWith('Try: npm run demo'))
        .join('\n');
      process.stdout.write(text);
      output += chunk;
      if (output.includes('settleflow is running')) resolve();
    });
    void stackExited.then((exit) => reject(new Error(`scripts/start.js exited (${describeExit(exit)})`)));
  });
  void stackExited.then((exit) => {
    if (!shuttingDown) {
      say(`the first stack stopped (${describeExit(exit)}); stopping everything`);
      void shutdown(1);
    }
  });

  const adminToken = fs.readFileSync(path.join(dataDir, 'bank-host-admin-token'), 'utf8').trim();
  // The gateway's ISO 20022 channel token, as the first stack gave it to its bank host (the first of a rotation list).
  const iso20022Token = (
    process.env.BANK_HOST_ISO20022_TOKEN || fs.readFileSync(path.join(dataDir, 'bank-host-iso20022-token'), 'utf8')
  )
    .split(',')[0]
    .trim();
  const second = {
    ...env,
    BANK_HOST_ADDRESS: `127.0.0.1:${bankPorts.BANK_HOST_ISO8583_PORT}`,
    BANK_HOST_ISO20022_URL: `http://127.0.0.1:${bankPorts.BANK_HOST_ISO20022_PORT}`,
    BANK_HOST_CONTROL_URL: `http://127.0.0.1:${bankPorts.BANK_HOST_CONTROL_PORT}`,
    BANK_HOST_ADMIN_TOKEN: adminToken,
    BANK_HOST_ISO20022_TOKEN: iso20022Token,
  };
  say('starting the second worker and the second API...');
  spawnSupervised(
    'worker-2',
    'src/worker/main.ts',
    {
      ...second,
      WORKER_METRICS_PORT: String(portFromEnv('WORKER_2_METRICS_PORT', await findFreePort())),
      TEMPORAL_METRICS_PORT: String(await findFreePort()),
    },
    path.join(logDir, 'worker-2.log'),
  );
  spawnSupervised('api-2', 'src/api/main.ts', { ...second, PORT: String(apiPorts[1]) }, path.join(logDir, 'api-2.log'));
  const { waitForHealth } = require('./lib/bank-host');
  await waitForHealth(`http://127.0.0.1:${apiPorts[1]}/health`, { timeoutMs: 120000 });

  const balancer = await startBalancer(balancerPort, apiPorts);
  running.push({ name: 'the load balancer', stop: () => new Promise((resolve) => balancer.close(() => resolve())) });

  const parties = path.join(dataDir, 'demo-parties.json');
  console.log(
    [
      '',
      'settleflow is running on a Temporal server cluster',
      '',
      `  load balancer  http://127.0.0.1:${balancerPort} (round robin over the APIs on ${apiPorts.join(' and ')})`,
      `  Temporal       ${cluster.temporalAddress}, namespace ${cluster.namespace}: server v1.29.1 on PostgreSQL ` +
        `(127.0.0.1:${cluster.postgresPort}), ${cluster.historyShards} history shards, frontend/history/matching/worker ` +
        'as four processes',
      `  workers        two order workers (logs worker.log, worker-2.log) and the gateway worker`,
      `  data and logs  ${dataDir}`,
      `  up in          ${Math.round((Date.now() - started) / 1000)} s`,
      '',
      `Try: npm run demo -- --orders 10 --api http://127.0.0.1:${balancerPort} --parties ${path.relative(root, parties)}`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(`\nsettleflow cluster: ${err.message}`);
  void shutdown(1);
});
