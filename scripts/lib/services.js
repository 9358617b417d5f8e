// Runs the two servers that settleflow needs on this machine: the Temporal dev server (SQLite file, Web UI)
// and FerretDB (a MongoDB wire-protocol server on SQLite), as child processes with their output in log files.
// Plain CommonJS; `mongodb` (a dependency of mongoose) is used only if installed, for a real ping.
'use strict';

const { spawn, execFile } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

/** Custom search attributes that workflows upsert and the API filters on; all are registered at start. */
const SEARCH_ATTRIBUTES = {
  OrderStatus: 'Keyword',
  SellerId: 'Keyword',
  CustomerId: 'Keyword',
  SupplierId: 'Keyword',
  CarrierId: 'Keyword',
  OrderTotal: 'Int',
};

const STOP_GRACE_MS = 10000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The kernel's ephemeral port range (where it takes the local ports of outgoing connections), or Linux's default. */
function ephemeralPortRange() {
  try {
    const [low, high] = fs
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low <= high) return [low, high];
  } catch {
    // Not Linux: fall through to its default.
  }
  return [32768, 60999];
}

/** Resolves true if a server can listen on 127.0.0.1:port right now. */
function canListen(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Resolves with a random port in [low, high] (minus the kernel's ephemeral range) on which a server could listen a
 * moment ago. Never a port the OS hands out for port 0: those come from the ephemeral range, from which it also takes
 * the local port of every outgoing connection, so a readiness probe or a client connecting elsewhere could hold the
 * port by the time the server binds it ("can't set frontend port ...: address already in use", seen once).
 */
async function findFreePort({ low = 20000, high = 65535 } = {}) {
  const [ephemeralLow, ephemeralHigh] = ephemeralPortRange();
  const candidates = [];
  if (low < ephemeralLow) candidates.push([low, Math.min(high, ephemeralLow - 1)]);
  if (high > ephemeralHigh) candidates.push([Math.max(low, ephemeralHigh + 1), high]);
  const size = candidates.reduce((sum, [from, to]) => sum + (to - from + 1), 0);
  if (size === 0)
    throw new Error(`no port in ${low}-${high} outside the ephemeral range ${ephemeralLow}-${ephemeralHigh}`);
  for (let attempt = 0; attempt < 200; attempt += 1) {
    let offset = Math.floor(Math.random() * size);
    for (const [from, to] of candidates) {
      if (offset <= to - from) {
        const port = from + offset;
        if (await canListen(port)) return port;
        break;
      }
      offset -= to - from + 1;
    }
  }
  throw new Error(`no free port in ${low}-${high} outside the ephemeral range after 200 tries`);
}

/** Resolves true if something accepts TCP connections on host:port right now. */
function canConnect(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1000);
    const done = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/**
 * Waits until host:port accepts TCP connections. `check` is called between attempts and may throw
 * (for instance when the process that should listen has exited) to stop waiting early.
 */
async function waitForPort(port, { host = '127.0.0.1', timeoutMs = 60000, check = () => {} } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await canConnect(port, host)) return;
    check();
    if (Date.now() > deadline) throw new Error(`nothing is listening on ${host}:${port} after ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Fails clearly if a port we are about to give a server is taken by something else. */
async function assertPortFree(port, what) {
  const free = await canListen(port);
  if (!free) {
    throw new Error(
      `port ${port} (${what}) is already in use by another process. Stop it, choose another port with the ` +
        'variable named here (README: Configuration), or point settleflow at running servers with ' +
        'TEMPORAL_ADDRESS and MONGODB_URI.',
    );
  }
}

function tailOf(file, lines = 20) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Spawns a server with stdout and stderr appended to its log file and tracks whether it has exited. */
/** Go's GOGC for FerretDB unless FERRETDB_GOGC says otherwise (Go's default is 100). */
const FERRETDB_GOGC = 400;

function spawnServer(name, file, args, { logFile, detached, env }) {
  const out = fs.openSync(logFile, 'a');
  fs.writeSync(out, `\n--- ${new Date().toISOString()} ${file} ${args.join(' ')}\n`);
  const child = spawn(file, args, { stdio: ['ignore', out, out], detached, env: env ?? process.env });
  fs.closeSync(out);
  const proc = { name, child, logFile, exited: null, stopping: false };
  proc.exitedPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      proc.exited = { code, signal };
      resolve(proc.exited);
    });
    child.once('error', (err) => {
      proc.exited = { code: null, signal: null, error: err };
      resolve(proc.exited);
    });
  });
  return proc;
}

function failIfExited(proc) {
  if (!proc.exited) return;
  const { code, signal, error } = proc.exited;
  const how = error ? error.message : signal ? `signal ${signal}` : `code ${code}`;
  throw new Error(`${proc.name} exited during start-up (${how}). Log: ${proc.logFile}\n${tailOf(proc.logFile)}`);
}

/** SIGTERM, a grace period, then SIGKILL. Resolves once the process has exited. */
async function stopProcess(proc, graceMs = STOP_GRACE_MS) {
  proc.stopping = true;
  if (proc.exited) return;
  proc.child.kill('SIGTERM');
  let timer;
  const grace = new Promise((resolve) => (timer = setTimeout(resolve, graceMs)));
  await Promise.race([proc.exitedPromise, grace]);
  clearTimeout(timer); // a pending timer would keep the caller (jest, for one) alive
  if (!proc.exited) {
    proc.child.kill('SIGKILL');
    await proc.exitedPromise;
  }
}

function execText(file, args, timeoutMs) {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ ok: !err, output: `${stdout}${stderr}` }),
    );
  });
}

async function waitForTemporal(proc, { temporalBin, address, uiPort, timeoutMs }) {
  const deadline = Date.now() + timeoutMs;
  const [, port] = address.split(':');
  await waitForPort(Number(port), { timeoutMs, check: () => failIfExited(proc) });
  // The frontend accepts connections before the namespace and search attributes are in place.
  const args = ['operator', 'search-attribute', 'list', '--address', address, '--namespace', 'default'];
  let last = '';
  for (;;) {
    failIfExited(proc);
    const { ok, output } = await execText(temporalBin, args, 10000);
    last = output;
    if (ok && Object.keys(SEARCH_ATTRIBUTES).every((name) => output.includes(name))) break;
    if (Date.now() > deadline) {
      throw new Error(
        `Temporal dev server at ${address} is not ready after ${timeoutMs} ms (last answer: ${last.trim()}). ` +
          `Log: ${proc.logFile}`,
      );
    }
    await sleep(500);
  }
  if (uiPort)
    await waitForPort(uiPort, { timeoutMs: Math.max(deadline - Date.now(), 5000), check: () => failIfExited(proc) });
}

async function waitForMongo(proc, { port, timeoutMs }) {
  const deadline = Date.now() + timeoutMs;
  await waitForPort(port, { timeoutMs, check: () => failIfExited(proc) });
  let MongoClient;
  try {
    ({ MongoClient } = require('mongodb'));
  } catch {
    return; // before `npm ci`: a TCP connect is all we can check
  }
  let lastError;
  for (;;) {
    failIfExited(proc);
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/`, { serverSelectionTimeoutMS: 2000 });
    try {
      await client.connect();
      const reply = await client.db('admin').command({ ping: 1 });
      if (reply.ok === 1) return;
    } catch (err) {
      lastError = err;
    } finally {
      await client.close().catch(() => {});
    }
    if (Date.now() > deadline) {
      throw new Error(`FerretDB on port ${port} does not answer ping (${lastError}). Log: ${proc.logFile}`);
    }
    await sleep(500);
  }
}

/**
 * Starts the Temporal dev server and FerretDB with their state under dataDir, and waits until both answer.
 *
 * Temporal keeps its state in `<dataDir>/temporal.db` and FerretDB in `<dataDir>/ferretdb/`, so orders
 * survive a restart. Output goes to `<dataDir>/logs/{temporal,ferretdb}.log`, never to the console.
 * `withTemporal` / `withMongo` (default true) let a caller start only the one it lacks. `detached` puts
 * the servers in their own process group, so a terminal's Ctrl-C reaches only the caller, which can then
 * stop things in order. `onExit(name, exit)` is called if a server exits without `stop()` being called.
 * `uiCodecEndpoint` points Temporal UI at a codec server (settleflow's API at /v1/codec), which decodes the
 * encrypted payloads for a signed-in operator (README, Operations).
 *
 * @returns {Promise<{temporalAddress?: string, mongoUri?: string, uiUrl?: string, logDir: string,
 *   processes: object[], stop: () => Promise<void>}>}
 */
async function startServices({
  dataDir,
  temporalPort = 7233,
  uiPort = 8233,
  mongoPort = 27017,
  log = () => {},
  quiet = false,
  temporalBin,
  ferretdbBin,
  withTemporal = true,
  withMongo = true,
  detached = false,
  onExit,
  uiCodecEndpoint,
  timeoutMs = 120000,
} = {}) {
  const say = quiet ? () => {} : log;
  dataDir = path.resolve(dataDir);
  const logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });

  if ((withTemporal && !temporalBin) || (withMongo && !ferretdbBin)) {
    const bins = await require('./provision').provision({ log: say });
    temporalBin = temporalBin || bins.temporalBin;
    ferretdbBin = ferretdbBin || bins.ferretdbBin;
  }
  if (withTemporal) {
    await assertPortFree(temporalPort, 'Temporal gRPC, TEMPORAL_PORT');
    await assertPortFree(uiPort, 'Temporal Web UI, TEMPORAL_UI_PORT');
  }
  if (withMongo) await assertPortFree(mongoPort, 'FerretDB / MongoDB, MONGODB_PORT');

  const processes = [];
  // If the caller dies without calling stop() (an uncaught error, process.exit), take the servers along.
  const killOnExit = () => processes.forEach((proc) => proc.exited || proc.child.kill('SIGKILL'));
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    // Reverse start order; each gets SIGTERM, then SIGKILL after the grace period.
    for (const proc of [...processes].reverse()) await stopProcess(proc);
  };
  const watch = (proc) => {
    processes.push(proc);
    void proc.exitedPromise.then((exit) => {
      if (!proc.stopping && onExit) onExit(proc.name, exit);
    });
  };

  const result = { logDir, processes, stop };
  try {
    const waits = [];
    if (withTemporal) {
      const address = `127.0.0.1:${temporalPort}`;
      const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(temporalPort)];
      args.push('--ui-port', String(uiPort), '--db-filename', path.join(dataDir, 'temporal.db'));
      args.push('--namespace', 'default', '--log-level', 'warn');
      if (uiCodecEndpoint) args.push('--ui-codec-endpoint', uiCodecEndpoint);
      // WAL with synchronous=NORMAL: safe against a crash of any process (only a power cut may lose the last
      // transactions), and about three times the throughput of SQLite's default rollback journal with a sync per
      // write (see bench/README.md).
      args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
      for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
      say(`starting Temporal dev server on ${address} (UI :${uiPort}, log ${path.join(logDir, 'temporal.log')})`);
      const proc = spawnServer('temporal', temporalBin, args, { logFile: path.join(logDir, 'temporal.log'), detached });
      watch(proc);
      waits.push(waitForTemporal(proc, { temporalBin, address, uiPort, timeoutMs }));
      Object.assign(result, { temporalAddress: address, uiUrl: `http://127.0.0.1:${uiPort}` });
    }
    if (withMongo) {
      const dbDir = path.join(dataDir, 'ferretdb');
      fs.mkdirSync(dbDir, { recursive: true });
      const args = [
        '--handler=sqlite',
        // FerretDB adds WAL and a busy timeout itself; synchronous=NORMAL as for Temporal above.
        `--sqlite-url=file:${dbDir}/?_pragma=synchronous(normal)`,
        `--listen-addr=127.0.0.1:${mongoPort}`,
        // FERRETDB_DEBUG_ADDR (e.g. 127.0.0.1:8089) serves Go's pprof for profiling it (bench/README.md); off by default.
        process.env.FERRETDB_DEBUG_ADDR ? `--debug-addr=${process.env.FERRETDB_DEBUG_ADDR}` : '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=warn',
        `--state-dir=${dbDir}`,
      ];
      say(`starting FerretDB on 127.0.0.1:${mongoPort} (log ${path.join(logDir, 'ferretdb.log')})`);
      // FerretDB allocates for every document it encodes; with Go's default GOGC=100 its garbage collector took about
      // a fifth of its CPU in the lifecycle benchmark (bench/README.md). Its heap stays small, so it collects less often.
      const env = { ...process.env, GOGC: process.env.FERRETDB_GOGC || String(FERRETDB_GOGC) };
      const proc = spawnServer('ferretdb', ferretdbBin, args, {
        logFile: path.join(logDir, 'ferretdb.log'),
        detached,
        env,
      });
      watch(proc);
      waits.push(waitForMongo(proc, { port: mongoPort, timeoutMs }));
      result.mongoUri = `mongodb://127.0.0.1:${mongoPort}/settleflow`;
    }
    const outcomes = await Promise.allSettled(waits);
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    await stop();
    throw err;
  }
  return result;
}

module.exports = { startServices, findFreePort, waitForPort, assertPortFree, stopProcess, SEARCH_ATTRIBUTES };
