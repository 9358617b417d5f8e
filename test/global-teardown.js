// Jest global teardown: stops the bank host and the servers that global-setup.js started and removes the run's temp data.
'use strict';

const fs = require('node:fs');
const { ENV_FILE } = require('./global-setup');

module.exports = async function globalTeardown() {
  const bankHost = globalThis.__SETTLEFLOW_BANK_HOST__;
  if (bankHost) {
    await bankHost.stop();
    delete globalThis.__SETTLEFLOW_BANK_HOST__;
  }
  const services = globalThis.__SETTLEFLOW_SERVICES__;
  if (services) {
    await services.stop();
    delete globalThis.__SETTLEFLOW_SERVICES__;
  }
  const dataDir = globalThis.__SETTLEFLOW_TEST_DATA_DIR__;
  if (dataDir) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    delete globalThis.__SETTLEFLOW_TEST_DATA_DIR__;
  }
  fs.rmSync(ENV_FILE, { force: true });
};
