import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ledgerOnlyProvider, PaymentRefusedError, type PaymentProvider } from '../../activities/funding-payments';
import { Ledger, LedgerError, ledgerAccounts } from '../../db/ledger';
import { fundingGateId } from '../../domain/funding/gate-input';
import {
  decideSignal,
  decideUpdate,
  evidenceSignal,
  evidenceUpdate,
  fundingGate,
  holdSignal,
  holdUpdate,
  resubmitSignal,
  resumeSignal,
  resumeUpdate,
  reverseSignal,
  reverseUpdate,
  statusQuery,
  waiveSignal,
} from '../../workflows';
import { GateStatus } from '../../workflows/search-attributes';
import { drawInput, fundProject } from '../fixtures/funding-gate';
import { createTestWorker, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The GateStatus search attribute as the server has it. */
async function searchedStatus(handle: WorkflowHandle<typeof fundingGate>): Promise<string | undefined> {
  return (await handle.describe()).typedSearchAttributes.get(GateStatus);
}

/** Polls `ready` every 100 ms for up to a minute (by the clock: a query on a loaded machine is slow). */
async function waitUntil(ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('never became ready');
}

describe('fundingGate on the time-skipping server', () => {
  const world = useTimeSkippingWorld();

  const outbox = async (workflowId: string) =>
    (
      await world.store.db.query<{ key: string }>(
        'SELECT key FROM notification_outbox WHERE workflow_id = $1 ORDER BY created_at',
        [workflowId],
      )
    ).map((row) => row.key.split('/').pop());

  async function run<T>(work: (taskQueue: string) => Promise<T>, paymentProvider?: PaymentProvider): Promise<T> {
    const taskQueue = uniqueTaskQueue('funding');
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store, paymentProvider });
    return worker.runUntil(work(taskQueue));
  }

  it('releases a partially approved draw once, holds retainage per line, and completes on the unconditional waiver', async () => {
    const input = drawInput({ projectId: 'HAPPY', milestoneId: 'M1' });
    await fundProject(world.store, 'HAPPY', 10_000_000);
    // The payee is paid by other tests of this file too: what this draw adds is exact.
    const payableBefore = await new Ledger(world.store.db)
      .balance(ledgerAccounts.payeePayable('acme-builders'))
      .catch((err: unknown) =>
        err instanceof LedgerError && /no ledger account/.test(err.message) ? 0 : Promise.reject(err),
      );
    const result = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(fundingGate, {
        taskQueue,
        workflowId: fundingGateId(input),
        args: [input],
      });
      await handle.executeUpdate(evidenceUpdate, {
        args: [{ kind: 'document', name: 'schedule-of-values', actor: 'gc-alex' }],
      });
      await handle.executeUpdate(evidenceUpdate, {
        args: [
          {
            kind: 'lien_waiver',
            waiverType: 'conditional-progress',
            from: 'acme-builders',
            throughDate: '2026-11-30',
            amount: 3_000_000,
            actor: 'gc-alex',
          },
        ],
      });
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'rita', roles: ['reviewer'] }] });
      // The inspector found less work on L1: the signatory approves 1,500,000.00 of 2,000,000.00.
      await handle.executeUpdate(decideUpdate, {
        args: [
          {
            decision: 'approve',
            actor: 'sam',
            roles: ['signatory'],
            approvedAmounts: { L1: 1_500_000, L2: 1_000_000 },
          },
        ],
      });
      while ((await handle.query(statusQuery)).status !== 'disbursed') await world.env.sleep(1000);
      await handle.executeUpdate(evidenceUpdate, {
        args: [
          {
            kind: 'lien_waiver',
            waiverType: 'unconditional-progress',
            from: 'acme-builders',
            throughDate: '2026-11-30',
            amount: 2_375_000,
            actor: 'gc-alex',
          },
        ],
      });
      return handle.result();
    });

    expect(result.status).toBe('completed');
    expect(
      result.release!.lines.map((l) => [l.lineId, l.approved, l.retainageHeld, l.releasedNow, l.remaining]),
    ).toEqual([
      ['L1', 1_500_000, 150_000, 1_350_000, 3_500_000],
      ['L2', 1_000_000, 100_000, 900_000, 1_000_000],
    ]);
    const ledger = new Ledger(world.store.db);
    expect(await ledger.balance(ledgerAccounts.projectFunding('HAPPY'))).toBe(10_000_000 - 2_500_000);
    expect(await ledger.balance(ledgerAccounts.payeePayable('acme-builders'))).toBe(payableBefore + 2_250_000);
    expect(await ledger.balance(ledgerAccounts.projectRetainage('HAPPY'))).toBe(250_000);
    const disbursements = await world.store.db.query(
      "SELECT id FROM ledger_transactions WHERE workflow_id = $1 AND kind = 'disbursement'",
      [fundingGateId(input)],
    );
    expect(disbursements).toHaveLength(1);
    const actions = (await world.store.audit.list({ limit: 5000 }))
      .filter((e) => e.workflowId === fundingGateId(input))
      .map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'funding.opened',
        'funding.vote_approve',
        'funding.disbursing',
        'funding.disbursed',
        'funding.completed',
      ]),
    );
    expect((await world.store.audit.verify()).ok).toBe(true);
  });

  it('reminds pending approvers daily, escalates at the SLA, expires at the deadline, and pays nothing', async () => {
    const input = drawInput({ projectId: 'SLOW', milestoneId: 'M1' });
    const result = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(fundingGate, {
        taskQueue,
        workflowId: fundingGateId(input),
        args: [input],
      });
      await world.env.sleep(DAY + HOUR);
      expect((await handle.query(statusQuery)).clock.remindersSent).toBe(1);
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'rita', roles: [] }] });
      return handle.result();
    });
    expect(result.status).toBe('expired');
    const sent = await outbox(fundingGateId(input));
    expect(sent.filter((step) => step?.startsWith('reminder-'))).toHaveLength(9); // days 1..9; day 10 expires first
    expect(sent.filter((step) => step === 'sla-escalation')).toHaveLength(1);
    expect(
      await world.store.db.query('SELECT 1 FROM ledger_transactions WHERE workflow_id = $1', [fundingGateId(input)]),
    ).toHaveLength(0);
  });

  it('stops the clocks while on hold', async () => {
    const input = drawInput({ projectId: 'HOLD', milestoneId: 'M1' });
    const status = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(fundingGate, {
        taskQueue,
        workflowId: fundingGateId(input),
        args: [input],
      });
      await world.env.sleep(2 * DAY + HOUR);
      await handle.signal(holdSignal, { reason: 'payment dispute', actor: 'lender-ops', roles: ['operator'] });
      await world.env.sleep(20 * DAY);
      const held = await handle.query(statusQuery);
      expect(held.status).toBe('on_hold');
      expect(held.onHold?.reason).toBe('payment dispute');
      expect(await searchedStatus(handle)).toBe('on_hold');
      expect(held.clock.remindersSent).toBe(2);
      await handle.signal(resumeSignal, { reason: 'settled', actor: 'lender-ops', roles: ['operator'] });
      await world.env.sleep(DAY);
      const resumed = await handle.query(statusQuery);
      await handle.terminate('test done');
      return resumed;
    });
    expect(status.onHold).toBeUndefined();
    expect(status.clock.remindersSent).toBe(3);
    expect(status.status).toBe('open');
  });

  it('releases held retainage at substantial completion through a second gate', async () => {
    const progress = drawInput({ projectId: 'RET', milestoneId: 'M1', conditions: [] });
    await fundProject(world.store, 'RET', 10_000_000);
    const approve = async (handle: WorkflowHandle<typeof fundingGate>) => {
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'rita', roles: [] }] });
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'sam', roles: ['signatory'] }] });
    };
    const first = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(fundingGate, {
        taskQueue,
        workflowId: fundingGateId(progress),
        args: [progress],
      });
      await approve(handle);
      return handle.result();
    });
    const held = first.release!.totals.retainageHeld;
    expect(held).toBe(300_000);

    const retainage = drawInput({
      kind: 'retainage_release',
      projectId: 'RET',
      milestoneId: 'SUBSTANTIAL',
      conditions: [],
      retainage: { percent: 0 },
      lines: first.release!.lines.map((line) => ({
        lineId: line.lineId,
        description: line.description,
        scheduledValue: line.retainageHeld,
        requestedAmount: line.retainageHeld,
      })),
    });
    const second = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(fundingGate, {
        taskQueue,
        workflowId: fundingGateId(retainage),
        args: [retainage],
      });
      await approve(handle);
      return handle.result();
    });
    expect(second.status).toBe('completed');
    expect(second.release!.totals).toMatchObject({ approved: held, releasedNow: held, retainageHeld: 0 });
    const ledger = new Ledger(world.store.db);
    expect(await ledger.balance(ledgerAccounts.projectRetainage('RET'))).toBe(0);
    expect(await ledger.balance(ledgerAccounts.projectFunding('RET'))).toBe(10_000_000 - 3_000_000);
    const kinds = await world.store.db.query<{ kind: string }>(
      'SELECT kind FROM ledger_transactions WHERE workflow_id = $1',
      [fundingGateId(retainage)],
    );
    expect(kinds.map((k) => k.kind)).toEqual(['retainage_release']);
  });

  it('puts an approved gate on hold when funds are short, and pays once after a deposit and resume', async () => {
    const input = drawInput({ projectId: 'SHORT', milestoneId: 'M1', conditions: [] });
    await fundProject(world.store, 'SHORT', 1_000_000); // 3,000,000.00 requested
    const result = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(fundingGate, {
        taskQueue,
        workflowId: fundingGateId(input),
        args: [input],
      });
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'rita', roles: [] }] });
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'sam', roles: ['signatory'] }] });
      // Polled with a pause and a bound (a tight query loop starves a loaded machine's worker).
      let status = await handle.query(statusQuery);
      await waitUntil(async () => Boolean((status = await handle.query(statusQuery)).onHold));
      expect(status.onHold?.reason).toMatch(/insufficient funds/);
      // The status query and the GateStatus search attribute agree: the gate cannot pay.
      expect(status.status).toBe('on_hold');
      await waitUntil(async () => (await searchedStatus(handle)) === 'on_hold');
      await fundProject(world.store, 'SHORT', 5_000_000);
      await handle.signal(resumeSignal, { reason: 'lender deposited', actor: 'lender-ops', roles: ['operator'] });
      return handle.result();
    });
    expect(result.status).toBe('completed');
    const paid = await world.store.db.query(
      "SELECT 1 FROM ledger_transactions WHERE workflow_id = $1 AND kind = 'disbursement'",
      [fundingGateId(input)],
    );
    expect(paid).toHaveLength(1);
    expect(await outbox(fundingGateId(input))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^insufficient-funds-/)]),
    );
  });

  it('holds the gate when the provider refuses the payment for good, and pays under the next release number after resume', async () => {
    const input = drawInput({ projectId: 'REFUSED', milestoneId: 'M1', conditions: [] });
    await fundProject(world.store, 'REFUSED', 10_000_000);
    let accountClosed = true;
    const provider: PaymentProvider = {
      ...ledgerOnlyProvider,
      pay: async (request) => {
        if (accountClosed) throw new PaymentRefusedError(`payee ${request.payeeId}: account closed`);
        return ledgerOnlyProvider.pay(request);
      },
    };
    const result = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(fundingGate, {
        taskQueue,
        workflowId: fundingGateId(input),
        args: [input],
      });
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'rita', roles: [] }] });
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'sam', roles: ['signatory'] }] });
      // Polled with a pause and a bound (a tight query loop starves a loaded machine's worker).
      let status = await handle.query(statusQuery);
      await waitUntil(async () => Boolean((status = await handle.query(statusQuery)).onHold));
      expect(status.onHold?.reason).toMatch(/^payment refused: .*account closed/);
      expect(status.status).toBe('on_hold');
      accountClosed = false; // the payee's bank details were corrected
      await handle.signal(resumeSignal, { reason: 'payee account fixed', actor: 'lender-ops', roles: ['operator'] });
      return handle.result();
    }, provider);

    expect(result.status).toBe('completed');
    const workflowId = fundingGateId(input);
    const kinds = await world.store.db.query<{ kind: string }>(
      'SELECT kind FROM ledger_transactions WHERE workflow_id = $1 ORDER BY id',
      [workflowId],
    );
    expect(kinds.map((row) => row.kind)).toEqual(['disbursement', 'payment_refused', 'disbursement']);
    const ledger = new Ledger(world.store.db);
    expect(await ledger.payout(`${workflowId}/release/1`)).toMatchObject({ status: 'refused' });
    expect(await ledger.payout(`${workflowId}/release/2`)).toMatchObject({ status: 'done' });
    expect(await ledger.balance(ledgerAccounts.projectFunding('REFUSED'))).toBe(10_000_000 - 3_000_000);
    expect(await outbox(workflowId)).toEqual(expect.arrayContaining(['payment-refused-1']));
  });

  it('reverses a retainage release: the money goes back to held retainage', async () => {
    await fundProject(world.store, 'RETREV', 10_000_000);
    const approve = async (handle: WorkflowHandle<typeof fundingGate>) => {
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'rita', roles: [] }] });
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'sam', roles: ['signatory'] }] });
    };
    const progress = drawInput({ projectId: 'RETREV', milestoneId: 'M1', conditions: [] });
    await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(fundingGate, {
        taskQueue,
        workflowId: fundingGateId(progress),
        args: [progress],
      });
      await approve(handle);
      return handle.result();
    });
    const ledger = new Ledger(world.store.db);
    const retainageAccount = ledgerAccounts.projectRetainage('RETREV');
    expect(await ledger.balance(retainageAccount)).toBe(300_000);

    const release = drawInput({
      kind: 'retainage_release',
      projectId: 'RETREV',
      milestoneId: 'SUBSTANTIAL',
      retainage: { percent: 0 },
      lines: [{ lineId: 'L1', description: 'Retainage', scheduledValue: 300_000, requestedAmount: 300_000 }],
      conditions: [
        {
          id: 'waiver',
          type: 'lien_waiver',
          waiverType: 'conditional-final',
          from: 'acme-builders',
          throughDate: '2026-12-31',
          mode: 'warning',
        },
      ],
    });
    const result = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(fundingGate, {
        taskQueue,
        workflowId: fundingGateId(release),
        args: [release],
      });
      await approve(handle);
      while ((await handle.query(statusQuery)).status !== 'disbursed') await world.env.sleep(1000);
      expect(await ledger.balance(retainageAccount)).toBe(0);
      await handle.executeUpdate(reverseUpdate, {
        args: [{ reason: 'work found defective at punch list', actor: 'lender-ops', roles: ['approver'] }],
      });
      return handle.result();
    });
    expect(result.status).toBe('reversed');
    expect(await ledger.balance(retainageAccount)).toBe(300_000);
    const kinds = await world.store.db.query<{ kind: string }>(
      'SELECT kind FROM ledger_transactions WHERE workflow_id = $1 ORDER BY id',
      [fundingGateId(release)],
    );
    expect(kinds.map((row) => row.kind)).toEqual(['retainage_release', 'reversal']);
  });

  it('reverses a disbursed release with a compensating ledger entry while the unconditional waiver is outstanding', async () => {
    const input = drawInput({
      projectId: 'REV',
      milestoneId: 'M1',
      conditions: [
        {
          id: 'waiver',
          type: 'lien_waiver',
          waiverType: 'conditional-progress',
          from: 'acme-builders',
          throughDate: '2026-11-30',
          mode: 'blocking',
        },
      ],
    });
    await fundProject(world.store, 'REV', 10_000_000);
    const result = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(fundingGate, {
        taskQueue,
        workflowId: fundingGateId(input),
        args: [input],
      });
      await handle.executeUpdate(evidenceUpdate, {
        args: [
          {
            kind: 'lien_waiver',
            waiverType: 'conditional-progress',
            from: 'acme-builders',
            throughDate: '2026-11-30',
            amount: 3_000_000,
            actor: 'gc-alex',
          },
        ],
      });
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'rita', roles: [] }] });
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'sam', roles: ['signatory'] }] });
      while ((await handle.query(statusQuery)).status !== 'disbursed') await world.env.sleep(1000);
      const viewer = await handle
        .executeUpdate(reverseUpdate, { args: [{ reason: 'wrong payee', actor: 'vera', roles: ['viewer'] }] })
        .then(
          () => 'accepted',
          (err: WorkflowUpdateFailedError) => err.cause?.message ?? '',
        );
      expect(viewer).toMatch(/reverse needs role/);
      await handle.executeUpdate(reverseUpdate, {
        args: [{ reason: 'wrong payee', actor: 'lender-ops', roles: ['admin'] }],
      });
      return handle.result();
    });
    expect(result.status).toBe('reversed');
    const ledger = new Ledger(world.store.db);
    expect(await ledger.balance(ledgerAccounts.projectFunding('REV'))).toBe(10_000_000);
    expect(await ledger.balance(ledgerAccounts.projectRetainage('REV'))).toBe(0);
    const kinds = await world.store.db.query<{ kind: string }>(
      'SELECT kind FROM ledger_transactions WHERE workflow_id = $1 ORDER BY id',
      [fundingGateId(input)],
    );
    expect(kinds.map((k) => k.kind)).toEqual(['disbursement', 'reversal']);

    const refused = await run(async (taskQueue) => {
      const other = drawInput({ projectId: 'REV', milestoneId: 'M2' });
      const handle = await world.env.client.workflow.start(fundingGate, {
        taskQueue,
        workflowId: fundingGateId(other),
        args: [other],
      });
      const message = await handle
        .executeUpdate(reverseUpdate, { args: [{ reason: 'wrong payee', actor: 'lender-ops', roles: ['admin'] }] })
        .then(
          () => 'accepted',
          (err: WorkflowUpdateFailedError) => err.cause?.message ?? '',
        );
      await handle.terminate('test done');
      return message;
    });
    expect(refused).toMatch(/only a disbursed release can be reversed/);
  });
});

// On the Java test server, a run in which Updates were refused stops later runs on the same
// server from skipping time (seen with 1.31.0), so the refusal cases get a server of their own.
describe('fundingGate refusals on the time-skipping server', () => {
  const world = useTimeSkippingWorld();

  async function run<T>(work: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = uniqueTaskQueue('funding-refusals');
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    return worker.runUntil(work(taskQueue));
  }

  it('refuses self-approval, a stranger and a duplicate vote through the Update; records them from the Signal', async () => {
    const input = drawInput({ projectId: 'FOUR', milestoneId: 'M1' });
    const status = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(fundingGate, {
        taskQueue,
        workflowId: fundingGateId(input),
        args: [input],
      });
      const refusal = (vote: object) =>
        handle.executeUpdate(decideUpdate, { args: [vote as never] }).then(
          () => 'accepted',
          (err: WorkflowUpdateFailedError) => err.cause?.message ?? err.message,
        );
      expect(await refusal({ decision: 'approve', actor: 'gc-alex', roles: ['reviewer'] })).toMatch(/four eyes/);
      expect(await refusal({ decision: 'approve', actor: 'mallory', roles: ['reviewer'] })).toMatch(
        /not allowed|may not|not an approver/i,
      );
      expect(await refusal({ decision: 'approve', actor: 'rita', roles: [] })).toBe('accepted');
      expect(await refusal({ decision: 'approve', actor: 'rita', roles: ['signatory'] })).toMatch(/already voted/);
      await handle.signal(decideSignal, { decision: 'approve', actor: 'gc-alex', roles: ['signatory'] });
      const status = await handle.query(statusQuery);
      await handle.terminate('test done'); // an open gate with a pending task would stop time skipping for later tests
      return status;
    });
    expect(status.approvals.refused.map((r) => r.actor)).toEqual(expect.arrayContaining(['gc-alex']));
    expect(status.approvals.votes.filter((v) => v.counted).map((v) => v.actor)).toEqual(['rita']);
  });

  it('has a Signal twin for every operator message: refusals recorded in status; hold and resume as Updates', async () => {
    const input = drawInput({ projectId: 'TWINS', milestoneId: 'M1' });
    const ops = { actor: 'lender-ops', roles: ['operator'] };
    const { status, refusedHold, held, resumed, searched } = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(fundingGate, {
        taskQueue,
        workflowId: fundingGateId(input),
        args: [input],
      });
      await handle.signal(holdSignal, { reason: 'dispute', actor: 'vera', roles: ['viewer'] });
      await handle.signal(resumeSignal, { reason: 'nothing held', ...ops });
      await handle.signal(waiveSignal, { conditionId: 'sov', comment: 'mine', actor: 'gc-alex', roles: ['approver'] });
      await handle.signal(resubmitSignal, { actor: 'gc-alex', roles: [] });
      await handle.signal(reverseSignal, { reason: 'early', actor: 'lender-ops', roles: ['admin'] });
      const status = await handle.query(statusQuery);
      const refusedHold = await handle
        .executeUpdate(holdUpdate, { args: [{ reason: 'dispute', actor: 'vera', roles: ['viewer'] }] })
        .then(
          () => 'accepted',
          (err: WorkflowUpdateFailedError) => err.cause?.message ?? err.message,
        );
      const held = await handle.executeUpdate(holdUpdate, { args: [{ reason: 'lender review', ...ops }] });
      await waitUntil(async () => (await searchedStatus(handle)) === 'on_hold');
      const searched = await searchedStatus(handle);
      const resumed = await handle.executeUpdate(resumeUpdate, { args: [{ reason: 'reviewed', ...ops }] });
      await handle.terminate('test done');
      return { status, refusedHold, held, resumed, searched };
    });
    // In the order the handlers meet them: signals that arrive with the start are buffered
    // until their handler is set, and the handlers are set one message after another.
    const byKind = (a: (string | undefined)[], b: (string | undefined)[]) => String(a[0]).localeCompare(String(b[0]));
    // The same refusals head the status (who, what, why, when), newest first.
    expect(status.refusals.map((r) => [r.message, r.actor, r.reason]).sort(byKind)).toEqual(
      status.refused.map((r) => [r.kind, r.actor, r.reason]).sort(byKind),
    );
    const times = status.refusals.map((r) => r.at!);
    expect(times).toEqual([...times].sort().reverse());
    expect(status.refused.map((r) => [r.kind, r.actor, r.reason]).sort(byKind)).toEqual(
      [
        ['hold', 'vera', 'hold needs role admin or approver or operator'],
        ['resume', 'lender-ops', 'the gate is not on hold'],
        ['waiveCondition', 'gc-alex', 'gc-alex requested this release and may not waive its conditions (four eyes)'],
        ['resubmit', 'gc-alex', 'the gate is open, not waiting on changes'],
        ['reverse', 'lender-ops', 'only a disbursed release can be reversed (the gate is open)'],
      ].sort(byKind),
    );
    expect(status.status).toBe('open');
    expect(refusedHold).toBe('hold needs role admin or approver or operator');
    expect(held.status).toBe('on_hold');
    expect(searched).toBe('on_hold');
    expect(resumed.status).toBe('open');
  });

  it('refuses evidence by Signal on a closed gate, as the Update does', async () => {
    const input = drawInput({ projectId: 'LATE', milestoneId: 'M1' });
    const taskQueue = uniqueTaskQueue('funding-refusals');
    // Started, rejected and sent evidence before any worker polls: all in the first activation.
    const handle = await world.env.client.workflow.start(fundingGate, {
      taskQueue,
      workflowId: fundingGateId(input),
      args: [input],
    });
    await handle.signal(decideSignal, { decision: 'reject', reasonCode: 'scope', actor: 'rita', roles: [] });
    await handle.signal(evidenceSignal, { kind: 'document', name: 'schedule-of-values', actor: 'gc-alex' });
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    const result = await worker.runUntil(handle.result());
    expect(result.status).toBe('rejected');
    expect(result.timeline.map((e) => e.event)).toEqual(['opened', 'vote reject']);
    expect(result.conditions.refusedEvidence).toEqual([
      expect.objectContaining({ actor: 'gc-alex', kind: 'document', reason: 'the gate is rejected' }),
    ]);
  });
});
