import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Where global-setup writes the workflow bundle, built once per `jest` run for every test file. */
export const BUNDLE_PATH = path.resolve(
  __dirname,
  '..',
  '..',
  'node_modules',
  '.cache',
  'arxflow',
  'workflow-bundle.js',
);

export function sharedWorkflowBundle(): { code: string } {
  return { code: readFileSync(BUNDLE_PATH, 'utf8') };
}
