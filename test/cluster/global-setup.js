// Global setup of the cluster lane: a real Temporal server cluster (private PostgreSQL, schema from Temporal's SQL tool,
// four services as processes, several history shards, the `settleflow` namespace with its search attributes), FerretDB
// and the bank host, all on free ports under one temporary directory; the workflow code bundled once. The tests run
// settleflow's own entry points (workers, gateway worker, APIs) as processes against it.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startTemporalCluster } = require('../../scripts/lib/temporal-cluster');
const { provision } = require('../../scripts/lib/provision');
const { startServices, findFreePort } = require('../../scripts/lib/services');
const { bankDatabaseUri, bankHostEnv, startBankHost } = require('../../scripts/lib/bank-host');

const ENV_FILE = path.join(os.tmpdir(), 'settleflow-cluster-jest-env.json');

async function bundle(workflowsPath, file, interceptorModules) {
  const { bundleWorkflowCode, DefaultLogger } = require('@temporalio/worker');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve(workflowsPath),
    workflowInterceptorModules: interceptorModules,
    // Failure messages encoded (so encrypted by the payload codec): the workers refuse a bundle without it.
    failureConverterPath: path.join(__dirname, '..', '..', 'src', 'temporal', 'failure-converter.ts'),
    logger: new DefaultLogger('WARN'),
  });
  fs.writeFileSync(file, code);
  return file;
}

module.exports = async function globalSetup() {
  const started = Date.now();
  const log = (line) => console.error(`cluster lane: ${line}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settleflow-cluster-test-'));
  fs.chmodSync(dataDir, 0o755); // PostgreSQL runs as an unprivileged user and must reach its data directory
  globalThis.__SETTLEFLOW_CLUSTER_DATA_DIR__ = dataDir;
  log(`data and logs in ${dataDir}`);

  const cluster = await startTemporalCluster({ dataDir, log });
  globalThis.__SETTLEFLOW_CLUSTER__ = cluster;
  const { ferretdbBin, temporalBin } = await provision({ log });
  const services = await startServices({
    dataDir,
    mongoPort: await findFreePort(),
    ferretdbBin,
    withTemporal: false,
    withMongo: true,
  });
  globalThis.__SETTLEFLOW_CLUSTER_SERVICES__ = services;
  const ports = { iso8583: await findFreePort(), iso20022: await findFreePort(), control: await findFreePort() };
  const adminToken = crypto.randomBytes(24).toString('hex');
  const iso20022Token = crypto.randomBytes(24).toString('hex');
  globalThis.__SETTLEFLOW_CLUSTER_BANK__ = await startBankHost({
    env: bankHostEnv({
      mongoUri: bankDatabaseUri(services.mongoUri, 'settleflow_bank_cluster'),
      ports,
      adminToken,
      iso20022Token,
      secret: crypto.randomBytes(32).toString('base64'),
      clearingPeriodMs: 1000,
    }),
    logFile: path.join(dataDir, 'logs', 'bank-host.log'),
  });

  const src = path.join(__dirname, '..', '..', 'src');
  const env = {
    DATA_DIR: dataDir,
    CLUSTER_LOG_DIR: path.join(dataDir, 'logs'),
    SETTLEFLOW_VAULT_KEY: crypto.randomBytes(32).toString('base64'),
    SETTLEFLOW_KEK: crypto.randomBytes(32).toString('base64'),
    TEMPORAL_ADDRESS: cluster.temporalAddress,
    TEMPORAL_NAMESPACE: cluster.namespace,
    TEMPORAL_BIN: temporalBin,
    CLUSTER_HISTORY_SHARDS: String(cluster.historyShards),
    CLUSTER_POSTGRES_PORT: String(cluster.postgresPort),
    MONGODB_URI: services.mongoUri.replace(/\/settleflow$/, '/settleflow_cluster'),
    BANK_HOST_ADDRESS: `127.0.0.1:${ports.iso8583}`,
    BANK_HOST_ISO20022_URL: `http://127.0.0.1:${ports.iso20022}`,
    BANK_HOST_CONTROL_URL: `http://127.0.0.1:${ports.control}`,
    BANK_HOST_ADMIN_TOKEN: adminToken,
    BANK_HOST_ISO20022_TOKEN: iso20022Token,
    SETTLEFLOW_WORKFLOW_BUNDLE: await bundle(
      path.join(src, 'workflows', 'index.ts'),
      path.join(dataDir, 'workflow-bundle.js'),
      [path.join(src, 'observability', 'workflow-interceptors.ts')],
    ),
    GATEWAY_WORKFLOW_BUNDLE: await bundle(
      path.join(src, 'gateway', 'workflows', 'index.ts'),
      path.join(dataDir, 'gateway-workflow-bundle.js'),
      [],
    ),
    WORKER_METRICS_PORT: '0',
    TEMPORAL_METRICS_PORT: '0',
    GATEWAY_METRICS_PORT: '0',
  };
  Object.assign(process.env, env);
  fs.writeFileSync(ENV_FILE, `${JSON.stringify(env, null, 2)}\n`);
  log(`cluster, FerretDB and bank host up in ${Math.round((Date.now() - started) / 1000)} s`);
};

module.exports.ENV_FILE = ENV_FILE;
