import { alertEscalationInputSchema } from '../../domain/alerts/alert-input';
import { parseEscalationYaml } from '../../domain/alerts/escalation-policy-schemas';
import { shapeRefusal } from '../../domain/validation';

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
const refusal = (value: unknown) => shapeRefusal(alertEscalationInputSchema, value);

describe('alertEscalation start input (the one schema of the workflow and a direct start)', () => {
  it('accepts what the intake builds, and leaves it as it came', () => {
    expect(refusal(input)).toBeUndefined();
    expect(alertEscalationInputSchema.parse(input)).toEqual(input);
  });

  // Runs already started replay with their input: whatever the hand-written check before the
  // schema let through must still go through (it ignored keys it did not name, among others).
  it.each([
    [
      'keys it does not name, at every level',
      { ...input, extra: 1, event: { ...event, extra: 1 }, policy: { ...policies[0], extra: 1 } },
    ],
    ['a huge whole repeat', { ...input, policy: { ...policies[0], repeat: 1e20 } }],
    ['a label named constructor', { ...input, event: { ...event, labels: { constructor: 'x' } } }],
    ['no policies', { ...input, policies: undefined }],
    [
      'a target with more keys',
      {
        ...input,
        policy: { ...policies[0], levels: [{ escalateAfterMs: 0, targets: [{ kind: 'email', to: 'a@b', x: 1 }] }] },
      },
    ],
  ])('accepts %s, as before', (_what, accepted) => {
    expect(refusal(accepted)).toBeUndefined();
  });

  it.each([
    [{ ...input, event: { ...event, dedupKey: 'has/slash' } }, /(^|; )event\.dedupKey:/],
    [{ ...input, event: { ...event, labels: { host: 1 } } }, /(^|; )event\.labels\.host: must map names to texts/],
    [{ ...input, event: { ...event, links: undefined } }, /(^|; )event\.links: must be a list/],
    [{ ...input, event: { ...event, severity: 'page' } }, /(^|; )event\.severity:/],
    [{ ...input, policy: { ...policies[0], levels: [] } }, /(^|; )policy\.levels: name at least one level/],
    [{ ...input, policy: { ...policies[0], levels: 'x' } }, /(^|; )policy\.levels: must be a list/],
    [
      {
        ...input,
        policy: { ...policies[0], levels: [{ targets: [{ kind: 'pager', to: 'x' }], escalateAfterMs: 60_000 }] },
      },
      /(^|; )policy\.levels\.0\.targets\.0\.kind:/,
    ],
    [{ ...input, policies: [{ name: 'broken' }] }, /(^|; )policies\.0\.urgency:/],
    [{ ...input, intakeId: undefined }, /(^|; )intakeId:/],
    [{ ...input, intakeId: '' }, /(^|; )intakeId:/],
    [{ ...input, policy: { ...policies[0], repeat: 1.5 } }, /(^|; )policy\.repeat: must be a whole number/],
    [[input], /^request: must be an object/],
  ])('refuses a malformed input naming the field (%#)', (bad, message) => {
    expect(refusal(bad)).toMatch(message);
  });
});
