import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities, type ActivityDeps } from '../activities';
import { workerCachePlan, type WorkerCachePlan } from './worker-cache';

export interface ArxflowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** From workers/bundle.ts buildWorkflowBundle: it carries the workflow interceptors (identity stamps). */
  workflowBundle: WorkflowBundle;
  deps: ActivityDeps;
  /** Payload encryption and identity stamps (see platform/codec): dataConverterOf(codecs, 'worker'); keys must match the clients'. */
  dataConverter?: DataConverter;
  /** The workflow cache from the memory budget (workers/worker-cache.ts); default: from this machine's memory. */
  cache?: WorkerCachePlan;
  /** Task slots and pollers beside the cache (the alerts bench measures them: bench/alerts.ts). */
  tuning?: WorkerTuning;
}

/** Worker options the alert path's figures depend on (docs/alerts.md, Performance). */
export type WorkerTuning = Partial<
  Record<
    | 'maxConcurrentWorkflowTaskExecutions'
    | 'maxConcurrentWorkflowTaskPolls'
    | 'maxConcurrentActivityTaskPolls'
    | 'maxConcurrentActivityTaskExecutions'
    | 'maxConcurrentLocalActivityExecutions',
    number
  >
>;

/** The arxflow worker: every workflow in workflows/index.ts and every activity, on one task queue. */
export function createArxflowWorker(options: ArxflowWorkerOptions): Promise<Worker> {
  const cache = options.cache ?? workerCachePlan(undefined);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle,
    activities: createActivities(options.deps),
    dataConverter: options.dataConverter,
    // Let in-flight activities finish on shutdown; Temporal retries whatever is cut off.
    shutdownGraceTime: '10 seconds',
    // Sized from a memory budget, not from the V8 heap limit (workers/worker-cache.ts).
    maxCachedWorkflows: cache.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: cache.maxConcurrentWorkflowTaskExecutions,
    ...options.tuning,
  });
}
