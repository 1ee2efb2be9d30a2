import type { ChildProcess } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { StoreLocation } from '../../db/store';
import type { SyncConfig } from '../../domain/sync/sync-types';
import { dataConverterOf } from '../../platform/codec/data-converter';
import { startActivityWorkerProcess } from './activity-worker-process';
import { sharedWorkflowBundle } from './bundle';
import { sharedStoreBackend } from './store-backends';
import { startDevServerEnv, testCodecs, uniqueTaskQueue } from './temporal-env';

export interface ActivityProcessWorld {
  env: TestWorkflowEnvironment;
  /** The store the worker processes share (a test reads it once they let go of it: PGlite on disk is one process at a time). */
  location: StoreLocation;
  /** Set at once (not in beforeAll). */
  taskQueue: string;
  /** A worker process with arxflow's activities on the task queue, resolved once it polls (killable: SIGKILL). */
  startWorkerProcess(): Promise<ChildProcess>;
}

/**
 * For the tests that kill the worker running an activity mid-way: a dev server, a store several
 * processes can open (sharedStoreBackend in `dir`), and this process running the workflows only
 * on a fresh task queue, so the activities run in worker processes (activity-worker-process.ts)
 * a test kills and replaces. Set up in beforeAll; in afterAll, in reverse: worker processes still
 * running killed, the workflow worker stopped, the dev server down, the store dropped. Jest runs
 * afterAll hooks in the order they are declared: one that needs the world goes before this call.
 */
export function useActivityProcessWorld(
  name: string,
  options: {
    dir: string;
    auditKey: string;
    /** The activities' data dir (pipeline workspaces, local deploy targets). */
    dataDir?: string;
    /** The config file's `sync:` section the worker processes get (document subscribers). */
    sync?: SyncConfig;
    /** The SMTP server the worker processes send emails to, read when each starts (a stand-in started in beforeAll). */
    smtpUrl?: () => string;
    /** The worker processes' longest heartbeat throttle (ms): a cancel reaches an activity with a heartbeat's answer. */
    heartbeatThrottleMs?: number;
  },
): ActivityProcessWorld {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  let dropStore: (() => Promise<void>) | undefined;

  const world: ActivityProcessWorld = {
    taskQueue: uniqueTaskQueue(name),
    env: undefined as unknown as TestWorkflowEnvironment,
    location: undefined as unknown as StoreLocation,
    async startWorkerProcess() {
      const child = await startActivityWorkerProcess({
        temporalAddress: world.env.address,
        taskQueue: world.taskQueue,
        location: world.location,
        auditKey: options.auditKey,
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
        ...(options.sync ? { sync: options.sync } : {}),
        ...(options.smtpUrl ? { smtpUrl: options.smtpUrl() } : {}),
        ...(options.heartbeatThrottleMs ? { heartbeatThrottleMs: options.heartbeatThrottleMs } : {}),
      });
      cleanups.push(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
      return child;
    },
  };

  beforeAll(async () => {
    world.env = await startDevServerEnv();
    ({ location: world.location, cleanup: dropStore } = await sharedStoreBackend(options.dir));
    const workflows = await Worker.create({
      connection: world.env.nativeConnection,
      taskQueue: world.taskQueue,
      workflowBundle: sharedWorkflowBundle(),
      dataConverter: dataConverterOf(testCodecs()),
    });
    const workflowsRun = workflows.run();
    cleanups.push(async () => {
      if (workflows.getState() === 'RUNNING') workflows.shutdown();
      await workflowsRun.catch(() => undefined);
    });
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await world.env?.teardown();
    await dropStore?.();
  });

  return world;
}
