// Jest runs TypeScript tests through ts-jest in isolated-modules mode (fast transpile, no type check:
// `npm run typecheck` does that). Servers are started once per run by test/global-setup.js.
'use strict';

/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/cluster needs the Temporal server cluster: its own lane, `npm run test:cluster` (jest.cluster.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/'],
  transform: {
    // The compiler option, not ts-jest's deprecated `isolatedModules` option (ts-jest 29.4 warns on that one).
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: { isolatedModules: true } }],
  },
  globalSetup: './test/global-setup.js',
  globalTeardown: './test/global-teardown.js',
  testTimeout: 60000,
};
