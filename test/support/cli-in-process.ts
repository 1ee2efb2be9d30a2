import { run } from '../../cli/main';
import type { ArxflowResult } from './cli-process';

/**
 * Runs `arxflow <args>` in this process (no child process: about 1.5 s cheaper a call) with
 * `env` set for the call (undefined unsets), and returns its exit code and what it printed: the
 * result of cli-process.ts's runArxflow, so a test can take either.
 */
export async function runArxflowInProcess(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<ArxflowResult> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { ...process.env };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  const spies = [
    jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void out.push(parts.join(' '))),
    jest.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void err.push(parts.join(' '))),
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => !!out.push(String(chunk))),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => !!err.push(String(chunk))),
  ];
  try {
    const status = await run(['node', 'arxflow', ...args]);
    return { status, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    for (const spy of spies) spy.mockRestore();
    process.env = saved;
  }
}
