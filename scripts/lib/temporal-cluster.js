// Runs a real Temporal server cluster on this machine for `npm run cluster` and the cluster test lane: a private
// PostgreSQL instance (initdb into DATA_DIR, its own port, run as an unprivileged user when we are root), the schema set
// up with Temporal's own SQL tool, the server's four services (frontend, history, matching, worker) as separate
// processes sharing several history shards, and a namespace with settleflow's search attributes registered.
// It never touches the system's PostgreSQL clusters (pg_ctlcluster) and never kills a process it did not start.
// Plain CommonJS with no dependencies.
'use strict';

const { spawn, spawnSync, execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { provision } = require('./provision');
const { provisionTemporalServer, TEMPORAL_SERVER_VERSION } = require('./temporal-server');
const { findFreePort, waitForPort, stopProcess, SEARCH_ATTRIBUTES } = require('./services');

/** The four services of a Temporal server, each started as a process of its own. */
const SERVICES = ['history', 'matching', 'frontend', 'worker'];
const DEFAULT_NAMESPACE = 'settleflow';
const DEFAULT_HISTORY_SHARDS = 4;
const DATABASE_USER = 'temporal';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function tailOf(file, lines = 20) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * A free port below 32768: Temporal's SQL schema stores membership ports as `smallint`, and the ports the OS hands out
 * for port 0 (its ephemeral range) are above it.
 */
function findFreeMembershipPort() {
  return findFreePort({ low: 20000, high: 32767 });
}

/** The directory holding PostgreSQL's server programs (initdb, postgres, pg_isready), or null. */
function findPostgresBinDir() {
  const candidates = [];
  if (process.env.PG_BIN_DIR) candidates.push(process.env.PG_BIN_DIR);
  const base = '/usr/lib/postgresql';
  if (fs.existsSync(base)) {
    const versions = fs
      .readdirSync(base)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) candidates.push(path.join(base, version, 'bin'));
  }
  return (
    candidates.find((dir) => ['initdb', 'postgres', 'pg_isready'].every((bin) => fs.existsSync(path.join(dir, bin)))) ||
    null
  );
}

/**
 * PostgreSQL's server programs, installed from Debian's packages (`apt-get install postgresql`) when missing and we
 * are root with apt-get; otherwise a clear error saying what to install.
 */
function ensurePostgres({ log }) {
  const found = findPostgresBinDir();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !fs.existsSync('/usr/bin/apt-get')) {
    throw new Error(
      'PostgreSQL server programs not found (looked in PG_BIN_DIR and /usr/lib/postgresql/*/bin): install ' +
        'PostgreSQL (Debian: apt-get install postgresql) or set PG_BIN_DIR to the directory holding initdb and postgres',
    );
  }
  log('PostgreSQL is not installed: apt-get install postgresql (Debian package)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'postgresql']]) {
    const result = spawnSync('apt-get', args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit code ${result.status})`);
  }
  const installed = findPostgresBinDir();
  if (!installed) throw new Error('apt-get installed postgresql, but initdb and postgres are still not found');
  return installed;
}

/**
 * The user PostgreSQL runs as: PostgreSQL refuses to run as root, so as root we run it as the `postgres` user (made by
 * Debian's package) or `nobody`; otherwise as ourselves. Returns `{ uid, gid, name }`, or null for "as ourselves".
 */
function postgresUser() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const passwd = fs.readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of [process.env.SETTLEFLOW_PG_USER, 'postgres', 'nobody'].filter(Boolean)) {
    const line = passwd.find((entry) => entry.startsWith(`${name}:`));
    if (!line) continue;
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid), name };
  }
  throw new Error('running as root, and neither a `postgres` nor a `nobody` user exists to run PostgreSQL as');
}

/** Fails clearly when the PostgreSQL user cannot reach `dir` (every ancestor must be searchable by others). */
function assertReachable(dir, user) {
  if (!user) return;
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    const { mode, uid } = fs.statSync(current);
    if (uid !== user.uid && (mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the user ${user.name}, which cannot enter ${current} (mode ${(mode & 0o777).toString(8)}): ` +
          'choose a DATA_DIR outside it',
      );
    }
    if (current === path.dirname(current)) return;
  }
}

function chownTree(dir, user) {
  if (!user) return;
  fs.chownSync(dir, user.uid, user.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(full, user);
    else fs.chownSync(full, user.uid, user.gid);
  }
}

function runChecked(file, args, { user, env, what, timeoutMs = 120000 }) {
  const result = spawnSync(file, args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: env || process.env,
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  if (result.status !== 0) {
    const output = `${result.stdout || ''}${result.stderr || ''}${result.error ? result.error.message : ''}`.trim();
    throw new Error(`${what} failed (exit code ${result.status}):\n${output}`);
  }
  return `${result.stdout}${result.stderr}`;
}

/** Spawns a server with its output appended to a log file, tracking its exit like services.js does. */
function spawnLogged(name, file, args, { logFile, detached, user, cwd }) {
  const out = fs.openSync(logFile, 'a');
  fs.writeSync(out, `\n--- ${new Date().toISOString()} ${file} ${args.join(' ')}\n`);
  const child = spawn(file, args, {
    stdio: ['ignore', out, out],
    detached,
    cwd,
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  fs.closeSync(out);
  const proc = { name, child, logFile, exited: null, stopping: false };
  proc.exitedPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve((proc.exited = { code, signal })));
    child.once('error', (err) => resolve((proc.exited = { code: null, signal: null, error: err })));
  });
  return proc;
}

function failIfExited(proc) {
  if (!proc.exited) return;
  const { code, signal, error } = proc.exited;
  const how = error ? error.message : signal ? `signal ${signal}` : `code ${code}`;
  throw new Error(`${proc.name} exited during start-up (${how}). Log: ${proc.logFile}\n${tailOf(proc.logFile)}`);
}

/**
 * Initialises (first time only) and starts a private PostgreSQL instance in `<dataDir>/postgres` on 127.0.0.1:port,
 * with trust authentication on loopback for the `temporal` user. Resolves once it accepts connections.
 */
async function startPostgres({ dataDir, port, log, detached, logDir }) {
  const binDir = ensurePostgres({ log });
  const user = postgresUser();
  const pgData = path.join(dataDir, 'postgres');
  assertReachable(pgData, user);
  if (!fs.existsSync(path.join(pgData, 'PG_VERSION'))) {
    fs.rmSync(pgData, { recursive: true, force: true });
    fs.mkdirSync(pgData, { mode: 0o700 });
    chownTree(pgData, user);
    log(`initialising PostgreSQL in ${pgData}${user ? ` (as the user ${user.name})` : ''}`);
    runChecked(
      path.join(binDir, 'initdb'),
      ['-D', pgData, '-U', DATABASE_USER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
      { user, what: 'initdb' },
    );
  }
  fs.rmSync(path.join(pgData, 'postmaster.pid'), { force: true, recursive: false });
  const logFile = path.join(logDir, 'postgres.log');
  const args = ['-D', pgData, '-p', String(port), '-h', '127.0.0.1', '-k', pgData];
  // Enough connections for four Temporal services, each with its pools for the default and visibility stores.
  args.push('-c', 'max_connections=200');
  log(`starting PostgreSQL on 127.0.0.1:${port} (log ${logFile})`);
  const proc = spawnLogged('postgres', path.join(binDir, 'postgres'), args, { logFile, detached, user, cwd: '/' });
  const deadline = Date.now() + 60000;
  for (;;) {
    failIfExited(proc);
    const ready = spawnSync(path.join(binDir, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'temporal']);
    if (ready.status === 0) break;
    if (Date.now() > deadline) throw new Error(`PostgreSQL on port ${port} is not ready after 60 s. Log: ${logFile}`);
    await sleep(250);
  }
  return proc;
}

/**
 * Creates the `temporal` and `temporal_visibility` databases and brings their schemas to the server's version with
 * Temporal's own SQL tool (its schemas are embedded in it). Safe to run again: existing databases are kept and
 * `update-schema` applies only what is missing.
 */
function setupSchemas({ sqlToolBin, port, marker, log }) {
  const base = ['--plugin', 'postgres12', '--ep', '127.0.0.1', '--port', String(port), '--user', DATABASE_USER];
  for (const [database, schema] of [
    ['temporal', 'postgresql/v12/temporal'],
    ['temporal_visibility', 'postgresql/v12/visibility'],
  ]) {
    const sql = (...args) =>
      runChecked(sqlToolBin, [...base, '--db', database, ...args], {
        what: `temporal-sql-tool ${args[0]} (${database})`,
      });
    if (!fs.existsSync(`${marker}.${database}`)) {
      log(`creating the ${database} database and its schema with temporal-sql-tool`);
      sql('create-database');
      sql('setup-schema', '-v', '0.0');
      fs.writeFileSync(`${marker}.${database}`, `${new Date().toISOString()}\n`);
    }
    sql('update-schema', '--schema-name', schema);
  }
}

/** The server's static configuration (a YAML document; JSON is YAML, so no YAML library is needed). */
function serverConfig({ ports, postgresPort, historyShards }) {
  const store = (database, maxConns) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `127.0.0.1:${postgresPort}`,
      connectProtocol: 'tcp',
      user: DATABASE_USER,
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (name) => ({
    rpc: {
      grpcPort: ports[name].grpc,
      membershipPort: ports[name].membership,
      bindOnIP: '127.0.0.1',
      ...(name === 'frontend' ? { httpPort: ports.frontend.http } : {}),
    },
  });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: historyShards,
      datastores: { 'postgres-default': store('temporal', 20), 'postgres-visibility': store('temporal_visibility', 5) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: Object.fromEntries(SERVICES.map((name) => [name, service(name)])),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend.grpc}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: 'dynamicconfig.yaml', pollInterval: '10s' },
  };
}

/** Dynamic configuration: what settleflow uses (Updates, long ids) on, as Temporal's development configuration has it. */
function dynamicConfig() {
  const on = [{ value: true }];
  return {
    'limit.maxIDLength': [{ value: 255 }],
    'frontend.enableUpdateWorkflowExecution': on,
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted': on,
    'frontend.enableExecuteMultiOperation': on,
  };
}

function execText(file, args, timeoutMs) {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ ok: !err, output: `${stdout}${stderr}` }),
    );
  });
}

/**
 * Registers `namespace` and settleflow's search attributes with the Temporal CLI, retrying while the freshly started
 * cluster is still joining; resolves once the frontend lists every attribute for the namespace.
 */
async function registerNamespace({ temporalBin, address, namespace, searchAttributes, processes, timeoutMs }) {
  const deadline = Date.now() + timeoutMs;
  const check = () => processes.forEach(failIfExited);
  const attempt = async (args, okIf) => {
    let last = '';
    for (;;) {
      check();
      const { ok, output } = await execText(temporalBin, [...args, '--address', address], 15000);
      last = output;
      if (ok || okIf(output)) return output;
      if (Date.now() > deadline) throw new Error(`temporal ${args.join(' ')} kept failing: ${last.trim()}`);
      await sleep(1000);
    }
  };
  await attempt(['operator', 'namespace', 'create', '--namespace', namespace, '--retention', '72h'], (output) =>
    /already exists|AlreadyExists/i.test(output),
  );
  for (;;) {
    const listed = await attempt(['operator', 'search-attribute', 'list', '--namespace', namespace], () => false);
    const missing = Object.entries(searchAttributes).filter(([name]) => !new RegExp(`\\b${name}\\b`).test(listed));
    if (missing.length === 0) return;
    const args = ['operator', 'search-attribute', 'create', '--namespace', namespace];
    for (const [name, type] of missing) args.push('--name', name, '--type', type);
    await attempt(args, (output) => /already exists|AlreadyExists/i.test(output));
  }
}

/**
 * Starts the whole Temporal cluster under `dataDir` and resolves once the namespace is ready:
 * `{ temporalAddress, namespace, postgresPort, processes, stop }`. `ports.frontend` fixes the client port (7233 for
 * `npm run cluster`); everything else gets free ports. `onExit(name, exit)` is called if a process exits unasked.
 */
async function startTemporalCluster({
  dataDir,
  frontendPort,
  postgresPort,
  namespace = DEFAULT_NAMESPACE,
  historyShards = DEFAULT_HISTORY_SHARDS,
  searchAttributes = SEARCH_ATTRIBUTES,
  log = () => {},
  detached = false,
  onExit,
  timeoutMs = 180000,
}) {
  dataDir = path.resolve(dataDir);
  const logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const { serverBin, sqlToolBin } = await provisionTemporalServer({ log });
  const { temporalBin } = await provision({ log });

  const processes = [];
  const killOnExit = () => processes.forEach((proc) => proc.exited || proc.child.kill('SIGKILL'));
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    for (const proc of [...processes].reverse()) await stopProcess(proc, 15000);
  };
  const watch = (proc) => {
    processes.push(proc);
    void proc.exitedPromise.then((exit) => {
      if (!proc.stopping && onExit) onExit(proc.name, exit);
    });
  };
  try {
    const pgPort = postgresPort || (await findFreePort());
    watch(await startPostgres({ dataDir, port: pgPort, log, detached, logDir }));
    setupSchemas({
      sqlToolBin,
      port: pgPort,
      marker: path.join(dataDir, `temporal-schema-${TEMPORAL_SERVER_VERSION}`),
      log,
    });

    // The shard count is fixed when a cluster's database is first used: keep the one it was created with.
    const shardsFile = path.join(dataDir, 'temporal-history-shards');
    if (fs.existsSync(shardsFile)) historyShards = Number(fs.readFileSync(shardsFile, 'utf8').trim());
    else fs.writeFileSync(shardsFile, `${historyShards}\n`);

    const ports = {};
    for (const name of SERVICES)
      ports[name] = { grpc: await findFreePort(), membership: await findFreeMembershipPort() };
    if (frontendPort) ports.frontend.grpc = frontendPort;
    ports.frontend.http = await findFreePort();
    const configDir = path.join(dataDir, 'temporal-config');
    fs.mkdirSync(configDir, { recursive: true });
    fs.writeFileSync(
      path.join(configDir, 'cluster.yaml'),
      `${JSON.stringify(serverConfig({ ports, postgresPort: pgPort, historyShards }), null, 2)}\n`,
    );
    fs.writeFileSync(path.join(configDir, 'dynamicconfig.yaml'), `${JSON.stringify(dynamicConfig(), null, 2)}\n`);

    const address = `127.0.0.1:${ports.frontend.grpc}`;
    log(
      `starting Temporal server v${TEMPORAL_SERVER_VERSION} on ${address}: ${SERVICES.join(', ')} as separate processes, ${historyShards} history shards`,
    );
    const startService = (name) => {
      const args = ['--root', configDir, '--config', '.', '--env', 'cluster', '--allow-no-auth', 'start'];
      args.push('--service', name);
      const logFile = path.join(logDir, `temporal-${name}.log`);
      watch(spawnLogged(`temporal-${name}`, serverBin, args, { logFile, detached, cwd: configDir }));
    };
    // History first: the first service to start writes the cluster's metadata record, and several at once race for it.
    startService('history');
    await waitForPort(ports.history.grpc, { timeoutMs, check: () => processes.forEach(failIfExited) });
    for (const name of SERVICES.filter((service) => service !== 'history')) startService(name);
    await waitForPort(ports.frontend.grpc, { timeoutMs, check: () => processes.forEach(failIfExited) });
    log(`registering the namespace ${namespace} and its search attributes`);
    await registerNamespace({ temporalBin, address, namespace, searchAttributes, processes, timeoutMs });
    return {
      temporalAddress: address,
      namespace,
      postgresPort: pgPort,
      historyShards,
      processes,
      logDir,
      temporalBin,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

module.exports = {
  startTemporalCluster,
  startPostgres,
  registerNamespace,
  findPostgresBinDir,
  ensurePostgres,
  DEFAULT_NAMESPACE,
  DEFAULT_HISTORY_SHARDS,
  TEMPORAL_SERVER_VERSION,
};

if (require.main === module) {
  const dataDir = process.argv[2] || fs.mkdtempSync(path.join(os.tmpdir(), 'settleflow-cluster-'));
  const started = Date.now();
  startTemporalCluster({ dataDir, log: (line) => console.error(`cluster: ${line}`) }).then(
    async (cluster) => {
      console.error(`cluster: ready at ${cluster.temporalAddress} in ${Math.round((Date.now() - started) / 1000)} s`);
      if (process.argv.includes('--stop')) await cluster.stop();
    },
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
