import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { drawRequest, programDefinition, setUpFundingProject } from '../fixtures/funding-gate';
import { runArxflowInProcess } from '../support/cli-in-process';
import { useDevServerWorld } from '../support/dev-server-world';
import { gateStatusWhen } from '../support/funding-status';
import { tokenFor } from '../support/gateway';
import { decideSignal } from '../../workflows';

// A whole draw by hand: started from a file with the CLI, evidence and approvals through
// the gateway with each person's token, on a dev server with the real worker.
describe('a construction draw through the CLI and the gateway', () => {
  const world = useDevServerWorld('funding-cli');
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'arxflow-draw-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const arxflow = (args: string[], extraEnv: Record<string, string> = {}) =>
    runArxflowInProcess(args, {
      TEMPORAL_ADDRESS: world.env.address,
      ARXFLOW_TASK_QUEUE: world.taskQueue,
      ...extraEnv,
    });
  const as = async (subject: string, ...roles: string[]) => ({
    ARXFLOW_URL: world.url,
    ARXFLOW_TOKEN: await tokenFor(subject, ...(roles as never[])),
  });

  it('starts, collects evidence, refuses the requester, approves in two stages and pays once', async () => {
    const deposit = await arxflow(['funding', 'deposit', 'CLI', '10000000', '--reference', 'wire-1', '--json']);
    expect(JSON.parse(deposit.stdout)).toMatchObject({
      status: 'COMPLETED',
      result: { balance: 10_000_000, firstRun: true },
    });
    const again = await arxflow(['funding', 'deposit', 'CLI', '10000000', '--reference', 'wire-1', '--json']);
    // The same reference again is acknowledged and not posted twice.
    expect(JSON.parse(again.stdout)).toMatchObject({
      status: 'COMPLETED',
      result: { balance: 10_000_000, firstRun: false },
    });
    await setUpFundingProject(world.store, 'CLI');

    // The requester is the token's subject.
    const gc = await as('gc-alex', 'operator');
    const file = path.join(dir, 'draw.json');
    writeFileSync(file, JSON.stringify(drawRequest({ projectId: 'CLI', milestoneId: 'M7' })));
    const started = await arxflow(['funding', 'start', file, '--json'], gc);
    expect(started.stderr).toBe('');
    expect(JSON.parse(started.stdout)).toMatchObject({ workflowId: 'funding-gate/CLI/M7' });

    expect(
      (
        await arxflow(
          ['funding', 'evidence', 'CLI', 'M7', '--body', '{"kind":"document","name":"schedule-of-values"}'],
          gc,
        )
      ).status,
    ).toBe(0);
    const waiver =
      '{"kind":"lien_waiver","waiverType":"conditional-progress","from":"acme-builders","throughDate":"2026-11-30","amount":3000000}';
    expect((await arxflow(['funding', 'evidence', 'CLI', 'M7', '--body', waiver], gc)).status).toBe(0);

    const selfApproval = await arxflow(['funding', 'approve', 'CLI', 'M7'], await as('gc-alex', 'approver'));
    expect(selfApproval.status).toBe(1);
    expect(selfApproval.stderr).toMatch(/four eyes/);
    const spoof = await arxflow(['funding', 'approve', 'CLI', 'M7', '--as', 'rita'], await as('gc-alex', 'approver'));
    expect(spoof.status).toBe(2);

    expect((await arxflow(['funding', 'approve', 'CLI', 'M7'], await as('rita', 'approver'))).status).toBe(0);
    const signed = await arxflow(
      ['funding', 'approve', 'CLI', 'M7', '--amount', 'L1=1500000', '--json'],
      await as('sam', 'approver', 'signatory'),
    );
    expect(signed.status).toBe(0);

    let status: { status: string; release?: { totals: { approved: number } } } = { status: '' };
    for (let attempt = 0; attempt < 100 && status.status !== 'disbursed'; attempt++) {
      status = JSON.parse((await arxflow(['funding', 'status', 'CLI', 'M7', '--json'], gc)).stdout);
    }
    expect(status.status).toBe('disbursed');
    expect(status.release?.totals.approved).toBe(2_500_000);
    const payments = await world.store.db.query(
      "SELECT 1 FROM ledger_transactions WHERE workflow_id = 'funding-gate/CLI/M7' AND kind = 'disbursement'",
    );
    expect(payments).toHaveLength(1);

    // The text view: every section, in order, with the release per line and the ledger posting.
    const text = (await arxflow(['funding', 'status', 'CLI', 'M7'], gc)).stdout;
    const sections = [
      'funding-gate/CLI/M7: disbursed',
      'Refusals (newest first)',
      'Release per line',
      'Conditions (',
      'Approvals: approved',
      'Votes',
      'Clocks',
      'Ledger posting: transaction',
      'Timeline',
    ];
    const at = sections.map((title) => text.indexOf(`\n${title}`) + 1 || (text.startsWith(title) ? 0 : -1));
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(at).not.toContain(-1);
    expect(text).toMatch(
      /^ {2}L1 +Foundations +20000\.00 USD +15000\.00 USD +10(\.\d+)? +1500\.00 USD +13500\.00 USD/m,
    );
    expect(text).toMatch(/^ {2}released to the payee +\d[\d.]* USD +the payee's payable$/m);
    expect(text).toMatch(/^ {2}\S+ +sam +signatory +approve +yes/m);
  });

  it('puts a refused Web UI signal at the top of the status, in text and JSON', async () => {
    await setUpFundingProject(world.store, 'CLIR');
    const gc = await as('gc-alex', 'operator');
    const file = path.join(dir, 'refusals.json');
    writeFileSync(file, JSON.stringify(drawRequest({ projectId: 'CLIR', milestoneId: 'M1' })));
    expect((await arxflow(['funding', 'start', file, '--json'], gc)).status).toBe(0);
    // What the Web UI sends: a signal, which cannot say it was refused (the requester votes: four eyes).
    const handle = world.env.client.workflow.getHandle('funding-gate/CLIR/M1');
    await handle.signal(decideSignal, { decision: 'approve', actor: 'gc-alex', roles: ['approver'] });
    await gateStatusWhen(world.env.client, 'funding-gate/CLIR/M1', (s) => s.refusals.length > 0);

    const json = JSON.parse((await arxflow(['funding', 'status', 'CLIR', 'M1', '--json'], gc)).stdout);
    expect(json.refusals).toEqual([
      expect.objectContaining({ actor: 'gc-alex', message: 'decide', reason: expect.stringMatching(/four eyes/) }),
    ]);
    const text = (await arxflow(['funding', 'status', 'CLIR', 'M1'], gc)).stdout.split('\n');
    expect(text[0]).toBe('funding-gate/CLIR/M1: open');
    const refusals = text.indexOf('Refusals (newest first)');
    expect(refusals).toBeGreaterThan(0);
    expect(text.slice(0, refusals).join('\n')).not.toMatch(/Release per line|Conditions|Votes/);
    expect(text[refusals + 1]).toMatch(/^ {2}AT +WHO +MESSAGE +WHAT +WHY$/);
    expect(text[refusals + 2]).toMatch(/^ {2}\S+Z +gc-alex +decide +approve, stage review +.*four eyes/);
  });

  it("hold and resume report the gate's refusal with exit 1 instead of printing accepted", async () => {
    await setUpFundingProject(world.store, 'CLIH');
    const file = path.join(dir, 'hold.json');
    writeFileSync(file, JSON.stringify(drawRequest({ projectId: 'CLIH', milestoneId: 'M1' })));
    expect((await arxflow(['funding', 'start', file, '--json'], await as('gc-alex', 'operator'))).status).toBe(0);
    const ops = await as('lender-ops', 'operator');

    const notHeld = await arxflow(['funding', 'resume', 'CLIH', 'M1', '--reason', 'nothing to lift'], ops);
    expect(notHeld.status).toBe(1);
    expect(notHeld.stderr).toMatch(/the gate is not on hold/);
    const held = await arxflow(['funding', 'hold', 'CLIH', 'M1', '--reason', 'lender review', '--json'], ops);
    expect(held.status).toBe(0);
    expect(JSON.parse(held.stdout)).toMatchObject({ result: { status: 'on_hold', onHold: { by: 'lender-ops' } } });
    const again = await arxflow(['funding', 'hold', 'CLIH', 'M1', '--reason', 'again'], ops);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already on hold/);
    expect((await arxflow(['funding', 'resume', 'CLIH', 'M1', '--reason', 'reviewed'], ops)).status).toBe(0);
  });

  it('an admin publishes a program version and registers a payee; an operator may not', async () => {
    const admin = await as('ada', 'admin');
    const programFile = path.join(dir, 'program.json');
    writeFileSync(programFile, JSON.stringify(programDefinition()));
    const published = await arxflow(
      ['funding', 'program', 'publish', 'CLI2', 'standard', programFile, '--json'],
      admin,
    );
    expect(JSON.parse(published.stdout)).toMatchObject({
      projectId: 'CLI2',
      programId: 'standard',
      version: 1,
      createdBy: 'ada',
    });
    expect(
      (await arxflow(['funding', 'payee', 'add', 'CLI2', 'acme-builders', '--name', 'Acme Builders LLC'], admin))
        .status,
    ).toBe(0);
    const payees = await arxflow(['funding', 'payee', 'list', 'CLI2', '--json'], await as('olga', 'operator'));
    expect(JSON.parse(payees.stdout)).toEqual([
      expect.objectContaining({ payeeId: 'acme-builders', registeredBy: 'ada' }),
    ]);
    const refused = await arxflow(
      ['funding', 'payee', 'add', 'CLI2', 'mallory', '--name', 'Mallory'],
      await as('olga', 'operator'),
    );
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/admin/);
  });

  it('refuses a gate id that cannot be one with exit 2 naming it, before asking the gateway (found by the bad-input fuzz)', async () => {
    // After `--` every word is an argument: `--as` became the project id and was reported as a gate not found.
    const result = await arxflow(['funding', 'approve', '--', '--as', '0x10'], await as('lender-lee', 'signatory'));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/projectId: letters, digits/);
    const status = await arxflow(['funding', 'status', 'CLI', '../M1'], await as('gc-alex', 'operator'));
    expect(status.status).toBe(2);
    expect(status.stderr).toMatch(/milestoneId/);
  });

  it('refuses a malformed draw file with exit 2 and starts nothing', async () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify(
        drawRequest({
          projectId: 'CLI',
          milestoneId: 'BAD',
          lines: [{ lineId: 'L1', description: 'x', scheduledValue: 100, requestedAmount: -5 }],
        }),
      ),
    );
    const result = await arxflow(['funding', 'start', file], await as('gc-alex', 'operator'));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/lines\.0\.requestedAmount/);
    await expect(world.env.client.workflow.getHandle('funding-gate/CLI/BAD').describe()).rejects.toThrow(/not found/i);
  });
});
