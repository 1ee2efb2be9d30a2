import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildWorkflowBundle } from '../../workers/bundle';
import { BUNDLE_PATH } from './bundle';

/** Builds the workflow bundle once for the whole run; every test file's worker loads it. */
export default async function globalSetup(): Promise<void> {
  const bundle = await buildWorkflowBundle();
  mkdirSync(path.dirname(BUNDLE_PATH), { recursive: true });
  writeFileSync(BUNDLE_PATH, bundle.code);
}
