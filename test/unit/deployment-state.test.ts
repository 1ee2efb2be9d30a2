import { ANALYSIS_PAUSE, DeploymentState } from '../../domain/deploy/deployment-state';
import { deploymentInput } from '../workflows/fixtures/deploy-input';

const T0 = Date.parse('2026-12-01T09:00:00Z');
const ops = { actor: 'ops-olga', roles: ['deployer'] };
const reviewers = {
  users: ['rita', 'sam'],
  roles: ['reviewer'],
  quorum: 2,
  deadline: '1 hour',
  notify: [],
};

function waitingApproval(): DeploymentState {
  const state = new DeploymentState(deploymentInput(), 'deploy/web/production/1.2.0', T0);
  state.openApproval(reviewers, T0 + 3_600_000, T0);
  return state;
}

function progressing(): DeploymentState {
  const state = new DeploymentState(deploymentInput(), 'deploy/web/production/1.2.0', T0);
  state.beginProgress([10, 50, 100], T0);
  state.atStep(1, 10, T0);
  state.setStatus('progressing', T0);
  return state;
}

describe('DeploymentState: approvals', () => {
  it('refuses votes while not waiting for approval', () => {
    const state = progressing();
    expect(state.refusalOfApprove({ actor: 'rita', roles: [] })).toBe(
      'the deployment is progressing, not waiting for approval: nothing to approve',
    );
  });

  it('refuses whoever started the deployment, even when a listed reviewer (no self-approval)', () => {
    const state = new DeploymentState(deploymentInput({ requestedBy: 'rita' }), 'deploy/web/production/1.2.0', T0);
    state.openApproval(reviewers, T0 + 1, T0);
    expect(state.refusalOfApprove({ actor: 'rita', roles: ['reviewer'] })).toBe(
      'rita started this deployment and may not approve it (no self-approval)',
    );
    expect(state.refusalOfReject({ actor: 'rita', roles: [] })).toMatch(/may not reject it/);
  });

  it('accepts listed users and holders of a listed role, refuses anyone else by name', () => {
    const state = waitingApproval();
    expect(state.refusalOfApprove({ actor: 'rita', roles: [] })).toBeUndefined();
    expect(state.refusalOfApprove({ actor: 'otto', roles: ['reviewer'] })).toBeUndefined();
    expect(state.refusalOfApprove({ actor: 'eve', roles: ['viewer', 'operator'] })).toBe(
      'eve is not a reviewer of this deployment (reviewers: rita, sam, role reviewer)',
    );
  });

  it('takes one vote per person and approves at the quorum', () => {
    const state = waitingApproval();
    state.approve({ actor: 'rita', roles: [], comment: 'looks good' }, T0 + 1);
    expect(state.approvalOutcome).toBeUndefined();
    expect(state.refusalOfApprove({ actor: 'rita', roles: [] })).toBe('rita has already voted');
    expect(state.refusalOfReject({ actor: 'rita', roles: [] })).toBe('rita has already voted');
    state.approve({ actor: 'otto', roles: ['reviewer'] }, T0 + 2);
    expect(state.approvalOutcome).toBe('approved');
    expect(state.view().approvals!.votes).toEqual([
      { actor: 'rita', decision: 'approve', comment: 'looks good', at: new Date(T0 + 1).toISOString() },
      { actor: 'otto', decision: 'approve', at: new Date(T0 + 2).toISOString() },
    ]);
    expect(state.view().timeline.map((entry) => `${entry.actor} ${entry.event} ${entry.detail ?? ''}`)).toContain(
      'rita approved looks good',
    );
  });

  it('rejects on the first reject, whatever the approvals so far', () => {
    const state = waitingApproval();
    state.approve({ actor: 'rita', roles: [] }, T0 + 1);
    state.reject({ actor: 'sam', roles: [], comment: 'migration not ready' }, T0 + 2);
    expect(state.approvalOutcome).toBe('rejected');
  });

  it('refuses unverified senders and malformed requests, naming the field', () => {
    const state = waitingApproval();
    expect(state.refusalOfApprove({ actor: 'unverified:rita', roles: [] })).toMatch(/^rita: identity not verified/);
    expect(state.refusalOfApprove({ actor: '', roles: [] })).toMatch(/^actor: /);
    expect(state.refusalOfApprove({ actor: 'rita', roles: [], extra: 1 })).toBe('extra: unknown field');
  });
});

describe('DeploymentState: steering (promote, pause, resume, abort, rollback)', () => {
  it('needs role deployer, operator or admin', () => {
    const state = progressing();
    expect(state.refusalOfPause({ actor: 'rita', roles: ['reviewer'] })).toBe(
      'rita may not pause a deployment: role deployer, operator, admin needed',
    );
    for (const role of ['deployer', 'operator', 'admin'])
      expect(state.refusalOfPause({ actor: 'x', roles: [role] })).toBeUndefined();
    expect(state.refusalOfAbort({ actor: 'rita', roles: [], reason: 'no' })).toMatch(/may not abort/);
  });

  it('pauses only while progressing, resumes only a human pause, promotes while paused or progressing', () => {
    const state = progressing();
    expect(state.refusalOfResume(ops)).toBe('the deployment is progressing: resume only while paused');
    state.pause(ops, T0 + 1);
    expect(state.status).toBe('paused');
    expect(state.pausedBy).toBe('ops-olga');
    expect(state.refusalOfPause(ops)).toBe('the deployment is paused: pause only while progressing');
    expect(state.refusalOfResume(ops)).toBeUndefined();
    state.resume(ops, T0 + 2);
    expect(state.status).toBe('progressing');
    expect(state.refusalOfPromote(ops)).toBeUndefined();
    state.promote(ops, T0 + 3);
    expect(state.promotions).toBe(1);
  });

  it('leaves an inconclusive analysis to promote or abort, not resume', () => {
    const state = progressing();
    state.pauseForAnalysis('analysis inconclusive at step 1', T0 + 1);
    expect(state.pausedBy).toBe(ANALYSIS_PAUSE);
    expect(state.refusalOfResume(ops)).toMatch(/promote or abort it/);
    expect(state.refusalOfPromote(ops)).toBeUndefined();
    state.promote(ops, T0 + 2);
    expect(state.status).toBe('progressing');
    expect(state.pausedBy).toBeUndefined();
  });

  it('refuses promote and pause outside the steps', () => {
    const state = waitingApproval();
    expect(state.refusalOfPromote(ops)).toBe(
      'the deployment is waiting_approval: promote only while paused or progressing',
    );
  });

  it('aborts or rolls back once, until the deployment ends', () => {
    const state = waitingApproval();
    expect(state.refusalOfRollback({ ...ops, reason: 'wrong build' })).toBeUndefined();
    state.rollback({ ...ops, reason: 'wrong build' }, T0 + 1);
    expect(state.stop).toEqual({ kind: 'rollback', actor: 'ops-olga', reason: 'wrong build' });
    expect(state.refusalOfAbort({ ...ops, reason: 'again' })).toBe(
      'a rollback is already under way (ops-olga: wrong build)',
    );
    expect(state.refusalOfPromote(ops)).toBe('a rollback is under way: nothing to promote');
    state.end('rolled_back', T0 + 2, 'rolled back by ops-olga: wrong build');
    expect(state.refusalOfRollback({ ...ops, reason: 'x' })).toBe(
      'the deployment has ended (rolled_back): nothing to rollback',
    );
    expect(state.refusalOfAbort({ ...ops, reason: '' })).toMatch(/^reason: /);
  });
});

describe('DeploymentState: the freeze window override', () => {
  const admin = { actor: 'ada', roles: ['admin'], reason: 'hotfix for INC-7' };

  it('is for admins only, with a reason, once, and before the window stage has passed', () => {
    const state = new DeploymentState(deploymentInput(), 'deploy/web/production/1.2.0', T0);
    expect(state.refusalOfOverrideWindow({ ...admin, roles: ['deployer'] })).toBe(
      'ada may not override the freeze window: role admin needed',
    );
    expect(state.refusalOfOverrideWindow({ ...admin, reason: '' })).toMatch(/^reason: /);
    state.startStage('window', T0);
    expect(state.refusalOfOverrideWindow(admin)).toBeUndefined();
    state.overrideWindow(admin, T0 + 5);
    expect(state.view().window!.override).toEqual({
      actor: 'ada',
      reason: 'hotfix for INC-7',
      at: new Date(T0 + 5).toISOString(),
    });
    expect(state.refusalOfOverrideWindow(admin)).toBe('the window was already overridden by ada');

    const passed = new DeploymentState(deploymentInput(), 'deploy/web/production/1.2.0', T0);
    passed.startStage('window', T0);
    passed.endStage('window', 'done', T0 + 1, 'inside the window');
    expect(passed.refusalOfOverrideWindow(admin)).toBe('the window check has passed (done): nothing to override');
  });
});

describe('DeploymentState: the view', () => {
  it('keeps refused signals (capped, newest last) and stages with their times', () => {
    const state = waitingApproval();
    for (let i = 0; i < 130; i++) state.recordRefused('approve', { actor: `eve-${i}` }, 'not a reviewer', T0 + i);
    state.startStage('staging.deploy', T0, 'staging');
    state.endStage('staging.deploy', 'done', T0 + 10, 'web:1.2.0');
    const view = state.view();
    expect(view.refused).toHaveLength(100);
    expect(view.refused.at(-1)).toEqual({
      kind: 'approve',
      actor: 'eve-129',
      reason: 'not a reviewer',
      at: new Date(T0 + 129).toISOString(),
    });
    expect(view.stages).toEqual([
      {
        name: 'staging.deploy',
        environment: 'staging',
        status: 'done',
        startedAt: new Date(T0).toISOString(),
        endedAt: new Date(T0 + 10).toISOString(),
        detail: 'web:1.2.0',
      },
    ]);
    expect(view.timeline.length).toBeLessThanOrEqual(200);
    view.stages[0]!.status = 'failed'; // a copy: the state is not changed through its view
    expect(state.stageNamed('staging.deploy')!.status).toBe('done');
  });
});
