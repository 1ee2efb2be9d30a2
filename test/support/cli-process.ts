import { spawn } from 'node:child_process';
import path from 'node:path';

/** The CLI as a user runs it. */
export const ARXFLOW_BIN = path.resolve(__dirname, '..', '..', 'bin', 'arxflow.js');

export interface ArxflowResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `node bin/arxflow.js ...args` as a child process, with `env` merged over process.env (an
 * undefined value leaves a variable out). Asynchronous, so a worker in this process keeps
 * polling while the CLI runs; `stdout()` reads what it has printed so far.
 */
export function spawnArxflow(
  args: string[],
  env: Record<string, string | undefined>,
): { done: Promise<ArxflowResult>; stdout: () => string } {
  const child = spawn(process.execPath, [ARXFLOW_BIN, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<ArxflowResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  return { done, stdout: () => stdout };
}

/** Runs the CLI to its end: exit status and everything it printed. */
export function runArxflow(args: string[], env: Record<string, string | undefined>): Promise<ArxflowResult> {
  return spawnArxflow(args, env).done;
}
