import { Command } from 'commander';
import { buildProgram } from '../../cli/main';
import { commandFor, commandLineFor, quote } from '../../domain/nlp/command-line';
import { INTENTS, type Intent, type Translation } from '../../domain/nlp/nlp-types';
import { toTranslation } from '../../domain/nlp/translation';

/** Each intent with args in normalised form, and the line the CLI takes for it. */
const CASES: [Intent, Record<string, unknown>, string | null][] = [
  ['funding.status', { projectId: 'PROJ-7', milestoneId: 'M3' }, 'arxflow funding status PROJ-7 M3'],
  ['funding.approve', { projectId: 'PROJ-7', milestoneId: 'M3', amount: 1250000 }, 'arxflow funding approve PROJ-7 M3'],
  [
    'funding.reject',
    { projectId: 'PROJ-7', milestoneId: 'M2' },
    'arxflow funding reject PROJ-7 M2 --reason unspecified',
  ],
  ['alerts.list', {}, 'arxflow alerts list --status open'],
  ['alerts.list', { status: 'resolved', severity: 'critical' }, 'arxflow alerts list --status resolved'],
  ['alerts.ack', { alertId: 'pd-42' }, 'arxflow alerts ack pd-42'],
  ['alerts.ack', { service: 'checkout' }, null],
  ['alerts.resolve', { alertId: 'am-1' }, 'arxflow alerts resolve am-1'],
  ['deploy.start', { service: 'checkout', version: '1.4.2' }, 'arxflow deploy start checkout 1.4.2'],
  [
    'deploy.start',
    { service: 'checkout', version: '1.4.2', environment: 'production' },
    'arxflow deploy start checkout 1.4.2 --env production',
  ],
  ['deploy.approve', { service: 'billing', version: '2.0.0' }, 'arxflow deploy approve billing 2.0.0'],
  [
    'deploy.rollback',
    { service: 'checkout', version: '1.4.1' },
    "arxflow deploy rollback checkout 1.4.1 --reason 'requested in natural language'",
  ],
  ['deploy.rollback', { service: 'checkout' }, null],
  ['deploy.status', { service: 'checkout' }, 'arxflow deploy status checkout'],
  ['compliance.check', { planId: 'PLAN-12' }, 'arxflow compliance check PLAN-12'],
  ['compliance.status', { planId: 'PLAN-12' }, 'arxflow workflows query compliance/PLAN-12 status'],
  ['sync.log', { documentId: 'DOC-4' }, 'arxflow sync log DOC-4'],
  ['sync.revert', { documentId: 'DOC-4', commitId: 'abc1234' }, 'arxflow sync revert DOC-4 abc1234'],
  ['sync.revert', { documentId: 'DOC-4' }, null],
  ['pipeline.run', { repo: 'acme/web', ref: 'feature/x' }, 'arxflow pipeline run acme/web feature/x'],
  ['pipeline.run', { repo: 'acme/web' }, 'arxflow pipeline run acme/web main'],
  ['pipeline.status', { repo: 'acme/web' }, 'arxflow pipeline list --repo acme/web --limit 1'],
  ['workflows.list', {}, 'arxflow workflows list'],
  [
    'workflows.list',
    { projectId: 'PROJ-7', status: 'running' },
    'arxflow workflows list --project PROJ-7 --status open',
  ],
  ['workflows.list', { status: 'failed' }, 'arxflow workflows list --status closed'],
  ['unknown', {}, null],
];

/** Parses a line (no shell metacharacters but single quotes) into argv. */
function argvOf(line: string): string[] {
  const words = line.match(/'(?:[^']|'\\'')*'|\S+/g)!;
  return words.map((word) => (word.startsWith("'") ? word.slice(1, -1).replace(/'\\''/g, "'") : word));
}

/** The command the real CLI program resolves a line to, with its arguments and options: nothing runs. */
function parseWithCli(line: string): { path: string[]; args: string[]; options: Record<string, unknown> } {
  const program = buildProgram();
  let found: { path: string[]; args: string[]; options: Record<string, unknown> } | undefined;
  const intercept = (command: Command, path: string[]) => {
    for (const sub of command.commands) {
      const subPath = [...path, sub.name()];
      if (sub.commands.length > 0) intercept(sub, subPath);
      else
        sub.action(function (this: Command) {
          found = { path: subPath, args: this.args, options: this.opts() };
        });
    }
  };
  intercept(program, []);
  const argv = argvOf(line);
  expect(argv[0]).toBe('arxflow');
  program.parse(argv.slice(1), { from: 'user' });
  return found!;
}

describe('commandFor: the exact command line per intent', () => {
  test.each(CASES)('%s %j', (intent, args, expected) => {
    expect(commandFor(intent, args)).toBe(expected);
  });

  test('every intent is covered', () => {
    expect(new Set(CASES.map(([intent]) => intent))).toEqual(new Set(INTENTS));
  });

  // The areas that exist: the real commander program accepts the line, with the args where they belong.
  test.each(CASES.filter(([intent, , line]) => line !== null && !intent.startsWith('compliance.')))(
    'the CLI accepts %s %j',
    (_intent, args, line) => {
      const parsed = parseWithCli(line!);
      for (const value of Object.values(args)) {
        const text = String(value);
        // amounts are not on the line (a warning says so); statuses are mapped for workflows list.
        if (typeof value === 'number' || ['running', 'failed', 'critical'].includes(text)) continue;
        expect([...parsed.args, ...Object.values(parsed.options).map(String)]).toContain(text);
      }
    },
  );

  test("a plan's compliance status is its review's status query; checking a stored plan by id is not built yet, and says so", () => {
    expect(commandLineFor('compliance.status', { planId: 'PLAN-1' }).warnings).toEqual([]);
    expect(commandLineFor('compliance.check', { planId: 'PLAN-1' }).warnings.join()).toMatch(/not built yet/);
  });

  test('what the line leaves out is in warnings', () => {
    expect(commandLineFor('funding.approve', { projectId: 'P-1', milestoneId: 'M1', amount: 5 }).warnings[0]).toMatch(
      /5 minor units/,
    );
    expect(commandLineFor('alerts.list', { service: 'checkout' }).warnings[0]).toMatch(/--service/);
    expect(commandLineFor('alerts.ack', { service: 'checkout' }).warnings[0]).toMatch(/checkout/);
    expect(commandLineFor('deploy.status', { service: 'checkout' }).warnings).toEqual([]);
    expect(commandLineFor('sync.revert', { documentId: 'DOC-4', commitId: 'abc1234' }).warnings[0]).toMatch(
      /full commit id/,
    );
    expect(commandLineFor('sync.revert', { documentId: 'DOC-4', commitId: 'a'.repeat(64) }).warnings).toEqual([]);
  });

  test('quote: plain words bare, others single-quoted so a shell reads them back', () => {
    expect(quote('feature/x-1.2')).toBe('feature/x-1.2');
    expect(quote("it's $HOME; rm")).toBe(`'it'\\''s $HOME; rm'`);
    expect(argvOf(`x ${quote("it's $HOME; rm")}`)).toEqual(['x', "it's $HOME; rm"]);
    expect(commandFor('pipeline.run', { repo: 'a/b', ref: 'x;y' })).toBe("arxflow pipeline run a/b 'x;y'");
  });
});

describe('toTranslation', () => {
  test('a valid proposal: args checked, command, confirmation by intent', () => {
    const t: Translation = toTranslation(
      {
        intent: 'deploy.start',
        args: { service: 'checkout', version: '1.4.2', environment: 'production' },
        confidence: 0.93,
      },
      'local',
    );
    expect(t).toEqual({
      intent: 'deploy.start',
      args: { service: 'checkout', version: '1.4.2', environment: 'production' },
      command: 'arxflow deploy start checkout 1.4.2 --env production',
      confidence: 0.93,
      needsConfirmation: true,
      engine: 'local',
    });
    const status = toTranslation({ intent: 'deploy.status', args: { service: 'checkout' }, confidence: 0.8 }, 'openai');
    expect(status.needsConfirmation).toBe(false);
    expect(status.engine).toBe('openai');
    expect(status.warnings).toBeUndefined();
  });

  test.each([
    [{ service: 'Checkout', version: '1.4.2' }, /args\.service/],
    [{ service: 'checkout', version: 'v1.4.2' }, /args\.version/],
    [{ service: 'checkout' }, /args\.version/],
    [{ service: 'checkout', version: '1.4.2', force: true }, /force not an argument of deploy.start/],
  ])('invalid args %j: unknown, no command, a warning naming the field', (args, warning) => {
    const t = toTranslation({ intent: 'deploy.start', args, confidence: 0.99 }, 'openai');
    expect(t.intent).toBe('unknown');
    expect(t.args).toEqual({});
    expect(t.command).toBeNull();
    expect(t.needsConfirmation).toBe(false);
    expect(t.warnings!.join('\n')).toMatch(warning);
  });

  test('an intent outside the list is unknown with a warning; engine warnings are kept first', () => {
    const t = toTranslation({ intent: 'system.wipe', args: {}, confidence: 1 }, 'openai', ['openai: timed out']);
    expect(t.intent).toBe('unknown');
    expect(t.warnings).toEqual(['openai: timed out', "intent: 'system.wipe' is not an arxflow intent"]);
  });

  test('unknown stays unknown without warnings of its own; confidence is clamped to 0..1', () => {
    expect(toTranslation({ intent: 'unknown', args: {}, confidence: 0.2 }, 'local')).toEqual({
      intent: 'unknown',
      args: {},
      command: null,
      confidence: 0.2,
      needsConfirmation: false,
      engine: 'local',
    });
    expect(toTranslation({ intent: 'unknown', args: {}, confidence: 7 }, 'local').confidence).toBe(1);
    expect(toTranslation({ intent: 'unknown', args: {}, confidence: NaN }, 'local').confidence).toBe(0);
  });

  test('the command writer warnings are added', () => {
    const t = toTranslation({ intent: 'alerts.ack', args: { service: 'checkout' }, confidence: 0.9 }, 'local');
    expect(t.command).toBeNull();
    expect(t.needsConfirmation).toBe(true);
    expect(t.warnings![0]).toMatch(/name the alert/);
  });
});
