import './quiet-runtime';
import { freePort } from '../../scripts/ports';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { createArxflowWorker } from '../../workers/worker';
import type { Store } from '../../db/store';
import type { ActivityDeps } from '../../activities';
import { ARXFLOW_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { testServerExecutable } from '../../scripts/temporal-tools';
import { localDevServerOptions } from '../../scripts/dev-server';
import { sharedWorkflowBundle } from './bundle';
import { openTestStore } from './pglite-template';
import { parseSettings } from '../../domain/settings';
import { codecsFor, dataConverterOf, type ArxflowCodecs } from '../../platform/codec/data-converter';
import { clientConnectionOptions } from '../../platform/connection';

/** The identity stamp key of every test process (workers, gateway clients, codec server). */
export const TEST_IDENTITY_KEYS = 'test:cCbXKMMlccQzV6qW6zZ4ciaLeNcDmDYfXtKINvyrYPE=';

/**
 * The codecs of a test process: `trusted` as in development (unstamped identities believed:
 * tests that signal through a client without codecs), `stamped` as with real auth.
 */
export function testCodecs(mode: 'trusted' | 'stamped' = 'trusted', encryptionKeys?: string): ArxflowCodecs {
  return codecsFor(
    parseSettings({
      ARXFLOW_IDENTITY_KEYS: TEST_IDENTITY_KEYS,
      ...(mode === 'stamped' ? { ARXFLOW_JWT_SECRET: 'test-secret-that-is-at-least-32-characters' } : {}),
      ...(encryptionKeys ? { ARXFLOW_ENCRYPTION_KEYS: encryptionKeys } : {}),
    }),
  );
}

/** Java time-skipping test server on a free port, with arxflow's search attributes: timers of days pass in milliseconds. */
export async function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const executable = testServerExecutable();
  const env =
    executable.type === 'existing-path'
      ? await timeSkippingEnvOn(await startJavaTestServer(executable.path))
      : await createEnvironment({
          server: { type: 'time-skipping', executable },
          namespace: 'default',
          supportsTimeSkipping: true,
        }); // the SDK's download (internet)
  const { IndexedValueType } = temporal.api.enums.v1;
  const indexedTypes: Record<string, number> = {
    KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
    KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  };
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(ARXFLOW_SEARCH_ATTRIBUTES.map((key) => [key.name, indexedTypes[key.type]!])),
  });
  return env;
}

/** Temporal CLI dev server (in memory, free port) with arxflow's search attributes: visibility, Web UI, real timers. */
export function startDevServerEnv(): Promise<TestWorkflowEnvironment> {
  return createEnvironment({
    server: { type: 'dev-server', ...localDevServerOptions() },
    supportsTimeSkipping: false,
  });
}

type EnvironmentOptions = {
  server:
    | { type: 'existing' }
    | { type: 'time-skipping'; executable: unknown }
    | { type: 'dev-server'; executable: unknown; searchAttributes: unknown; extraArgs: string[] };
  address?: string;
  namespace?: string;
  supportsTimeSkipping: boolean;
};

/**
 * The SDK's own constructor path for every environment (`create`, private in its typings; its
 * public `createLocal` takes no connection options), with the client connection options of
 * production: a retry whose connection closed during its backoff ends the call instead of
 * throwing "Channel has been shut down" from a timer, which jest blamed on whatever test file
 * ran next in the worker (seen in CI after a teardown closed a connection mid-retry).
 */
function createEnvironment(opts: EnvironmentOptions): Promise<TestWorkflowEnvironment> {
  const sdk = TestWorkflowEnvironment as unknown as {
    create(opts: EnvironmentOptions & { connectionOptions: object }): Promise<TestWorkflowEnvironment>;
  };
  return sdk.create({ ...opts, connectionOptions: clientConnectionOptions() });
}

/** A fresh task queue per test, so tests in one file never pick up each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

/**
 * The production worker (all workflows and activities, shared bundle) on the test environment,
 * with the identity stamp codec (trusted mode unless another data converter is given).
 */
export function createTestWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  deps: ActivityDeps,
  dataConverter: DataConverter = dataConverterOf(testCodecs()),
): Promise<Worker> {
  return createArxflowWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: sharedWorkflowBundle(),
    deps,
    dataConverter,
  });
}

export interface TimeSkippingWorld {
  env: TestWorkflowEnvironment;
  store: Store;
}

/**
 * A time-skipping server and an in-memory store for one describe block, set up in
 * beforeAll and torn down in afterAll. Read `world.env` / `world.store` inside tests.
 */
export function useTimeSkippingWorld(): TimeSkippingWorld {
  const world = {} as TimeSkippingWorld;
  beforeAll(async () => {
    [world.env, world.store] = await Promise.all([startTimeSkippingEnv(), openTestStore()]);
  });
  afterAll(async () => {
    await world.env?.teardown();
    await world.store?.close();
  });
  return world;
}

interface RunningTestServer {
  address: string;
  stop(): Promise<void>;
}

/**
 * Starts the Java test server ourselves and waits until it answers gRPC, for up to a minute.
 * The SDK's own start gives a JVM 5 s to accept a connection (and its client 10 s to become
 * ready) and then fails the whole test file: on a loaded 2-core machine, with two test files
 * starting servers at once, a JVM sometimes needs longer. Waiting longer is the fix.
 */
async function startJavaTestServer(executablePath: string): Promise<RunningTestServer> {
  const port = await freePort();
  const child = spawn(executablePath, [String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the time-skipping test server exited (${child.exitCode}) before answering`);
    const connection = await Connection.connect({ address, connectTimeout: '2s' }).catch(() => undefined);
    const answered = await connection?.workflowService.getSystemInfo({}).then(
      () => true,
      () => false,
    );
    await connection?.close();
    if (answered) return { address, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the time-skipping test server on ${address} did not answer within 60 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A time-skipping environment on a server we started; its teardown also stops the server. */
async function timeSkippingEnvOn(server: RunningTestServer): Promise<TestWorkflowEnvironment> {
  let env: TestWorkflowEnvironment;
  try {
    // An existing server, with the time-skipping test service.
    env = await createEnvironment({
      server: { type: 'existing' },
      address: server.address,
      namespace: 'default',
      supportsTimeSkipping: true,
    });
  } catch (err) {
    await server.stop();
    throw err;
  }
  const teardown = env.teardown.bind(env);
  env.teardown = async () => {
    try {
      await teardown();
    } finally {
      await server.stop();
    }
  };
  return env;
}
