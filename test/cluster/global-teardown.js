// Global teardown of the cluster lane: stops the bank host, FerretDB and the Temporal cluster (services, then
// PostgreSQL) that global-setup.js started, and removes their directory unless CLUSTER_KEEP_DATA=1 (for debugging).
'use strict';

const fs = require('node:fs');
const { ENV_FILE } = require('./global-setup');

module.exports = async function globalTeardown() {
  for (const name of ['__SETTLEFLOW_CLUSTER_BANK__', '__SETTLEFLOW_CLUSTER_SERVICES__', '__SETTLEFLOW_CLUSTER__']) {
    const running = globalThis[name];
    if (running) await running.stop();
    delete globalThis[name];
  }
  const dataDir = globalThis.__SETTLEFLOW_CLUSTER_DATA_DIR__;
  if (dataDir && process.env.CLUSTER_KEEP_DATA !== '1') fs.rmSync(dataDir, { recursive: true, force: true });
  else if (dataDir) console.error(`cluster lane: data and logs kept in ${dataDir}`);
  fs.rmSync(ENV_FILE, { force: true });
};
