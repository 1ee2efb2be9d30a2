import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { AnchorKey } from '../db/audit-log';
import { openStore, type Store } from '../db/store';
import { parseEscalationYaml } from '../domain/alerts/escalation-policy-schemas';
import { codecsFor, dataConverterOf } from '../platform/codec/data-converter';
import { clientConnectionOptions } from '../platform/connection';
import { startDevServer, type RunningDevServer } from '../scripts/dev-server';
import { freePort } from '../scripts/ports';
import { temporalCliExecutable } from '../scripts/temporal-tools';
import { startGateway, TEST_SETTINGS } from '../test/support/gateway';
import { startSlackApiServer, type SlackApiServer } from '../test/support/slack-api-server';
import { startSmtpServer, type SmtpTestServer } from '../test/support/smtp-server';
import { TEST_IDENTITY_KEYS } from '../test/support/temporal-env';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster';
import { WorkerPool } from './worker-pool';

const AUDIT_KEY = 'arxflow-chaos-audit-key-0123456789abcdef';
const SLACK_TOKEN = 'xoxb-chaos';
export const TASK_QUEUE = 'arxflow-chaos';
/** The intake's routing key: every chaos alert takes the `chaos` policy below. */
export const ROUTING_KEY = 'chaos';
export const FIRST_LEVEL = { slack: '#chaos-first', email: 'first@oncall.chaos.test' };
export const SECOND_LEVEL = { slack: '#chaos-second', email: 'second@oncall.chaos.test' };

/** Two levels, each a Slack channel and an email address; no incident (one alert, one workflow). */
const ESCALATION = parseEscalationYaml(`
default: chaos
policies:
  - name: chaos
    incident: { severities: [], atLevel: never }
    levels:
      - notify: [{ slack: "${FIRST_LEVEL.slack}" }, { email: ${FIRST_LEVEL.email} }]
        escalateAfter: 30 minutes
      - notify: [{ slack: "${SECOND_LEVEL.slack}" }, { email: ${SECOND_LEVEL.email} }]
`);

/**
 * One arxflow on loopback, built from its real parts: a PostgreSQL cluster of its own, the
 * Temporal dev server on a SQLite file (killable and restartable from it), two production worker
 * processes on one task queue, the SMTP and Slack stand-in servers the workers send to, and a
 * gateway (alert intake, /readyz) with its store in this process. Everything lives in a temp dir
 * removed by `close()`.
 */
export interface ChaosWorld {
  dir: string;
  /** The workers' ARXFLOW_DATA_DIR (pipeline workspaces, local deploy targets). */
  workerDataDir: string;
  postgres: PostgresCluster;
  store: Store;
  client: Client;
  connection: Connection;
  devServer: RunningDevServer;
  workers: WorkerPool;
  smtp: SmtpTestServer;
  slack: SlackApiServer;
  gateway: { app: FastifyInstance; url: string };
  /** SIGKILL of the dev server, then a new one on the same port and SQLite file. */
  killAndRestartDevServer(pauseMs?: number): Promise<void>;
  /** Adds to what `close()` undoes (first the last added), e.g. a workload's processes outside the workers. */
  onClose(cleanup: () => Promise<unknown> | unknown): void;
  close(): Promise<void>;
}

export async function startChaosWorld(log: (line: string) => void, options: { workers?: number } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-chaos-'));
  // ARXFLOW_KEEP_CHAOS_DIR=1 keeps the run's folder (its logs/ of workers and servers) to read after a failure.
  const cleanups: (() => Promise<unknown> | unknown)[] = [
    () =>
      process.env.ARXFLOW_KEEP_CHAOS_DIR ? log(`folder kept: ${dir}`) : rmSync(dir, { recursive: true, force: true }),
  ];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  };
  try {
    log('starting PostgreSQL (own cluster), the Temporal dev server and the stand-ins');
    const postgres = await startPostgresCluster();
    cleanups.push(() => postgres.destroy());
    const store = await openStore({ databaseUrl: postgres.databaseUrl }, { auditKey: new AnchorKey(AUDIT_KEY) });
    cleanups.push(() => store.close());

    const temporalDir = path.join(dir, 'temporal');
    const devServerOptions = {
      executable: temporalCliExecutable(),
      dataDir: temporalDir,
      port: await freePort(),
      uiPort: await freePort(),
      namespace: 'default',
    };
    let devServer = await startDevServer(devServerOptions);
    cleanups.push(() => world.devServer.stop());
    // Production's client options: the driver abandons a call that takes too long and tries
    // again; one abandoned in a retry's backoff must not throw from the SDK's timer once this
    // connection closes ("Channel has been shut down", seen failing chaos-worker-crash in CI).
    const connection = await Connection.connect({ address: devServer.address, ...clientConnectionOptions() });
    cleanups.push(() => connection.close());
    const codecs = codecsFor(TEST_SETTINGS);
    const client = new Client({ connection, namespace: 'default', dataConverter: dataConverterOf(codecs) });

    const smtp = await startSmtpServer();
    cleanups.push(() => smtp.close());
    const slack = await startSlackApiServer({ token: SLACK_TOKEN });
    cleanups.push(() => slack.close());

    const workerDataDir = path.join(dir, 'worker-data');
    const logDir = path.join(dir, 'logs');
    mkdirSync(logDir, { recursive: true });
    const workers = new WorkerPool(
      options.workers ?? 2,
      {
        TEMPORAL_ADDRESS: devServer.address,
        ARXFLOW_TASK_QUEUE: TASK_QUEUE,
        DATABASE_URL: postgres.databaseUrl,
        ARXFLOW_DATA_DIR: workerDataDir,
        ARXFLOW_AUDIT_KEY: AUDIT_KEY,
        ARXFLOW_IDENTITY_KEYS: TEST_IDENTITY_KEYS,
        SLACK_BOT_TOKEN: SLACK_TOKEN,
        SLACK_API_URL: slack.apiUrl,
        SMTP_URL: smtp.url,
        ARXFLOW_EMAIL_FROM: 'arxflow@chaos.test',
        ARXFLOW_LOG_LEVEL: 'info',
      },
      logDir,
    );
    cleanups.push(() => workers.stopAll());
    log('starting 2 worker processes (npm run worker) and a gateway');
    const gatewayStarted = startGateway({ connection, namespace: 'default' }, store, TASK_QUEUE, {
      alerts: { escalation: ESCALATION },
    });
    await workers.startAll();
    const gateway = await gatewayStarted;
    cleanups.push(() => gateway.app.close());

    const world: ChaosWorld = {
      dir,
      workerDataDir,
      postgres,
      store,
      client,
      connection,
      devServer,
      workers,
      smtp,
      slack,
      gateway,
      async killAndRestartDevServer(pauseMs = 0) {
        const pid = devServer.pid;
        if (!pid) throw new Error('the dev server has no pid to kill');
        const old = devServer;
        process.kill(pid, 'SIGKILL');
        await old.exited;
        await old.stop().catch(() => undefined); // its watcher (scripts/tied-child.ts) is left
        if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
        devServer = await startDevServer(devServerOptions);
        world.devServer = devServer;
      },
      onClose: (cleanup) => cleanups.push(cleanup),
      close,
    };
    return world;
  } catch (err) {
    await close();
    throw err;
  }
}
