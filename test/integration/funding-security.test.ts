import { drawRequest, fundProject, programDefinition, setUpFundingProject } from '../fixtures/funding-gate';
import { call, tokenFor } from '../support/gateway';
import { useDevServerWorld } from '../support/dev-server-world';
import type { Role } from '../../domain/roles';

// The attacks of issue 10 through the gateway, each refused with the rule named: money never
// moves on one person's word, whoever holds which roles.
describe('funding draws: the server decides who requests, who approves and who is paid', () => {
  const world = useDevServerWorld('funding-security');
  const gate = (projectId: string, milestoneId: string) =>
    `${world.url}/v1/workflows/${encodeURIComponent(`funding-gate/${projectId}/${milestoneId}`)}`;
  const as = (subject: string, ...roles: (Role | string)[]) => tokenFor(subject, ...(roles as Role[]));
  const start = async (token: string, body: unknown) => call(`${world.url}/v1/workflows/fundingGate`, { token, body });
  const decide = async (
    projectId: string,
    milestoneId: string,
    token: string,
    body: Record<string, unknown> = { decision: 'approve' },
  ) => call(`${gate(projectId, milestoneId)}/updates/decide`, { token, body });
  const status = async (projectId: string, milestoneId: string) =>
    (await call(`${gate(projectId, milestoneId)}/queries/status`, { token: await as('vera', 'viewer') })).json
      .result as Record<string, unknown>;
  const notStarted = async (projectId: string, milestoneId: string) =>
    expect((await call(gate(projectId, milestoneId), { token: await as('vera', 'viewer') })).status).toBe(404);

  it('the requester is the caller: a body naming requestedBy (or actor) is refused, and nothing starts', async () => {
    await setUpFundingProject(world.store, 'SEC1');
    const mallory = await as('mallory', 'operator', 'approver');
    for (const field of ['requestedBy', 'actor']) {
      const forged = await start(mallory, {
        ...drawRequest({ projectId: 'SEC1', milestoneId: `F-${field}` }),
        [field]: 'gc-alex',
      });
      expect(forged.status).toBe(400);
      expect(forged.json.message).toMatch(new RegExp(`${field}: the requester is the authenticated caller`));
      await notStarted('SEC1', `F-${field}`);
    }
    expect((await start(mallory, drawRequest({ projectId: 'SEC1', milestoneId: 'OWN' }))).status).toBe(201);
    expect(await status('SEC1', 'OWN')).toMatchObject({
      requestedBy: 'mallory',
      program: { programId: 'standard', version: 1 },
    });
    // The attack of the issue: the requester holds the approver role too, and still may not approve.
    const self = await decide('SEC1', 'OWN', mallory);
    expect(self.status).toBe(422);
    expect(self.json.message).toMatch(/mallory requested this release and may not vote on it \(four eyes\)/);
  });

  it('a draw cannot widen its program: its own approvals, retainage, clocks, payee rules or bigger lines are refused', async () => {
    await setUpFundingProject(world.store, 'SEC2', { definition: programDefinition({ maxDrawTotal: 2_500_000 }) });
    const gc = await as('gc-alex', 'operator');
    const widened = [
      {
        field: 'approvals',
        body: { approvals: { stages: [{ name: 'me', approvers: { users: ['gc-alex'] }, quorum: 1 }] } },
        message: /approvals: set by the project's funding program/,
      },
      {
        field: 'retainage',
        body: { retainage: { percent: 0 } },
        message: /retainage: set by the project's funding program/,
      },
      {
        field: 'clocks',
        body: { clocks: { escalationContact: 'nobody' } },
        message: /clocks: set by the project's funding program/,
      },
      {
        field: 'conditions',
        body: { conditions: [{ id: 'sov', type: 'document', name: 'anything' }] },
        message: /conditions\.0\.id: the program already has condition "sov"/,
      },
      { field: 'total', body: {}, message: /requested total 3000000 is above the program's maxDrawTotal 2500000/ },
      {
        field: 'line',
        body: { lines: [{ lineId: 'L9', description: 'Extras', scheduledValue: 100, requestedAmount: 100 }] },
        message: /lines\.0\.lineId: "L9" is not a line of program standard's schedule of values/,
      },
    ];
    for (const { field, body, message } of widened) {
      const refused = await start(gc, { ...drawRequest({ projectId: 'SEC2', milestoneId: `W-${field}` }), ...body });
      expect({ field, status: refused.status }).toEqual({ field, status: 400 });
      expect(refused.json.message).toMatch(message);
      await notStarted('SEC2', `W-${field}`);
    }
    // Narrowing is fine: less money and one more condition.
    const narrowed = await start(gc, {
      ...drawRequest({
        projectId: 'SEC2',
        milestoneId: 'NARROW',
        lines: [
          {
            lineId: 'L1',
            description: 'Foundations',
            scheduledValue: 5_000_000,
            previouslyReleased: 0,
            requestedAmount: 1_000_000,
          },
        ],
      }),
      conditions: [{ id: 'photos', type: 'document', name: 'site-photos' }],
    });
    expect(narrowed.status).toBe(201);
    const view = await status('SEC2', 'NARROW');
    expect(view).toMatchObject({ requestedTotal: 1_000_000 });
    expect((view.conditions as { conditions: { id: string }[] }).conditions.map((c) => c.id)).toEqual([
      'sov',
      'waiver',
      'photos',
    ]);
  });

  it('pays registered payees only, and needs a program: refused before anything starts', async () => {
    await setUpFundingProject(world.store, 'SEC3');
    const gc = await as('gc-alex', 'operator');
    const stranger = await start(
      gc,
      drawRequest({ projectId: 'SEC3', milestoneId: 'P1', payeeId: 'mallory-holdings' }),
    );
    expect(stranger.status).toBe(422);
    expect(stranger.json.message).toMatch(/payeeId: mallory-holdings is not a registered payee of project SEC3/);
    await notStarted('SEC3', 'P1');
    const noProgram = await start(gc, drawRequest({ projectId: 'NOPROGRAM', milestoneId: 'P1' }));
    expect(noProgram.status).toBe(422);
    expect(noProgram.json.message).toMatch(/programId: project NOPROGRAM has no current funding program/);
    const unknownProgram = await start(gc, {
      ...drawRequest({ projectId: 'SEC3', milestoneId: 'P2' }),
      programId: 'lenient',
    });
    expect(unknownProgram.status).toBe(422);
    expect(unknownProgram.json.message).toMatch(/programId: project SEC3 has no funding program lenient/);
    // A removed payee is no longer payable.
    const admin = await as('ada', 'admin');
    const removed = await call(`${world.url}/v1/funding/projects/SEC3/payees/acme-builders`, {
      method: 'DELETE',
      token: admin,
    });
    expect(removed.status).toBe(204);
    expect((await start(gc, drawRequest({ projectId: 'SEC3', milestoneId: 'P3' }))).status).toBe(422);
    await notStarted('SEC3', 'P3');
  });

  it('a payee removed while the draw runs is not paid: the gate holds with the reason', async () => {
    await setUpFundingProject(world.store, 'SEC8', { definition: programDefinition({ conditions: [] }) });
    await fundProject(world.store, 'SEC8', 10_000_000);
    expect(
      (await start(await as('gc-alex', 'operator'), drawRequest({ projectId: 'SEC8', milestoneId: 'M1' }))).status,
    ).toBe(201);
    const removed = await call(`${world.url}/v1/funding/projects/SEC8/payees/acme-builders`, {
      method: 'DELETE',
      token: await as('ada', 'admin'),
    });
    expect(removed.status).toBe(204);
    expect((await decide('SEC8', 'M1', await as('rita', 'approver'))).status).toBe(200);
    expect((await decide('SEC8', 'M1', await as('sam', 'approver', 'signatory'))).status).toBe(200);
    let view = await status('SEC8', 'M1');
    for (let attempt = 0; attempt < 100 && !view.onHold; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      view = await status('SEC8', 'M1');
    }
    expect(view.onHold).toMatchObject({
      reason: expect.stringMatching(
        /payment refused: payee acme-builders is not \(or no longer\) a registered payee of project SEC8: nothing was paid/,
      ),
    });
    const paid = await world.store.db.query(
      "SELECT 1 FROM ledger_transactions WHERE workflow_id = 'funding-gate/SEC8/M1'",
    );
    expect(paid).toHaveLength(0);
    await world.env.client.workflow.getHandle('funding-gate/SEC8/M1').terminate('test over');
  });

  it('a requester who alone could fill a stage of the program is refused at the door (400), not left to a stuck draw', async () => {
    await setUpFundingProject(world.store, 'SEC7');
    const rita = await as('rita', 'operator');
    const refused = await start(rita, drawRequest({ projectId: 'SEC7', milestoneId: 'M1' }));
    expect(refused.status).toBe(400);
    expect(refused.json.message).toMatch(
      /requestedBy: .*stage "review" needs 1 approval\(s\) but only 0 user\(s\) besides the requester rita may vote/,
    );
    await notStarted('SEC7', 'M1');
  });

  it('one person never carries two stages, even holding both roles', async () => {
    await setUpFundingProject(world.store, 'SEC4');
    expect(
      (await start(await as('gc-alex', 'operator'), drawRequest({ projectId: 'SEC4', milestoneId: 'M1' }))).status,
    ).toBe(201);
    const rita = await as('rita', 'approver', 'signatory');
    expect((await decide('SEC4', 'M1', rita)).status).toBe(200);
    const second = await decide('SEC4', 'M1', rita);
    expect(second.status).toBe(422);
    expect(second.json.message).toMatch(
      /rita already voted in this gate .*no one carries two stages \(separation of duties\)/,
    );
  });

  it('maker-checker: whoever changed the program or payees may not decide the draws, before or during a draw', async () => {
    // dora registered the payee (an admin edit) and also holds the signatory role.
    await setUpFundingProject(world.store, 'SEC5', { admin: 'dora' });
    const gc = await as('gc-alex', 'operator');
    expect((await start(gc, drawRequest({ projectId: 'SEC5', milestoneId: 'M1' }))).status).toBe(201);
    expect((await decide('SEC5', 'M1', await as('rita', 'approver'))).status).toBe(200);
    const dora = await decide('SEC5', 'M1', await as('dora', 'admin', 'signatory'));
    expect(dora.status).toBe(422);
    expect(dora.json.message).toMatch(
      /dora changed the project's payees at .* and may not decide its draws until .* \(maker-checker\)/,
    );

    // During the draw: sam, a signatory and admin, publishes a new program version. The open
    // draw keeps version 1, and sam may no longer sign it.
    const sam = await as('sam', 'admin', 'signatory', 'approver');
    const republished = await call(`${world.url}/v1/funding/projects/SEC5/programs/standard`, {
      method: 'PUT',
      token: sam,
      body: programDefinition({ approvals: { stages: [{ name: 'solo', approvers: { users: ['sam'] }, quorum: 1 }] } }),
    });
    expect(republished.status).toBe(201);
    expect(republished.json).toMatchObject({ version: 2, createdBy: 'sam' });
    let view = await status('SEC5', 'M1');
    for (let attempt = 0; attempt < 50 && !JSON.stringify(view.separation ?? {}).includes('sam'); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100)); // the signal to open draws follows the store write
      view = await status('SEC5', 'M1');
    }
    expect(view).toMatchObject({
      program: { programId: 'standard', version: 1 },
      separation: {
        window: '7 days',
        makers: expect.arrayContaining([expect.objectContaining({ actor: 'sam', what: 'funding program' })]),
      },
    });
    const samVote = await decide('SEC5', 'M1', sam);
    expect(samVote.status).toBe(422);
    expect(samVote.json.message).toMatch(/sam changed the project's funding program .* \(maker-checker\)/);
    // Someone who changed nothing signs.
    expect((await decide('SEC5', 'M1', await as('tess', 'approver', 'signatory'))).status).toBe(200);
    await world.env.client.workflow.getHandle('funding-gate/SEC5/M1').terminate('test over');
  });

  it('program and payee changes are admin-only, versioned and audited', async () => {
    const operator = await as('olga', 'operator');
    const denied = await call(`${world.url}/v1/funding/projects/SEC6/programs/standard`, {
      method: 'PUT',
      token: operator,
      body: programDefinition(),
    });
    expect(denied.status).toBe(403);
    const deniedPayee = await call(`${world.url}/v1/funding/projects/SEC6/payees/acme-builders`, {
      method: 'PUT',
      token: operator,
      body: { name: 'Acme' },
    });
    expect(deniedPayee.status).toBe(403);
    const admin = await as('ada', 'admin');
    const bad = await call(`${world.url}/v1/funding/projects/SEC6/programs/standard`, {
      method: 'PUT',
      token: admin,
      body: { ...programDefinition(), currency: 'usd' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/currency/);
    for (const version of [1, 2]) {
      const published = await call(`${world.url}/v1/funding/projects/SEC6/programs/standard`, {
        method: 'PUT',
        token: admin,
        body: programDefinition(),
      });
      expect(published.json).toMatchObject({ version });
    }
    const listed = await call(`${world.url}/v1/funding/projects/SEC6/programs`, { token: operator });
    expect(listed.json).toMatchObject({
      current: 'standard',
      programs: [expect.objectContaining({ programId: 'standard', version: 2 })],
    });
    const first = await call(`${world.url}/v1/funding/projects/SEC6/programs/standard?version=1`, { token: operator });
    expect(first.json).toMatchObject({ version: 1, createdBy: 'ada' });
    const events = await world.store.db.query<{ action: string; actor: string }>(
      "SELECT action, actor FROM audit_events WHERE subject = 'project/SEC6' ORDER BY id",
    );
    expect(events).toEqual([
      { action: 'funding.program.published', actor: 'ada' },
      { action: 'funding.program.published', actor: 'ada' },
    ]);
  });
});
