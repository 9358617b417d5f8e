// `npm run test:unit`: the tests that need no server (pure domain code, ISO 20022 messages, the start-up supervisor),
// without the global setup that starts Temporal and FerretDB. A test that needs servers does not belong in these folders.
'use strict';

const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: [
    '<rootDir>/test/domain/**/*.test.ts',
    '<rootDir>/test/iso20022/**/*.test.ts',
    '<rootDir>/test/scripts/**/*.test.ts',
    '<rootDir>/test/config.test.ts',
    '<rootDir>/test/config-connections.test.ts',
    '<rootDir>/test/iso8583/**/*.test.ts',
    '<rootDir>/test/observability/logger.test.ts',
    '<rootDir>/test/observability/observability-config.test.ts',
    '<rootDir>/test/gateway/connector-parts.test.ts',
    '<rootDir>/test/gateway/faults-message-record.test.ts',
    '<rootDir>/test/gateway/settlement-fees.test.ts',
    '<rootDir>/test/gateway/settlement-schedule.test.ts',
    '<rootDir>/test/gateway/reports/authorization-timing.test.ts',
    '<rootDir>/test/gateway/reports/report-renderers.test.ts',
    '<rootDir>/test/gateway/reconciliation-matching.test.ts',
    '<rootDir>/test/console/**/*.test.ts',
    '<rootDir>/test/persistence/external-sort.test.ts',
    '<rootDir>/test/persistence/spool.test.ts',
    '<rootDir>/test/bank-host/book-holds.test.ts',
    '<rootDir>/test/bank-host/config.test.ts',
    '<rootDir>/test/bank-host/original-matching.test.ts',
    '<rootDir>/test/security/key-ring.test.ts',
    '<rootDir>/test/temporal/codec.test.ts',
    '<rootDir>/test/temporal/codec-everywhere.test.ts',
  ],
  globalSetup: undefined,
  globalTeardown: undefined,
};
