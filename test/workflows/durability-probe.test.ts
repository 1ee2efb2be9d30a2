import { WorkflowFailedError } from '@temporalio/client';
import { durabilityProbe, probeStatusQuery, wakeUpSignal, wakeUpUpdate } from '../../workflows';
import { createTestWorker, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('durabilityProbe on the time-skipping server', () => {
  const world = useTimeSkippingWorld();

  it('sleeps on a 30-day durable timer in seconds of wall time and records each step once', async () => {
    const taskQueue = uniqueTaskQueue();
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    const wallStart = Date.now();
    const result = await worker.runUntil(
      world.env.client.workflow.execute(durabilityProbe, {
        taskQueue,
        workflowId: 'durability-probe/thirty-days',
        args: [{ sleep: '30 days', label: 'thirty-days' }],
      }),
    );
    const wallSeconds = (Date.now() - wallStart) / 1000;

    const workflowDays = (Date.parse(result.completedAt) - Date.parse(result.startedAt)) / DAY_MS;
    expect(workflowDays).toBeGreaterThanOrEqual(30);
    expect(workflowDays).toBeLessThan(30.01);
    expect(wallSeconds).toBeLessThan(60); // behaviour check: the timer was skipped, not waited for

    const events = await world.store.audit.list();
    const probeEvents = events.filter((e) => e.workflowId === 'durability-probe/thirty-days');
    expect(probeEvents.map((e) => e.action)).toEqual(['probe.started', 'probe.completed']);
    expect(await world.store.audit.verify()).toMatchObject({
      ok: true,
      checked: events.length,
      anchor: { sequence: events.at(-1)!.id },
    });
  });

  it('wakes up by Update; a refused wake-up Signal is kept in probeStatus with why it was refused', async () => {
    const taskQueue = uniqueTaskQueue();
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    const result = await worker.runUntil(async () => {
      const handle = await world.env.client.workflow.start(durabilityProbe, {
        taskQueue,
        workflowId: 'durability-probe/woken',
        args: [{ sleep: '30 days', label: 'woken' }],
      });
      await handle.signal(wakeUpSignal, { reason: '', actor: 'ops:ann' });
      expect((await handle.query(probeStatusQuery)).refusedWakeUps).toEqual([
        { actor: 'ops:ann', reason: '', refusal: 'reason: a reason is required' },
      ]);
      const woken = await handle.executeUpdate(wakeUpUpdate, { args: [{ reason: 'upgrade done', actor: 'ops:ann' }] });
      expect(woken).toMatchObject({ phase: 'awake', wokenBy: 'ops:ann', wokenEarly: true });
      return handle.result();
    });
    expect(result.wokenBy).toBe('ops:ann');
  });

  it('fails with a non-retryable InvalidInput naming the field when the duration is not one', async () => {
    const taskQueue = uniqueTaskQueue();
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    const run = world.env.client.workflow.execute(durabilityProbe, {
      taskQueue,
      workflowId: 'durability-probe/bad-input',
      args: [{ sleep: 'next tuesday' }],
    });
    const error = await worker.runUntil(run.catch((err: unknown) => err));
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe('InvalidInput');
    expect(cause.message).toMatch(/sleep/);
  });
});
