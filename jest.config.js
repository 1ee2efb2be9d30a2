// Octokit and its helpers ship only ES modules; jest (unlike Node 20.19+) cannot require them, so swc compiles them to CommonJS.
const ESM_ONLY = '(@octokit|universal-user-agent|before-after-hook|json-with-bigint|toad-cache)';

const project = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    [`/node_modules/${ESM_ONLY}/.+\\.js$`]: ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!${ESM_ONLY}/)`],
  // Temporal servers start per test file; allow for a slow first JVM start on a loaded machine.
  testTimeout: 120000,
};

/**
 * Two projects. `default`: everything under test/ on the dev server, the test server and PGlite/PostgreSQL.
 * `cluster` (test/cluster): the production topology, `npm run cluster` (Temporal Server on PostgreSQL,
 * two worker processes, gateway, Web UI server); it needs the server built once
 * (scripts/provision-temporal-server.sh) and takes a few minutes. `npm test` runs both;
 * `--selectProjects default` or `--selectProjects cluster` runs one; a test file named on the
 * command line runs in its own project.
 * @type {import('jest').Config}
 */
module.exports = {
  projects: [
    { ...project, displayName: 'default', roots: ['<rootDir>/test'], testPathIgnorePatterns: ['/test/cluster/'] },
    { ...project, displayName: 'cluster', roots: ['<rootDir>/test/cluster'] },
  ],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120000,
  maxWorkers: 2,
};
