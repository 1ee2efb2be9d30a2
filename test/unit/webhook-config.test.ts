import { parse as parseYaml } from 'yaml';
import {
  interpolate,
  lookupPath,
  matchRule,
  MissingEventFieldError,
  parseWebhooksSection,
  planWebhookCommand,
  resolveTemplate,
  secretEnvVar,
  type WebhookRule,
} from '../../domain/webhook-config';
import { durationToMs } from '../../domain/durations';
import { TRIGGER_REFUSED_WORKFLOW_TYPES } from '../../domain/trigger-rules';
import { InputError } from '../../domain/validation';
import { loadWebhookSources } from '../../gateway/webhooks/sources';
import { inputErrorOf } from '../support/input-error';

const SECRET_A = 'secret-a-0123456789abcdef';
const SECRET_B = 'secret-b-0123456789abcdef';

const event = {
  kind: 'build.finished',
  build: { id: 42, status: 'passed', green: true, tags: ['nightly', 'tower-a'], summary: null },
  repository: { name: 'tower-a', owner: { login: 'arx' } },
  sender: { login: 'mallory' },
};

describe('templates', () => {
  it('follows dot paths through objects and array indexes, own fields only', () => {
    expect(lookupPath(event, 'repository.owner.login')).toEqual({ found: true, value: 'arx' });
    expect(lookupPath(event, 'build.tags.1')).toEqual({ found: true, value: 'tower-a' });
    expect(lookupPath(event, 'build.summary')).toEqual({ found: true, value: null });
    expect(lookupPath(event, 'build.missing')).toEqual({ found: false });
    expect(lookupPath(event, 'build.id.deeper')).toEqual({ found: false });
    expect(lookupPath(event, 'constructor')).toEqual({ found: false });
    expect(lookupPath(event, 'build.toString')).toEqual({ found: false });
    expect(lookupPath('a string', 'length')).toEqual({ found: false });
  });

  it('interpolates workflow ids, numbers and booleans as text', () => {
    expect(interpolate('ci-build/{{repository.name}}/{{build.id}}', event)).toBe('ci-build/tower-a/42');
    expect(interpolate('{{build.id}}', event)).toBe('42');
    expect(interpolate('green={{ build.green }}', event)).toBe('green=true');
    expect(interpolate('no placeholders', event)).toBe('no placeholders');
  });

  it('keeps the type of a string that is exactly one placeholder; other strings interpolate', () => {
    const template = {
      id: '{{build.id}}',
      label: 'build {{build.id}} of {{repository.name}}',
      tags: '{{build.tags}}',
      green: '{{build.green}}',
      summary: '{{build.summary}}',
      nested: [{ owner: '{{repository.owner}}' }, 7, false, null],
    };
    expect(resolveTemplate(template, event)).toEqual({
      id: 42,
      label: 'build 42 of tower-a',
      tags: ['nightly', 'tower-a'],
      green: true,
      summary: null,
      nested: [{ owner: { login: 'arx' } }, 7, false, null],
    });
  });

  it('names every missing field', () => {
    expect(() => interpolate('ci-build/{{repository.name}}/{{build.number}}', event)).toThrow(
      new MissingEventFieldError(['build.number']),
    );
    let caught: unknown;
    try {
      resolveTemplate({ a: '{{x.y}}', b: ['{{z}} and {{x.y}}'] }, event);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MissingEventFieldError);
    expect((caught as MissingEventFieldError).paths).toEqual(['x.y', 'z']);
    expect((caught as Error).message).toBe('the event has no fields x.y, z');
  });
});

describe('rules', () => {
  const sources = parseWebhooksSection(
    parseYaml(`
ci:
  scheme: timestamped
  events:
    - when: { kind: build.finished, build.status: failed }
      action: signal
      workflowId: ci-build/{{repository.name}}/{{build.id}}
      signal: wakeUp
      payload: { reason: "failed" }
    - when: { kind: build.finished }
      action: update
      workflowId: ci-build/{{repository.name}}/{{build.id}}
      update: wakeUp
      payload: { reason: "build {{build.id}} {{build.status}}", actor: "{{sender.login}}" }
    - when: { kind: build.started, build.green: true }
      action: start
      workflowType: durabilityProbe
      workflowId: ci-build/{{repository.name}}/{{build.id}}
      args: { sleep: 1 hour, label: "{{repository.name}}" }
    - when: { kind: build.queued }
      action: signalWithStart
      workflowType: durabilityProbe
      taskQueue: builds
      workflowId: ci-build/{{repository.name}}/{{build.id}}
      args: [{ sleep: 1 hour }]
      signal: wakeUp
      payload: "{{build.summary}}"
`),
  );
  const rules = sources.ci?.events ?? [];

  it('takes the first rule whose every `when` field equals the event', () => {
    expect(matchRule(rules, event)?.action).toBe('update');
    expect(matchRule(rules, { ...event, build: { ...event.build, status: 'failed' } })?.action).toBe('signal');
  });

  it('compares with types: true is not "true", 42 is not "42"', () => {
    const started = { ...event, kind: 'build.started' };
    expect(matchRule(rules, started)?.action).toBe('start');
    expect(matchRule(rules, { ...started, build: { ...event.build, green: 'true' } })).toBeUndefined();
    const byNumber: WebhookRule[] =
      parseWebhooksSection({
        x: { scheme: 'github', events: [{ when: { 'build.id': 42 }, action: 'signal', workflowId: 'w', signal: 's' }] },
      }).x?.events ?? [];
    expect(matchRule(byNumber, event)).toBe(byNumber[0]);
    expect(byNumber).toHaveLength(1);
    expect(matchRule(byNumber, { build: { id: '42' } })).toBeUndefined();
  });

  it('matches nothing when a `when` field is missing or the event is not an object', () => {
    expect(matchRule(rules, { build: { status: 'failed' } })).toBeUndefined();
    expect(matchRule(rules, [1, 2])).toBeUndefined();
    expect(planWebhookCommand('ci', rules, 'text')).toBeUndefined();
  });

  it('a rule without `when` matches every event', () => {
    const catchAll = parseWebhooksSection({
      x: { scheme: 'github', events: [{ action: 'signal', workflowId: 'w', signal: 's' }] },
    });
    const events = catchAll.x?.events ?? [];
    expect(events).toHaveLength(1);
    for (const event of [{}, { kind: 'anything' }, 'text', [1, 2]]) expect(matchRule(events, event)).toBe(events[0]);
  });

  it('plans an update whose payload actor is always the source, never the event', () => {
    expect(planWebhookCommand('ci', rules, event)).toEqual({
      action: 'update',
      workflowId: 'ci-build/tower-a/42',
      update: 'wakeUp',
      args: [{ reason: 'build 42 passed', actor: 'webhook:ci' }],
    });
  });

  it('sets the actor on a signal payload that has none', () => {
    const failed = { ...event, build: { ...event.build, status: 'failed' } };
    expect(planWebhookCommand('ci', rules, failed)).toEqual({
      action: 'signal',
      workflowId: 'ci-build/tower-a/42',
      signal: 'wakeUp',
      args: [{ reason: 'failed', actor: 'webhook:ci' }],
    });
  });

  it('plans a start; an `args` mapping is one argument', () => {
    expect(planWebhookCommand('ci', rules, { ...event, kind: 'build.started' })).toEqual({
      action: 'start',
      workflowId: 'ci-build/tower-a/42',
      workflowType: 'durabilityProbe',
      taskQueue: undefined,
      args: [{ sleep: '1 hour', label: 'tower-a' }],
    });
  });

  it('plans a signalWithStart; a payload that is not an object gets no actor', () => {
    expect(planWebhookCommand('ci', rules, { ...event, kind: 'build.queued' })).toEqual({
      action: 'signalWithStart',
      workflowId: 'ci-build/tower-a/42',
      workflowType: 'durabilityProbe',
      taskQueue: 'builds',
      args: [{ sleep: '1 hour' }],
      signal: 'wakeUp',
      signalArgs: [null],
    });
  });

  it('refuses to plan when the matching rule needs a missing field, naming it', () => {
    const { repository: _dropped, ...withoutRepository } = event;
    expect(() => planWebhookCommand('ci', rules, withoutRepository)).toThrow('the event has no field repository.name');
  });

  it('returns undefined when no rule matches', () => {
    expect(planWebhookCommand('ci', rules, { kind: 'build.deleted' })).toBeUndefined();
  });
});

describe('webhooks config section', () => {
  it('is optional: missing or null means no sources', () => {
    expect(parseWebhooksSection(undefined)).toEqual({});
    expect(parseWebhooksSection(null)).toEqual({});
  });

  it('fills defaults: 5 minutes tolerance, 600 per minute, no rules', () => {
    expect(parseWebhooksSection({ ci: { scheme: 'timestamped' } })).toEqual({
      ci: { scheme: 'timestamped', tolerance: 300_000, rateLimit: { max: 600, timeWindowMs: 60_000 }, events: [] },
    });
  });

  it('reads tolerance and rate limits as durations or milliseconds', () => {
    const parsed = parseWebhooksSection({
      a: { scheme: 'timestamped', tolerance: '90s', rateLimit: { max: 5, timeWindow: '2 minutes' } },
      b: { scheme: 'github', rateLimit: { timeWindow: 1500 } },
    });
    expect(parsed.a).toMatchObject({ tolerance: 90_000, rateLimit: { max: 5, timeWindowMs: 120_000 } });
    expect(parsed.b).toMatchObject({ rateLimit: { max: 600, timeWindowMs: 1500 } });
    expect([durationToMs('250ms'), durationToMs('1.5 hours'), durationToMs('2 days'), durationToMs('1 week')]).toEqual([
      250, 5_400_000, 172_800_000, 604_800_000,
    ]);
  });

  it.each([
    [{ ci: { scheme: 'hmac' } }, 'webhooks: ci.scheme: must be one of github, timestamped'],
    [{ ci: {} }, 'ci.scheme: must be one of github, timestamped'],
    [{ 'CI Server': { scheme: 'github' } }, 'CI Server: a source name is lower-case letters, digits, "-" and "_"'],
    [{ ci: { scheme: 'github', secret: 'x' } }, 'ci.secret: unknown field'],
    [{ ci: { scheme: 'github', secrets: ['short'] } }, 'ci.secrets.0: a secret must be at least 16 characters'],
    [
      { ci: { scheme: 'github', secrets: [SECRET_A, SECRET_B, `${SECRET_A}c`] } },
      'ci.secrets: at most 2 secrets may be active',
    ],
    [{ ci: { scheme: 'timestamped', tolerance: 'a while' } }, 'ci.tolerance: must be a duration'],
    [{ ci: { scheme: 'github', rateLimit: { max: 0 } } }, 'ci.rateLimit.max: must be a positive whole number'],
    [
      { ci: { scheme: 'github', rateLimit: { timeWindow: 'soon' } } },
      'ci.rateLimit.timeWindow: must be a duration such as "1 minute" or milliseconds',
    ],
    [{ ci: { scheme: 'github', events: {} } }, 'ci.events: must be a list of rules'],
    [
      { ci: { scheme: 'github', events: [{ workflowId: 'x' }] } },
      'ci.events.0.action: action must be one of start, signal, signalWithStart, update',
    ],
    [
      { ci: { scheme: 'github', events: [{ action: 'stop', workflowId: 'x' }] } },
      'ci.events.0.action: action must be one of',
    ],
    [
      { ci: { scheme: 'github', events: [{ action: 'start', workflowId: 'x' }] } },
      'ci.events.0.workflowType: must be the workflow type name',
    ],
    [
      { ci: { scheme: 'github', events: [{ action: 'signal', workflowId: 'x' }] } },
      'ci.events.0.signal: must be the signal name',
    ],
    [
      { ci: { scheme: 'github', events: [{ action: 'update', workflowId: 'x' }] } },
      'ci.events.0.update: must be the update name',
    ],
    [
      { ci: { scheme: 'github', events: [{ action: 'signal', signal: 's' }] } },
      'ci.events.0.workflowId: must be a workflow id template',
    ],
    [
      { ci: { scheme: 'github', events: [{ action: 'signal', signal: 's', workflowId: 'b/{{build id}}' }] } },
      'ci.events.0.workflowId: "{{build id}}" is not a dot path',
    ],
    [
      {
        ci: {
          scheme: 'github',
          events: [{ action: 'signal', signal: 's', workflowId: 'w', payload: { r: ['{{a..b}}'] } }],
        },
      },
      'ci.events.0.payload.r.0: "{{a..b}}" is not a dot path',
    ],
    [
      { ci: { scheme: 'github', events: [{ action: 'signal', signal: 's', workflowId: 'w', when: { kind: [1] } }] } },
      'ci.events.0.when.kind: must be a string, number, boolean or null',
    ],
    [
      { ci: { scheme: 'github', events: [{ action: 'signal', signal: 's', workflowId: 'w', workflowType: 'x' }] } },
      'ci.events.0.workflowType: unknown field',
    ],
    [
      { 'build-ci': { scheme: 'github' }, build_ci: { scheme: 'github' } },
      'build_ci: shares ARXFLOW_WEBHOOK_SECRET_BUILD_CI with source "build-ci"',
    ],
    [['ci'], '(root): must be a mapping of source name to source settings'],
  ])('%j is refused naming the field', (section, message) => {
    const error = inputErrorOf(() => parseWebhooksSection(section));
    expect(error.message).toContain(message);
  });
});

describe('loadWebhookSources: secrets', () => {
  const section = { 'build-ci': { scheme: 'timestamped' }, tracker: { scheme: 'github', secrets: [SECRET_A] } };

  it('names the environment variable of a source: upper-cased, non-alphanumerics as _', () => {
    expect(secretEnvVar('build-ci')).toBe('ARXFLOW_WEBHOOK_SECRET_BUILD_CI');
    expect(secretEnvVar('tracker_2')).toBe('ARXFLOW_WEBHOOK_SECRET_TRACKER_2');
  });

  it('takes the config secrets, or the comma-separated environment variable instead', () => {
    const sources = loadWebhookSources(section, { ARXFLOW_WEBHOOK_SECRET_BUILD_CI: ` ${SECRET_B} , ${SECRET_A},` });
    expect(sources.get('build-ci')).toMatchObject({
      name: 'build-ci',
      scheme: 'timestamped',
      secrets: [SECRET_B, SECRET_A],
    });
    expect(sources.get('tracker')?.secrets).toEqual([SECRET_A]);
    const overridden = loadWebhookSources(section, {
      ARXFLOW_WEBHOOK_SECRET_BUILD_CI: SECRET_A,
      ARXFLOW_WEBHOOK_SECRET_TRACKER: SECRET_B,
    });
    expect(overridden.get('tracker')?.secrets).toEqual([SECRET_B]);
  });

  it('keeps secrets out of JSON and logs: the property is not enumerable', () => {
    const tracker = loadWebhookSources(section, { ARXFLOW_WEBHOOK_SECRET_BUILD_CI: SECRET_B }).get('tracker');
    expect(tracker?.secrets).toEqual([SECRET_A]);
    expect(JSON.stringify(tracker)).not.toContain(SECRET_A);
    expect(Object.keys(tracker ?? {})).not.toContain('secrets');
  });

  it('refuses a source without any secret, naming the source and the variable', () => {
    expect(() => loadWebhookSources(section, {})).toThrow(
      'webhooks.build-ci: no secret: set ARXFLOW_WEBHOOK_SECRET_BUILD_CI (comma-separated while rotating) or webhooks.build-ci.secrets',
    );
    expect(() => loadWebhookSources(section, { ARXFLOW_WEBHOOK_SECRET_BUILD_CI: ' , ' })).toThrow(InputError);
  });

  it('refuses more than two active secrets or a short one in the environment', () => {
    expect(() =>
      loadWebhookSources(section, { ARXFLOW_WEBHOOK_SECRET_BUILD_CI: [SECRET_A, SECRET_B, `${SECRET_A}x`].join(',') }),
    ).toThrow('ARXFLOW_WEBHOOK_SECRET_BUILD_CI: at most 2 secrets may be active');
    expect(() => loadWebhookSources(section, { ARXFLOW_WEBHOOK_SECRET_BUILD_CI: 'short' })).toThrow(
      'ARXFLOW_WEBHOOK_SECRET_BUILD_CI: each secret must be at least 16 characters',
    );
  });

  it('passes config errors through, naming the field', () => {
    expect(() => loadWebhookSources({ ci: { scheme: 'nope' } }, {})).toThrow(
      'webhooks: ci.scheme: must be one of github, timestamped',
    );
  });
});

describe('webhook rules follow the task triggers rules (domain/trigger-rules.ts)', () => {
  const source = (rule: Record<string, unknown>) => ({
    ci: { scheme: 'github', secrets: [SECRET_A], events: [{ action: 'signal', workflowId: 'w', signal: 's' }, rule] },
  });

  it.each(Object.keys(TRIGGER_REFUSED_WORKFLOW_TYPES))(
    'refuses a start or signalWithStart of %s, naming the file, the source and the rule',
    (workflowType) => {
      for (const action of ['start', 'signalWithStart']) {
        const rule = {
          action,
          workflowType,
          workflowId: 'x/{{build.id}}',
          args: [{ requestedBy: '{{sender.login}}' }],
          ...(action === 'start' ? {} : { signal: 's' }),
        };
        const error = inputErrorOf(() => loadWebhookSources(source(rule), {}, 'arxflow.config.yaml'));
        expect(error).toBeInstanceOf(InputError);
        expect(error.message).toContain(
          `arxflow.config.yaml: webhooks: ci.events.1.workflowType: a webhook rule may not start ${workflowType}: ${TRIGGER_REFUSED_WORKFLOW_TYPES[workflowType]}`,
        );
      }
    },
  );

  it.each(['signal', 'signalWithStart', 'update'])(
    'refuses roles in a %s payload: webhook:<source> votes with no role',
    (action) => {
      const rule = {
        action,
        workflowId: 'funding-gate/{{project}}/M1',
        payload: { decision: 'approve', roles: ['approver'] },
        ...(action === 'update' ? { update: 'u' } : { signal: 'approve' }),
        ...(action === 'signalWithStart' ? { workflowType: 'durabilityProbe' } : {}),
      };
      expect(() => parseWebhooksSection(source(rule))).toThrow(
        "ci.events.1.payload.roles: a webhook rule's signals carry no roles (their actor is webhook:<source>): not accepted in a payload",
      );
    },
  );

  it('still allows what the task triggers allow', () => {
    const sources = parseWebhooksSection(
      source({
        action: 'signalWithStart',
        workflowType: 'durabilityProbe',
        workflowId: 'w',
        signal: 's',
        payload: { reason: 'x' },
      }),
    );
    expect(sources.ci?.events).toHaveLength(2);
  });

  it('drops roles an event brings through a whole-placeholder payload; the actor is the source', () => {
    const rules = parseWebhooksSection(
      source({ action: 'signal', workflowId: 'g', signal: 'approve', payload: '{{approval}}' }),
    ).ci!.events.slice(1);
    const command = planWebhookCommand('ci', rules, {
      approval: { decision: 'approve', roles: ['approver', 'admin'], actor: 'rita' },
    });
    expect(command).toEqual({
      action: 'signal',
      workflowId: 'g',
      signal: 'approve',
      args: [{ decision: 'approve', actor: 'webhook:ci' }],
    });
  });
});
