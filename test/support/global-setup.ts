import { mkdirSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildWorkflowBundle } from '../../workers/bundle';
import { BUNDLE_DIR, BUNDLE_PATH_VARIABLE } from './bundle';
import { preparePgliteCopies } from './pglite-template';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Builds the workflow bundle once for the whole run; every test file's worker loads it (the
 * workers inherit the variable naming it). One file per run: two runs at once (a developer's
 * and a helper's) must not read each other's half-written or older bundle.
 */
export default async function globalSetup(): Promise<void> {
  // And the migrated PGlite store the tests' stores are copied from (pglite-template.ts).
  const [bundle] = await Promise.all([buildWorkflowBundle(), preparePgliteCopies()]);
  mkdirSync(BUNDLE_DIR, { recursive: true });
  removeOldBundles();
  const bundlePath = path.join(BUNDLE_DIR, `workflow-bundle-${process.pid}.js`);
  writeFileSync(`${bundlePath}.tmp`, bundle.code);
  renameSync(`${bundlePath}.tmp`, bundlePath);
  process.env[BUNDLE_PATH_VARIABLE] = bundlePath;
}

/** Bundles of runs that ended long ago (a run takes minutes; a day is far beyond any). */
function removeOldBundles(): void {
  for (const name of readdirSync(BUNDLE_DIR)) {
    if (!name.startsWith('workflow-bundle')) continue;
    const file = path.join(BUNDLE_DIR, name);
    try {
      if (Date.now() - statSync(file).mtimeMs > DAY_MS) unlinkSync(file);
    } catch {
      // another run removed it first
    }
  }
}
