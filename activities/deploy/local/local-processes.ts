import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

/**
 * Who a pid is: its start time (Linux: clock ticks since boot from /proc; elsewhere `ps`'s
 * lstart). A pid written down earlier is ours only while this still matches, so a number the
 * system has since given to another process is never signalled. The start time alone, not the
 * command line: `/bin/sh -c 'node server.js'` may exec node and change its command line.
 * Undefined when nothing (or only a zombie) has that pid.
 * (scripts/process-identity.ts does the same with the command line added; activities/ may not
 * import scripts/.)
 */
export function processStartIdentity(pid: number): string | undefined {
  if (process.platform === 'linux' && existsSync('/proc/self/stat')) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
      return `start ${fields[19]}`;
    } catch {
      return undefined;
    }
  }
  try {
    return `start ${execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' }).trim()}`;
  } catch {
    return undefined;
  }
}

/** The arguments of a live pid's command line ([] when it is gone). */
export function commandLineOf(pid: number): string[] {
  try {
    if (process.platform === 'linux') return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    // ps joins the arguments with spaces: good enough to tell our proxy from another program.
    return execFileSync('ps', ['-ww', '-o', 'args=', '-p', String(pid)], { encoding: 'utf8' })
      .trim()
      .split(' ');
  } catch {
    return [];
  }
}

/** Throws naming the port when something already listens on it (a slot's port must be ours alone). */
export async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} (${what}) is already in use by another process: stop it or choose another port`
            : `cannot listen on 127.0.0.1:${port} (${what}): ${err.message}`,
        ),
      ),
    );
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve()));
  });
}

/** Whether anything answers HTTP (any status) at `url` within `timeoutMs`; no connection pooling. */
export function answersHttp(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(true);
    });
    request.once('timeout', () => request.destroy(new Error('timeout')));
    request.once('error', () => resolve(false));
  });
}

/** The last `bytes` of a log file, for an error message ('' when there is none). */
export function logTail(file: string, bytes = 2_000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes).trim();
  } catch {
    return '';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
