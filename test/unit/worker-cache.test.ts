// The worker's workflow cache from its memory budget (workers/worker-cache.ts), and the
// setting that gives the budget (ARXFLOW_WORKER_MEMORY_MIB): bad values refused by name.
import { parseSettings } from '../../domain/settings';
import { InputError } from '../../domain/validation';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  CACHED_WORKFLOW_HEAP_KIB,
  CACHED_WORKFLOW_KIB,
  DEFAULT_MEMORY_CAP_MIB,
  MIN_CACHED_WORKFLOWS,
  WORKER_BASE_MIB,
  WORKFLOW_HEAP_BASE_MIB,
  workerCachePlan,
} from '../../workers/worker-cache';

const GIB = 1024 ** 3;

describe('workflow cache from the memory budget', () => {
  it('fills what the budget leaves after the fixed cost, at the measured cost per workflow', () => {
    const plan = workerCachePlan(1024);
    expect(plan.source).toBe('ARXFLOW_WORKER_MEMORY_MIB');
    expect(plan.memoryMiB).toBe(1024);
    expect(plan.maxCachedWorkflows).toBe(Math.floor(((1024 - WORKER_BASE_MIB) * 1024) / CACHED_WORKFLOW_KIB));
    // Twice the room, twice the cache (give or take the rounding down).
    const twice = workerCachePlan(WORKER_BASE_MIB + 2 * (1024 - WORKER_BASE_MIB));
    expect(twice.maxCachedWorkflows - 2 * plan.maxCachedWorkflows).toBeGreaterThanOrEqual(0);
    expect(twice.maxCachedWorkflows - 2 * plan.maxCachedWorkflows).toBeLessThanOrEqual(1);
  });

  it('defaults to a quarter of the machine, capped, whatever the machine', () => {
    const small = workerCachePlan(undefined, 2 * GIB);
    expect(small.memoryMiB).toBe(512);
    expect(small.source).toBe(`default: 25% of 2048 MiB, at most ${DEFAULT_MEMORY_CAP_MIB} MiB`);
    const large = workerCachePlan(undefined, 64 * GIB);
    expect(large.memoryMiB).toBe(DEFAULT_MEMORY_CAP_MIB);
    expect(large.maxCachedWorkflows).toBeGreaterThan(small.maxCachedWorkflows);
    // The default keeps the whole worker under 1 GiB: fixed cost plus a full cache.
    expect(WORKER_BASE_MIB + (large.maxCachedWorkflows * CACHED_WORKFLOW_KIB) / 1024).toBeLessThan(1024);
  });

  it("bounds the workflow threads' heap by the cache they hold", () => {
    const plan = workerCachePlan(800);
    expect(plan.workflowHeapMiB).toBe(
      WORKFLOW_HEAP_BASE_MIB + Math.ceil((plan.maxCachedWorkflows * CACHED_WORKFLOW_HEAP_KIB) / 1024),
    );
    expect(workerCachePlan(1600).workflowHeapMiB).toBeGreaterThan(plan.workflowHeapMiB);
  });

  it('limits the heap of threads started after the call, not the main thread (a real child process)', () => {
    const script = `
      const { Worker } = require('node:worker_threads');
      const v8 = require('node:v8');
      const mib = () => Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
      const before = mib();
      require(${JSON.stringify(path.resolve(__dirname, '../../workers/workflow-heap.ts'))}).limitWorkflowThreadHeap(200);
      new Worker("require('node:worker_threads').parentPort.postMessage(Math.round(require('node:v8').getHeapStatistics().heap_size_limit / 2 ** 20))", { eval: true })
        .once('message', (thread) => console.log(JSON.stringify({ before, main: mib(), thread })));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' })) as {
      before: number;
      main: number;
      thread: number;
    };
    expect(out.main).toBe(out.before);
    // The limit covers the old generation; V8 adds the young generation's semi-spaces to it.
    expect(out.thread).toBeGreaterThanOrEqual(200);
    expect(out.thread).toBeLessThan(300);
    expect(out.before).toBeGreaterThan(300);
  });

  it('gives a tiny machine the minimum cache rather than none', () => {
    const tiny = workerCachePlan(undefined, 512 * 1024 * 1024);
    expect(tiny.memoryMiB).toBe(128);
    expect(tiny.maxCachedWorkflows).toBe(MIN_CACHED_WORKFLOWS);
  });

  it('keeps concurrent workflow tasks within the cache', () => {
    expect(workerCachePlan(1024).maxConcurrentWorkflowTaskExecutions).toBe(40);
    const least = WORKER_BASE_MIB + Math.ceil((MIN_CACHED_WORKFLOWS * CACHED_WORKFLOW_KIB) / 1024);
    const smallest = workerCachePlan(least);
    expect(smallest.maxCachedWorkflows).toBeGreaterThanOrEqual(MIN_CACHED_WORKFLOWS);
    expect(smallest.maxCachedWorkflows).toBeLessThan(40);
    expect(smallest.maxConcurrentWorkflowTaskExecutions).toBe(smallest.maxCachedWorkflows);
  });

  it('refuses a budget with no room for a cache, naming the setting and the least it takes', () => {
    const least = WORKER_BASE_MIB + Math.ceil((MIN_CACHED_WORKFLOWS * CACHED_WORKFLOW_KIB) / 1024);
    for (const tooSmall of [1, 100, WORKER_BASE_MIB, least - 1]) {
      expect(() => workerCachePlan(tooSmall)).toThrow(InputError);
      expect(() => workerCachePlan(tooSmall)).toThrow(
        new RegExp(`^ARXFLOW_WORKER_MEMORY_MIB: ${tooSmall} MiB leaves no room .* set at least ${least}$`),
      );
    }
  });

  it('refuses a budget that is not a positive whole number of MiB', () => {
    for (const bad of [0, -5, 1.5, Number.NaN]) {
      expect(() => workerCachePlan(bad)).toThrow(/^ARXFLOW_WORKER_MEMORY_MIB: must be a positive whole number/);
    }
  });
});

describe('ARXFLOW_WORKER_MEMORY_MIB', () => {
  it('is read as a whole number of MiB; unset or empty leaves the default', () => {
    expect(parseSettings({ ARXFLOW_WORKER_MEMORY_MIB: '900' }).workerMemoryMiB).toBe(900);
    expect(parseSettings({ ARXFLOW_WORKER_MEMORY_MIB: ' 900 ' }).workerMemoryMiB).toBe(900);
    expect(parseSettings({ ARXFLOW_WORKER_MEMORY_MIB: '' }).workerMemoryMiB).toBeUndefined();
    expect(parseSettings({}).workerMemoryMiB).toBeUndefined();
  });

  it.each([
    ['1GiB', 'must be a number of MiB'],
    ['0', 'must be a positive number of MiB'],
    ['-512', 'must be a positive number of MiB'],
    ['512.5', 'must be a whole number of MiB'],
  ])('refuses %s by name', (value, why) => {
    let error: unknown;
    try {
      parseSettings({ ARXFLOW_WORKER_MEMORY_MIB: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(`environment: ARXFLOW_WORKER_MEMORY_MIB: ${why}`);
  });
});
