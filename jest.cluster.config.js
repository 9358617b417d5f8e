// `npm run test:cluster`: the tests that need the real Temporal server cluster (PostgreSQL, several history shards,
// four services as processes) started once by test/cluster/global-setup.js; settleflow's processes run as processes.
'use strict';

const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/cluster'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: './test/cluster/global-setup.js',
  globalTeardown: './test/cluster/global-teardown.js',
  testTimeout: 600000,
};
