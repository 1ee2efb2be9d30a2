import { alertInputProblem } from '../../domain/alerts/alert-input';
import { parseEscalationYaml } from '../../domain/alerts/escalation-policy-schemas';

const { policies } = parseEscalationYaml(`
default: ops
policies:
  - name: ops
    levels:
      - notify: [{ slack: "#ops" }]
        escalateAfter: 10 minutes
`);
const event = {
  source: 'pagerduty',
  dedupKey: 'pd-1-disk',
  sourceKey: 'disk',
  action: 'trigger',
  severity: 'critical',
  summary: 'disk full',
  labels: { host: 'db-1' },
  annotations: {},
  startsAt: '2026-11-25T10:00:00.000Z',
  links: [],
  images: [],
};
const input = { event, intakeId: 'i-1', policy: policies[0], policies };

describe('alertEscalation input check (in the workflow, by hand)', () => {
  it('accepts what the intake builds', () => {
    expect(alertInputProblem(input)).toBeUndefined();
  });

  it.each([
    [{ ...input, event: { ...event, dedupKey: 'has/slash' } }, /^event\.dedupKey:/],
    [{ ...input, event: { ...event, labels: { host: 1 } } }, /^event\.labels: must map names to texts/],
    [{ ...input, event: { ...event, links: undefined } }, /^event\.links: must be a list/],
    [{ ...input, event: { ...event, severity: 'page' } }, /^event\.severity:/],
    [{ ...input, policy: { ...policies[0], levels: [] } }, /^policy\.levels: name at least one level/],
    [
      {
        ...input,
        policy: { ...policies[0], levels: [{ targets: [{ kind: 'pager', to: 'x' }], escalateAfterMs: 60_000 }] },
      },
      /^policy\.levels\.0\.targets\.0:/,
    ],
    [{ ...input, policies: [{ name: 'broken' }] }, /^policies\.0\.urgency:/],
    [{ ...input, intakeId: undefined }, /^intakeId:/],
  ])('refuses a malformed input naming the field (%#)', (bad, message) => {
    expect(alertInputProblem(bad)).toMatch(message);
  });
});
