import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Where global-setup writes workflow bundles, built once per `jest` run for every test file. */
export const BUNDLE_DIR = path.resolve(__dirname, '..', '..', 'node_modules', '.cache', 'arxflow');

/** Set by global-setup for the run's test workers: each run reads its own bundle, never one a concurrent run rewrote. */
export const BUNDLE_PATH_VARIABLE = 'ARXFLOW_TEST_WORKFLOW_BUNDLE';

export function sharedWorkflowBundle(): { code: string } {
  const bundlePath = process.env[BUNDLE_PATH_VARIABLE];
  if (!bundlePath) throw new Error(`${BUNDLE_PATH_VARIABLE} is not set: run the tests with jest's globalSetup`);
  return { code: readFileSync(bundlePath, 'utf8') };
}
