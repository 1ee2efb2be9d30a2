import { AlertState, MAX_TIMELINE } from '../../domain/alerts/alert-state';
import { alertCarriedSchema, alertEscalationInputSchema } from '../../domain/alerts/alert-input';
import { parseEscalationYaml } from '../../domain/alerts/escalation-policy-schemas';
import { RunBound } from '../../domain/alerts/history-bound';
import { Incident, MAX_RESPONDERS, MAX_TIMELINE as MAX_INCIDENT_TIMELINE } from '../../domain/alerts/incident';
import { shapeRefusal } from '../../domain/validation';
import { alertEvent } from '../fixtures/alerts';

const MIN = 60_000;
const T0 = Date.parse('2026-03-05T10:00:00Z');
const policy = parseEscalationYaml(`
default: infra
policies:
  - name: infra
    ackTimeout: 30 minutes
    autoResolve: 4 hours
    levels:
      - notify: [{ slack: "#infra" }]
        escalateAfter: 10 minutes
      - notify: [{ email: lead@example.com }]
`).policies[0]!;
const ann = { actor: 'ops:ann', roles: ['operator'] };

/** The state as it travels: through the JSON of a continue-as-new payload. */
const overTheWire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('carried alert state (continue-as-new)', () => {
  it('resumes with the same deadlines as absolute instants: level steps, the ack wait and auto-resolve', () => {
    const alert = AlertState.open(alertEvent('carry-1'), policy, T0);
    alert.markNotified({ cycle: 1, round: 1, level: 1 }, T0);
    const before = alert.nextDue();
    const resumed = AlertState.resume(overTheWire(alert.carried()));
    expect(resumed.nextDue()).toEqual(before);
    expect(before).toMatchObject({ kind: 'notify', at: T0 + 10 * MIN });
    expect(resumed.view()).toEqual(alert.view());

    // Acknowledged at +3m: the ack wait ends at +33m in the original and in a run resumed later.
    alert.acknowledge(ann, T0 + 3 * MIN);
    const later = AlertState.resume(overTheWire(alert.carried()));
    expect(later.nextDue()).toEqual({ kind: 'ack_timeout', at: T0 + 33 * MIN });
    later.ackTimedOut(T0 + 33 * MIN);
    expect(later.nextDue()).toMatchObject({ kind: 'notify', at: T0 + 33 * MIN, position: { cycle: 2, level: 1 } });
  });

  it('is a copy: the resumed alert and the carried payload do not share lists', () => {
    const alert = AlertState.open(alertEvent('carry-2'), policy, T0);
    const carried = alert.carried();
    const resumed = AlertState.resume(carried);
    resumed.observe(alertEvent('carry-2'), T0 + MIN);
    expect(alert.state.count).toBe(1);
    expect(carried.count).toBe(1);
    expect(resumed.state.count).toBe(2);
  });

  it('counts timeline entries the cap dropped, and carries the count', () => {
    const alert = AlertState.open(alertEvent('carry-3'), policy, T0);
    for (let i = 0; i < MAX_TIMELINE + 25; i++) alert.recordRefused('acknowledge', { actor: 'visitor' }, 'no role', T0);
    expect(alert.state.timeline).toHaveLength(MAX_TIMELINE);
    expect(alert.view().timelineDropped).toBe(26); // the opening entry and 25 refusals
    const resumed = AlertState.resume(overTheWire(alert.carried()));
    resumed.recordRefused('acknowledge', { actor: 'visitor' }, 'no role', T0);
    expect(resumed.view().timelineDropped).toBe(27);
  });

  it('the carried state passes the input schema; a broken one is refused naming the field', () => {
    const event = alertEvent('carry-4');
    const alert = AlertState.open(event, policy, T0);
    const input = { event, intakeId: 'i-1', policy, carried: overTheWire({ state: alert.carried(), unaudited: 1 }) };
    expect(shapeRefusal(alertEscalationInputSchema, input)).toBeUndefined();
    expect(shapeRefusal(alertCarriedSchema, { state: { ...alert.carried(), cycle: 0 } })).toMatch(/^state\.cycle: /);
    expect(
      shapeRefusal(alertEscalationInputSchema, {
        ...input,
        carried: { state: { ...alert.carried(), dedupKey: 'other' } },
      }),
    ).toMatch(/^carried\.state\.dedupKey: must be the dedupKey of the event/);
    expect(shapeRefusal(alertEscalationInputSchema, { ...input, options: { messagesPerRun: 0 } })).toMatch(
      /^options\.messagesPerRun: /,
    );
  });
});

describe('carried incident state', () => {
  it('resumes as it was; the timeline and alert lists are capped with counts; responders are refused past the cap', () => {
    const incident = Incident.open('inc-1', { dedupKey: 'a-0', summary: 'Disk', severity: 'error' }, 'alert:a-0', T0);
    for (let i = 0; i < MAX_INCIDENT_TIMELINE; i++) incident.record(T0, 'visitor', 'refused add note', 'no role');
    const resumed = Incident.resume(overTheWire(incident.snapshot()));
    expect(resumed.snapshot()).toEqual(incident.snapshot());
    expect(resumed.state.dropped).toEqual({ timeline: 1, alerts: 0 });
    for (let i = 0; i < MAX_RESPONDERS; i++) resumed.addResponder({ ...ann, responder: `r-${i}` }, T0);
    expect(resumed.refusalOfResponder({ ...ann, responder: 'one-more' })).toBe(
      `the incident has ${MAX_RESPONDERS} responders, the most it takes`,
    );
  });
});

describe('RunBound', () => {
  it('is due at the message bound, the event bound, or when the server suggests it', () => {
    const bound = new RunBound({ messagesPerRun: 3, eventsPerRun: 100 });
    const quiet = { historyLength: 10, continueAsNewSuggested: false };
    bound.message();
    bound.message();
    expect(bound.due(quiet)).toBe(false);
    expect(bound.due({ ...quiet, continueAsNewSuggested: true })).toBe(true);
    expect(bound.due({ ...quiet, historyLength: 100 })).toBe(true);
    bound.message();
    expect(bound.due(quiet)).toBe(true);
  });
});
