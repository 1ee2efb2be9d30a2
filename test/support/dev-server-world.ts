import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { ActivityDeps } from '../../activities';
import type { Store } from '../../db/store';
import { openWorldStore } from './store-backends';
import type { GatewayDeps } from '../../gateway/server';
import { startGateway } from './gateway';
import { createTestWorker, startDevServerEnv, uniqueTaskQueue } from './temporal-env';

export interface DevServerWorld {
  env: TestWorkflowEnvironment;
  store: Store;
  /** Set at once (not in beforeAll), so it can be read outside tests too. */
  taskQueue: string;
  /** The gateway's base URL. */
  url: string;
  app: FastifyInstance;
}

/**
 * A dev server, a fresh store (PostgreSQL when DATABASE_URL is set, as in CI; else PGlite), the production worker polling a fresh task queue in the
 * background and the gateway on a free port, for one describe block: set up in beforeAll and
 * torn down in reverse in afterAll (what did start, if start-up failed part way).
 * Read `world.env`, `world.url`, ... inside tests. Jest runs afterAll hooks in the order they
 * are declared: an afterAll that must run while the world is still up goes before this call.
 */
export function useDevServerWorld(
  name: string,
  options: {
    gateway?: Partial<GatewayDeps> | (() => Partial<GatewayDeps>);
    /** More of the worker's activity deps (data dir, GitHub), read when the world starts: a stand-in started in an earlier beforeAll can be named. */
    activities?: () => Partial<ActivityDeps>;
  } = {},
): DevServerWorld {
  const world = { taskQueue: uniqueTaskQueue(name) } as DevServerWorld;
  let worker: Worker | undefined;
  let workerRun: Promise<void> | undefined;
  beforeAll(async () => {
    // Both settle before a failure is thrown, so afterAll finds whichever did start.
    const started = await Promise.allSettled([
      startDevServerEnv().then((env) => (world.env = env)),
      openWorldStore(`dev-server world ${name}`).then((store) => (world.store = store)),
    ]);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    worker = await createTestWorker(world.env, world.taskQueue, { ...options.activities?.(), store: world.store });
    workerRun = worker.run();
    const gateway = typeof options.gateway === 'function' ? options.gateway() : options.gateway;
    ({ app: world.app, url: world.url } = await startGateway(world.env, world.store, world.taskQueue, gateway));
  });
  afterAll(async () => {
    await world.app?.close();
    worker?.shutdown();
    await workerRun;
    await world.env?.teardown();
    await world.store?.close();
  });
  return world;
}
