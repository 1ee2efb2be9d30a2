import { WorkflowUpdateFailedError } from '@temporalio/client';
import { FundingGates } from '../../client/funding';
import { drawInput, registerPayees } from '../fixtures/funding-gate';
import { createTestWorker, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';

describe('FundingGates: typed client helpers for services', () => {
  const world = useTimeSkippingWorld();

  it('deposits, starts idempotently, decides, and reports refusals as update failures', async () => {
    const taskQueue = uniqueTaskQueue('funding-client');
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    const gates = new FundingGates(world.env.client, taskQueue);
    const draw = { projectId: 'SVC', milestoneId: 'M1' };
    await registerPayees(world.store, 'SVC', ['acme-builders']);
    const result = await worker.runUntil(async () => {
      expect(
        await gates.deposit({ projectId: 'SVC', reference: 'wire-9', amount: 10_000_000, currency: 'USD' }),
      ).toMatchObject({ balance: 10_000_000 });
      const first = await gates.start(drawInput({ ...draw, conditions: [] }));
      const again = await gates.start(drawInput({ ...draw, conditions: [] }));
      expect(again.firstExecutionRunId).toBe(first.firstExecutionRunId);
      await expect(gates.decide(draw, { decision: 'approve', actor: 'gc-alex', roles: [] })).rejects.toBeInstanceOf(
        WorkflowUpdateFailedError,
      );
      expect((await gates.decide(draw, { decision: 'approve', actor: 'rita', roles: [] })).approvals.currentStage).toBe(
        'signatory',
      );
      await gates.decide(draw, { decision: 'approve', actor: 'sam', roles: ['signatory'] });
      return first.result();
    });
    expect(result).toMatchObject({ status: 'completed', release: { totals: { approved: 3_000_000 } } });
  });
});
