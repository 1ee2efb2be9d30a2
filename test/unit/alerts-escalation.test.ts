import {
  directPolicy,
  firstStep,
  manualEscalationTarget,
  nextStep,
  opensIncident,
  selectPolicy,
  type EscalationPolicy,
  type EscalationPosition,
  type EscalationStep,
} from '../../domain/alerts/escalation-policy';
import { parseEscalationConfig, parseEscalationYaml } from '../../domain/alerts/escalation-policy-schemas';
import { InputError } from '../../domain/validation';

const MIN = 60_000;
const T0 = Date.parse('2025-03-05T10:00:00Z'); // a Wednesday

const YAML = `
default: standard
policies:
  - name: infra-critical
    match: ['team="infra"', 'env=~"prod|staging"']
    severity: [critical, error]
    repeat: 2
    ackTimeout: 30 minutes
    autoResolve: 24 hours
    levels:
      - notify: [{ slack: "#infra-oncall" }, { slackUser: U024BE7LH }]
        escalateAfter: 15 minutes
      - notify: [{ email: lead@example.com }, { webhook: "https://pager.example.com/hook?token=abc" }]
        escalateAfter: 30 minutes
  - name: infra
    match: team="infra"
    levels:
      - notify: [{ slack: C024BE91L }]
  - name: standard
    urgency: low
    businessHours: { timeZone: Europe/Berlin, days: [mon, tue, wed, thu, fri], hours: "09:00-17:00" }
    incident: { atLevel: never, severities: [] }
    levels:
      - notify: [{ slack: "#ops" }]
`;

function errors(text: string): string[] {
  try {
    parseEscalationYaml(text);
  } catch (err) {
    if (err instanceof InputError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('accepted');
}

describe('escalation policies from YAML', () => {
  const config = parseEscalationYaml(YAML);
  const policy = (name: string) => config.policies.find((p) => p.name === name)!;

  it('parses policies into milliseconds, typed targets and matchers', () => {
    expect(config.defaultPolicy).toBe('standard');
    expect(policy('infra-critical')).toEqual({
      name: 'infra-critical',
      match: [
        { name: 'team', op: '=', value: 'infra' },
        { name: 'env', op: '=~', value: 'prod|staging' },
      ],
      severities: ['critical', 'error'],
      urgency: 'high',
      repeat: 2,
      ackTimeoutMs: 30 * MIN,
      autoResolveMs: 24 * 60 * MIN,
      incident: { severities: ['critical'], atLevel: 2 },
      levels: [
        {
          targets: [
            { kind: 'slack_channel', to: '#infra-oncall' },
            { kind: 'slack_user', to: 'U024BE7LH' },
          ],
          escalateAfterMs: 15 * MIN,
        },
        {
          targets: [
            { kind: 'email', to: 'lead@example.com' },
            { kind: 'webhook', to: 'https://pager.example.com/hook?token=abc' },
          ],
          escalateAfterMs: 30 * MIN,
        },
      ],
    });
    // a single-level policy has no level 2 to open an incident at; the last level may omit escalateAfter when nothing repeats
    expect(policy('infra')).toMatchObject({
      urgency: 'high',
      repeat: 0,
      incident: { severities: ['critical'] },
      levels: [{ escalateAfterMs: 0 }],
    });
    expect(policy('infra').incident.atLevel).toBeUndefined();
    expect(policy('standard')).toMatchObject({
      urgency: 'low',
      incident: { severities: [] },
      businessHours: {
        timeZone: 'Europe/Berlin',
        days: ['mon', 'tue', 'wed', 'thu', 'fri'],
        start: '09:00',
        end: '17:00',
      },
    });
    expect(
      parseEscalationConfig({ default: 'a', policies: [{ name: 'a', levels: [{ notify: [{ slack: '#a' }] }] }] })
        .policies,
    ).toHaveLength(1);
  });

  it('names the path and the line of every mistake', () => {
    expect(
      errors(`
default: nowhere
policies:
  - name: p
    repeat: 1
    levels:
      - notify: [{ slack: "#ok" }, { email: not-an-address }, { pager: x }, { slack: "#a", email: a@b.co }]
        escalateAfter: 30 seconds
      - notify: []
`),
    ).toEqual([
      'policies.0.levels.0.notify.1.email: must be an email address (line 7)',
      'policies.0.levels.0.notify.2: must be one of { slack: "#channel" }, { slackUser: U… }, { email: … }, { webhook: https://… } (line 7)',
      'policies.0.levels.0.notify.3: name exactly one of slack, slackUser, email, webhook (line 7)',
      'policies.0.levels.0.escalateAfter: must be at least 1 minute (shorter pages people in a loop) (line 8)',
      'policies.0.levels.1.notify: name at least one target (line 9)',
      // with repeat, the last level waits too before the next round
      'policies.0.levels.1.escalateAfter: required: how long this level has to acknowledge before escalating (line 9)',
      'default: no policy is named "nowhere" (line 2)',
    ]);
    expect(
      errors('default: p\npolicies:\n  - name: p\n    repeat: 1\n    levels:\n      - notify: [{ slack: "#a" }]\n'),
    ).toEqual([
      'policies.0.levels.0.escalateAfter: required: how long this level has to acknowledge before escalating (line 6)',
    ]);
    expect(
      errors(
        'default: nowhere\npolicies:\n  - name: p\n    levels: [{ notify: [{ slack: "#a" }] }]\n  - name: p\n    levels: [{ notify: [{ slack: "#a" }] }]\n',
      ),
    ).toEqual([
      'policies.1.name: duplicate policy name "p" (line 5)',
      'default: no policy is named "nowhere" (line 1)',
    ]);
    expect(
      errors(
        'default: p\npolicies:\n  - name: p\n    match: [\'team~"x"\']\n    urgency: medium\n    levels: [{ notify: [{ slack: "#a" }] }]\n',
      ),
    ).toEqual([
      'policies.0.match.0: "team~"x"" is not a matcher such as severity="critical" (operators =, !=, =~, !~) (line 4)',
      'policies.0.urgency: must be high or low (line 5)',
    ]);
    expect(
      errors(
        'default: p\npolicies:\n  - name: p\n    businessHours: { timeZone: Europe/Berlin, days: [mon], hours: "09:00-17:00" }\n    levels: [{ notify: [{ slack: "#a" }] }]\n',
      ),
    ).toEqual(['policies.0.businessHours: applies to low urgency only (high urgency pages at any hour) (line 4)']);
    expect(
      errors(
        'default: p\npolicies:\n  - name: p\n    urgency: low\n    businessHours: { timeZone: Mars/Base, days: [mon], hours: "17:00-09:00" }\n    levels: [{ notify: [{ slack: "#a" }] }]\n',
      ),
    ).toEqual([
      'policies.0.businessHours.timeZone: "Mars/Base" is not an IANA time zone such as "Europe/Berlin" (line 5)',
    ]);
    expect(
      errors(
        'default: p\npolicies:\n  - name: p\n    urgency: low\n    businessHours: { timeZone: UTC, days: [mon], hours: "17:00-09:00" }\n    levels: [{ notify: [{ slack: "#a" }] }]\n',
      ),
    ).toEqual([
      'policies.0.businessHours.hours: must be after start (hours that span midnight are not supported) (line 5)',
    ]);
    expect(
      errors('default: p\npolicies:\n  - name: p\n    ackTimeout: 0s\n    levels: [{ notify: [{ slack: "#a" }] }]\n'),
    ).toEqual(['policies.0.ackTimeout: must be at least 1 minute (line 4)']);
    expect(errors('default: p\npolicies: [\n')[0]).toMatch(/^\(yaml\): .*line 3/);
    expect(errors('policies: []\n')).toEqual([
      'default: must name the policy used when none matches (line 1)',
      'policies: name at least one policy (line 1)',
    ]);
  });

  it('chooses the first policy whose matchers and severities fit, else the default', () => {
    expect(selectPolicy(config, { team: 'infra', env: 'prod' }, 'critical').name).toBe('infra-critical');
    expect(selectPolicy(config, { team: 'infra', env: 'prod' }, 'warning').name).toBe('infra');
    expect(selectPolicy(config, { team: 'infra', env: 'dev' }, 'critical').name).toBe('infra');
    expect(selectPolicy(config, { team: 'web' }, 'critical').name).toBe('standard');
    expect(selectPolicy(config, {}, 'info').name).toBe('standard');
    const noCatchAll = { policies: config.policies.slice(0, 2), defaultPolicy: 'gone' };
    expect(() => selectPolicy(noCatchAll, { team: 'web' }, 'info')).toThrow(/no policy named "gone"/);
  });
});

describe('the escalation planner', () => {
  const config = parseEscalationYaml(YAML);
  const high = config.policies[0]!; // 2 levels (15 min, 30 min), repeat 2
  const low = config.policies[2]!;

  /** Follows the plan from the first step to the end, as a workflow with no acknowledgement would. */
  function run(policy: EscalationPolicy, start: number): (string | EscalationStep)[] {
    const steps: (string | EscalationStep)[] = [];
    let step = firstStep(policy, start);
    for (let i = 0; i < 20 && step.kind === 'notify'; i++) {
      const p = step.position;
      steps.push(`+${(step.at - start) / MIN}m r${p.round} l${p.level} ${step.targets.map((t) => t.to).join(',')}`);
      step = nextStep(policy, step.position, step.at);
    }
    steps.push(step);
    return steps;
  }

  it('notifies each level after the previous one waited, and repeats the whole policy K times', () => {
    expect(run(high, T0)).toEqual([
      '+0m r1 l1 #infra-oncall,U024BE7LH',
      '+15m r1 l2 lead@example.com,https://pager.example.com/hook?token=abc',
      '+45m r2 l1 #infra-oncall,U024BE7LH',
      '+60m r2 l2 lead@example.com,https://pager.example.com/hook?token=abc',
      '+90m r3 l1 #infra-oncall,U024BE7LH',
      '+105m r3 l2 lead@example.com,https://pager.example.com/hook?token=abc',
      { kind: 'done', reason: 'exhausted' },
    ]);
    expect(run({ ...high, repeat: 0 }, T0)).toEqual([
      '+0m r1 l1 #infra-oncall,U024BE7LH',
      '+15m r1 l2 lead@example.com,https://pager.example.com/hook?token=abc',
      { kind: 'done', reason: 'exhausted' },
    ]);
  });

  it('plans from when the step was notified, not from when the workflow woke up', () => {
    const position: EscalationPosition = { cycle: 1, round: 1, level: 1 };
    const notifiedAt = T0 + 3 * MIN; // the send took a while
    expect(nextStep(high, position, notifiedAt)).toMatchObject({
      kind: 'notify',
      at: notifiedAt + 15 * MIN,
      position: { level: 2, round: 1 },
    });
    expect(firstStep(high, T0, 3)).toMatchObject({ position: { cycle: 3, round: 1, level: 1 }, at: T0 });
  });

  it('low urgency notifies the first level once, inside business hours, and never escalates', () => {
    // Wednesday 10:00Z is 11:00 in Berlin: at once
    expect(run(low, T0)).toEqual(['+0m r1 l1 #ops', { kind: 'done', reason: 'low_urgency' }]);
    // Saturday: waits for Monday 09:00 Berlin (08:00Z)
    const saturday = Date.parse('2025-03-08T12:00:00Z');
    expect(firstStep(low, saturday)).toMatchObject({ kind: 'notify', at: Date.parse('2025-03-10T08:00:00Z') });
    // high urgency ignores business hours
    expect(firstStep(high, saturday)).toMatchObject({ at: saturday });
  });

  it('finds where "escalate now" goes, and refuses where there is nowhere to go', () => {
    expect(manualEscalationTarget(high, undefined)).toEqual({ cycle: 1, round: 1, level: 1 });
    expect(manualEscalationTarget(high, { cycle: 1, round: 1, level: 1 })).toEqual({ cycle: 1, round: 1, level: 2 });
    expect(manualEscalationTarget(high, { cycle: 2, round: 1, level: 2 })).toEqual({ cycle: 2, round: 2, level: 1 });
    expect(manualEscalationTarget(high, { cycle: 1, round: 3, level: 2 })).toBe(
      'already at the last level (2) of the last round',
    );
    expect(manualEscalationTarget(high, { cycle: 1, round: 3, level: 2 }, 1)).toEqual({ cycle: 1, round: 3, level: 1 });
    expect(manualEscalationTarget(high, undefined, 2)).toEqual({ cycle: 1, round: 1, level: 2 });
    expect(manualEscalationTarget(high, undefined, 3)).toBe('level must be between 1 and 2 (policy "infra-critical")');
    // low urgency does not escalate by itself, but an operator may
    expect(manualEscalationTarget(low, { cycle: 1, round: 1, level: 1 })).toBe(
      'already at the last level (1) of the last round',
    );
  });

  it('opens an incident for its severities or at its level', () => {
    expect(opensIncident(high, 'critical', 0)).toBe(true);
    expect(opensIncident(high, 'error', 1)).toBe(false);
    expect(opensIncident(high, 'error', 2)).toBe(true);
    expect(opensIncident(low, 'critical', 5)).toBe(false);
  });

  it('builds a one-level policy for a reassignment to explicit people', () => {
    const direct = directPolicy(low, [{ kind: 'slack_user', to: 'U0BOB0001' }]);
    expect(direct).toMatchObject({
      name: 'standard/reassigned',
      urgency: 'high',
      levels: [{ targets: [{ to: 'U0BOB0001' }] }],
    });
    expect(direct.businessHours).toBeUndefined();
  });
});
