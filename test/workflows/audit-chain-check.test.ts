import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { openStore, type Store } from '../../db/store';
import { auditChainCheck } from '../../workflows';
import { createTestWorker, startTimeSkippingEnv, uniqueTaskQueue } from '../support/temporal-env';

describe('auditChainCheck on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;

  beforeAll(async () => {
    [env, store] = await Promise.all([startTimeSkippingEnv(), openStore({ inMemory: true })]);
  });
  afterAll(async () => {
    await env?.teardown();
    await store?.close();
  });

  async function runCheck(workflowId: string) {
    const taskQueue = uniqueTaskQueue();
    const worker = await createTestWorker(env, taskQueue, { store });
    return worker.runUntil(env.client.workflow.execute(auditChainCheck, { taskQueue, workflowId }));
  }

  it('reports an intact chain as ok with the number of events checked', async () => {
    for (const subject of ['PROJ1/M1', 'PROJ1/M2', 'PROJ2/M1']) {
      await store.audit.append({ actor: 'u:ana', action: 'gate.opened', subject });
    }
    expect(await runCheck('audit-chain-check/intact')).toEqual({ ok: true, checked: 3 });
    expect(await store.audit.list()).toHaveLength(3); // a check writes nothing
  });

  it('completes with ok false and where the chain breaks when a row was edited behind the trigger', async () => {
    await store.db.exec(`
      ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete;
      UPDATE audit_events SET subject = 'PROJ9/M9' WHERE id = 2;
      ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete;`);

    expect(await runCheck('audit-chain-check/edited')).toEqual({
      ok: false, checked: 1, brokenAt: 2, reason: expect.stringMatching(/edited/),
    });
    const events = await store.audit.list();
    expect(events.map((event) => event.subject)).toEqual(['PROJ1/M1', 'PROJ9/M9', 'PROJ2/M1']); // evidence left as found
  });
});
