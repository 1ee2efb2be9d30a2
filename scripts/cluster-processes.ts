// The cluster's background processes: started detached (they outlive `npm run cluster`), each
// recorded in `<data dir>/pids/<name>.pid` with its identity (its start time,
// platform/process-identity.ts), so `stop` never signals a process that later got the same pid.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processIdentity, processStartIdentity } from '../platform/process-identity';

interface PidRecord {
  name: string;
  pid: number;
  identity: string;
  logFile: string;
}

export interface StartedProcess {
  name: string;
  pid: number;
  logFile: string;
}

/** Starts `command` in its own session, output to `<logs>/<name>.log`, and records its pid. */
export function startDetached(
  pidsDir: string,
  logsDir: string,
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): StartedProcess {
  mkdirSync(pidsDir, { recursive: true });
  mkdirSync(logsDir, { recursive: true });
  const logFile = path.join(logsDir, `${name}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  const pid = child.pid;
  if (!pid) throw new Error(`cannot start ${name}: ${command} did not start`);
  // By start time alone: read right after the spawn, the child may not have exec'd its program
  // yet, and its command line would still be node's (a CI run then took a running UI server for
  // one that had exited, and left it behind).
  const identity = processStartIdentity(pid) ?? '';
  const record: PidRecord = { name, pid, identity, logFile };
  writeFileSync(path.join(pidsDir, `${name}.pid`), `${JSON.stringify(record)}\n`);
  return { name, pid, logFile };
}

/** Recorded processes that still run as themselves; stale records are removed. */
export function runningProcesses(pidsDir: string): StartedProcess[] {
  return records(pidsDir).filter((record) => {
    if (isSame(record)) return true;
    rmSync(path.join(pidsDir, `${record.name}.pid`), { force: true });
    return false;
  });
}

/** Every recorded name, running or not. */
export function recordedNames(pidsDir: string): string[] {
  return records(pidsDir).map((record) => record.name);
}

/** Whether the recorded process `name` runs. */
export function isRunning(pidsDir: string, name: string): boolean {
  const record = records(pidsDir).find((r) => r.name === name);
  return !!record && isSame(record);
}

/**
 * SIGTERM to each recorded process (in the order given: workers before the server they
 * talk to), then SIGKILL to whatever still runs after `graceMs`. Removes the pid files.
 */
export async function stopProcesses(pidsDir: string, order: (name: string) => number, graceMs = 15_000) {
  const stopped: string[] = [];
  const sorted = records(pidsDir).sort((a, b) => order(a.name) - order(b.name));
  for (const group of groupBy(sorted, (r) => order(r.name))) {
    const live = group.filter(isSame);
    for (const record of live) signal(record.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (live.some(isSame) && Date.now() < deadline) await sleep(100);
    for (const record of live.filter(isSame)) signal(record.pid, 'SIGKILL');
    while (live.some(isSame)) await sleep(50);
    for (const record of group) rmSync(path.join(pidsDir, `${record.name}.pid`), { force: true });
    stopped.push(...live.map((r) => r.name));
  }
  return stopped;
}

function records(pidsDir: string): PidRecord[] {
  let names: string[];
  try {
    names = readdirSync(pidsDir).filter((n) => n.endsWith('.pid'));
  } catch {
    return [];
  }
  return names.flatMap((file) => {
    try {
      return [JSON.parse(readFileSync(path.join(pidsDir, file), 'utf8')) as PidRecord];
    } catch {
      return []; // half-written by a start that was itself killed: nothing to stop
    }
  });
}

/** Its start time as recorded; a record written before start times alone has the command line too. */
function isSame(record: PidRecord): boolean {
  if (!record.identity) return false;
  return processStartIdentity(record.pid) === record.identity || processIdentity(record.pid) === record.identity;
}

function signal(pid: number, name: NodeJS.Signals) {
  try {
    process.kill(pid, name);
  } catch {
    // ended meanwhile
  }
}

function groupBy<T>(items: T[], key: (item: T) => number): T[][] {
  const groups = new Map<number, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
}
