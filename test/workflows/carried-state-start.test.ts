import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Ledger, ledgerAccounts } from '../../db/ledger';
import type { GateCarried } from '../../domain/funding/gate-carried';
import { FundingGate } from '../../domain/funding/gate';
import { fundingGateId, fundingGateInputSchema } from '../../domain/funding/gate-input';
import { fundingGate } from '../../workflows';
import { drawInput, fundProject } from '../fixtures/funding-gate';
import { createTestWorker, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';

// Carried state is what a run hands the next one when it continues as new; it is trusted as the
// workflow's own. A start that brings one (here a client's, with a gate whose conditions are met
// and whose approvals are given) is refused before anything happens: no payment, no audit.
describe('a start that brings carried state is refused (time-skipping server)', () => {
  const world = useTimeSkippingWorld();

  it('fundingGate started with a carried, fully approved gate fails as InvalidInput naming carried, and pays nothing', async () => {
    const input = drawInput({ projectId: 'FORGED', milestoneId: 'M1' });
    await fundProject(world.store, 'FORGED', 10_000_000);
    const at = Date.now() - 60_000;
    const forged = new FundingGate(fundingGateInputSchema.parse(input), at);
    forged.bounded = true;
    forged.addEvidence({ kind: 'document', name: 'schedule-of-values', actor: 'mallory' }, at + 1_000);
    forged.addEvidence(
      {
        kind: 'lien_waiver',
        from: 'acme-builders',
        throughDate: '2026-11-30',
        amount: 2_700_000,
        waiverType: 'conditional-progress',
        actor: 'mallory',
      },
      at + 2_000,
    );
    forged.vote({ decision: 'approve', actor: 'rita', roles: [] }, at + 3_000);
    forged.vote({ decision: 'approve', actor: 'sam', roles: ['signatory'] }, at + 4_000);
    expect(forged.readyToPay(at + 5_000)).toBe(true); // what the forger hoped for
    const carried: GateCarried = { phase: 'collecting', releaseNumber: 1, unaudited: 0, gate: forged.snapshot() };

    const taskQueue = uniqueTaskQueue('forged');
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    const failure = await worker.runUntil(
      world.env.client.workflow
        .execute(fundingGate, { taskQueue, workflowId: fundingGateId(input), args: [{ ...input, carried }] })
        .then(
          () => undefined,
          (err: unknown) => err,
        ),
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('InvalidInput');
    expect((cause as ApplicationFailure).message).toMatch(/fundingGate input: carried: only a run continued as new/);
    const payable = await new Ledger(world.store.db)
      .balance(ledgerAccounts.payeePayable('acme-builders'))
      .catch(() => 0);
    expect(payable).toBe(0);
    const audited = await world.store.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_events WHERE subject = 'FORGED/M1'",
    );
    expect(audited[0]!.n).toBe(0);
  });
});
