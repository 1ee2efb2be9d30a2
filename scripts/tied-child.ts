import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Writable } from 'node:stream';

/**
 * A child process that ends when this process ends, however it ends (kill -9 included).
 *
 * Why this shape: Linux's PR_SET_PDEATHSIG is not reachable from Node, and a process group alone
 * does not help (kill -9 of our pid signals no one else). What every Unix does give us is a pipe:
 * when a process dies, the kernel closes its end. So the command runs through `/bin/sh`, which
 * forks a small watcher reading the pipe on its stdin and then `exec`s the command, so the command
 * keeps the pid `spawn` returned (no extra parent in between, and the pid is the one to record).
 * When the pipe reaches end of file (we died or exited), the watcher sends SIGTERM to the command,
 * waits up to 10 s, then SIGKILLs the process group. The child is `detached`: its own process
 * group, led by the command; while the watcher lives, that group id cannot be handed to anyone
 * else, so the kills never reach a stranger even if the command has already gone.
 *
 * The command's output goes straight to `logFile` (appended), not through a pipe to us: a command
 * that outlives us anyway must not die of SIGPIPE at its next log line, nor lose its last words.
 *
 * `stop()` ends the command (SIGTERM, SIGKILL after `graceMs`) and then the watcher.
 */
export interface TiedChild {
  child: ChildProcessByStdio<Writable, null, null>;
  /** Resolves when the command exits, by itself or by `stop()`. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(graceMs?: number): Promise<void>;
}

const WATCHER = `
exec 3<&0
(
  trap '' TERM INT HUP
  while read -r _ <&3; do :; done
  kill -TERM $$ 2>/dev/null
  i=0
  while kill -0 $$ 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2 2>/dev/null || sleep 1; i=$((i+1)); done
  kill -KILL -- -$$ 2>/dev/null
) >/dev/null 2>&1 &
exec "$@" </dev/null 3<&-
`;

export function spawnTiedChild(command: string, args: string[], logFile: string): TiedChild {
  const log = openSync(logFile, 'a');
  let child: ChildProcessByStdio<Writable, null, null>;
  try {
    child = spawn('/bin/sh', ['-c', WATCHER, 'sh', command, ...args], {
      detached: true,
      stdio: ['pipe', log, log],
    }) as ChildProcessByStdio<Writable, null, null>;
  } finally {
    closeSync(log); // the child has its own copy
  }
  child.stdin.on('error', () => {}); // nothing is ever written; an EPIPE after the child died is not news
  const pid = child.pid;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      // The command is gone; the watcher is the group's last member (and keeps the group id ours): end it.
      if (pid) signalGroup(pid, 'SIGKILL');
      resolve({ code, signal });
    }),
  );

  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null || !pid) return void (await exited);
    signalGroup(pid, 'SIGTERM'); // the watcher ignores it; the command shuts down
    const killer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(killer);
  };
  return { child, exited, stop };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group has ended already
  }
}
