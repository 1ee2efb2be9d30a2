// Builds the workflow bundle in a process of its own and hands back its code: webpack's
// memory (about 300 MiB at its peak) then never becomes part of the worker's resident size,
// which V8 does not give back after the build. `npm run worker` starts this way.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildWorkflowBundle } from '../bundle';

/** The project's bundle, built by a child process (this file run with this process's loaders: tsx). */
export async function buildWorkflowBundleApart(): Promise<{ code: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-bundle-'));
  const out = path.join(dir, 'workflow-bundle.js');
  try {
    await promisify(execFile)(process.execPath, [...process.execArgv, __filename, out], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: readFileSync(out, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: build-bundle.ts <output file>');
  buildWorkflowBundle()
    .then((bundle) => writeFileSync(out, bundle.code))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
