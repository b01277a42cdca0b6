/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  // Logs are kept per test and printed only with a failure, or when an ERROR line was not expected.
  testEnvironment: '<rootDir>/test/support/log-capture.environment.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/log-capture.setup.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/tools/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  transform: { '^.+\\.(t|j|mj|cj)s$': '<rootDir>/test/support/jest-transform.cjs' },
  transformIgnorePatterns: [],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
  // Exit once the run and globalTeardown are done. Node 24 can spin at full CPU in its exit-time
  // handle cleanup after the last suite (seen once in a full run: results written, the process
  // still alive ten minutes later), which would hold CI until its timeout. Open handles a test
  // leaks are still reported by `npx jest --detectOpenHandles`.
  forceExit: true,
};
