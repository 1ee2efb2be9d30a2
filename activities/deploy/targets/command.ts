import { spawn } from 'node:child_process';
import { ApplicationFailure } from '@temporalio/common';
import type { TargetCommandLog } from './deploy-target';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Output kept per stream: enough for kubectl's error lines, bounded for a chatty tool. */
const MAX_OUTPUT = 64 * 1024;

/**
 * Runs a target's command (kubectl) without a shell, so arguments from the config are never
 * interpreted, and notes it in `log` (the benchmark subtracts this time from the workflow's).
 * A missing binary is a non-retryable `TargetToolMissing`: retrying cannot install it.
 */
export function runCommand(
  binary: string,
  args: string[],
  options: { log?: TargetCommandLog[]; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < MAX_OUTPUT) stderr += chunk;
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'EACCES')
        reject(
          ApplicationFailure.nonRetryable(
            `${binary} could not be run (${err.code}): install it or set the target's path to it`,
            'TargetToolMissing',
          ),
        );
      else reject(err);
    });
    child.once('close', (code, signal) => {
      const exitCode = code ?? (signal ? 128 : 1);
      options.log?.push({ command: [binary, ...args].join(' '), ms: Date.now() - started, exitCode });
      resolve({ exitCode, stdout, stderr });
    });
  });
}
