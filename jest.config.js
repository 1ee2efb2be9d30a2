// Octokit and its helpers ship only ES modules; jest (unlike Node 20.19+) cannot require them, so swc compiles them to CommonJS.
const ESM_ONLY = '(@octokit|universal-user-agent|before-after-hook|json-with-bigint|toad-cache)';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    [`/node_modules/${ESM_ONLY}/.+\\.js$`]: ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!${ESM_ONLY}/)`],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Temporal servers start per test file; allow for a slow first JVM start on a loaded machine.
  testTimeout: 120000,
  maxWorkers: 2,
};
