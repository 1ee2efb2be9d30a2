import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * Who a pid is, so a pid written down earlier is not mistaken for another process that later got
 * the same number: its start time plus its command line. Linux reads /proc (slim containers have
 * no `ps`); elsewhere `ps` answers. Undefined when no process has that pid, or on Linux only a
 * zombie (ended, not yet reaped by its parent: it runs nothing, and its command line is gone).
 */
export function processIdentity(pid: number): string | undefined {
  return identityOf(pid, true);
}

/**
 * Who a pid is by its start time alone: for a process started through `/bin/sh -c`, which may
 * exec its program and so change its command line after the pid was written down.
 */
export function processStartIdentity(pid: number): string | undefined {
  return identityOf(pid, false);
}

/** The arguments of a live pid's command line ([] when it is gone). */
export function commandLineOf(pid: number): string[] {
  try {
    if (hasProc()) return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    // ps joins the arguments with spaces: good enough to tell one program from another.
    return execFileSync('ps', ['-ww', '-o', 'args=', '-p', String(pid)], { encoding: 'utf8' })
      .trim()
      .split(' ');
  } catch {
    return [];
  }
}

function identityOf(pid: number, withCommandLine: boolean): string | undefined {
  if (hasProc()) {
    try {
      const stat = statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      if (stat[0] === 'Z' || stat[0] === 'X') return undefined;
      if (!withCommandLine) return `start ${stat[19]}`;
      return `start ${stat[19]} ${commandLine(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))}`;
    } catch {
      return undefined;
    }
  }
  try {
    // -ww: never cut the command line to the terminal's width.
    const columns = withCommandLine ? ['-ww', '-o', 'lstart=', '-o', 'args='] : ['-o', 'lstart='];
    return `start ${execFileSync('ps', [...columns, '-p', String(pid)], { encoding: 'utf8' }).trim()}`;
  } catch {
    return undefined; // ps exits 1 when the pid is not there
  }
}

export interface ProcessEntry {
  pid: number;
  ppid: number;
  args: string;
}

/** Every process this user can see, with its parent and command line. */
export function listProcesses(): ProcessEntry[] {
  if (hasProc()) {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .flatMap((name) => {
        try {
          const ppid = Number(statFields(readFileSync(`/proc/${name}/stat`, 'utf8'))[1]);
          return [{ pid: Number(name), ppid, args: commandLine(readFileSync(`/proc/${name}/cmdline`, 'utf8')) }];
        } catch {
          return []; // ended while we looked
        }
      });
  }
  return execFileSync('ps', ['-A', '-ww', '-o', 'pid=', '-o', 'ppid=', '-o', 'args='], { encoding: 'utf8' })
    .split('\n')
    .flatMap((line) => {
      const match = /^\s*(\d+)\s+(\d+)\s(.*)$/.exec(line);
      return match ? [{ pid: Number(match[1]), ppid: Number(match[2]), args: match[3]!.trim() }] : [];
    });
}

/**
 * A live pid's working directory as /proc resolves it (symlinks followed), or '' when it is gone,
 * not ours to read, or there is no /proc: how a test tells its own child processes from another's.
 */
export function workingDirOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
}

function hasProc(): boolean {
  return process.platform === 'linux' && existsSync('/proc/self/stat');
}

/** /proc/<pid>/stat after the command name, which is in parentheses and may hold spaces: [state, ppid, ...]. */
function statFields(stat: string): string[] {
  return stat
    .slice(stat.lastIndexOf(')') + 2)
    .trim()
    .split(' ');
}

function commandLine(cmdline: string): string {
  return cmdline.split('\0').filter(Boolean).join(' ');
}
