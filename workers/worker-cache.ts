// How many workflows the worker keeps in memory, from a memory budget instead of the SDK's
// default (which sizes the cache from the V8 heap limit, about 2,300 workflows on an 8 GiB
// machine whatever they cost). A cached workflow answers its next message at once; an
// evicted one is replayed from its history first (bench/results/memory.json has the price of
// each). Open workflows beyond the cache cost no worker memory: they wait on the server.
import os from 'node:os';
import { InputError } from '../domain/validation';

const MIB = 1024 * 1024;

/**
 * Resident memory of a worker with an empty cache: Node with tsx, the Temporal core, the
 * workflow bundle compiled in its V8 context, activities and the store (PGlite in-process
 * without DATABASE_URL). Measured (a child process running workers/main.ts on the dev server,
 * its bundle built apart): 300 MiB idle with PGlite, peak 336 MiB at start-up, since PGlite
 * runs with 32 MB of shared buffers (db/pglite-database.ts; 984 MiB idle before); 170 MiB
 * with PostgreSQL (DATABASE_URL).
 */
export const WORKER_BASE_MIB = 320;
/**
 * Resident memory per cached waiting workflow, rounded up: its V8 heap (95-146 KiB per type,
 * bench/workflow-memory.ts) is a third of it; the rest is the heap's headroom between
 * collections and the core's state of the run. Measured 2026-12-03 (`npm run bench -- memory`,
 * 10,000 gates and 1,000 alerts started): 1,920 cached funding gates and alerts took the worker
 * from 300 MiB idle to 1,184 MiB, 471 KiB each (256 had been assumed).
 */
export const CACHED_WORKFLOW_KIB = 512;
/**
 * The V8 heap limit of the worker's workflow threads (old generation): a base for the bundle
 * and the SDK, and this much per cached workflow, above the largest type's heap (146 KiB,
 * complianceReview). Without a limit V8 sizes a thread's heap from the machine's memory and
 * lets garbage pile up between collections: while 11,000 workflows started on one worker the
 * RSS swung between 930 and 1,296 MiB; with the limit it stayed at 860-886 MiB, and the
 * starts were no slower (bench/results/memory.json).
 */
export const WORKFLOW_HEAP_BASE_MIB = 128;
export const CACHED_WORKFLOW_HEAP_KIB = 160;
/** Unset ARXFLOW_WORKER_MEMORY_MIB: this share of the machine's memory... */
export const DEFAULT_MEMORY_SHARE = 0.25;
/** ...up to this many MiB: the worker shares its host; more cache is a setting away. */
export const DEFAULT_MEMORY_CAP_MIB = 800;
/** The fewest cached workflows a worker runs with (the SDK needs 2 concurrent tasks, each cached). */
export const MIN_CACHED_WORKFLOWS = 10;
/** The SDK's default of concurrent workflow tasks, kept unless the cache is smaller. */
const SDK_CONCURRENT_WORKFLOW_TASKS = 40;

export interface WorkerCachePlan {
  /** The budget, in MiB, and where it came from. */
  memoryMiB: number;
  source: 'ARXFLOW_WORKER_MEMORY_MIB' | `default: ${number}% of ${number} MiB, at most ${number} MiB`;
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
  /** The old-generation heap limit of each workflow thread, in MiB (workers/workflow-heap.ts). */
  workflowHeapMiB: number;
}

/**
 * The worker's cache from its memory budget: (budget - fixed cost) / cost per cached workflow.
 * `memoryMiB` is ARXFLOW_WORKER_MEMORY_MIB (settings.workerMemoryMiB); unset, the budget is a
 * share of `totalMemoryBytes` (os.totalmem()). A budget that leaves no room for a cache is
 * refused with the setting named; a small machine's default gets the minimum cache.
 */
export function workerCachePlan(
  memoryMiB: number | undefined,
  totalMemoryBytes: number = os.totalmem(),
): WorkerCachePlan {
  const setting = 'ARXFLOW_WORKER_MEMORY_MIB';
  if (memoryMiB !== undefined && !(Number.isSafeInteger(memoryMiB) && memoryMiB > 0)) {
    throw new InputError(`${setting}: must be a positive whole number of MiB, got ${memoryMiB}`, [
      { path: setting, message: 'must be a positive whole number of MiB' },
    ]);
  }
  const machineMiB = Math.floor(totalMemoryBytes / MIB);
  const budget = memoryMiB ?? Math.min(DEFAULT_MEMORY_CAP_MIB, Math.floor(machineMiB * DEFAULT_MEMORY_SHARE));
  const fits = Math.floor(((budget - WORKER_BASE_MIB) * 1024) / CACHED_WORKFLOW_KIB);
  if (memoryMiB !== undefined && fits < MIN_CACHED_WORKFLOWS) {
    const least = WORKER_BASE_MIB + Math.ceil((MIN_CACHED_WORKFLOWS * CACHED_WORKFLOW_KIB) / 1024);
    throw new InputError(
      `${setting}: ${memoryMiB} MiB leaves no room for the workflow cache (the worker itself takes about ${WORKER_BASE_MIB} MiB); set at least ${least}`,
      [{ path: setting, message: `must be at least ${least}` }],
    );
  }
  const maxCachedWorkflows = Math.max(MIN_CACHED_WORKFLOWS, fits);
  return {
    memoryMiB: budget,
    source:
      memoryMiB !== undefined
        ? setting
        : `default: ${DEFAULT_MEMORY_SHARE * 100}% of ${machineMiB} MiB, at most ${DEFAULT_MEMORY_CAP_MIB} MiB`,
    maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: Math.min(SDK_CONCURRENT_WORKFLOW_TASKS, maxCachedWorkflows),
    workflowHeapMiB: WORKFLOW_HEAP_BASE_MIB + Math.ceil((maxCachedWorkflows * CACHED_WORKFLOW_HEAP_KIB) / 1024),
  };
}
