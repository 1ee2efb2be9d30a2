import { openStore, type Store } from '../../db/store';
import { TaskTriggers } from '../../db/task-triggers';
import type { TaskTriggerInput } from '../../domain/task-triggers';
import { storeBackends, type StoreBackend } from '../support/store-backends';

const trigger = (id: string, projectId: string, taskId: string): TaskTriggerInput => ({
  id,
  projectId,
  taskId,
  triggerType: 'task_completed',
  actions: [{ type: 'notify', channel: 'log', recipients: ['ops'], subject: 's', body: '' }],
});

// The trigger map's listing and the dead letters' replay bookkeeping, on every backend.
describe.each(storeBackends('task triggers store'))('task triggers on %s', (_name, createBackend) => {
  let backend: StoreBackend;
  let store: Store;
  let triggers: TaskTriggers;

  beforeAll(async () => {
    backend = await createBackend();
    store = await openStore(backend.location);
    triggers = new TaskTriggers(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await backend?.cleanup();
  });

  it('lists triggers by project and task, in the order events run them', async () => {
    for (const [id, project, task] of [
      ['b', 'P1', 'T1'],
      ['a', 'P1', 'T1'],
      ['c', 'P1', 'T2'],
      ['d', 'P2', 'T1'],
    ]) {
      await triggers.upsert(trigger(id!, project!, task!));
    }
    const ids = async (filter: { projectId?: string; taskId?: string }) =>
      (await triggers.list(filter)).map((t) => t.id);
    expect(await ids({})).toEqual(['b', 'a', 'c', 'd']);
    expect(await ids({ projectId: 'P1' })).toEqual(['b', 'a', 'c']);
    expect(await ids({ taskId: 'T1' })).toEqual(['b', 'a', 'd']);
    expect(await ids({ projectId: 'P1', taskId: 'T2' })).toEqual(['c']);
    expect(await ids({ projectId: 'P9' })).toEqual([]);
  });

  it('records replay attempts in order and marks a dead letter replayed once', async () => {
    await triggers.recordDeadLetter({
      key: 'k',
      triggerId: 'b',
      action: { type: 'webhook' },
      error: 'down',
      attempts: 5,
    });
    await triggers.recordDeadLetter({
      key: 'k/retry',
      originKey: 'k',
      triggerId: 'b',
      action: { type: 'webhook' },
      error: 'down',
      attempts: 1,
    });
    expect(await triggers.deadLetter('k')).toMatchObject({
      originKey: 'k',
      replayAttempts: 0,
      replayWorkflowId: null,
      replayedAt: null,
    });
    expect(await triggers.deadLetter('k/retry')).toMatchObject({ originKey: 'k' });

    await triggers.recordReplayStart('k', 'replay/k/2', 2);
    await triggers.recordReplayStart('k', 'replay/k/1', 1); // late: never overwrites a newer attempt
    expect(await triggers.deadLetter('k')).toMatchObject({ replayAttempts: 2, replayWorkflowId: 'replay/k/2' });

    expect(
      await triggers.recordReplayDone({
        key: 'k',
        replayWorkflowId: 'replay/k/2',
        outcome: 'dead_lettered',
        newDeadLetterKey: 'k/retry',
      }),
    ).toBe(true);
    expect(
      await triggers.recordReplayDone({
        key: 'k',
        replayWorkflowId: 'replay/k/2',
        outcome: 'dead_lettered',
        newDeadLetterKey: 'k/retry',
      }),
    ).toBe(true);
    expect(await triggers.recordReplayDone({ key: 'k', replayWorkflowId: 'replay/k/3', outcome: 'delivered' })).toBe(
      false,
    );
    await triggers.recordReplayStart('k', 'replay/k/3', 3); // a replayed letter takes no more attempts
    expect(await triggers.deadLetter('k')).toMatchObject({
      replayAttempts: 2,
      replayWorkflowId: 'replay/k/2',
      replayOutcome: 'dead_lettered',
      replayDeadLetterKey: 'k/retry',
      replayedAt: expect.any(Date),
    });
    expect((await triggers.deadLetters({ triggerId: 'b' })).map((letter) => letter.key)).toEqual(['k', 'k/retry']);
    expect(await triggers.deadLetter('nope')).toBeUndefined();
  });
});
