import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { scheduleConfigSchema, schedulesConfigSchema } from '../../domain/schedule-config';
import { InputError, parseInput } from '../../domain/validation';

const parseSchedules = (input: unknown) => parseInput(schedulesConfigSchema, input, 'schedules');

/** The InputError's issues for `input`, as "path: message". */
function issuesOf(input: unknown): string[] {
  try {
    parseSchedules(input);
  } catch (err) {
    if (err instanceof InputError) return err.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw err;
  }
  throw new Error('expected the schedules to be refused');
}

describe('schedules config', () => {
  it('fills defaults and turns one cron string into a list', () => {
    expect(
      parseSchedules([{ id: 'audit-chain-nightly', workflowType: 'auditChainCheck', cron: '0  2 * * *' }]),
    ).toEqual([
      {
        id: 'audit-chain-nightly',
        workflowType: 'auditChainCheck',
        args: [],
        cron: ['0 2 * * *'],
        overlap: 'skip',
        paused: false,
      },
    ]);
  });

  it('accepts every field', () => {
    const schedule = {
      id: 'probe-2',
      workflowType: 'durabilityProbe',
      args: [{ sleep: '1 minute' }],
      cron: ['0 9 * * MON-FRI', '@daily'],
      timezone: 'Europe/Berlin',
      overlap: 'buffer_one',
      paused: true,
      note: 'waits for the site survey',
    };
    expect(scheduleConfigSchema.parse(schedule)).toEqual(schedule);
    expect(
      scheduleConfigSchema.parse({ id: 'h', workflowType: 'healthCheck', every: '90s', overlap: 'terminate_other' }),
    ).toMatchObject({ every: '90s', overlap: 'terminate_other' });
  });

  it('parses the shipped arxflow.config.yaml', () => {
    const config = parseYaml(readFileSync(path.resolve(__dirname, '..', '..', 'arxflow.config.yaml'), 'utf8')) as {
      schedules: unknown;
    };
    expect(parseSchedules(config.schedules)).toEqual([
      expect.objectContaining({
        id: 'audit-chain-nightly',
        workflowType: 'auditChainCheck',
        cron: ['0 2 * * *'],
        timezone: 'UTC',
      }),
      expect.objectContaining({ id: 'health-check-hourly', workflowType: 'healthCheck', every: '1 hour' }),
    ]);
  });

  it('wants exactly one of cron and every', () => {
    expect(issuesOf([{ id: 'a', workflowType: 'healthCheck', cron: '0 2 * * *', every: '1 hour' }])).toEqual([
      '0.every: set either cron or every, not both',
    ]);
    expect(issuesOf([{ id: 'a', workflowType: 'healthCheck' }])).toEqual([
      '0.cron: set cron or every: when the schedule runs',
    ]);
    expect(issuesOf([{ id: 'a', workflowType: 'healthCheck', cron: [] }])).toEqual([
      '0.cron: cron must list at least one cron string',
    ]);
  });

  it.each(['Audit_Nightly', 'nightly audit', 'ünïcode', ''])('refuses the id %j, naming the field', (id) => {
    expect(issuesOf([{ id, workflowType: 'healthCheck', every: '1h' }])).toEqual([
      expect.stringMatching(/^0\.id: id must be lowercase/),
    ]);
  });

  it.each(['soon', '1 fortnight', '-5m', ''])('refuses the duration %j, naming the field', (every) => {
    expect(issuesOf([{ id: 'a', workflowType: 'healthCheck', every }])).toEqual([
      expect.stringMatching(/^0\.every: must be a duration/),
    ]);
  });

  it.each([
    ['0 2 * *', /5 to 7 fields/],
    ['@every 1h', /use every/],
    ['@sometimes', /@hourly/],
    ['CRON_TZ=Europe/Berlin 0 2 * * *', /set timezone/],
    ['0 2 * * * # nightly', /use note/],
  ])('refuses the cron %j, naming the field', (cron, problem) => {
    const issues = issuesOf([{ id: 'a', workflowType: 'healthCheck', cron }]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^0\.cron\.0: cron ".*" must/);
    expect(issues[0]).toMatch(problem);
  });

  it('names every offending field at once', () => {
    expect(
      issuesOf([
        {
          id: 'a',
          workflowType: 3,
          every: '1h',
          timezone: 'Mars/Olympus',
          overlap: 'never',
          paused: 'yes',
          crom: '* * * * *',
        },
      ]),
    ).toEqual([
      '0.workflowType: workflowType must be text',
      '0.timezone: timezone must be an IANA time zone such as "UTC" or "Europe/Berlin"',
      '0.overlap: overlap must be one of skip, buffer_one, allow_all, cancel_other, terminate_other',
      '0.paused: paused must be true or false',
      '0.crom: unknown field',
    ]);
    expect(issuesOf([{ every: '1h' }])).toEqual(['0.id: id is required', '0.workflowType: workflowType is required']);
  });

  it('refuses a duplicate id, naming the second one', () => {
    expect(
      issuesOf([
        { id: 'nightly', workflowType: 'healthCheck', every: '1 day' },
        { id: 'nightly', workflowType: 'auditChainCheck', cron: '0 2 * * *' },
      ]),
    ).toEqual(['1.id: id "nightly" is already used by schedule 0']);
  });

  it('refuses a section that is not a list', () => {
    expect(issuesOf({ 'audit-chain-nightly': {} })).toEqual(['(root): schedules must be a list']);
  });
});
