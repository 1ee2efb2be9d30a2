import { FundingGate, MAX_EVIDENCE, MAX_TIMELINE_KEPT } from '../../domain/funding/gate';
import { fundingGateInputSchema } from '../../domain/funding/gate-input';
import { MAX_DRAW_LINES } from '../../domain/funding/retainage';
import { MAX_REFUSED_KEPT } from '../../domain/funding/refused-messages';
import { drawInput } from '../fixtures/funding-gate';

const T0 = Date.parse('2026-12-01T09:00:00Z');
const openGate = (bounded: boolean) => {
  const gate = new FundingGate(fundingGateInputSchema.parse(drawInput()), T0);
  gate.bounded = bounded;
  return gate;
};

describe('FundingGate state bounds: a flood of messages cannot grow what the gate keeps', () => {
  it('keeps the newest refused messages of each list and counts the dropped ones', () => {
    const gate = openGate(true);
    const vote = { decision: 'approve', actor: 'gc-alex', roles: [] }; // the requester: four eyes
    for (let i = 0; i < MAX_REFUSED_KEPT + 30; i++)
      gate.recordRefused('decide', vote, gate.refusalOfVote(vote, T0)!, T0);
    const resume = { reason: 'nothing held', actor: 'lender-ops', roles: ['operator'] };
    for (let i = 0; i < MAX_REFUSED_KEPT + 5; i++)
      gate.recordRefused('resume', resume, gate.refusalOfResume(resume)!, T0);
    const view = gate.view(T0);
    expect(view.approvals.refused).toHaveLength(MAX_REFUSED_KEPT);
    expect(view.refused).toHaveLength(MAX_REFUSED_KEPT);
    expect(view.refusalsDropped).toBe(35);
  });

  it('a bounded gate keeps the newest timeline entries and counts the rest; an older run keeps them all', () => {
    const bounded = openGate(true);
    const older = openGate(false);
    for (const gate of [bounded, older])
      for (let i = 0; i < MAX_TIMELINE_KEPT + 10; i++)
        gate.noteSetupChange({ what: `payee ${i}`, actor: 'sam-admin' }, T0 + i);
    expect(bounded.view(T0).timeline).toHaveLength(MAX_TIMELINE_KEPT);
    expect(bounded.view(T0).timelineDropped).toBe(11); // 'opened' and ten changes
    expect(bounded.view(T0).timeline.at(-1)).toMatchObject({ detail: `payee ${MAX_TIMELINE_KEPT + 9}` });
    expect(older.view(T0).timeline).toHaveLength(MAX_TIMELINE_KEPT + 11);
    expect(older.view(T0).timelineDropped).toBeUndefined();
  });

  it('a bounded gate refuses evidence past MAX_EVIDENCE (every condition is judged from the whole list)', () => {
    const gate = openGate(true);
    const evidence = { kind: 'document', name: 'schedule-of-values', actor: 'gc-alex' };
    for (let i = 0; i < MAX_EVIDENCE; i++) {
      expect(gate.refusalOfEvidence(evidence, T0)).toBeUndefined();
      gate.addEvidence(evidence, T0);
    }
    expect(gate.refusalOfEvidence(evidence, T0)).toBe(
      `the gate holds ${MAX_EVIDENCE} pieces of evidence, the most it takes`,
    );
    expect(openGate(false).refusalOfEvidence(evidence, T0)).toBeUndefined();
  });

  it('refuses a draw of more lines than one schedule of values holds, naming the field, on the workflow input itself', () => {
    const line = drawInput().lines[0]!;
    const lines = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ ...line, lineId: `L${i}`, requestedAmount: 1 }));
    expect(fundingGateInputSchema.safeParse(drawInput({ lines: lines(MAX_DRAW_LINES) })).success).toBe(true);
    const refused = fundingGateInputSchema.safeParse(drawInput({ lines: lines(MAX_DRAW_LINES + 1) }));
    expect(refused.success).toBe(false);
    expect(refused.error?.issues).toEqual([
      expect.objectContaining({ path: ['lines'], message: expect.stringContaining(`at most ${MAX_DRAW_LINES} lines`) }),
    ]);
  });
});
