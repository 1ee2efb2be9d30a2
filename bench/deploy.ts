// `npm run bench -- deploy`: what orchestration costs a deployment. The production worker on a
// dev server rolls example-web (examples/deploy/example-web/1.0.0, copied per version) out on
// the `local` target, real processes and a real reverse proxy:
// - orchestration overhead: the workflow's time (its history's first to last event) minus the
//   time spent inside its activities (each activity's start to its end, overlaps counted once:
//   the target's own commands, the health checks, the smoke test, the store's records). Beside
//   it, a baseline workflow making the same number of activity calls, each doing nothing, in
//   the same run (bench/deploy-baseline-workflow.ts): the ratio of the two overheads, and the
//   overhead per stage of the deployment;
// - time from a failed health check (the health activity's end) to the rollback's first
//   activity being scheduled, and from a firing alert sent to the service's deploy queue during
//   the watch period to the same, p50/p99.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createLocalTarget } from '../activities/deploy/local/local-target';
import { openStore } from '../db/store';
import { deploymentsConfigSchema } from '../domain/deploy/deploy-config';
import {
  deploymentWorkflowId,
  deployQueueWorkflowId,
  type DeploymentInput,
  type DeploymentView,
  type LocalTargetConfig,
  type ServiceConfig,
} from '../domain/deploy/deploy-types';
import { freePort } from '../scripts/ports';
import { buildWorkflowBundle } from '../workers/bundle';
import { createArxflowWorker } from '../workers/worker';
import { deployAlertSignal, deploymentStatusQuery } from '../workflows/deploy/deploy-messages';
import { baselineActivities } from './deploy-baseline-workflow';
import { writeResults } from './results';
import { installBenchRuntime } from './bench-runtime';
import { percentile } from './percentile';
import { localDevServerOptions } from '../scripts/dev-server';

const RUNS = Number(process.env.BENCH_DEPLOY_RUNS ?? 10);
const SERVICE = 'bench-web';
const EXAMPLE_DIR = path.resolve(__dirname, '..', 'examples', 'deploy');

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};
const median = (values: number[]) => stats(values).p50;

function msOf(event: HistoryEvent): number {
  const time = event.eventTime!;
  return Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
}

/** What a run's history says: its time, the time inside activities (overlaps once), its activity calls. */
function historyTimes(events: HistoryEvent[]) {
  const byId = new Map(events.map((event) => [Number(event.eventId), event]));
  const intervals: [number, number][] = [];
  const scheduled: { name: string; at: number; id: number }[] = [];
  for (const event of events) {
    if (event.activityTaskScheduledEventAttributes)
      scheduled.push({
        name: event.activityTaskScheduledEventAttributes.activityType!.name!,
        at: msOf(event),
        id: Number(event.eventId),
      });
    const ended =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskTimedOutEventAttributes;
    if (ended?.startedEventId) intervals.push([msOf(byId.get(Number(ended.startedEventId))!), msOf(event)]);
  }
  intervals.sort((a, b) => a[0] - b[0]);
  let inside = 0;
  let reached = -Infinity;
  for (const [from, to] of intervals) {
    if (to <= reached) continue;
    inside += to - Math.max(from, reached);
    reached = to;
  }
  const workflowMs = msOf(events.at(-1)!) - msOf(events[0]!);
  /** When the activity scheduled as event `id` ended. */
  const endOf = (id: number) => {
    const end = events.find(
      (event) =>
        Number(
          (
            event.activityTaskCompletedEventAttributes ??
            event.activityTaskFailedEventAttributes ??
            event.activityTaskTimedOutEventAttributes
          )?.scheduledEventId ?? -1,
        ) === id,
    );
    return end ? msOf(end) : NaN;
  };
  return { workflowMs, insideMs: inside, overheadMs: workflowMs - inside, scheduled, endOf };
}

async function eventsOf(handle: WorkflowHandle): Promise<HistoryEvent[]> {
  return (await handle.fetchHistory()).events ?? [];
}

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Three environments of one service, each its own ports, without approvals or windows. */
async function serviceConfig(): Promise<ServiceConfig> {
  const target = async (): Promise<Record<string, unknown>> => ({
    type: 'local',
    // One release folder for every version: the version a process reports comes from ARXFLOW_VERSION.
    artifact: 'example-web/1.0.0',
    start: 'node server.js',
    port: await freePort(),
    slotPorts: [await freePort(), await freePort()],
    stopTimeout: '5 seconds',
  });
  const health = (check: Record<string, unknown>) => ({
    checks: [{ name: 'health', ...check }],
    successes: 1,
    interval: '200 ms',
    timeout: '2 seconds',
  });
  const smoke = [{ name: 'home', path: '/', bodyMatch: '^hello from ' }];
  const parsed = deploymentsConfigSchema.parse({
    services: [
      {
        name: SERVICE,
        environments: [
          // The overhead runs: deploy, health, smoke, two progressive steps.
          { name: 'steps', target: await target(), health: health({ path: '/healthz' }), smoke, steps: [50, 100] },
          // Versions 9.x fail their health check (their home page names them): rollback.
          {
            name: 'unhealthy',
            target: await target(),
            health: health({ path: '/', bodyMatch: '^hello from 1\\.' }),
            smoke,
          },
          // A watch period an alert interrupts: rollback.
          { name: 'watched', target: await target(), health: health({ path: '/healthz' }), smoke, watch: '5 minutes' },
        ],
      },
    ],
  });
  return parsed.services[0]!;
}

export async function benchDeploy(): Promise<void> {
  installBenchRuntime();
  const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-bench-deploy-'));
  const dataDir = path.join(dir, 'data');
  const config = await serviceConfig();
  const env = await TestWorkflowEnvironment.createLocal({
    server: localDevServerOptions(),
  });
  const store = await openStore({ inMemory: true });
  const taskQueue = `bench-deploy-${process.pid}`;
  const baselineQueue = `bench-deploy-baseline-${process.pid}`;
  const worker = await createArxflowWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: await buildWorkflowBundle(),
    deps: { store, dataDir },
  });
  const baselineWorker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: baselineQueue,
    workflowsPath: require.resolve('./deploy-baseline-workflow'),
    activities: { noop: async () => undefined },
  });

  /** Without its watch period: the warm-up release of the watched environment ends at once. */
  const unwatched: ServiceConfig = {
    ...config,
    environments: config.environments.map(({ watch: _watch, ...environment }) => environment),
  };
  const deploy = async (environment: string, version: string, serviceConfig = config) => {
    const input: DeploymentInput = {
      service: SERVICE,
      environment,
      version,
      requestedBy: 'bench',
      whenBusy: 'wait',
      config: serviceConfig,
      configDir: EXAMPLE_DIR,
    };
    return env.client.workflow.start('deployment', {
      taskQueue,
      workflowId: deploymentWorkflowId(SERVICE, environment, version),
      args: [input],
    });
  };
  const ended = async (handle: WorkflowHandle, expected: DeploymentView['status']) => {
    const view = (await handle.result()) as DeploymentView;
    if (view.status !== expected)
      throw new Error(`${handle.workflowId} ended ${view.status}, not ${expected}: ${view.reason ?? ''}`);
    return view;
  };
  const rollbackScheduledAt = (times: ReturnType<typeof historyTimes>) => {
    const rollback = times.scheduled.find((activity) => activity.name === 'rollbackVersion');
    if (!rollback) throw new Error('no rollbackVersion activity in the history');
    return rollback;
  };

  try {
    const measured = await worker.runUntil(
      baselineWorker.runUntil(async () => {
        // Warm-up: the bundle, connections, the proxy and the first release of each environment.
        for (const environment of ['steps', 'unhealthy', 'watched'])
          await ended(await deploy(environment, '1.0.0', unwatched), 'succeeded');

        // Overhead: deploy 1.0.<i> with two steps; then the baseline with as many activity calls.
        const deployments: {
          overheadMs: number;
          workflowMs: number;
          insideMs: number;
          stages: number;
          calls: number;
        }[] = [];
        for (let i = 1; i <= RUNS; i++) {
          const handle = await deploy('steps', `1.0.${i}`);
          const view = await ended(handle, 'succeeded');
          const times = historyTimes(await eventsOf(handle));
          deployments.push({
            ...times,
            stages: view.stages.filter((stage) => stage.status === 'done').length,
            calls: times.scheduled.length,
          });
        }
        const calls = Math.round(median(deployments.map((run) => run.calls)));
        const baselines: { overheadMs: number; workflowMs: number; insideMs: number }[] = [];
        for (let i = 0; i < RUNS + 3; i++) {
          const handle = await env.client.workflow.start(baselineActivities, {
            taskQueue: baselineQueue,
            workflowId: `bench-deploy-baseline/${process.pid}/${i}`,
            args: [calls],
          });
          await handle.result();
          if (i >= 3) baselines.push(historyTimes(await eventsOf(handle))); // the first 3 warm up
        }

        // A failed health check to the rollback: 9.0.<i> fails, 1.0.0 serves again.
        const afterHealth: number[] = [];
        for (let i = 1; i <= RUNS; i++) {
          const handle = await deploy('unhealthy', `9.0.${i}`);
          await ended(handle, 'rolled_back');
          const times = historyTimes(await eventsOf(handle));
          const rollback = rollbackScheduledAt(times);
          const health = times.scheduled.filter(
            (activity) => activity.name === 'runHealthChecks' && activity.id < rollback.id,
          );
          afterHealth.push(rollback.at - times.endOf(health.at(-1)!.id));
        }

        // A firing alert during the watch period to the rollback.
        const afterAlert: number[] = [];
        for (let i = 1; i <= RUNS; i++) {
          const handle = await deploy('watched', `1.1.${i}`);
          await until(`${handle.workflowId} watching`, async () =>
            (await handle.query(deploymentStatusQuery)).status === 'watching' ? true : undefined,
          );
          const sentAt = Date.now();
          await env.client.workflow.getHandle(deployQueueWorkflowId(SERVICE, 'watched')).signal(deployAlertSignal, {
            alertId: `bench-${i}`,
            summary: 'bench: error rate high',
            severity: 'critical',
            labels: { service: SERVICE, environment: 'watched', alertname: 'BenchErrors' },
          });
          await ended(handle, 'rolled_back');
          afterAlert.push(rollbackScheduledAt(historyTimes(await eventsOf(handle))).at - sentAt);
        }
        return { deployments, baselines, calls, afterHealth, afterAlert };
      }),
    );

    const deployOverhead = stats(measured.deployments.map((run) => run.overheadMs));
    const baselineOverhead = stats(measured.baselines.map((run) => run.overheadMs));
    const stages = median(measured.deployments.map((run) => run.stages));
    const perStage = stats(measured.deployments.map((run) => run.overheadMs / run.stages));
    const health = stats(measured.afterHealth);
    const alert = stats(measured.afterAlert);
    const rows = [
      {
        path: `baseline: ${measured.calls} no-op activities, overhead`,
        p50: baselineOverhead.p50,
        p99: baselineOverhead.p99,
        vsBaseline: 1,
      },
      {
        path: `deployment (${stages} stages, ${measured.calls} activities), overhead`,
        p50: deployOverhead.p50,
        p99: deployOverhead.p99,
        vsBaseline: deployOverhead.p50 / baselineOverhead.p50,
      },
      { path: 'deployment overhead per stage', p50: perStage.p50, p99: perStage.p99, vsBaseline: NaN },
      {
        path: 'deployment: inside activities (target, checks)',
        p50: median(measured.deployments.map((run) => run.insideMs)),
        p99: stats(measured.deployments.map((run) => run.insideMs)).p99,
        vsBaseline: NaN,
      },
      { path: 'failed health check -> rollback started', p50: health.p50, p99: health.p99, vsBaseline: NaN },
      { path: 'alert during watch -> rollback started', p50: alert.p50, p99: alert.p99, vsBaseline: NaN },
    ];
    console.log(`\ndeploy (${RUNS} runs each, sequential, local target)`);
    console.table(
      rows.map((row) => ({
        path: row.path,
        'p50 ms': row.p50.toFixed(0),
        'p99 ms': row.p99.toFixed(0),
        'vs baseline': Number.isNaN(row.vsBaseline) ? '' : `${row.vsBaseline.toFixed(1)}x`,
      })),
    );
    writeResults('deploy', {
      runs: RUNS,
      activityCalls: measured.calls,
      stages,
      rows,
      deployments: measured.deployments,
      baselines: measured.baselines,
      failedHealthToRollbackMs: measured.afterHealth,
      alertToRollbackMs: measured.afterAlert,
    });
  } finally {
    for (const environment of config.environments)
      await createLocalTarget({
        service: SERVICE,
        environment: environment.name,
        config: environment.target as LocalTargetConfig,
        configDir: EXAMPLE_DIR,
        dataDir,
      })
        .stopAll()
        .catch((err) => console.error(`stopping ${environment.name}: ${(err as Error).message}`));
    await env.teardown();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
