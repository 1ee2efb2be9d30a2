import { FundingGate } from '../../domain/funding/gate';
import { fundingGateInputSchema } from '../../domain/funding/gate-input';
import { MAX_REFUSALS_SHOWN } from '../../domain/funding/refusals';
import { InputError } from '../../domain/validation';
import { drawInput } from '../fixtures/funding-gate';

const T0 = Date.parse('2026-12-01T09:00:00Z');
const ops = { actor: 'lender-ops', roles: ['operator'] };

const openGate = () => new FundingGate(fundingGateInputSchema.parse(drawInput()), T0);

/** A gate whose release was paid (the workflow's steps, without the money). */
function disbursedGate(): FundingGate {
  const gate = openGate();
  gate.status = 'disbursed';
  return gate;
}

describe('FundingGate: one refusal rule per message, refused signals kept in the status', () => {
  it('keeps each refused signal where the status shows it: votes, evidence, and every other message by kind', () => {
    const gate = openGate();
    const vote = { decision: 'approve', actor: 'gc-alex', roles: [] };
    gate.recordRefused('decide', vote, gate.refusalOfVote(vote, T0)!, T0);
    const evidence = { kind: 'document', actor: 'gc-alex' };
    gate.recordRefused('submitEvidence', evidence, gate.refusalOfEvidence(evidence, T0)!, T0);
    const resume = { reason: 'nothing held', ...ops };
    gate.recordRefused('resume', resume, gate.refusalOfResume(resume)!, T0 + 1);
    const reverse = { reason: 'wrong payee', ...ops };
    gate.recordRefused('reverse', reverse, gate.refusalOfReverse(reverse)!, T0 + 2);

    const view = gate.view(T0 + 3);
    expect(view.approvals.refused).toEqual([
      expect.objectContaining({ actor: 'gc-alex', reason: expect.stringMatching(/four eyes/) }),
    ]);
    expect(view.conditions.refusedEvidence).toEqual([expect.objectContaining({ kind: 'document' })]);
    expect(view.refused).toEqual([
      { kind: 'resume', actor: 'lender-ops', at: new Date(T0 + 1).toISOString(), reason: 'the gate is not on hold' },
      {
        kind: 'reverse',
        actor: 'lender-ops',
        at: new Date(T0 + 2).toISOString(),
        reason: 'reverse needs role admin or approver',
      },
    ]);
    expect(gate.version).toBe(0); // a refusal changes nothing the workflow waits on
  });

  it('lists every refusal at the top of the status, newest first: who, what, why, when', () => {
    const gate = openGate();
    const vote = { decision: 'approve', actor: 'gc-alex', roles: [] };
    gate.recordRefused('decide', vote, gate.refusalOfVote(vote, T0)!, T0);
    const evidence = { kind: 'document', actor: 'gc-alex' };
    gate.recordRefused('submitEvidence', evidence, gate.refusalOfEvidence(evidence, T0 + 1)!, T0 + 1);
    const resume = { reason: 'nothing held', ...ops };
    gate.recordRefused('resume', resume, gate.refusalOfResume(resume)!, T0 + 2);

    const view = gate.view(T0 + 3);
    expect(Object.keys(view).slice(0, 2)).toEqual(['status', 'refusals']);
    expect(view.refusals).toEqual([
      { at: new Date(T0 + 2).toISOString(), actor: 'lender-ops', message: 'resume', reason: 'the gate is not on hold' },
      {
        at: new Date(T0 + 1).toISOString(),
        actor: 'gc-alex',
        message: 'submitEvidence',
        detail: 'document',
        reason: expect.stringMatching(/^evidence\.name: /),
      },
      {
        at: new Date(T0).toISOString(),
        actor: 'gc-alex',
        message: 'decide',
        detail: 'approve, stage review',
        reason: expect.stringMatching(/four eyes/),
      },
    ]);
  });

  it('caps the refusals at the top, keeping the newest (the full lists stay in their sections)', () => {
    const gate = openGate();
    for (let i = 0; i < MAX_REFUSALS_SHOWN + 5; i++) {
      const resume = { reason: `try ${i}`, ...ops };
      gate.recordRefused('resume', resume, gate.refusalOfResume(resume)!, T0 + i);
    }
    const { refusals, refused } = gate.view(T0 + 100);
    expect(refusals).toHaveLength(MAX_REFUSALS_SHOWN);
    expect(refusals[0]!.at).toBe(new Date(T0 + MAX_REFUSALS_SHOWN + 4).toISOString());
    expect(refusals.at(-1)!.at).toBe(new Date(T0 + 5).toISOString());
    expect(refused).toHaveLength(MAX_REFUSALS_SHOWN + 5);
  });

  it('refuses evidence on a closed gate, as the Update validator and the Signal twin both ask', () => {
    const gate = openGate();
    gate.expire(T0);
    const evidence = { kind: 'document', name: 'schedule-of-values', actor: 'gc-alex' };
    expect(gate.refusalOfEvidence(evidence, T0)).toBe('the gate is expired');
    expect(gate.refusalOfEvidenceContent(evidence, T0)).toBeUndefined();
  });

  it('refuses a second reversal of the same release', () => {
    const gate = disbursedGate();
    const request = { reason: 'wrong payee', actor: 'lender-ops', roles: ['admin'] };
    expect(gate.refusalOfReverse(request)).toBeUndefined();
    gate.reverse(request);
    expect(gate.reversal).toEqual(request);
    expect(gate.refusalOfReverse({ ...request, actor: 'other' })).toMatch(/already asked for by lender-ops/);
  });

  it('mutating methods throw when handed a request their refusalOfX refuses (a bug of the caller)', () => {
    const gate = openGate();
    expect(() => gate.vote({ decision: 'approve', actor: 'gc-alex', roles: [] }, T0)).toThrow(InputError);
    expect(() => gate.addEvidence({ kind: 'document', actor: 'gc-alex' }, T0)).toThrow(InputError);
    expect(() => gate.waive({ conditionId: 'nope', comment: 'ok', actor: 'rita', roles: ['approver'] }, T0)).toThrow(
      /no condition "nope"/,
    );
    expect(() => gate.resubmit({ actor: 'gc-alex', roles: [] }, T0)).toThrow(/nothing to resubmit/);
    expect(gate.view(T0).timeline.map((entry) => entry.event)).toEqual(['opened']);
  });
});

describe('FundingGate: the status a hold shows', () => {
  it('says on_hold while a hold stops a gate that has not paid, and what it was once resumed', () => {
    const gate = openGate();
    gate.hold({ reason: 'insufficient funds', actor: 'system', roles: ['admin'] }, T0);
    expect(gate.status).toBe('open');
    expect(gate.view(T0).status).toBe('on_hold');
    expect(gate.reportedStatus).toBe('on_hold');
    gate.resume({ reason: 'deposited', ...ops }, T0 + 1);
    expect(gate.view(T0 + 1).status).toBe('open');

    const paid = disbursedGate();
    paid.hold({ reason: 'dispute', ...ops }, T0);
    expect(paid.view(T0).status).toBe('disbursed'); // the money moved: a hold cannot stop it
  });
});
