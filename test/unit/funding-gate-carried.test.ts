import { FundingGate } from '../../domain/funding/gate';
import { gateCarriedSchema, type GateCarried } from '../../domain/funding/gate-carried';
import { fundingGateInputSchema } from '../../domain/funding/gate-input';
import { drawInput } from '../fixtures/funding-gate';

const T0 = Date.parse('2026-12-01T09:00:00Z');
const HOUR = 3_600_000;
const ops = { actor: 'lender-ops', roles: ['operator'] };
/** With maker-checker: whoever changes the setup may not decide for a week. */
const input = () => fundingGateInputSchema.parse(drawInput({ separation: { window: '7 days', makers: [] } }));

/** A gate some way into its draw: evidence, a vote, a hold and its lift, refusals, a setup change. */
function busyGate(): FundingGate {
  const gate = new FundingGate(input(), T0);
  gate.bounded = true;
  gate.addEvidence({ kind: 'document', name: 'schedule-of-values', actor: 'gc-alex' }, T0 + HOUR);
  gate.vote({ decision: 'approve', actor: 'rita', roles: [] }, T0 + 2 * HOUR);
  const fourEyes = { decision: 'approve', actor: 'gc-alex', roles: ['signatory'] };
  gate.recordRefused('decide', fourEyes, gate.refusalOfVote(fourEyes, T0 + 3 * HOUR)!, T0 + 3 * HOUR);
  gate.hold({ reason: 'lender review', ...ops }, T0 + 4 * HOUR);
  gate.recordRefused('hold', { reason: 'again', ...ops }, gate.refusalOfHold({ reason: 'again', ...ops })!, T0);
  gate.noteSetupChange({ what: 'payees', actor: 'sam-admin' }, T0 + 5 * HOUR);
  gate.clock.remindersSent = 1;
  return gate;
}

/** Through the payload converter's JSON, as continue-as-new sends it. */
const overTheWire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('FundingGate snapshot: the state a run hands to the run it continues as', () => {
  it('resumes to the same gate: status view, clock, refusals and rules as before', () => {
    const gate = busyGate();
    const resumed = FundingGate.resume(input(), overTheWire(gate.snapshot()), T0 + 6 * HOUR);

    expect(resumed.view(T0 + 7 * HOUR)).toEqual(gate.view(T0 + 7 * HOUR));
    expect(resumed.version).toBe(gate.version);
    expect(resumed.bounded).toBe(true);
    // The hold paused the clock 4 h into the draw: the next reminder is as far away, whatever the run.
    expect(resumed.clock.paused).toBe(true);
    expect(resumed.clock.next(T0 + 9 * HOUR)).toEqual(gate.clock.next(T0 + 9 * HOUR));
    // The same rules: rita voted, sam-admin changed the setup (maker-checker), the lift is allowed.
    expect(resumed.refusalOfVote({ decision: 'approve', actor: 'rita', roles: [] }, T0 + 7 * HOUR)).toMatch(/already/);
    expect(
      resumed.refusalOfVote({ decision: 'approve', actor: 'sam-admin', roles: ['signatory'] }, T0 + 7 * HOUR),
    ).toMatch(/maker-checker/);
    expect(resumed.refusalOfResume({ reason: 'done', ...ops })).toBeUndefined();
  });

  it('keeps running clocks at their wall time: waiting time counted before the hand-over is not counted again', () => {
    const gate = new FundingGate(input(), T0);
    const resumed = FundingGate.resume(input(), overTheWire(gate.snapshot()), T0 + 20 * HOUR);
    // 1-day reminders: 4 h left at T0 + 20 h, in the old run and the new one alike.
    expect(resumed.clock.next(T0 + 20 * HOUR)).toEqual({ event: 'reminder', inMs: 4 * HOUR });
    expect(resumed.clock.elapsed(T0 + 20 * HOUR)).toBe(20 * HOUR);
  });

  it('is a copy: changing the resumed gate leaves the snapshot and the old gate as they were', () => {
    const gate = busyGate();
    const snapshot = gate.snapshot();
    const resumed = FundingGate.resume(input(), snapshot, T0 + 6 * HOUR);
    resumed.resume({ reason: 'done', ...ops }, T0 + 6 * HOUR);
    resumed.vote({ decision: 'approve', actor: 'sam', roles: ['signatory'] }, T0 + 6 * HOUR);
    expect(snapshot.approvals.votes).toHaveLength(1);
    expect(gate.approvals.gateState).not.toBe('approved');
    expect(resumed.approvals.gateState).toBe('approved');
    expect(gate.onHold).toBeDefined();
  });

  it('is taken as the input carried state; malformed carried state is refused, naming the field', () => {
    const carried: GateCarried = { phase: 'collecting', releaseNumber: 2, unaudited: 1, gate: busyGate().snapshot() };
    const parsed = fundingGateInputSchema.parse({ ...drawInput(), carried: overTheWire(carried) });
    expect(parsed.carried?.releaseNumber).toBe(2);
    expect(gateCarriedSchema.safeParse({ ...carried, phase: 'disbursing' }).error?.issues[0]?.path).toEqual(['phase']);
    expect(gateCarriedSchema.safeParse({ ...carried, releaseNumber: 0 }).error?.issues[0]?.path).toEqual([
      'releaseNumber',
    ]);
    expect(gateCarriedSchema.safeParse({ ...carried, gate: { status: 'open' } }).error?.issues[0]?.path).toEqual([
      'gate',
    ]);
    expect(fundingGateInputSchema.safeParse({ ...drawInput(), options: { messagesPerRun: 0 } }).success).toBe(false);
  });
});
