import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configFileSchema } from '../../domain/config-file';
import { deploymentsConfigSchema } from '../../domain/deploy/deploy-config';
import { InputError, parseInput } from '../../domain/validation';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const parse = (input: unknown) => parseInput(deploymentsConfigSchema, input, 'deployments');

/** The refusal's issues as "path: message". */
function issuesOf(input: unknown): string[] {
  try {
    parse(input);
  } catch (err) {
    if (err instanceof InputError) return err.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw err;
  }
  throw new Error('expected the config to be refused');
}

const localTarget = (port: number) => ({
  type: 'local',
  artifact: 'examples/deploy/example-web/{{version}}',
  start: 'node server.js',
  port,
  slotPorts: [port + 1, port + 2],
});

/** A YAML document being edited: as untyped as the file it stands for. */
type Draft = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A valid two-environment service; `change` edits a deep copy. */
function config(change: (c: Draft) => void = () => {}): unknown {
  const c: Draft = {
    services: [
      {
        name: 'example-web',
        environments: [
          { name: 'staging', target: localTarget(8100), health: { checks: [{ name: 'healthz', path: '/healthz' }] } },
          {
            name: 'production',
            after: 'staging',
            target: localTarget(8200),
            approval: { users: ['rev-ray', 'rev-rosa'], quorum: 2, deadline: '1 hour' },
            windows: { timezone: 'Europe/Berlin', blackouts: [{ from: 'fri 16:00', to: 'mon 08:00' }] },
            steps: [10, 50, 100],
            analysis: {
              metrics: [{ name: 'errors', http: 'ratio(a{code=~"5.."}, a)', successCondition: 'result < 0.05' }],
              interval: '10 seconds',
              count: 3,
            },
          },
        ],
      },
    ],
  };
  change(c);
  return c;
}
const staging = (c: Draft) => c.services[0].environments[0];
const production = (c: Draft) => c.services[0].environments[1];
const P = 'services.0.environments.1';
const S = 'services.0.environments.0';

describe('deployments config: defaults', () => {
  it('fills every default', () => {
    const parsed = parse(config());
    const [stagingEnv, productionEnv] = parsed.services[0]!.environments;
    expect(stagingEnv).toEqual({
      name: 'staging',
      target: { ...localTarget(8100), stopTimeout: '10 seconds' },
      health: {
        checks: [{ name: 'healthz', path: '/healthz', method: 'GET', expectStatus: 200 }],
        successes: 1,
        interval: '2 seconds',
        timeout: '1 minute',
      },
      smoke: [],
      steps: [100],
    });
    expect(productionEnv!.approval).toEqual({
      users: ['rev-ray', 'rev-rosa'],
      roles: [],
      quorum: 2,
      deadline: '1 hour',
      notify: [],
    });
    expect(productionEnv!.windows).toEqual({
      timezone: 'Europe/Berlin',
      allowed: [],
      blackouts: [{ from: 'fri 16:00', to: 'mon 08:00' }],
    });
    expect(productionEnv!.analysis).toMatchObject({
      provider: 'auto',
      failureLimit: 0,
      inconclusiveLimit: 0,
      inconclusiveDeadline: '1 hour',
    });
    expect(parse({})).toEqual({ services: [] });
  });

  it('fills the kubectl defaults and quorum 1', () => {
    const parsed = parse(
      config((c) => {
        production(c).target = {
          type: 'kubectl',
          namespace: 'prod',
          deployment: 'web',
          container: 'web',
          image: 'registry.example/web:{{ version }}',
        };
        production(c).approval = { roles: ['reviewer'], deadline: '30 minutes' };
      }),
    );
    const env = parsed.services[0]!.environments[1]!;
    expect(env.target).toEqual({
      type: 'kubectl',
      kubectl: 'kubectl',
      namespace: 'prod',
      deployment: 'web',
      container: 'web',
      image: 'registry.example/web:{{ version }}',
      rolloutTimeout: '5 minutes',
    });
    expect(env.approval).toMatchObject({ users: [], roles: ['reviewer'], quorum: 1 });
  });

  it("is the config file's deployments section, empty when left out", () => {
    expect(configFileSchema.parse({}).deployments).toEqual({ services: [] });
    expect(configFileSchema.parse({ deployments: null }).deployments).toEqual({ services: [] });
    expect(configFileSchema.parse({ deployments: config() }).deployments.services[0]!.name).toBe('example-web');
    const refused = configFileSchema.safeParse({ deployments: config((c) => (production(c).steps = [50])) });
    expect(refused.success).toBe(false);
    expect(refused.error!.issues[0]!.path.join('.')).toBe(`deployments.${P}.steps.0`);
  });

  it('parses the shipped arxflow.config.yaml and its commented example', () => {
    const text = readFileSync(path.resolve(__dirname, '..', '..', 'arxflow.config.yaml'), 'utf8');
    const lines = text.split('\n');
    expect(configFileSchema.parse(parseYaml(text)).deployments).toEqual({ services: [] });
    const start = lines.findIndex((line) => line === '    # services:');
    expect(start).toBeGreaterThan(0);
    const example = lines
      .slice(start)
      .filter((line) => line.startsWith('    #'))
      .map((line) => line.replace(/^ {4}# ?/, ''))
      .join('\n');
    const parsed = parse(parseYaml(example));
    expect(parsed.services[0]!.environments.map((env) => env.name)).toEqual(['staging', 'production']);
    expect(parsed.services[0]!.environments[1]!.steps).toEqual([10, 50, 100]);
  });
});

describe('deployments config: refusals name the field', () => {
  const cases: Array<[string, (c: Draft) => void, string]> = [
    ['unknown key in an environment', (c) => (production(c).colour = 'blue'), `${P}.colour: unknown field`],
    ['unknown key at the top', (c) => (c.servics = []), 'servics: unknown field'],
    ['unknown key in a target', (c) => (staging(c).target.ports = 1), `${S}.target.ports: unknown field`],
    ['bad service name', (c) => (c.services[0].name = 'Example_Web'), 'services.0.name: must be lower-case'],
    ['bad environment name', (c) => (staging(c).name = '1staging'), `${S}.name: must be lower-case`],
    [
      'duplicate service',
      (c) => c.services.push({ ...c.services[0] }),
      'services.1.name: service "example-web" is already defined (0)',
    ],
    [
      'duplicate environment',
      (c) => (production(c).name = 'staging'),
      `services.0.environments.1.name: environment "staging" is already defined (0)`,
    ],
    [
      'after unknown',
      (c) => (production(c).after = 'qa'),
      `${P}.after: unknown environment "qa" (known: staging, production)`,
    ],
    [
      'after itself',
      (c) => (production(c).after = 'production'),
      `${P}.after: must name another environment, not itself`,
    ],
    [
      'after cycle',
      (c) => (staging(c).after = 'production'),
      `${S}.after: makes a cycle: staging -> production -> staging`,
    ],
    [
      'steps not increasing',
      (c) => (production(c).steps = [50, 50, 100]),
      `${P}.steps.1: must be more than the step before (50)`,
    ],
    ['steps above 100', (c) => (production(c).steps = [10, 150]), `${P}.steps.1: must be 1..100`],
    ['steps below 1', (c) => (production(c).steps = [0, 100]), `${P}.steps.0: must be 1..100`],
    ['steps not ending at 100', (c) => (production(c).steps = [10, 50]), `${P}.steps.1: the last step must be 100`],
    ['steps empty', (c) => (production(c).steps = []), `${P}.steps: list at least one step`],
    [
      'reviewers nobody',
      (c) => (production(c).approval = { deadline: '1 hour' }),
      `${P}.approval.users: name reviewers`,
    ],
    ['quorum 0', (c) => (production(c).approval.quorum = 0), `${P}.approval.quorum: must be at least 1`],
    [
      'quorum above users',
      (c) => (production(c).approval.quorum = 3),
      `${P}.approval.quorum: 3 approvals can never come from 2 user(s) and no roles`,
    ],
    ['approval without deadline', (c) => delete production(c).approval.deadline, `${P}.approval.deadline:`],
    [
      'bad time zone',
      (c) => (production(c).windows.timezone = 'Europe/Atlantis'),
      `${P}.windows.timezone: must be an IANA time zone`,
    ],
    [
      'malformed weekly range',
      (c) => (production(c).windows.blackouts = [{ from: 'friday 16:00', to: 'mon 08:00' }]),
      `${P}.windows.blackouts.0.from: "friday 16:00" is neither a weekday and time`,
    ],
    [
      'bad hour',
      (c) => (production(c).windows.blackouts = [{ from: 'fri 16:00', to: 'mon 24:30' }]),
      `${P}.windows.blackouts.0.to: "mon 24:30" must be a weekday and time`,
    ],
    [
      'mixed kinds',
      (c) => (production(c).windows.blackouts = [{ from: '2026-12-20', to: 'mon 08:00' }]),
      `${P}.windows.blackouts.0.to: "mon 08:00" must be a date like from`,
    ],
    [
      'impossible date',
      (c) => (production(c).windows.blackouts = [{ from: '2026-02-30', to: '2026-03-02' }]),
      `${P}.windows.blackouts.0.from: "2026-02-30" is neither`,
    ],
    [
      'dates backwards',
      (c) => (production(c).windows.blackouts = [{ from: '2027-01-04', to: '2026-12-20' }]),
      `${P}.windows.blackouts.0.to: must not be before from (2027-01-04)`,
    ],
    [
      'overlapping weekly blackouts (one wraps the week)',
      (c) => production(c).windows.blackouts.push({ from: 'sun 20:00', to: 'sun 22:00' }),
      `${P}.windows.blackouts.1: sun 20:00..sun 22:00 overlaps blackouts 0 (fri 16:00..mon 08:00)`,
    ],
    [
      'overlapping date blackouts',
      (c) =>
        (production(c).windows.blackouts = [
          { from: '2026-12-20', to: '2027-01-04' },
          { from: '2027-01-04', to: '2027-01-06' },
        ]),
      `${P}.windows.blackouts.1: 2027-01-04..2027-01-06 overlaps blackouts 0`,
    ],
    [
      'overlapping allowed ranges',
      (c) =>
        (production(c).windows.allowed = [
          { from: 'mon 08:00', to: 'mon 18:00' },
          { from: 'mon 17:00', to: 'tue 09:00' },
        ]),
      `${P}.windows.allowed.1: mon 17:00..tue 09:00 overlaps allowed 0`,
    ],
    [
      'check with url and path',
      (c) => (staging(c).health.checks[0].url = 'http://x/healthz'),
      `${S}.health.checks.0.path: set exactly one of url`,
    ],
    [
      'check with neither',
      (c) => delete staging(c).health.checks[0].path,
      `${S}.health.checks.0.url: set exactly one of url`,
    ],
    [
      'bad bodyMatch',
      (c) => (staging(c).health.checks[0].bodyMatch = '(ok'),
      `${S}.health.checks.0.bodyMatch: is not a regular expression`,
    ],
    [
      'smoke check unknown template variable',
      (c) => (staging(c).smoke = [{ name: 'home', url: '{{host}}/' }]),
      `${S}.smoke.0.url: unknown template variable {{host}}`,
    ],
    [
      'condition that does not parse',
      (c) => (production(c).analysis.metrics[0].successCondition = 'result < 0.05 and result > 0'),
      `${P}.analysis.metrics.0.successCondition: "result < 0.05 and result > 0" is not a condition`,
    ],
    [
      'condition with code',
      (c) => (production(c).analysis.metrics[0].failureCondition = 'process.exit(1)'),
      `${P}.analysis.metrics.0.failureCondition: "process.exit(1)" is not a condition`,
    ],
    [
      'query with unknown variable',
      (c) => (production(c).analysis.metrics[0].prometheus = 'up{job="{{job}}"}'),
      `${P}.analysis.metrics.0.prometheus: unknown template variable {{job}}`,
    ],
    [
      'provider prometheus without a query',
      (c) => (production(c).analysis.provider = 'prometheus'),
      `${P}.analysis.metrics.0.prometheus: required by provider prometheus`,
    ],
    [
      'local port equal to a slot port',
      (c) => (staging(c).target.slotPorts = [8100, 8102]),
      `${S}.target.slotPorts.0: must differ from port 8100`,
    ],
    [
      'kubectl image without version',
      (c) =>
        (production(c).target = {
          type: 'kubectl',
          namespace: 'p',
          deployment: 'web',
          container: 'web',
          image: 'web:latest',
        }),
      `${P}.target.image: must contain {{version}}`,
    ],
    [
      'artifact with unknown variable',
      (c) => (staging(c).target.artifact = 'dist/{{commit}}'),
      `${S}.target.artifact: unknown template variable {{commit}}`,
    ],
    ['unknown target type', (c) => (staging(c).target.type = 'ssh'), `${S}.target.type: type must be local or kubectl`],
    ['bad duration', (c) => (production(c).watch = 'a while'), `${P}.watch: must be a duration`],
  ];

  it.each(cases)('%s', (_what, change, expected) => {
    expect(issuesOf(config(change))).toContainEqual(expect.stringMatching(new RegExp(`^${escapeRegExp(expected)}`)));
  });

  it('keeps ranges that only touch, and ranges of different kinds', () => {
    expect(() =>
      parse(
        config((c) => {
          production(c).windows.blackouts = [
            { from: 'fri 16:00', to: 'mon 08:00' },
            { from: 'mon 08:00', to: 'mon 09:00' },
            { from: '2026-12-20', to: '2027-01-04' },
            { from: '2027-01-05', to: '2027-01-05' },
          ];
        }),
      ),
    ).not.toThrow();
  });

  it('allows a quorum above the users when roles are named', () => {
    expect(() =>
      parse(config((c) => (production(c).approval = { users: ['a'], roles: ['reviewer'], quorum: 3, deadline: '1h' }))),
    ).not.toThrow();
  });
});
