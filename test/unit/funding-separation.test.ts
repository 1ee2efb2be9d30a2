import { FundingGate } from '../../domain/funding/gate';
import { fundingGateInputSchema } from '../../domain/funding/gate-input';
import { drawInput } from '../fixtures/funding-gate';

const T0 = Date.parse('2026-12-01T09:00:00Z');
const DAY = 86_400_000;

function gateWith(makers: { actor: string; at: string; what: string }[]) {
  const input = fundingGateInputSchema.parse({ ...drawInput(), separation: { window: '7 days', makers } });
  return new FundingGate(input, T0);
}

describe('FundingGate separation of duties', () => {
  it('maker-checker: a maker may not decide until the window after their change has passed', () => {
    const gate = gateWith([{ actor: 'rita', at: new Date(T0 - DAY).toISOString(), what: 'payees' }]);
    const vote = { decision: 'approve', actor: 'rita', roles: [] };
    expect(gate.refusalOfVote(vote, T0)).toMatch(
      /rita changed the project's payees at 2026-11-30T09:00:00.000Z and may not decide its draws until 2026-12-07T09:00:00.000Z \(maker-checker\)/,
    );
    expect(gate.refusalOfVote(vote, T0 + 6 * DAY - 1)).toMatch(/maker-checker/);
    expect(gate.refusalOfVote(vote, T0 + 6 * DAY)).toBeUndefined();
  });

  it('a change told during the draw bars its author from then on, and the latest change counts', () => {
    const gate = gateWith([]);
    expect(gate.refusalOfVote({ decision: 'approve', actor: 'rita', roles: [] }, T0)).toBeUndefined();
    expect(gate.refusalOfSetupChange({ what: 'funding program' })).toMatch(/actor/);
    gate.noteSetupChange({ actor: 'rita', what: 'funding program' }, T0 + DAY);
    gate.noteSetupChange({ actor: 'rita', what: 'payees' }, T0 + 2 * DAY);
    expect(gate.refusalOfVote({ decision: 'approve', actor: 'rita', roles: [] }, T0 + 3 * DAY)).toMatch(
      /changed the project's payees at 2026-12-03T09:00:00.000Z .* until 2026-12-10T09:00:00.000Z/,
    );
    expect(gate.view(T0).separation?.makers).toEqual([
      { actor: 'rita', at: '2026-12-03T09:00:00.000Z', what: 'payees' },
    ]); // the latest per author
    expect(gate.timeline.map((e) => e.event)).toContain('funding setup changed');
  });

  it('four eyes on waivers: the requester may not waive a condition of their own draw', () => {
    const gate = gateWith([]);
    expect(
      gate.refusalOfWaiver({ conditionId: 'sov', comment: 'mine', actor: 'gc-alex', roles: ['approver'] }, T0),
    ).toMatch(/gc-alex requested this release and may not waive its conditions \(four eyes\)/);
    expect(
      gate.refusalOfWaiver({ conditionId: 'sov', comment: 'on file', actor: 'rita', roles: ['approver'] }, T0),
    ).toBeUndefined();
  });
});

describe('FundingGate refuses unverified identities', () => {
  it('refuses every message of an unverified actor, naming the rule, and records a refused evidence', () => {
    const gate = gateWith([]);
    const who = { actor: 'unverified:rita', roles: [] as string[] };
    const rule = /rita: identity not verified/;
    expect(gate.refusalOfVote({ decision: 'approve', ...who }, T0)).toMatch(rule);
    const evidence = { kind: 'document', name: 'schedule-of-values', ...who };
    const refused = gate.refusalOfEvidence(evidence, T0);
    expect(refused).toMatch(rule);
    gate.recordRefused('submitEvidence', evidence, refused!, T0);
    expect(gate.view(T0).conditions.refusedEvidence.map((r) => r.reason)).toEqual([expect.stringMatching(rule)]);
    expect(gate.view(T0).conditions.conditions.find((c) => c.id === 'sov')?.status).toBe('pending');
    expect(gate.refusalOfWaiver({ conditionId: 'sov', comment: 'x', ...who }, T0)).toMatch(rule);
    expect(gate.refusalOfHold({ reason: 'x', actor: 'unverified:ops', roles: [] })).toMatch(
      /ops: identity not verified/,
    );
    expect(gate.refusalOfSetupChange({ what: 'payees', actor: 'unverified:ada' })).toMatch(
      /ada: identity not verified/,
    );
  });

  it('a flood of setup changes cannot push a maker out of the window', () => {
    const gate = gateWith([{ actor: 'ada', at: new Date(T0 - DAY).toISOString(), what: 'payees' }]);
    for (let i = 0; i < 500; i++)
      gate.noteSetupChange({ actor: i % 2 ? 'ada' : 'sam', what: 'funding program' }, T0 + i);
    expect(gate.changedDuringDraw.map((m) => m.actor).sort()).toEqual(['ada', 'sam']);
    expect(gate.refusalOfVote({ decision: 'approve', actor: 'ada', roles: [] }, T0 + 1000)).toMatch(/maker-checker/);
  });
});
