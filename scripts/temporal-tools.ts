import { accessSync, constants } from 'node:fs';
import path from 'node:path';

// Where the provisioned Temporal executables are (see scripts/provision-*.sh).
const TOOLS_BIN = path.join(process.env.ARXFLOW_TOOLS_DIR ?? path.resolve(__dirname, '..', '.tools'), 'bin');

export type ServerExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((dir) => path.join(dir, name))
    .find(isExecutable);
}

/** The Temporal CLI for the dev server: TEMPORAL_CLI_PATH, `temporal` on PATH, .tools, else the SDK's download. */
export function temporalCliExecutable(): ServerExecutable {
  const found = [process.env.TEMPORAL_CLI_PATH, onPath('temporal'), path.join(TOOLS_BIN, 'temporal')].find(
    (candidate): candidate is string => !!candidate && isExecutable(candidate),
  );
  return found ? { type: 'existing-path', path: found } : { type: 'cached-download' };
}

/** The time-skipping test server: TEMPORAL_TEST_SERVER_PATH, the Java wrapper in .tools, else the SDK's download. */
export function testServerExecutable(): ServerExecutable {
  const found = [process.env.TEMPORAL_TEST_SERVER_PATH, path.join(TOOLS_BIN, 'temporal-test-server')].find(
    (candidate): candidate is string => !!candidate && isExecutable(candidate),
  );
  return found ? { type: 'existing-path', path: found } : { type: 'cached-download' };
}
