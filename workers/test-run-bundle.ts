import { readFileSync } from 'node:fs';

/**
 * Test-only hook: the workflow bundle the running jest run built once. test/support/global-setup.ts
 * names its file in ARXFLOW_TEST_WORKFLOW_BUNDLE, and the processes tests spawn (`npm start`,
 * `npm run worker`) inherit it, so tests of start, stop and crash handling do not spend webpack's
 * seconds on every start. Never set outside jest: undefined, and the caller builds the bundle.
 */
export function testRunBundle(): Promise<{ code: string }> | undefined {
  const file = process.env.ARXFLOW_TEST_WORKFLOW_BUNDLE;
  return file ? Promise.resolve({ code: readFileSync(file, 'utf8') }) : undefined;
}
