import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { processIdentity } from '../platform/process-identity';

/**
 * `<data dir>/temporal.pid`: the dev server this data dir's `npm start` runs, and who runs it.
 * Both are written with their identity (start time + command line, platform/process-identity.ts),
 * so a pid the system has since given to another process is never taken for ours.
 *
 * The dev server normally ends with its service (scripts/tied-child.ts). This file is the second
 * line: should one survive anyway (its watcher killed too, a server that ignores SIGTERM, the
 * SDK's downloaded server, which we cannot wrap), the next start finds it here and stops it.
 */
const pidFileSchema = z.object({
  pid: z.number().int().positive(),
  identity: z.string(),
  owner: z.object({ pid: z.number().int().positive(), identity: z.string() }),
  startedAt: z.string(),
});
type PidFile = z.infer<typeof pidFileSchema>;

function pidFilePath(dataDir: string): string {
  return path.resolve(dataDir, 'temporal.pid');
}

/** Records `pid` as this data dir's dev server, run by this process. */
export function writeDevServerPidFile(dataDir: string, pid: number): void {
  const identity = processIdentity(pid);
  const owner = processIdentity(process.pid);
  if (!identity || !owner) return; // it ended already; nothing to find later
  const file = pidFilePath(dataDir);
  const content: PidFile = {
    pid,
    identity,
    owner: { pid: process.pid, identity: owner },
    startedAt: new Date().toISOString(),
  };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(content, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Removes the file when it names `pid` (a newer dev server of the same data dir may have replaced it). */
export function removeDevServerPidFile(dataDir: string, pid: number): void {
  if (readPidFile(dataDir)?.pid === pid) rmSync(pidFilePath(dataDir), { force: true });
}

/**
 * Before a dev server starts on `dataDir`: stops the one a previous run left, if the pid file names
 * a process that is still that very dev server and whose service is gone. A dev server whose
 * service still runs is not ours to stop: that is an error naming the service. A stale file
 * (process gone, or its pid now someone else's) is removed. Returns what it stopped, for the log.
 */
export async function stopLeftoverDevServer(dataDir: string): Promise<{ pid: number } | undefined> {
  const recorded = readPidFile(dataDir);
  if (!recorded) return undefined;
  if (processIdentity(recorded.pid) !== recorded.identity) {
    rmSync(pidFilePath(dataDir), { force: true });
    return undefined;
  }
  if (recorded.owner.pid !== process.pid && processIdentity(recorded.owner.pid) === recorded.owner.identity)
    throw new Error(
      `the Temporal dev server of ${dataDir} (pid ${recorded.pid}) belongs to arxflow pid ${recorded.owner.pid}, which is still running: stop it first, or set ARXFLOW_DATA_DIR to another directory`,
    );
  await terminate(recorded.pid, recorded.identity);
  rmSync(pidFilePath(dataDir), { force: true });
  return { pid: recorded.pid };
}

/** SIGTERM, then SIGKILL after 10 s; each signal only while the pid is still the process we recorded. */
async function terminate(pid: number, identity: string): Promise<void> {
  const stillOurs = () => processIdentity(pid) === identity;
  const signal = (name: NodeJS.Signals) => {
    try {
      if (stillOurs()) process.kill(pid, name);
    } catch {
      // it ended between the check and the signal
    }
  };
  signal('SIGTERM');
  for (let waited = 0; waited < 10_000 && stillOurs(); waited += 100) await sleep(100);
  signal('SIGKILL');
  for (let waited = 0; waited < 5_000 && stillOurs(); waited += 100) await sleep(100);
  if (stillOurs()) throw new Error(`the Temporal dev server left by a previous run (pid ${pid}) does not stop`);
}

/** The pid `<dataDir>/temporal.pid` names, if any (tests, operators' scripts). */
export function recordedDevServerPid(dataDir: string): number | undefined {
  return readPidFile(dataDir)?.pid;
}

function readPidFile(dataDir: string): PidFile | undefined {
  try {
    return pidFileSchema.parse(JSON.parse(readFileSync(pidFilePath(dataDir), 'utf8')));
  } catch {
    return undefined; // none, or not ours to read: nothing to stop
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
