import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { createArxflowWorker } from '../../workers/worker';
import type { ActivityDeps } from '../../activities';
import { ARXFLOW_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { temporalCliExecutable, testServerExecutable } from '../../scripts/temporal-tools';
import { sharedWorkflowBundle } from './bundle';

/** Java time-skipping test server on a free port: timers of days pass in milliseconds. */
export function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: testServerExecutable() } });
}

/** Temporal CLI dev server (in memory, free port) with arxflow's search attributes: visibility, Web UI, real timers. */
export function startDevServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: { executable: temporalCliExecutable(), searchAttributes: ARXFLOW_SEARCH_ATTRIBUTES },
  });
}

/** A fresh task queue per test, so tests in one file never pick up each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

/** The production worker (all workflows and activities, shared bundle) on the test environment. */
export function createTestWorker(env: TestWorkflowEnvironment, taskQueue: string, deps: ActivityDeps): Promise<Worker> {
  return createArxflowWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: sharedWorkflowBundle(),
    deps,
  });
}
