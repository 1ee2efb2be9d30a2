import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import { freePort } from '../../scripts/ports';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

export interface ServiceProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * The environment of an `npm start` of its own: `dataDir`, free ports for everything it listens on,
 * PGlite and its own dev server (whatever this shell has in DATABASE_URL / TEMPORAL_ADDRESS), plus `extra`.
 */
export async function serviceEnv(dataDir: string, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    ARXFLOW_DATA_DIR: dataDir,
    ARXFLOW_PORT: String(await freePort()),
    ARXFLOW_METRICS_PORT: String(await freePort()),
    ARXFLOW_TEMPORAL_PORT: String(await freePort()),
    ARXFLOW_TEMPORAL_UI_PORT: String(await freePort()),
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    ...extra,
  };
}

/** Runs `scripts/start.ts` (what `npm start` runs) as a separate process group with `env` added. */
export function spawnService(env: Record<string, string>): ServiceProcess {
  const child = spawn(TSX, ['scripts/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, ARXFLOW_LOG_LEVEL: 'warn', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

export async function waitForOutput(service: ServiceProcess, pattern: RegExp, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(service.output())) {
    if (service.child.exitCode !== null) throw new Error(`service exited early:\n${service.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${service.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Command lines of live processes that mention `needle` (e.g. a data dir), excluding `ps` itself. */
export function processesMentioning(needle: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(needle) && !line.includes('ps -eo'));
}

/** Polls `probe` until it returns something other than undefined/false, or throws naming `what`. */
export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
