// The heap a waiting workflow holds, per workflow type: shared by `npm run bench -- memory`
// (bench/memory.ts) and its fast check test/workflows/workflow-memory.test.ts.
//
// How: one worker for all types in THIS thread (debugMode: the SDK's reusable V8 context runs
// here instead of in a worker thread, so this isolate's heap includes every workflow's
// sandbox), with a cache large enough that no run is evicted. Start a few runs (warm-up:
// compiled code, the context's first modules), wait until each has finished its first
// workflow task and is blocked, collect garbage, read the heap; start N more, wait, collect,
// read again: (after - warm) / N is what one more waiting workflow costs.
import { setFlagsFromString, getHeapStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Store } from '../db/store';
import { Incident } from '../domain/alerts/incident';
import { parseEscalationYaml } from '../domain/alerts/escalation-policy-schemas';
import { parseMetricRulesYaml } from '../domain/alerts/metric-rules-schemas';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { drawInput } from '../test/fixtures/funding-gate';

/** How a waiting run of one type is started and how we know it is waiting. */
interface WaitingSample {
  start(client: Client, taskQueue: string, id: string): Promise<unknown>;
  /** The query every run answers once its first workflow task is done. */
  query: string;
  /** True once the run sits where it waits for people or time (its first activities done). */
  waiting(answer: never): boolean;
}

// Escalation after a day: the open-workflows bench (bench/memory.ts) takes half an hour to
// start 11,000 runs, and alerts escalating meanwhile woke up, ran, and took the cache from the
// gates it then probes as cached (a run of 2026-12-02: 0 cache hits of 200).
const POLICY_YAML = `
default: sample
policies:
  - name: sample
    levels:
      - notify: [{ slack: "#ops" }, { email: oncall@example.com }]
        escalateAfter: 24 hours
      - notify: [{ email: lead@example.com }]
`;

/** The shared example plan (door D3 too narrow: corrections required), as the application `planId`. */
function examplePlan(planId: string): Record<string, unknown> {
  const plan = JSON.parse(
    readFileSync(path.resolve(__dirname, '..', 'test', 'fixtures', 'plans', 'plan-example.json'), 'utf8'),
  );
  return { ...plan, planId };
}

/**
 * The samples of scripts/record-histories.ts, made unique per run (audit subjects, dedup
 * keys) and left where they wait: a gate collecting evidence and approvals, a review
 * waiting on the applicant's corrections, an alert notified at level 1 waiting for an
 * acknowledgement, an open incident, a review due in a week, an evaluator with one sample
 * waiting on its idle timer, a probe asleep for an hour. All their timers are 10 minutes or more, and the bench never lets the time-skipping server skip.
 */
export const WAITING_SAMPLES: Record<string, WaitingSample> = {
  fundingGate: {
    query: 'status',
    waiting: (view: { status: string }) => view.status === 'open',
    start: (client, taskQueue, id) =>
      client.workflow.start('fundingGate', {
        taskQueue,
        workflowId: `memory/fundingGate/${id}`,
        // The tests' two-line draw (reviewer and signatory stages, two blocking conditions).
        args: [drawInput({ projectId: 'MEMORY', milestoneId: id, program: { programId: 'standard', version: 1 } })],
      }),
  },
  complianceReview: {
    query: 'status',
    waiting: (view: { status: string }) => view.status === 'corrections_required',
    start: (client, taskQueue, id) =>
      client.workflow.start('complianceReview', {
        taskQueue,
        workflowId: `memory/complianceReview/${id}`,
        args: [
          {
            planId: `PLAN-${id}`,
            jurisdiction: 'IBC-2021',
            applicant: { id: 'arch-amy', email: 'amy@architects.example' },
            reviewers: ['rev-ray'],
            supervisor: 'sup-sam',
            asOf: '2026-11-01',
            submission: {
              planVersion: 1,
              plan: examplePlan(`PLAN-${id}`),
              documents: [
                { kind: 'floor-plans', name: 'A-101.pdf' },
                { kind: 'code-analysis', name: 'G-001.pdf' },
              ],
            },
          },
        ],
      }),
  },
  alertEscalation: {
    query: 'status',
    waiting: (view: { level: number }) => view.level >= 1,
    start: (client, taskQueue, id) =>
      client.workflow.start('alertEscalation', {
        taskQueue,
        workflowId: `memory/alertEscalation/${id}`,
        args: [
          {
            event: {
              source: 'alertmanager',
              dedupKey: `memory-${id}`,
              sourceKey: `fp-${id}`,
              action: 'trigger',
              severity: 'error',
              summary: 'Disk full on db-1',
              service: 'billing',
              group: `memory-${id}`,
              labels: { alertname: 'DiskFull', service: 'billing' },
              annotations: {},
              startsAt: new Date().toISOString(),
              links: [],
              images: [],
            },
            intakeId: `memory-intake-${id}`,
            policy: parseEscalationYaml(POLICY_YAML).policies[0]!,
          },
        ],
      }),
  },
  incident: {
    query: 'status',
    waiting: () => true,
    start: (client, taskQueue, id) =>
      client.workflow.start('incident', {
        taskQueue,
        workflowId: `memory/incident/${id}`,
        args: [
          {
            key: `memory-${id}`,
            title: 'Disk full on db-1',
            severity: 'critical',
            firstAlert: { dedupKey: `memory-${id}`, summary: 'Disk full on db-1', severity: 'critical' },
          },
        ],
      }),
  },
  incidentReview: {
    query: 'status',
    waiting: () => true,
    start: (client, taskQueue, id) => {
      const resolvedAt = Date.now();
      const sample = Incident.open(
        `memory-${id}`,
        { dedupKey: `memory-${id}`, summary: 'Disk full on db-1', severity: 'critical' },
        `alert:memory-${id}`,
        resolvedAt - 3_600_000,
      );
      sample.setStatus({ actor: 'ops:ann', roles: ['operator'], status: 'resolved' }, resolvedAt);
      return client.workflow.start('incidentReview', {
        taskQueue,
        workflowId: `memory/incidentReview/${id}`,
        args: [sample.snapshot()],
      });
    },
  },
  metricEvaluator: {
    query: 'status',
    waiting: (status: { totals: { samples: number } }) => status.totals.samples >= 1,
    // As POST /v1/metrics starts it: signalWithStart with the first samples.
    start: (client, taskQueue, id) =>
      client.workflow.signalWithStart('metricEvaluator', {
        taskQueue,
        workflowId: `memory/metricEvaluator/${id}`,
        args: [
          {
            rules: parseMetricRulesYaml(`
rules:
  - name: disk-full
    expr: disk.used_percent > 90
    severity: warning
    labels: { team: infra }
`),
            escalation: { policies: parseEscalationYaml(POLICY_YAML).policies, defaultPolicy: 'sample' },
          },
        ],
        signal: 'metricSamples',
        signalArgs: [
          { samples: [{ name: 'disk.used_percent', value: 40, unit: '%', tags: { host: 'db-1' }, at: Date.now() }] },
        ],
      }),
  },
  durabilityProbe: {
    query: 'probeStatus',
    waiting: () => true,
    start: (client, taskQueue, id) =>
      client.workflow.start('durabilityProbe', {
        taskQueue,
        workflowId: `memory/durabilityProbe/${id}`,
        args: [{ sleep: '1 hour', label: `memory-${id}` }],
      }),
  },
};

/**
 * The baseline: bench/baseline-workflow.ts's bareWaiting, a workflow that only waits, added to
 * the project's bundle for the bench (bench/memory.ts). Not a project type: kept out of
 * WAITING_SAMPLES, which lists the project bundle's types.
 */
export const BARE_TYPE = 'bareWaiting';
export const BARE_SAMPLE: WaitingSample = {
  query: 'status',
  waiting: (answer: string) => answer === 'waiting',
  start: (client, taskQueue, id) =>
    client.workflow.start(BARE_TYPE, { taskQueue, workflowId: `memory/${BARE_TYPE}/${id}` }),
};

/** How to start and recognise a waiting run of `type`: a project type or the bare baseline. */
export function waitingSample(type: string): WaitingSample {
  const sample = type === BARE_TYPE ? BARE_SAMPLE : WAITING_SAMPLES[type];
  if (!sample) throw new Error(`no waiting sample for workflow type ${type}`);
  return sample;
}

/** Workflow types that run to the end in seconds (one task and a few activities): none waits for long, so none is measured. */
export const NOT_LONG_LIVED = ['healthCheck', 'auditChainCheck', 'fundingDeposit', 'taskEvent', 'replayTriggerAction'];

let gcFunction: (() => void) | undefined;

/** global.gc, also without --expose-gc (jest workers, plain tsx): the flag is set at run time and a fresh context hands out gc. */
function collectGarbage(): void {
  if (!gcFunction) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) gcFunction = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as () => void;
    }
  }
  gcFunction();
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Heap used after full collections: the median of three readings, each after two collections. */
export async function settledHeapBytes(): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 3; i++) {
    await tick();
    collectGarbage();
    collectGarbage();
    readings.push(getHeapStatistics().used_heap_size);
  }
  return readings.sort((a, b) => a - b)[1]!;
}

export async function pool(count: number, concurrency: number, one: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await one(next++);
    }),
  );
}

export interface TypeMemory {
  type: string;
  workflows: number;
  /** Heap of this thread before this type's runs started (the worker and the warm-up runs already there). */
  heapBeforeBytes: number;
  /** ... and with its `workflows` more runs waiting. */
  heapAfterBytes: number;
  /** (after - before) / workflows: what one more waiting workflow of this type costs. */
  bytesPerWorkflow: number;
}

export type TypeOutcome = TypeMemory | { type: string; error: string };

export interface MemoryRun {
  /** Heap with the worker running and no workflow. */
  heapEmptyBytes: number;
  /** The warm-up runs (`warmUp` of each type): one-time costs included (compiled code, shared modules). */
  warmUpBytes: number;
  types: Record<string, TypeOutcome>;
}

export interface MeasureOptions {
  env: TestWorkflowEnvironment;
  store: Store;
  bundle: WorkflowBundle;
  types: string[];
  /** Waiting runs measured per type. */
  workflows: number;
  /** Runs of each type started first and not measured. */
  warmUp?: number;
  /** Give up waiting for one batch of runs to block after this long. */
  timeoutMs?: number;
}

/**
 * Measures the types one after the other on ONE fresh worker (a fresh V8 context): warm-up
 * runs of every type, then per type `workflows` more, the heap read before and after each
 * batch. A type whose runs do not wait (a failing workflow task) gets an error and its
 * runs are terminated; the other types are still measured.
 */
export async function measureWaitingTypes(options: MeasureOptions): Promise<MemoryRun> {
  const { env, store, bundle, types, workflows } = options;
  const warmUp = options.warmUp ?? 10;
  for (const type of types) waitingSample(type); // an unknown type fails here, before any worker starts
  const taskQueue = `memory-${Math.random().toString(36).slice(2, 10)}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({ store }),
    // Workflows in this thread (the same reusable V8 context a worker thread would have),
    // so this isolate's heap statistics include them; and a cache that evicts none of them.
    debugMode: true,
    maxCachedWorkflows: types.length * (warmUp + workflows) + 10,
  });
  const handle = (type: string, id: string) => env.client.workflow.getHandle(`memory/${type}/${id}`);
  // Queries that lost the race against their time limit: settled before the worker stops,
  // so none is still retrying when the connection closes.
  const outstanding = new Set<Promise<boolean>>();
  const track = (query: Promise<boolean>) => {
    outstanding.add(query);
    void query.finally(() => outstanding.delete(query));
    return query;
  };
  /** A run whose workflow task fails never waits: say why at once instead of at the deadline. */
  const failIfTaskFailed = async (type: string, id: string) => {
    const history = await handle(type, id).fetchHistory();
    const failed = history.events?.find((event) => event.workflowTaskFailedEventAttributes);
    const failure = failed?.workflowTaskFailedEventAttributes?.failure;
    if (failed) throw new Error(`${type}: its workflow task fails: ${failure?.message ?? 'no message'}`);
  };
  /** Until every run answers its query as waiting and the worker has nothing in flight. */
  const allWaiting = async (type: string, ids: string[]) => {
    const sample = waitingSample(type);
    const deadline = Date.now() + (options.timeoutMs ?? 300_000);
    let failureCheckAt = Date.now() + 3_000;
    let pending = ids;
    for (;;) {
      if (Date.now() > failureCheckAt) {
        failureCheckAt = Date.now() + 3_000;
        await failIfTaskFailed(type, pending[0]!);
      }
      const status = worker.getStatus();
      if (status.numInFlightWorkflowActivations === 0 && status.numInFlightActivities === 0) {
        // A query to a run whose first task has not completed may wait long on the server: bounded here.
        const answers = await Promise.all(
          pending.map((id) =>
            Promise.race([
              track(
                handle(type, id)
                  .query(sample.query)
                  .then((answer) => sample.waiting(answer as never))
                  .catch(() => false),
              ),
              new Promise<false>((resolve) => setTimeout(() => resolve(false), 5_000).unref()),
            ]),
          ),
        );
        pending = pending.filter((_, i) => !answers[i]);
        if (pending.length === 0 && worker.getStatus().numInFlightActivities === 0) return;
      }
      if (Date.now() > deadline)
        throw new Error(`${type}: ${pending.length} of ${ids.length} runs not waiting in time`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  /** Starts `count` runs of the type and waits until they all wait; terminates them if they never will. */
  const startAll = async (type: string, prefix: string, count: number) => {
    const ids = Array.from({ length: count }, (_, i) => `${taskQueue}-${prefix}${i}`);
    try {
      await pool(count, 16, (i) => waitingSample(type).start(env.client, taskQueue, ids[i]!));
      await allWaiting(type, ids);
    } catch (err) {
      await Promise.all(
        ids.map((id) =>
          handle(type, id)
            .terminate('memory bench: does not wait')
            .catch(() => undefined),
        ),
      );
      await Promise.allSettled([...outstanding]);
      throw err;
    }
  };
  const outcomes: Record<string, TypeOutcome> = {};
  const failed = (type: string, err: unknown) => (outcomes[type] = { type, error: (err as Error).message });
  // The runs stay open on the server when the worker stops; nothing of them stays in this process.
  return worker.runUntil(async () => {
    const heapEmptyBytes = await settledHeapBytes();
    for (const type of types) await startAll(type, 'w', warmUp).catch((err) => failed(type, err));
    let heapBeforeBytes = await settledHeapBytes();
    const warmUpBytes = heapBeforeBytes - heapEmptyBytes;
    for (const type of types.filter((t) => !outcomes[t])) {
      const cachedBefore = worker.getStatus().numCachedWorkflows;
      try {
        await startAll(type, 'n', workflows);
      } catch (err) {
        failed(type, err);
        heapBeforeBytes = await settledHeapBytes();
        continue;
      }
      const heapAfterBytes = await settledHeapBytes();
      const cached = worker.getStatus().numCachedWorkflows - cachedBefore;
      outcomes[type] =
        cached === workflows
          ? {
              type,
              workflows,
              heapBeforeBytes,
              heapAfterBytes,
              bytesPerWorkflow: (heapAfterBytes - heapBeforeBytes) / workflows,
            }
          : { type, error: `${cached} more runs cached, expected ${workflows}: evicted runs are not measured` };
      heapBeforeBytes = heapAfterBytes;
    }
    return { heapEmptyBytes, warmUpBytes, types: Object.fromEntries(types.map((type) => [type, outcomes[type]!])) };
  });
}
