import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Store } from '../../db/store';
import { schedulesConfigSchema, type ScheduleConfig, type ScheduleConfigInput } from '../../domain/schedule-config';
import {
  listSchedules,
  pauseSchedule,
  ScheduleNotFoundError,
  ScheduleSyncError,
  syncSchedules,
  triggerSchedule,
  unpauseSchedule,
  type ScheduleListing,
} from '../../client/schedules';
import { createTestWorker, startDevServerEnv, uniqueTaskQueue } from '../support/temporal-env';
import { openWorldStore } from '../support/store-backends';

const configOf = (schedules: ScheduleConfigInput[]): ScheduleConfig[] => schedulesConfigSchema.parse(schedules);

/** Polls `read` until `done` holds: schedule listings and recent actions are eventually consistent. */
async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('schedules from config on the dev server', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  const taskQueue = uniqueTaskQueue('schedules');
  // Due at most once a year, so nothing but an explicit trigger starts a run during the test.
  const yearly = '0 0 1 1 *';

  beforeAll(async () => {
    [env, store] = await Promise.all([startDevServerEnv(), openWorldStore('schedules')]);
  });
  afterAll(async () => {
    await env?.teardown();
    await store?.close();
  });

  const describeSchedule = (id: string) => env.client.schedule.getHandle(id).describe();

  it('creates on the first sync, finds everything unchanged on the second, and lists one schedule per id', async () => {
    const config = configOf([
      { id: 'audit-chain-nightly', workflowType: 'auditChainCheck', cron: '0 2 * * *', timezone: 'UTC' },
      { id: 'health-check-hourly', workflowType: 'healthCheck', every: '1 hour', overlap: 'buffer_one' },
    ]);
    expect(await syncSchedules(env.client, config, taskQueue)).toEqual({
      created: ['audit-chain-nightly', 'health-check-hourly'],
      updated: [],
      unchanged: [],
      unmanaged: [],
    });
    expect(await syncSchedules(env.client, config, taskQueue)).toEqual({
      created: [],
      updated: [],
      unchanged: ['audit-chain-nightly', 'health-check-hourly'],
      unmanaged: [],
    });

    const listed = await eventually(
      () => listSchedules(env.client),
      (all) => all.length >= 2,
      'two listed schedules',
    );
    expect(listed.map((schedule) => schedule.id)).toEqual(['audit-chain-nightly', 'health-check-hourly']);
    expect(listed[0]).toMatchObject({ workflowType: 'auditChainCheck', spec: 'cron 0 2 * * * (UTC)', paused: false });
    expect(listed[0]!.nextRunTimes[0]!.toISOString()).toMatch(/T02:00:00\.000Z$/);
    expect(listed[1]).toMatchObject({ workflowType: 'healthCheck', spec: 'every 1h (UTC)', paused: false });

    const described = await describeSchedule('health-check-hourly');
    expect(described.action).toMatchObject({
      workflowType: 'healthCheck',
      workflowId: 'schedule/health-check-hourly',
      taskQueue,
    });
    expect(described.policies.overlap).toBe('BUFFER_ONE');
  });

  it('updates a schedule whose cron changed, keeps an operator pause, and leaves the others alone', async () => {
    await pauseSchedule(env.client, 'audit-chain-nightly', 'chain under investigation');
    const config = configOf([
      { id: 'audit-chain-nightly', workflowType: 'auditChainCheck', cron: '30 3 * * MON-FRI', timezone: 'UTC' },
      { id: 'health-check-hourly', workflowType: 'healthCheck', every: '1 hour', overlap: 'buffer_one' },
    ]);
    expect(await syncSchedules(env.client, config, taskQueue)).toMatchObject({
      created: [],
      updated: ['audit-chain-nightly'],
      unchanged: ['health-check-hourly'],
    });

    const described = await describeSchedule('audit-chain-nightly');
    expect(described.spec.calendars).toEqual([
      expect.objectContaining({
        comment: '30 3 * * MON-FRI',
        minute: [{ start: 30, end: 30, step: 1 }],
        hour: [{ start: 3, end: 3, step: 1 }],
        dayOfWeek: [{ start: 'MONDAY', end: 'FRIDAY', step: 1 }],
      }),
    ]);
    expect(described.state).toMatchObject({ paused: true, note: 'chain under investigation' });
    expect(await syncSchedules(env.client, config, taskQueue)).toMatchObject({
      updated: [],
      unchanged: ['audit-chain-nightly', 'health-check-hourly'],
    });
  });

  it('reports schedules it does not manage and never deletes them', async () => {
    await env.client.schedule.create({
      scheduleId: 'made-by-hand',
      spec: { intervals: [{ every: '1 day' }] },
      action: { type: 'startWorkflow', workflowType: 'healthCheck', taskQueue },
    });
    const config = configOf([
      { id: 'health-check-hourly', workflowType: 'healthCheck', every: '1 hour', overlap: 'buffer_one' },
    ]);
    const report = await eventually(
      () => syncSchedules(env.client, config, taskQueue),
      (r) => r.unmanaged.includes('made-by-hand'),
      'made-by-hand reported as unmanaged',
    );
    expect(report).toMatchObject({ created: [], updated: [], unchanged: ['health-check-hourly'] });
    expect(report.unmanaged.sort()).toEqual(['audit-chain-nightly', 'made-by-hand']);
    await expect(describeSchedule('made-by-hand')).resolves.toBeDefined();
    await expect(describeSchedule('audit-chain-nightly')).resolves.toBeDefined();
  });

  it('names the schedule when Temporal refuses its spec', async () => {
    const config = configOf([{ id: 'bad-minute', workflowType: 'healthCheck', cron: '61 * * * *' }]);
    const error = await syncSchedules(env.client, config, taskQueue).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ScheduleSyncError);
    expect((error as ScheduleSyncError).message).toMatch(/^schedule bad-minute: .*Minute/);
  });

  it('trigger starts the workflow now, under the schedule workflow id, and it completes', async () => {
    const config = configOf([{ id: 'health-on-demand', workflowType: 'healthCheck', cron: yearly }]);
    expect(await syncSchedules(env.client, config, taskQueue)).toMatchObject({ created: ['health-on-demand'] });
    const worker = await createTestWorker(env, taskQueue, { store });
    const result = await worker.runUntil(async () => {
      await triggerSchedule(env.client, 'health-on-demand');
      const described = await eventually(
        () => describeSchedule('health-on-demand'),
        (d) => d.info.recentActions.length > 0,
        'the triggered action',
      );
      const { workflowId, firstExecutionRunId } = described.info.recentActions[0]!.action.workflow;
      expect(workflowId).toMatch(/^schedule\/health-on-demand-/);
      return env.client.workflow.getHandle(workflowId, firstExecutionRunId).result();
    });
    expect(result).toMatchObject({ database: store.db.kind, migrations: expect.any(Number) });

    const listing = await eventually(
      () => listSchedules(env.client),
      (all) => (all.find((s) => s.id === 'health-on-demand')?.recentActions.length ?? 0) > 0,
      'the triggered action in the listing',
    );
    expect(listing.find((s) => s.id === 'health-on-demand')!.recentActions[0]).toMatchObject<
      Partial<ScheduleListing['recentActions'][number]>
    >({
      workflowId: expect.stringMatching(/^schedule\/health-on-demand-/),
    });
  });

  it('the shipped audit-chain-nightly schedule runs auditChainCheck on the dev server: ok on an intact chain, then broken where a row was edited', async () => {
    // The schedule as arxflow.config.yaml ships it (cron 02:00 UTC), triggered now rather than waited for.
    const config = configOf([
      { id: 'audit-chain-nightly', workflowType: 'auditChainCheck', cron: '0 2 * * *', timezone: 'UTC' },
    ]);
    await syncSchedules(env.client, config, taskQueue);
    for (const subject of ['SCHED/M1', 'SCHED/M2', 'SCHED/M3'])
      await store.audit.append({ actor: 'u:ana', action: 'gate.opened', subject });
    const events = await store.audit.list();
    const worker = await createTestWorker(env, taskQueue, { store });
    const runs = await worker.runUntil(async () => {
      const runOnce = async (seen: number) => {
        await triggerSchedule(env.client, 'audit-chain-nightly');
        const described = await eventually(
          () => describeSchedule('audit-chain-nightly'),
          (d) => d.info.recentActions.length > seen,
          `audit-chain-nightly action ${seen + 1}`,
        );
        const { workflowId, firstExecutionRunId } = described.info.recentActions[seen]!.action.workflow;
        expect(workflowId).toMatch(/^schedule\/audit-chain-nightly-/);
        return env.client.workflow.getHandle(workflowId, firstExecutionRunId).result();
      };
      const intact = await runOnce(0);
      // Edited behind the append-only trigger: the next scheduled check must say where it breaks.
      const second = events[1]!;
      await store.db.exec(`
        ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete;
        UPDATE audit_events SET subject = 'SCHED/forged' WHERE id = ${Number(second.id)};
        ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete;`);
      return { intact, broken: await runOnce(1) };
    });
    expect(runs.intact).toMatchObject({
      ok: true,
      checked: events.length,
      anchor: { sequence: Number(events.at(-1)!.id), hash: events.at(-1)!.hash },
    });
    expect(runs.broken).toMatchObject({ ok: false, brokenAt: Number(events[1]!.id) });
  });

  it('pause and unpause show in describe with their notes', async () => {
    const config = configOf([
      { id: 'pausable', workflowType: 'healthCheck', cron: yearly, paused: true, note: 'created paused' },
    ]);
    await syncSchedules(env.client, config, taskQueue);
    expect((await describeSchedule('pausable')).state).toMatchObject({ paused: true, note: 'created paused' });

    await unpauseSchedule(env.client, 'pausable', 'survey done');
    expect((await describeSchedule('pausable')).state).toMatchObject({ paused: false, note: 'survey done' });
    await pauseSchedule(env.client, 'pausable', 'site closed for the holidays');
    expect((await describeSchedule('pausable')).state).toMatchObject({
      paused: true,
      note: 'site closed for the holidays',
    });
  });

  it('throws ScheduleNotFoundError for an unknown id', async () => {
    for (const act of [
      () => triggerSchedule(env.client, 'no-such-schedule'),
      () => pauseSchedule(env.client, 'no-such-schedule', 'n/a'),
      () => unpauseSchedule(env.client, 'no-such-schedule', 'n/a'),
    ]) {
      const error = await act().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ScheduleNotFoundError);
      expect(error).toMatchObject({ scheduleId: 'no-such-schedule', message: 'schedule no-such-schedule not found' });
    }
  });
});
