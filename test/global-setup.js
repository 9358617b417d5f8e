// Jest global setup: starts one Temporal dev server, one FerretDB and the bank host for the whole run (or uses the ones
// named by TEMPORAL_ADDRESS and MONGODB_URI), bundles the workflow code once, and hands everything to the
// test workers through environment variables. It never touches the developer's .data directory.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { provision } = require('../scripts/lib/provision');
const { startServices, findFreePort } = require('../scripts/lib/services');
const { bankDatabaseUri, bankHostEnv, startBankHost } = require('../scripts/lib/bank-host');

/** The failure converter every workflow bundle needs (src/temporal/codec.ts WORKFLOW_BUNDLE_CONVERTERS). */
const FAILURE_CONVERTER_PATH = path.join(__dirname, '..', 'src', 'temporal', 'failure-converter.ts');

/** Where the test environment is also written, for tools and people debugging a run. */
const ENV_FILE = path.join(os.tmpdir(), 'settleflow-jest-env.json');

/** The same server, but the `settleflow_test` database, so tests never write into development data. */
function withTestDatabase(mongoUri) {
  const url = new URL(mongoUri);
  url.pathname = '/settleflow_test';
  return url.toString();
}

async function bundleWorkflows(dataDir) {
  const workflowsPath = path.join(__dirname, '..', 'src', 'workflows', 'index.ts');
  if (!fs.existsSync(workflowsPath)) {
    console.warn(`\nglobal-setup: ${workflowsPath} does not exist yet; not bundling workflow code.`);
    return undefined;
  }
  const { bundleWorkflowCode } = require('@temporalio/worker');
  // The workflow interceptors (request id, tracing) must be in a prebuilt bundle: WORKFLOW_INTERCEPTOR_MODULES.
  const interceptors = path.join(__dirname, '..', 'src', 'observability', 'workflow-interceptors.ts');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve(workflowsPath),
    workflowInterceptorModules: [interceptors],
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: quietLogger(),
  });
  const bundlePath = path.join(dataDir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, code);
  return bundlePath;
}

/** Bundles the gateway worker's workflows (the payment child workflows) once per run, for the harness's gateway worker. */
async function bundleGatewayWorkflows(dataDir) {
  const workflowsPath = path.join(__dirname, '..', 'src', 'gateway', 'workflows', 'index.ts');
  if (!fs.existsSync(workflowsPath)) return undefined;
  const { bundleWorkflowCode } = require('@temporalio/worker');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve(workflowsPath),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: quietLogger(),
  });
  const bundlePath = path.join(dataDir, 'gateway-workflow-bundle.js');
  fs.writeFileSync(bundlePath, code);
  return bundlePath;
}

/** The bundler logs every step at info level; keep warnings and errors only. */
function quietLogger() {
  const { DefaultLogger } = require('@temporalio/worker');
  return new DefaultLogger('WARN');
}

/**
 * Starts the bank host for the run: its own database (`settleflow_bank_test`) on the same server, free ports, a fresh
 * admin token, ISO 20022 channel token and hashing key, a clearing period of one second. Returns what test workers need to reach it.
 */
async function startTestBankHost(dataDir, mongoUri) {
  const ports = { iso8583: await findFreePort(), iso20022: await findFreePort(), control: await findFreePort() };
  const adminToken = crypto.randomBytes(24).toString('hex');
  const iso20022Token = crypto.randomBytes(24).toString('hex');
  const bankHost = await startBankHost({
    env: bankHostEnv({
      mongoUri: bankDatabaseUri(mongoUri, 'settleflow_bank_test'),
      ports,
      adminToken,
      iso20022Token,
      secret: crypto.randomBytes(32).toString('base64'),
      clearingPeriodMs: 1000,
    }),
    logFile: path.join(dataDir, 'bank-host.log'),
  });
  globalThis.__SETTLEFLOW_BANK_HOST__ = bankHost;
  return {
    BANK_HOST_ADDRESS: `127.0.0.1:${ports.iso8583}`,
    BANK_HOST_ISO20022_URL: `http://127.0.0.1:${ports.iso20022}`,
    BANK_HOST_CONTROL_URL: `http://127.0.0.1:${ports.control}`,
    BANK_HOST_ADMIN_TOKEN: adminToken,
    BANK_HOST_ISO20022_TOKEN: iso20022Token,
    BANK_HOST_LOG_FILE: path.join(dataDir, 'bank-host.log'),
  };
}

module.exports = async function globalSetup() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settleflow-test-'));
  const env = {
    DATA_DIR: dataDir,
    SETTLEFLOW_VAULT_KEY: crypto.randomBytes(32).toString('base64'),
    SETTLEFLOW_KEK: crypto.randomBytes(32).toString('base64'),
  };

  if (process.env.TEMPORAL_ADDRESS && process.env.MONGODB_URI) {
    env.TEMPORAL_ADDRESS = process.env.TEMPORAL_ADDRESS;
    env.MONGODB_URI = withTestDatabase(process.env.MONGODB_URI);
  } else {
    const { temporalBin, ferretdbBin } = await provision({ log: (line) => console.error(line) });
    const [temporalPort, uiPort, mongoPort] = [await findFreePort(), await findFreePort(), await findFreePort()];
    const services = await startServices({ dataDir, temporalPort, uiPort, mongoPort, temporalBin, ferretdbBin });
    globalThis.__SETTLEFLOW_SERVICES__ = services;
    env.TEMPORAL_ADDRESS = services.temporalAddress;
    env.MONGODB_URI = withTestDatabase(services.mongoUri);
    env.TEMPORAL_UI_URL = services.uiUrl;
    env.TEMPORAL_BIN = temporalBin;
  }

  Object.assign(env, await startTestBankHost(dataDir, env.MONGODB_URI));

  const bundlePath = await bundleWorkflows(dataDir);
  if (bundlePath) env.SETTLEFLOW_WORKFLOW_BUNDLE = bundlePath;
  const gatewayBundlePath = await bundleGatewayWorkflows(dataDir);
  if (gatewayBundlePath) env.SETTLEFLOW_GATEWAY_WORKFLOW_BUNDLE = gatewayBundlePath;

  // Worker processes the tests spawn serve no metrics unless a test asks (fixed default ports would collide when two
  // test files run workers at once, or beside a running `npm start`).
  env.WORKER_METRICS_PORT = process.env.WORKER_METRICS_PORT ?? '0';
  env.TEMPORAL_METRICS_PORT = process.env.TEMPORAL_METRICS_PORT ?? '0';
  env.GATEWAY_METRICS_PORT = process.env.GATEWAY_METRICS_PORT ?? '0';
  Object.assign(process.env, env); // inherited by the jest worker processes, forked after this
  globalThis.__SETTLEFLOW_TEST_DATA_DIR__ = dataDir;
  fs.writeFileSync(ENV_FILE, `${JSON.stringify(env, null, 2)}\n`);
};

module.exports.ENV_FILE = ENV_FILE;
