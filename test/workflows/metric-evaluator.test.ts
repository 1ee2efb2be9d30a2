import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { AlertStatusView } from '../../domain/alerts/alert-state';
import { parseEscalationYaml } from '../../domain/alerts/escalation-policy-schemas';
import { alertWorkflowId, metricDedupKey } from '../../domain/alerts/dedup';
import { seriesKeyOf } from '../../domain/alerts/metric-rules';
import { parseMetricRulesYaml } from '../../domain/alerts/metric-rules-schemas';
import { alertStatusQuery, metricEvaluator, metricEvaluatorStatusQuery, metricSamplesSignal } from '../../workflows';
import type { MetricEvaluatorInput, MetricEvaluatorStatus } from '../../workflows/alerts/metric-messages';
import { createTestWorker, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';

const MIN = 60_000;

const rules = parseMetricRulesYaml(`
rules:
  - name: cpu-high
    expr: cpu.load > 0.9
    for: 5 minutes
    severity: error
    labels: { team: infra }
  - name: disk-full
    expr: disk.used_percent > 90
`);
const escalation = parseEscalationYaml(`
default: infra
policies:
  - name: infra
    levels:
      - notify: [{ email: oncall@example.com }]
        escalateAfter: 10 minutes
`);

/** Polls (real time: the server's clock only jumps in env.sleep) until `check` passes. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && check(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} never happened: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('metricEvaluator on the time-skipping server', () => {
  const world = useTimeSkippingWorld();

  async function run<T>(work: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = uniqueTaskQueue('metrics');
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    return worker.runUntil(work(taskQueue));
  }

  /** Started as the gateway does (signalWithStart), with an id of its own per test. */
  async function startEvaluator(
    taskQueue: string,
    first: { name: string; value: number; tags: Record<string, string> },
    options?: MetricEvaluatorInput['options'],
  ) {
    const input: MetricEvaluatorInput = { rules, escalation, ...(options ? { options } : {}) };
    const handle = await world.env.client.workflow.signalWithStart(metricEvaluator, {
      taskQueue,
      workflowId: `metric-evaluator/test-${randomUUID()}`,
      args: [input],
      signal: metricSamplesSignal,
      signalArgs: [{ samples: [{ ...first, at: await world.env.currentTimeMs() }] }],
    });
    const evaluator = world.env.client.workflow.getHandle(handle.workflowId); // follows continue-as-new
    const send = async (value: number) =>
      evaluator.signal(metricSamplesSignal, { samples: [{ ...first, value, at: await world.env.currentTimeMs() }] });
    const status = (check: (s: MetricEvaluatorStatus) => boolean, what: string) =>
      eventually(() => evaluator.query(metricEvaluatorStatusQuery), check, what);
    return { evaluator, send, status };
  }

  const alertOf = (rule: string, name: string, tags: Record<string, string>): WorkflowHandle =>
    world.env.client.workflow.getHandle(alertWorkflowId(metricDedupKey(rule, seriesKeyOf(name, tags))));
  const runState = (alert: WorkflowHandle) =>
    alert.describe().then(
      (d) => d.status.name,
      () => 'NOT_FOUND',
    );
  const alertView = (alert: WorkflowHandle, check: (v: AlertStatusView) => boolean, what: string) =>
    eventually(() => alert.query(alertStatusQuery), check, what);

  it('fires once a breach has held for `for` (with no sample at that moment), and resolves the alert on recovery', async () => {
    const tags = { host: 'web-1' };
    const alert = alertOf('cpu-high', 'cpu.load', tags);
    await run(async (taskQueue) => {
      const { send, status } = await startEvaluator(taskQueue, { name: 'cpu.load', value: 0.95, tags });
      await world.env.sleep(2 * MIN);
      await send(0.97);
      await status(
        (s) => s.series[0]?.lastValue === 0.97 && s.series[0].phase === 'pending',
        'second breaching sample',
      );
      expect(await runState(alert)).toBe('NOT_FOUND');

      await world.env.sleep(4 * MIN); // the evaluator's own timer fires at 5 minutes
      const firing = await status((s) => s.totals.raised === 1, 'firing');
      // At the timer, give or take the workflow task's start: not at the next sample.
      expect(firing.series[0]!.firingSince! - firing.series[0]!.activeSince).toBeGreaterThanOrEqual(5 * MIN);
      expect(firing.series[0]!.firingSince! - firing.series[0]!.activeSince).toBeLessThan(5 * MIN + 10_000);
      await alertView(alert, (v) => v.status === 'triggered', 'alert opened');

      await send(0.99); // still breaching: the same alert, not a second one
      await status((s) => s.totals.samples === 3, 'third sample');
      expect(await alert.query(alertStatusQuery)).toMatchObject({ count: 1, severity: 'error', policy: 'infra' });
      const alertRun = (await alert.describe()).runId;

      // Five minutes after firing a breaching sample re-sends the trigger to the open alert
      // (its start is refused as already started): last-seen moves, still one alert.
      await world.env.sleep(4 * MIN);
      await send(0.98);
      await alertView(alert, (v) => v.count === 2, 'repeat reached the alert');
      expect((await alert.describe()).runId).toBe(alertRun);

      await send(0.42);
      await eventually(
        () => runState(alert),
        (state) => state === 'COMPLETED',
        'alert closed',
      );
      expect(await alert.query(alertStatusQuery)).toMatchObject({
        status: 'resolved',
        resolved: { reason: 'source' },
        count: 2,
      });
      expect(await status((s) => s.totals.resolved === 1, 'resolved')).toMatchObject({
        series: [],
        totals: { raised: 1, resolved: 1, samples: 5 },
      });
    });
  });

  it('resolves a firing series that stops reporting once the stale period has passed, then ends when idle', async () => {
    const tags = { host: 'db-2' };
    const alert = alertOf('disk-full', 'disk.used_percent', tags);
    await run(async (taskQueue) => {
      const { evaluator, status } = await startEvaluator(
        taskQueue,
        { name: 'disk.used_percent', value: 95, tags },
        { idleAfterMs: 10 * MIN },
      );
      await alertView(alert, (v) => v.status === 'triggered', 'alert opened at once (no `for`)');
      await world.env.sleep(4 * MIN);
      expect(await runState(alert)).toBe('RUNNING');
      await world.env.sleep(2 * MIN); // 5 minutes without a sample: stale
      await eventually(
        () => runState(alert),
        (state) => state === 'COMPLETED',
        'alert closed',
      );
      expect(await alert.query(alertStatusQuery)).toMatchObject({ status: 'resolved', resolved: { reason: 'source' } });
      expect(await status((s) => s.totals.resolved === 1, 'stale')).toMatchObject({ series: [] });
      // Nothing breaching, nobody reporting for 10 minutes: the run ends (the next sample starts another).
      await world.env.sleep(5 * MIN);
      await eventually(
        () => runState(evaluator),
        (state) => state === 'COMPLETED',
        'evaluator ended',
      );
    });
  });

  // Last: the first run closes by continue-as-new while the alert it started with ABANDON
  // runs on; the Java test server may stop skipping time after that (sdk-typescript#1101).
  it('carries the firing state across continue-as-new: no second alert, and recovery still resolves it', async () => {
    const tags = { host: 'db-3' };
    const alert = alertOf('disk-full', 'disk.used_percent', tags);
    await run(async (taskQueue) => {
      const { evaluator, send, status } = await startEvaluator(
        taskQueue,
        { name: 'disk.used_percent', value: 95, tags },
        { samplesPerRun: 2 },
      );
      const firstRun = (await evaluator.describe()).runId;
      await alertView(alert, (v) => v.status === 'triggered', 'alert opened');
      await send(96);
      await eventually(
        () => evaluator.describe(),
        (d) => d.runId !== firstRun,
        'continued as new',
      );
      expect(await status(() => true, 'status')).toMatchObject({
        totals: { samples: 2, raised: 1 },
        series: [{ phase: 'firing', lastValue: 96 }],
      });

      await send(97);
      await status((s) => s.totals.samples === 3, 'sample in the new run');
      expect(await alert.query(alertStatusQuery)).toMatchObject({ status: 'triggered', count: 1 });
      await send(40);
      await eventually(
        () => runState(alert),
        (state) => state === 'COMPLETED',
        'alert closed',
      );
      expect(await alert.query(alertStatusQuery)).toMatchObject({ status: 'resolved', count: 1 });
    });
  });
});
