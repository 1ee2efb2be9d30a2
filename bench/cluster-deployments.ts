// The deployments `npm run bench -- cluster` compares, each started as a user starts it and
// stopped at the end: `npm start` (scripts/start.ts: the Temporal dev server on SQLite with the
// worker and gateway in one process) and `npm run cluster` (Temporal Server on PostgreSQL,
// separate worker processes, the gateway). Both on free ports with their own data dir, Slack
// pointed at the bench's local Slack API server, so a notification is a real Web API call.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { AnchorKey } from '../db/audit-log';
import { createScratchSchema } from '../db/scratch-schema';
import { openStore } from '../db/store';
import { parseSettings } from '../domain/settings';
import { codecsFor, dataConverterOf } from '../platform/codec/data-converter';
import { clusterEnv, readClusterState, runCluster } from '../test/cluster/cluster-process';
import { serviceEnv, spawnService, waitForOutput } from '../test/support/service-process';
import type { Deployment } from './cluster-load';

export interface Running extends Deployment {
  /** The worker processes' pids (the cluster's, in start order; empty for `npm start`). */
  workerPids: number[];
  stop(): Promise<void>;
}

/** A client as the CLI in direct mode makes one: the deployment's codecs (identity stamps with its keys). */
async function clientFor(env: Record<string, string>, address: string) {
  const settings = parseSettings(env);
  const connection = await Connection.connect({ address });
  const client = new Client({
    connection,
    namespace: settings.namespace,
    dataConverter: dataConverterOf(codecsFor(settings)),
  });
  return { client, connection, taskQueue: settings.taskQueue };
}

/**
 * `npm start` with arxflow's store in a scratch schema of DATABASE_URL (PostgreSQL, as the
 * cluster's; the bench funds its ledger from here, which an embedded PGlite would not allow).
 */
export async function startDevService(slack: Record<string, string>): Promise<Running> {
  if (!process.env.DATABASE_URL)
    throw new Error('DATABASE_URL: the cluster bench needs a PostgreSQL for the dev server side');
  const scratch = await createScratchSchema(process.env.DATABASE_URL, 'arxflow_bench');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-bench-dev-'));
  const auditKey = randomBytes(32).toString('base64url');
  const env = await serviceEnv(dataDir, {
    ...slack,
    DATABASE_URL: scratch.databaseUrl,
    ARXFLOW_AUDIT_KEY: auditKey,
    ARXFLOW_IDENTITY_KEYS: `bench:${randomBytes(32).toString('base64')}`,
  });
  const service = spawnService(env);
  const stopService = async () => {
    if (service.child.exitCode === null && service.child.pid) {
      process.kill(-service.child.pid, 'SIGTERM');
      await service.exited;
    }
  };
  try {
    await waitForOutput(service, /arxflow is running/, 180_000);
    const { client, connection, taskQueue } = await clientFor(env, `127.0.0.1:${env.ARXFLOW_TEMPORAL_PORT}`);
    const store = await openStore({ databaseUrl: scratch.databaseUrl }, { auditKey: new AnchorKey(auditKey) });
    return {
      client,
      taskQueue,
      gatewayUrl: `http://127.0.0.1:${env.ARXFLOW_PORT}`,
      store,
      workerPids: [],
      async stop() {
        await store.close();
        await connection.close();
        await stopService();
        await scratch.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopService();
    await scratch.drop();
    throw err;
  }
}

/** `npm run cluster -- --workers <workers>` in a new data dir (test/cluster/cluster-process.ts), stopped by `stop`. */
export async function startClusterDeployment(slack: Record<string, string>, workers: number): Promise<Running> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-bench-cluster-'));
  const env = { ...(await clusterEnv(dataDir)), ...slack };
  const stopCluster = async () => {
    const stopped = await runCluster(['stop'], env, 180_000);
    if (stopped.status !== 0) console.error(`npm run cluster -- stop exited ${stopped.status}: ${stopped.stderr}`);
    if (!process.env.BENCH_KEEP_CLUSTER_DIR) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const started = await runCluster(['--workers', String(workers)], env);
    if (started.status !== 0)
      throw new Error(`npm run cluster exited ${started.status}:\n${started.stdout}\n${started.stderr}`);
    const state = readClusterState(dataDir);
    const { client, connection } = await clientFor(
      { ...env, TEMPORAL_ADDRESS: state.temporalAddress, ARXFLOW_IDENTITY_KEYS: state.secrets.identityKeys },
      state.temporalAddress,
    );
    const store = await openStore(
      { databaseUrl: state.databaseUrl },
      { auditKey: new AnchorKey(state.secrets.auditKey) },
    );
    return {
      client,
      taskQueue: state.taskQueue,
      gatewayUrl: state.gatewayUrl,
      store,
      workerPids: state.workers.map((w) => w.pid),
      async stop() {
        await store.close();
        await connection.close();
        await stopCluster();
      },
    };
  } catch (err) {
    await stopCluster();
    throw err;
  }
}
