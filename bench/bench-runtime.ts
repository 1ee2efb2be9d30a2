import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/**
 * The Temporal runtime of a bench process, warnings and errors only. Installed once: `npm run
 * bench` runs several benches in one process, and a module a bench imports may have installed
 * it already (test/support/temporal-env.ts does, for the tests); both are fine.
 */
export function installBenchRuntime(): void {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch (err) {
    if ((err as Error).name !== 'IllegalStateError') throw err;
  }
}
