import { MESSAGES_PER_RUN } from '../../domain/alerts/history-bound';
import type { GateCarried } from '../../domain/funding/gate-carried';
import { fundingGateId, type FundingGateInput } from '../../domain/funding/gate-input';
import { Ledger, ledgerAccounts } from '../../db/ledger';
import {
  decideSignal,
  decideUpdate,
  evidenceUpdate,
  fundingGate,
  reverseSignal,
  reverseUpdate,
  statusQuery,
} from '../../workflows';
import { drawInput, fundProject } from '../fixtures/funding-gate';
import { useDevServerWorld } from '../support/dev-server-world';
import { gateStatusWhen } from '../support/funding-status';
import { floodInBatches, runsOf, SERVER_SUGGESTS_CONTINUE_AS_NEW_AT } from '../support/history-runs';

/**
 * Refused approval signals sent to one open draw: the suite's 1,200 cross the workflow's own
 * bound (MESSAGES_PER_RUN, 400 messages a run) at least twice; the 20,000 are
 * `ARXFLOW_FLOOD_SIGNALS=20000`.
 */
const MESSAGES = Number(process.env.ARXFLOW_FLOOD_SIGNALS ?? 1_200);
const BATCH = 200;
const FUNDED = 10_000_000;
const waiver = { kind: 'lien_waiver', from: 'acme-builders', throughDate: '2026-11-30', amount: 2_700_000 };

/**
 * A draw flooded with refused approvals (the requester's own, four eyes; the reviewer's
 * second vote, a duplicate) on the dev server, which suggests continuing as new: every run of
 * the chain stays under the suggested history length, every refusal is counted, the clock
 * keeps its wall time across the runs, and the gate still approves, pays once and completes.
 */
describe('fundingGate under a flood of refused approval signals (dev server)', () => {
  const world = useDevServerWorld('funding-flood');

  /** A funded draw started with both conditions met and the first stage approved: the signatory stage is what is left. */
  async function startAwaitingSignatory(input: FundingGateInput) {
    const workflowId = fundingGateId(input);
    await fundProject(world.store, input.projectId, FUNDED);
    const handle = await world.env.client.workflow.start(fundingGate, {
      taskQueue: world.taskQueue,
      workflowId,
      args: [input],
    });
    await handle.executeUpdate(evidenceUpdate, {
      args: [{ kind: 'document', name: 'schedule-of-values', actor: 'gc-alex' }],
    });
    await handle.executeUpdate(evidenceUpdate, {
      args: [{ ...waiver, waiverType: 'conditional-progress', actor: 'gc-alex' }],
    });
    await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'rita', roles: [] }] });
    return { workflowId, handle };
  }

  it('continues as new, each run under the suggested limit, and still approves and pays once', async () => {
    const client = world.env.client;
    const input: FundingGateInput = drawInput({ projectId: `FLOOD${Date.now() % 100_000}`, milestoneId: 'M1' });
    const { workflowId, handle } = await startAwaitingSignatory(input);

    const began = Date.now();
    // To the workflow id, so each reaches whichever run is current.
    const target = client.workflow.getHandle<typeof fundingGate>(workflowId);
    const view = () => target.query(statusQuery);
    await floodInBatches({
      count: MESSAGES,
      batch: BATCH,
      send: (i) =>
        target.signal(
          decideSignal,
          i % 2 === 0
            ? { decision: 'approve', actor: 'gc-alex', roles: ['signatory'], comment: `mine ${i}` }
            : { decision: 'approve', actor: 'rita', roles: [], comment: `again ${i}` },
        ),
      handled: async () => {
        const status = await view();
        return status.approvals.refused.length + (status.refusalsDropped ?? 0);
      },
    });
    const seconds = (Date.now() - began) / 1000;
    const flooded = await view();
    // Every one counted (the newest kept, the rest as a count); nothing else changed.
    expect(flooded.approvals.refused.length + (flooded.refusalsDropped ?? 0)).toBe(MESSAGES);
    expect(flooded.approvals.refused.at(-1)).toMatchObject({ actor: expect.stringMatching(/^(gc-alex|rita)$/) });
    expect(flooded.approvals.votes.map((v) => v.actor)).toEqual(['rita']);
    expect(flooded.status).toBe('open');

    // The signatory approves: the gate pays, then completes on the unconditional waiver.
    await target.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'sam', roles: ['signatory'] }] });
    const paid = await gateStatusWhen(client, workflowId, (s) => s.status === 'disbursed', 60_000);
    expect(paid.status).toBe('disbursed');
    await target.executeUpdate(evidenceUpdate, {
      args: [{ ...waiver, waiverType: 'unconditional-progress', actor: 'gc-alex' }],
    });
    const finished = await target.result();
    expect(finished.status).toBe('completed');
    expect(finished.approvals.votes.map((v) => v.actor)).toEqual(['rita', 'sam']);

    const runs = await runsOf(client, workflowId, handle.firstExecutionRunId);
    console.log(
      `fundingGate, ${MESSAGES} refused approvals in ${seconds.toFixed(1)} s: ${runs.length} runs of ${runs.map((r) => r.events).join(', ')} events`,
    );
    expect(runs.length).toBeGreaterThanOrEqual(Math.min(3, Math.floor(MESSAGES / MESSAGES_PER_RUN)));
    for (const { events } of runs) expect(events).toBeLessThan(SERVER_SUGGESTS_CONTINUE_AS_NEW_AT);

    // Each run took over the gate as it stood, waiting for approvals with the same release
    // number, its clock counting from the draw's start (not the run's).
    const carried = runs.slice(1).map((run) => (run.input as FundingGateInput).carried as GateCarried);
    const firstStart = carried[0]!.gate.clock.runningSince;
    for (const state of carried) {
      expect(state).toMatchObject({ phase: 'collecting', releaseNumber: 1 });
      expect(state.gate.clock.runningSince).toBe(firstStart);
      expect(state.gate.approvals.votes.map((v) => v.actor)).toEqual(['rita']);
    }
    expect(Date.parse(finished.timeline[0]!.at)).toBe(firstStart);

    // The money moved once: one disbursement posting, one payout.
    const count = async (sql: string) => (await world.store.db.query<{ n: number }>(sql, [workflowId]))[0]?.n;
    expect(
      await count(
        "SELECT count(*)::int AS n FROM ledger_transactions WHERE workflow_id = $1 AND kind = 'disbursement'",
      ),
    ).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM ledger_payouts WHERE workflow_id = $1')).toBe(1);
    const totals = finished.release!.totals;
    const ledger = new Ledger(world.store.db);
    expect(await ledger.balance(ledgerAccounts.projectFunding(input.projectId))).toBe(
      FUNDED - totals.releasedNow - totals.retainageHeld,
    );

    // The audit chain across the runs: opened once, each run after the first linked to the one
    // before, every timeline entry once, paid and closed once.
    const subject = `${input.projectId}/${input.milestoneId}`;
    const audited = await world.store.db.query<{ action: string; data: { previousRunId?: string } | null }>(
      'SELECT action, data FROM audit_events WHERE subject = $1 ORDER BY id',
      [subject],
    );
    const actions = audited.map((e) => e.action);
    const times = (action: string) => actions.filter((a) => a === action).length;
    expect(times('funding.opened')).toBe(1);
    expect(audited.filter((e) => e.action === 'funding.continued').map((e) => e.data?.previousRunId)).toEqual(
      runs.slice(0, -1).map((r) => r.runId),
    );
    expect(times('funding.vote_approve')).toBe(2);
    expect(times('funding.evidence_lien_waiver')).toBe(2);
    expect(times('funding.disbursed')).toBe(2); // the timeline entry (with the amount) and the status change
    expect(times('funding.completed')).toBe(1);
    expect(times('funding.closed')).toBe(1);
    expect((await world.store.audit.verify()).ok).toBe(true);
  }, 600_000); // 20,000 signals through a dev server: a few minutes on a loaded 2-core machine.

  it('after payment, across runs: the waiver deadline keeps its wall time, is flagged once, and a reversal undoes the one payment', async () => {
    const client = world.env.client;
    const base = drawInput();
    // Twenty messages a run: 100 refused reversals make five or more runs while the waiver is awaited.
    const input: FundingGateInput = {
      ...base,
      projectId: `PAID${Date.now() % 100_000}`,
      milestoneId: 'M2',
      clocks: { ...base.clocks, unconditionalWaiverDue: '20 seconds' },
      options: { messagesPerRun: 20 },
    };
    const { workflowId, handle } = await startAwaitingSignatory(input);
    await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'sam', roles: ['signatory'] }] });
    const paid = await gateStatusWhen(client, workflowId, (s) => s.status === 'disbursed', 60_000);
    expect(paid.status).toBe('disbursed');
    const paidAt = Date.parse(paid.timeline.find((e) => e.event === 'disbursed')!.at);

    const target = client.workflow.getHandle<typeof fundingGate>(workflowId);
    const REFUSED = 100;
    await floodInBatches({
      count: REFUSED,
      batch: 20,
      // No approver role: refused, and recorded with the others.
      send: (i) => target.signal(reverseSignal, { reason: `mine ${i}`, actor: 'gc-alex', roles: ['operator'] }),
      handled: async () => {
        const status = await target.query(statusQuery);
        return status.refused.length + (status.refusalsDropped ?? 0);
      },
      seconds: 60,
    });
    const overdue = await gateStatusWhen(client, workflowId, (s) => s.unconditionalWaiverOverdue, 90_000);
    expect(overdue.unconditionalWaiverOverdue).toBe(true);
    await target.executeUpdate(reverseUpdate, {
      args: [{ reason: 'wrong payee', actor: 'rita', roles: ['approver'] }],
    });
    const finished = await target.result();
    expect(finished.status).toBe('reversed');
    expect(finished.refused.length + (finished.refusalsDropped ?? 0)).toBe(REFUSED);

    const runs = await runsOf(client, workflowId, handle.firstExecutionRunId);
    console.log(
      `fundingGate, ${REFUSED} refused reversals after payment: ${runs.length} runs of ${runs.map((r) => r.events).join(', ')} events`,
    );
    expect(runs.length).toBeGreaterThanOrEqual(3);
    // Every run after the payment carried the same deadline, counted from the payment; none paid again.
    const carried = runs.slice(1).map((run) => (run.input as FundingGateInput).carried as GateCarried);
    const dueAt = carried[0]!.waiverDueAt!;
    // Counted from the payment (the wait begins once the payment's audit is written).
    expect(dueAt - paidAt).toBeGreaterThanOrEqual(20_000);
    expect(dueAt - paidAt).toBeLessThan(30_000);
    for (const state of carried) {
      expect(state).toMatchObject({ phase: 'disbursed', releaseNumber: 1, waiverDueAt: dueAt });
      expect(state.gate.payment).toEqual(paid.payment);
    }
    // Flagged once, at the deadline (not a later run's start plus the wait).
    const flagged = finished.timeline
      .filter((e) => e.event === 'unconditional waiver overdue')
      .map((e) => Date.parse(e.at));
    expect(flagged).toHaveLength(1);
    expect(flagged[0]!).toBeGreaterThanOrEqual(dueAt);
    expect(flagged[0]! - dueAt).toBeLessThan(15_000);

    // Paid once, reversed once: the funding account is whole again.
    const count = async (sql: string) => (await world.store.db.query<{ n: number }>(sql, [workflowId]))[0]?.n;
    expect(
      await count(
        "SELECT count(*)::int AS n FROM ledger_transactions WHERE workflow_id = $1 AND kind = 'disbursement'",
      ),
    ).toBe(1);
    expect(await new Ledger(world.store.db).balance(ledgerAccounts.projectFunding(input.projectId))).toBe(FUNDED);
    const subject = `${input.projectId}/${input.milestoneId}`;
    const actions = (
      await world.store.db.query<{ action: string }>('SELECT action FROM audit_events WHERE subject = $1', [subject])
    ).map((e) => e.action);
    expect(actions.filter((a) => a === 'funding.unconditional_waiver_overdue')).toHaveLength(1);
    expect(actions.filter((a) => a === 'funding.reversed')).toHaveLength(2); // the timeline entry and the status change
    expect(actions.filter((a) => a === 'funding.continued')).toHaveLength(runs.length - 1);
  }, 300_000);
});
