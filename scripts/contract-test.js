#!/usr/bin/env node
// `npm run test:contract`: the API against its own OpenAPI document. Starts a stack of its own (Temporal dev server
// and FerretDB on free ports, the worker and the API as child processes, a temporary data directory), seeds one
// party of each role, installs schemathesis (pinned) from PyPI into a virtual environment of its own, and runs it
// against /openapi.json once per role's API key, stateful phase included, within a time budget. Prints a summary
// and exits non-zero on any server error or failed check. Never touches the developer's .data directory or ports.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { provision } = require('./lib/provision');
const { startServices, findFreePort, stopProcess } = require('./lib/services');
const { bankDatabaseUri, bankHostEnv, startBankHost } = require('./lib/bank-host');

const root = path.resolve(__dirname, '..');
/** The schemathesis release this project is checked with; a venv holding another one is upgraded in place. */
const SCHEMATHESIS_VERSION = '4.32.5';
const VENV_DIR = process.env.SCHEMATHESIS_VENV || path.join(os.homedir(), '.cache', 'settleflow', 'schemathesis-venv');
const ROLES = ['seller', 'customer', 'supplier', 'carrier', 'operator'];
/** Seconds of schemathesis per role (its phases repeat until the budget is spent), and examples per operation. */
const MAX_TIME_S = positiveInt('CONTRACT_MAX_TIME', 40);
const MAX_EXAMPLES = positiveInt('CONTRACT_MAX_EXAMPLES', 25);
const CONFIG_FILE = path.join(root, 'test', 'contract', 'schemathesis.toml');
const HOOKS_FILE = path.join(root, 'test', 'contract', 'hooks.py');

const say = (line) => console.log(`contract: ${line}`);

function positiveInt(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new Error(`${name}=${value} is not a positive integer`);
  return number;
}

function run(file, args, options = {}) {
  return spawnSync(file, args, { encoding: 'utf8', ...options });
}

/**
 * The `st` executable of the project's schemathesis venv, created (python3 -m venv) and filled (pip, pinned version)
 * when missing. python3-venv is installed with apt-get when the venv module is missing and we are root.
 */
function ensureSchemathesis() {
  const st = path.join(VENV_DIR, 'bin', 'st');
  const version = fs.existsSync(st) ? run(st, ['--version']) : undefined;
  if (version && version.status === 0 && version.stdout.includes(SCHEMATHESIS_VERSION)) return st;
  if (!fs.existsSync(path.join(VENV_DIR, 'bin', 'pip'))) {
    say(`creating a Python virtual environment in ${VENV_DIR}`);
    fs.mkdirSync(path.dirname(VENV_DIR), { recursive: true });
    let created = run('python3', ['-m', 'venv', VENV_DIR]);
    if (created.error) throw new Error('python3 is not installed: install it (e.g. apt-get install -y python3-venv)');
    if (created.status !== 0) {
      fs.rmSync(VENV_DIR, { recursive: true, force: true });
      installPythonVenv(created.stderr || created.stdout);
      created = run('python3', ['-m', 'venv', VENV_DIR]);
      if (created.status !== 0) throw new Error(`python3 -m venv failed:\n${created.stderr}`);
    }
  }
  say(`installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI into ${VENV_DIR}`);
  const pip = run(
    path.join(VENV_DIR, 'bin', 'pip'),
    ['install', '--disable-pip-version-check', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`],
    { stdio: 'inherit' },
  );
  if (pip.status !== 0) throw new Error(`pip install schemathesis==${SCHEMATHESIS_VERSION} failed`);
  return st;
}

/** Debian's python3 lacks `venv` without python3-venv: installed by name when root, else the error says how. */
function installPythonVenv(reason) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = run('sh', ['-c', 'command -v apt-get']).status === 0;
  if (!isRoot || !hasApt) {
    throw new Error(
      `python3 -m venv failed (${reason.trim().split('\n').pop()}). Install the venv module ` +
        '(Debian/Ubuntu: sudo apt-get install -y python3-venv) and run again.',
    );
  }
  say('python3 cannot create virtual environments: apt-get install -y python3-venv');
  let install = run('apt-get', ['install', '-y', 'python3-venv'], { stdio: 'inherit' });
  if (install.status !== 0) {
    run('apt-get', ['update'], { stdio: 'inherit' });
    install = run('apt-get', ['install', '-y', 'python3-venv'], { stdio: 'inherit' });
  }
  if (install.status !== 0) throw new Error('apt-get install -y python3-venv failed');
}

/** Spawns `node scripts/run-ts.js <entry>` with its output in a log file. */
function spawnTs(name, entry, env, logDir) {
  const logFile = path.join(logDir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'run-ts.js'), entry], {
    cwd: root,
    env,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const proc = { name, child, logFile, exited: null };
  proc.exitedPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      proc.exited = { code, signal };
      resolve(proc.exited);
    });
    child.once('error', (error) => {
      proc.exited = { code: null, signal: null, error };
      resolve(proc.exited);
    });
  });
  return proc;
}

function tailOf(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitForHealth(url, api, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (api.exited) throw new Error(`the API exited during start-up. Log: ${api.logFile}\n${tailOf(api.logFile)}`);
    try {
      const response = await fetch(url, { signal: globalThis.AbortSignal.timeout(2000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Runs schemathesis with one role's key; resolves with its exit code and the figures of its JSON report. */
function runSchemathesis(st, { role, apiKey, apiUrl, reportDir }) {
  const jsonReport = path.join(reportDir, `${role}.json`);
  const junitReport = path.join(reportDir, `${role}.junit.xml`);
  const args = [
    '--config-file',
    CONFIG_FILE,
    'run',
    `${apiUrl}/openapi.json`,
    '--header',
    `Authorization: Bearer ${apiKey}`,
    '--max-examples',
    String(MAX_EXAMPLES),
    '--max-time',
    String(MAX_TIME_S),
    '--phases',
    'examples,coverage,fuzzing,stateful',
    '--report',
    'json,junit',
    '--report-json-path',
    jsonReport,
    '--report-junit-path',
    junitReport,
    '--no-color',
  ];
  say(`schemathesis as the ${role} (${MAX_TIME_S} s, ${MAX_EXAMPLES} examples per operation)`);
  // schemathesis's own report goes to a log file, printed only when the run failed: its closing line
  // (`=== 3 warnings in 40.00s ===`) has the shape of pytest's, and CI reads such a line as a test run that
  // executed no test. The summary table below carries the figures of every run.
  const logFile = path.join(reportDir, `${role}.log`);
  const log = fs.openSync(logFile, 'w');
  return new Promise((resolve) => {
    const child = spawn(st, args, {
      cwd: reportDir,
      env: { ...process.env, SCHEMATHESIS_HOOKS: HOOKS_FILE, PYTHONPATH: path.dirname(HOOKS_FILE) },
      stdio: ['ignore', log, log],
    });
    let finished = false;
    const finish = (code, error) => {
      if (finished) return;
      finished = true;
      fs.closeSync(log);
      if (code !== 0) process.stdout.write(fs.readFileSync(logFile, 'utf8'));
      else say(`schemathesis as the ${role}: passed (its report: ${logFile})`);
      resolve({ role, code, error, figures: figuresOf(jsonReport) });
    };
    child.once('exit', (code) => finish(code ?? 1));
    child.once('error', (error) => finish(1, error));
  });
}

/** schemathesis's JSON report of one run, if it wrote one. */
function figuresOf(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** One line of the summary: operations tested, test cases generated, failures and errors found. */
function summaryRow(result) {
  const report = result.figures;
  const total = (entries) => (entries ?? []).reduce((sum, entry) => sum + (entry.count ?? 1), 0);
  return {
    role: result.role,
    outcome: result.code === 0 ? 'passed' : 'FAILED',
    operations: report?.operations?.tested ?? '?',
    'test cases': report?.test_cases?.generated ?? '?',
    failures: report ? total(report.failures) : '?',
    errors: report ? total(report.errors) : '?',
    seconds: report ? Math.round(report.running_time) : '?',
  };
}

/** The unique failures of every run, by check, for the summary. */
function failuresByCheck(results) {
  const lines = [];
  for (const result of results) {
    for (const failure of result.figures?.failures ?? []) {
      lines.push(
        `  ${result.role}: ${failure.code} ${failure.title} (${failure.count}): ${failure.operations.join(', ')}`,
      );
    }
  }
  return lines;
}

async function main() {
  const st = ensureSchemathesis();
  const { temporalBin, ferretdbBin } = await provision({ log: say });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settleflow-contract-'));
  const logDir = path.join(dataDir, 'logs');
  const reportDir = path.join(root, 'schemathesis-report');
  fs.mkdirSync(logDir, { recursive: true });
  fs.rmSync(reportDir, { recursive: true, force: true });
  fs.mkdirSync(reportDir, { recursive: true });
  const cleanups = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  try {
    const [temporalPort, uiPort, mongoPort, apiPort] = [
      await findFreePort(),
      await findFreePort(),
      await findFreePort(),
      await findFreePort(),
    ];
    say(`starting Temporal and FerretDB (data and logs in ${dataDir})`);
    const services = await startServices({ dataDir, temporalPort, uiPort, mongoPort, temporalBin, ferretdbBin });
    cleanups.push(services.stop);
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: services.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'settleflow-contract',
      MONGODB_URI: services.mongoUri,
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      DATA_DIR: dataDir,
      SETTLEFLOW_VAULT_KEY: crypto.randomBytes(32).toString('base64'),
      SETTLEFLOW_KEK: crypto.randomBytes(32).toString('base64'),
      WEBHOOK_ALLOW_PRIVATE: 'true',
      // The fuzzer sends thousands of requests a minute with one key: rate limits would only hide the API.
      API_RATE_PER_MINUTE: '1000000',
      PAYMENT_RATE_PER_MINUTE: '1000000',
    };
    delete env.SETTLEFLOW_VAULT_KEY_FILE;
    delete env.SETTLEFLOW_KEK_FILE;
    // Payments (cards, e-checks, wallet top-ups) go through the gateway worker to the bank host, as with npm start.
    say('starting the bank host');
    const bankPorts = { iso8583: await findFreePort(), iso20022: await findFreePort(), control: await findFreePort() };
    const iso20022Token = crypto.randomBytes(24).toString('hex');
    const bank = await startBankHost({
      env: bankHostEnv({
        mongoUri: bankDatabaseUri(services.mongoUri, 'settleflow_contract_bank'),
        ports: bankPorts,
        adminToken: crypto.randomBytes(24).toString('hex'),
        iso20022Token,
        secret: crypto.randomBytes(32).toString('base64'),
        clearingPeriodMs: 1000,
      }),
      logFile: path.join(logDir, 'bank-host.log'),
    });
    cleanups.push(bank.stop);
    Object.assign(env, {
      GATEWAY_TASK_QUEUE: 'settleflow-contract-gateway',
      GATEWAY_METRICS_PORT: '0',
      WORKER_METRICS_PORT: '0',
      TEMPORAL_METRICS_PORT: '0',
      BANK_HOST_ADDRESS: `127.0.0.1:${bankPorts.iso8583}`,
      BANK_HOST_ISO20022_URL: `http://127.0.0.1:${bankPorts.iso20022}`,
      BANK_HOST_ISO20022_TOKEN: iso20022Token,
      ECHECK_CLEARING_MS: '1000',
    });
    say('starting the worker, the gateway worker and the API');
    for (const [name, entry] of [
      ['worker', 'src/worker/main.ts'],
      ['gateway', 'src/gateway/worker/main.ts'],
      ['api', 'src/api/main.ts'],
    ]) {
      const proc = spawnTs(name, entry, env, logDir);
      cleanups.push(() => stopProcess(proc));
      if (name === 'api') await waitForHealth(`http://127.0.0.1:${apiPort}/health`, proc, 120_000);
    }
    say('seeding one party of each role');
    const seeder = spawnTs('seed', 'scripts/seed-demo-parties.ts', env, logDir);
    const seeded = await seeder.exitedPromise;
    if (seeded.code !== 0) throw new Error(`seeding failed. Log: ${seeder.logFile}\n${tailOf(seeder.logFile)}`);
    const parties = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-parties.json'), 'utf8'));
    // The hooks read which parties exist, so generated orders name real ones (see test/contract/hooks.py).
    process.env.SETTLEFLOW_CONTRACT_PARTIES = JSON.stringify(parties.map(({ id, role }) => ({ id, role })));

    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const results = [];
    for (const role of ROLES) {
      const party = parties.find((candidate) => candidate.role === role);
      if (!party) throw new Error(`no seeded ${role}`);
      results.push(await runSchemathesis(st, { role, apiKey: party.apiKey, apiUrl, reportDir }));
    }

    console.log('\ncontract test summary (schemathesis %s against %s/openapi.json)', SCHEMATHESIS_VERSION, apiUrl);
    console.table(results.map(summaryRow));
    const failures = failuresByCheck(results);
    if (failures.length > 0) console.log(`failures found:\n${failures.join('\n')}`);
    console.log(`reports: ${reportDir}`);
    const failed = results.filter((result) => result.code !== 0);
    // One plain closing line in the form CI reads: one run of schemathesis per role is one test.
    console.log(`contract: ${results.length - failed.length} passed, ${failed.length} failed`);
    if (process.env.SETTLEFLOW_CI_SUMMARY) {
      fs.appendFileSync(
        process.env.SETTLEFLOW_CI_SUMMARY,
        `contract ${results.length - failed.length} ${failed.length}\n`,
      );
    }
    if (failed.length > 0) {
      console.error(`contract: FAILED for ${failed.map((result) => result.role).join(', ')} (server logs: ${logDir})`);
      process.exitCode = 1;
    } else {
      say('no server error, no failed check');
    }
  } finally {
    await cleanUp();
    if (process.exitCode !== 1) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`contract: ${error.message}`);
  process.exitCode = 1;
});
