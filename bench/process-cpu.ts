// CPU time of other processes of a bench (the gateway's own process, the Temporal dev server),
// read from Linux's /proc: a bench's rates move with the machine's load, CPU per run much less.
import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these. */
const CLOCK_TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces): state is [0], ppid [1]. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
}

/** CPU time the process has used so far (user + system, all its threads), in ms. */
export function processCpuMs(pid: number): number {
  const fields = statFields(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** The pids of this process's children whose command name starts with `name` (e.g. the dev server the SDK spawned). */
export function childProcessesNamed(name: string, parent = process.pid): number[] {
  return processesNamed(name).filter((pid) => Number(statFields(pid)[1]) === parent);
}

/** The pids of every process whose command name starts with `name` (PostgreSQL's server and its backends: `postgres`). */
export function processesNamed(name: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).startsWith(name);
      } catch {
        return false; // gone meanwhile
      }
    });
}

/**
 * CPU time of the processes named `name` (PostgreSQL's backends come and go with the pool's
 * connections): a snapshot now; `sinceMs` gives the CPU they used after an earlier snapshot,
 * counting a process started meanwhile from zero (one that ended meanwhile is lost).
 */
export function cpuOfProcessesNamed(name: string) {
  const byPid = new Map<number, number>();
  for (const pid of processesNamed(name)) {
    try {
      byPid.set(pid, processCpuMs(pid));
    } catch {
      // exited between the listing and the read
    }
  }
  return {
    sinceMs(earlier: { byPid: Map<number, number> }): number {
      let used = 0;
      for (const [pid, ms] of byPid) used += ms - (earlier.byPid.get(pid) ?? 0);
      return used;
    },
    byPid,
  };
}
