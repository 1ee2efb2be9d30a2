import { execFile, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { processIdentity } from '../../platform/process-identity';
import type { ClusterState } from '../../scripts/cluster';
import { freePort } from '../../scripts/ports';
import { freeLowPort } from '../../scripts/cluster-temporal';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

export interface ClusterRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The variables `npm run cluster` takes (the same as `npm start`), on free ports, state in `dataDir`. */
export async function clusterEnv(dataDir: string): Promise<Record<string, string>> {
  return {
    ARXFLOW_DATA_DIR: dataDir,
    ARXFLOW_TEMPORAL_PORT: String(await freeLowPort()),
    ARXFLOW_TEMPORAL_UI_PORT: String(await freePort()),
    ARXFLOW_PORT: String(await freePort()),
    ARXFLOW_LOG_LEVEL: 'warn',
  };
}

/** `npm run cluster -- <args>` (scripts/cluster.ts, what the npm script runs), to its exit. */
export function runCluster(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 600_000,
  onSpawn?: (child: ChildProcess) => void,
): Promise<ClusterRun> {
  return new Promise((resolve) => {
    const child = execFile(
      TSX,
      ['scripts/cluster.ts', ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 10 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ status, stdout, stderr });
      },
    );
    onSpawn?.(child);
  });
}

/**
 * Starts still running, by data dir. A test's beforeAll can time out while its start goes on
 * (the start's own limit is longer); the afterAll's stop must not run beside it, or the start
 * launches the Web UI server after the stop has looked and leaves it running (seen once).
 */
const startsInFlight = new Map<string, ChildProcess>();

/**
 * `npm run cluster -- <args>` for a test, which must start: its output, its state and who its
 * processes are (for stopTestCluster to check that none is left).
 */
export async function startTestCluster(args: string[], env: Record<string, string>, dataDir: string) {
  const started = await runCluster(args, env, undefined, (child) => startsInFlight.set(dataDir, child));
  startsInFlight.delete(dataDir);
  if (started.status !== 0)
    throw new Error(`npm run cluster exited ${started.status}:\n${started.stdout}\n${started.stderr}`);
  return { started, state: readClusterState(dataDir), processes: identitiesOf(recordedPids(dataDir)) };
}

/**
 * `npm run cluster -- stop`, then the data dir removed (ARXFLOW_KEEP_CLUSTER_DIR=1 keeps it, and
 * its logs/, to read after a failure): the stop's exit status and which of `processes` still run
 * (when the start never returned them: the processes the cluster recorded, read before the stop).
 * A start still running is ended first (SIGTERM, which tsx passes on), so it starts nothing more.
 */
export async function stopTestCluster(
  env: Record<string, string>,
  dataDir: string,
  processes?: ReturnType<typeof identitiesOf>,
): Promise<{ status: number | null; left: number[] }> {
  const start = startsInFlight.get(dataDir);
  if (start && start.exitCode === null && start.signalCode === null) {
    console.log(`npm run cluster (start) still running at the stop: ended first (data dir ${dataDir})`);
    await new Promise((resolve) => {
      start.once('exit', resolve);
      start.kill('SIGTERM');
    });
  }
  startsInFlight.delete(dataDir);
  const known = processes ?? identitiesOf(recordedPids(dataDir));
  const stopped = await runCluster(['stop'], env, 120_000);
  const left = stillRunning(known);
  if (!process.env.ARXFLOW_KEEP_CLUSTER_DIR) rmSync(dataDir, { recursive: true, force: true });
  else console.log(`cluster data dir kept: ${dataDir}`);
  return { status: stopped.status, left };
}

export function readClusterState(
  dataDir: string,
): ClusterState & { secrets: { auditKey: string; identityKeys: string } } {
  const state = JSON.parse(readFileSync(path.join(dataDir, 'cluster.json'), 'utf8')) as ClusterState;
  const secrets = JSON.parse(readFileSync(path.join(dataDir, 'cluster-secrets.json'), 'utf8')) as {
    auditKey: string;
    identityKeys: string;
  };
  return { ...state, secrets };
}

/** Whether `pid` runs (signal 0 only asks). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Who each pid is now (platform/process-identity.ts: start time and command line), to ask
 * later whether the same process still runs: a pid alone may be a zombie nobody reaps (the
 * cluster's processes outlive `npm run cluster`, their parent) or reused by a new process.
 */
export function identitiesOf(pids: number[]): { pid: number; identity: string | undefined }[] {
  return pids.map((pid) => ({ pid, identity: processIdentity(pid) }));
}

/** The processes of `identitiesOf` that still run, the same ones. */
export function stillRunning(processes: { pid: number; identity: string | undefined }[]): number[] {
  return processes.filter((p) => p.identity !== undefined && processIdentity(p.pid) === p.identity).map((p) => p.pid);
}

/** The pids the cluster recorded in `<data dir>/pids` (every process it started but PostgreSQL). */
export function recordedPids(dataDir: string): number[] {
  try {
    return readdirSync(path.join(dataDir, 'pids')).map(
      (file) => (JSON.parse(readFileSync(path.join(dataDir, 'pids', file), 'utf8')) as { pid: number }).pid,
    );
  } catch {
    return [];
  }
}
