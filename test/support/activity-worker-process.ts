// A worker process for the tests that kill a worker mid-activity (a payment, a pipeline step):
// arxflow's activities only (the test process runs the workflows), on the store and task queue
// the environment names, paying through a payment provider reached over HTTP (PROVIDER_URL),
// the way a real provider's client would, and keeping pipeline files in DATA_DIR. Prints
// "ready" once it polls.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { PaymentProvider } from '../../activities/funding-payments';
import { smtpTransport } from '../../activities/notifications/channels';
import { AnchorKey } from '../../db/audit-log';
import { openStore, type StoreLocation } from '../../db/store';
import type { SyncConfig } from '../../domain/sync/sync-types';
import { dataConverterOf } from '../../platform/codec/data-converter';
import { testCodecs } from './temporal-env';

/** Payments over HTTP: POST <url>/pay and /reverse with the request as JSON; the answer is `{ providerRef }`. */
export function httpPaymentProvider(url: string, worker: string): PaymentProvider {
  const call = async (method: 'pay' | 'reverse', { signal, ...body }: { signal?: AbortSignal } & object) => {
    const response = await fetch(`${url}/${method}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-worker': worker,
        'x-attempt': String(Context.current().info.attempt),
      },
      body: JSON.stringify(body),
      signal,
    });
    if (!response.ok) throw new Error(`payment provider answered ${response.status}`);
    return (await response.json()) as { providerRef: string };
  };
  return { pay: (request) => call('pay', request), reverse: (request) => call('reverse', request) };
}

/** The variables a test sets for this process. */
export interface ActivityWorkerEnv {
  TEMPORAL_ADDRESS: string;
  TASK_QUEUE: string;
  /** Unset: ledger-only payments (a process for other activities, e.g. pipeline steps). */
  PROVIDER_URL?: string;
  /** The activities' data dir (pipeline workspaces, caches, kept files). */
  DATA_DIR?: string;
  /** Emails over SMTP (notification sends); unset: emails go to the outbox. */
  SMTP_URL?: string;
  /** The config file's `sync:` section as JSON (document subscribers); unset: none. */
  SYNC_CONFIG?: string;
  /** Where the store is: DATABASE_URL (PostgreSQL) or PGLITE_DIR. */
  DATABASE_URL?: string;
  PGLITE_DIR?: string;
  ARXFLOW_AUDIT_KEY: string;
  /** The worker's longest heartbeat throttle in ms; unset: the SDK's (0.8 x the heartbeat timeout, at most 60 s). */
  HEARTBEAT_THROTTLE_MS?: string;
}

async function main(): Promise<void> {
  const env = process.env as unknown as ActivityWorkerEnv;
  const store = await openStore(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { pgliteDir: env.PGLITE_DIR! }, {
    auditKey: new AnchorKey(env.ARXFLOW_AUDIT_KEY),
  });
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    taskQueue: env.TASK_QUEUE,
    activities: createActivities({
      store,
      ...(env.PROVIDER_URL ? { paymentProvider: httpPaymentProvider(env.PROVIDER_URL, `pid:${process.pid}`) } : {}),
      ...(env.DATA_DIR ? { dataDir: env.DATA_DIR } : {}),
      ...(env.SMTP_URL
        ? { email: { transport: smtpTransport(env.SMTP_URL), from: `arxflow worker <pid-${process.pid}@example.com>` } }
        : {}),
      ...(env.SYNC_CONFIG ? { sync: JSON.parse(env.SYNC_CONFIG) as SyncConfig } : {}),
    }),
    dataConverter: dataConverterOf(testCodecs()),
    ...(env.HEARTBEAT_THROTTLE_MS ? { maxHeartbeatThrottleInterval: Number(env.HEARTBEAT_THROTTLE_MS) } : {}),
  });
  const running = worker.run();
  console.log('ready');
  process.once('SIGTERM', () => worker.shutdown());
  await running;
  await connection.close();
  await store.close();
}

/**
 * Starts this file as a process (node with tsx's loader, not the tsx binary: that one runs node
 * as a child, which a SIGKILL would leave running) and resolves once its worker polls.
 */
export async function startActivityWorkerProcess(options: {
  temporalAddress: string;
  taskQueue: string;
  location: StoreLocation;
  auditKey: string;
  providerUrl?: string;
  dataDir?: string;
  smtpUrl?: string;
  sync?: SyncConfig;
  /** The worker's longest heartbeat throttle (ms): a cancel reaches an activity with a heartbeat's answer. */
  heartbeatThrottleMs?: number;
}): Promise<ChildProcess> {
  const { location } = options;
  const childEnv: ActivityWorkerEnv = {
    TEMPORAL_ADDRESS: options.temporalAddress,
    TASK_QUEUE: options.taskQueue,
    ARXFLOW_AUDIT_KEY: options.auditKey,
    ...(options.providerUrl ? { PROVIDER_URL: options.providerUrl } : {}),
    ...(options.dataDir ? { DATA_DIR: options.dataDir } : {}),
    ...(options.smtpUrl ? { SMTP_URL: options.smtpUrl } : {}),
    ...(options.sync ? { SYNC_CONFIG: JSON.stringify(options.sync) } : {}),
    ...(options.heartbeatThrottleMs ? { HEARTBEAT_THROTTLE_MS: String(options.heartbeatThrottleMs) } : {}),
    ...('databaseUrl' in location ? { DATABASE_URL: location.databaseUrl } : {}),
    ...('pgliteDir' in location ? { PGLITE_DIR: location.pgliteDir, DATABASE_URL: '' } : {}),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', path.relative(ROOT, __filename)], {
    cwd: ROOT,
    env: { ...process.env, ...childEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => String(chunk).includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`the worker process exited (${code}): ${output}`)));
  });
  return child;
}

const ROOT = path.resolve(__dirname, '..', '..');

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
