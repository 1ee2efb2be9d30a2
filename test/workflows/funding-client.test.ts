import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { openStore, type Store } from '../../db/store';
import { FundingGates } from '../../client/funding';
import { drawInput } from '../fixtures/funding-gate';
import { createTestWorker, startTimeSkippingEnv, uniqueTaskQueue } from '../support/temporal-env';

describe('FundingGates: typed client helpers for services', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;

  beforeAll(async () => {
    [env, store] = await Promise.all([startTimeSkippingEnv(), openStore({ inMemory: true })]);
  });
  afterAll(async () => {
    await env?.teardown();
    await store?.close();
  });

  it('deposits, starts idempotently, decides, and reports refusals as update failures', async () => {
    const taskQueue = uniqueTaskQueue('funding-client');
    const worker = await createTestWorker(env, taskQueue, { store });
    const gates = new FundingGates(env.client, taskQueue);
    const draw = { projectId: 'SVC', milestoneId: 'M1' };
    const result = await worker.runUntil(async () => {
      expect(await gates.deposit({ projectId: 'SVC', reference: 'wire-9', amount: 10_000_000, currency: 'USD' })).toMatchObject({ balance: 10_000_000 });
      const first = await gates.start(drawInput({ ...draw, conditions: [] }));
      const again = await gates.start(drawInput({ ...draw, conditions: [] }));
      expect(again.firstExecutionRunId).toBe(first.firstExecutionRunId);
      await expect(gates.decide(draw, { decision: 'approve', actor: 'gc-alex', roles: [] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      expect((await gates.decide(draw, { decision: 'approve', actor: 'rita', roles: [] })).approvals.currentStage).toBe('signatory');
      await gates.decide(draw, { decision: 'approve', actor: 'sam', roles: ['signatory'] });
      return first.result();
    });
    expect(result).toMatchObject({ status: 'completed', release: { totals: { approved: 3_000_000 } } });
  });
});
