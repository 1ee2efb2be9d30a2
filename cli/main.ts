/* eslint-disable @typescript-eslint/no-require-imports -- each area's commands load when named (see AREAS) */
import { Command, CommanderError } from 'commander';
import { version } from '../package.json';
import { EXIT, exitCodeOf } from './output';

type Register = (program: Command) => void;

/**
 * The areas, in the order help lists them; an area's modules load when it is registered. A
 * command line names one area: loading only its modules (not Temporal's client and every
 * workflow's definitions for a command that goes through the gateway) saves about a second a call.
 */
const AREAS: [name: string, register: Register][] = [
  ['health', (p) => (require('./commands/health') as typeof import('./commands/health')).registerHealthCommand(p)],
  [
    'workflows',
    (p) => (require('./commands/workflows') as typeof import('./commands/workflows')).registerWorkflowCommands(p),
  ],
  ['funding', (p) => (require('./commands/funding') as typeof import('./commands/funding')).registerFundingCommands(p)],
  [
    'compliance',
    (p) => (require('./commands/compliance') as typeof import('./commands/compliance')).registerComplianceCommands(p),
  ],
  ['probe', (p) => (require('./commands/probe') as typeof import('./commands/probe')).registerProbeCommands(p)],
  [
    'schedules',
    (p) => (require('./commands/schedules') as typeof import('./commands/schedules')).registerScheduleCommands(p),
  ],
  ['audit', (p) => (require('./commands/audit') as typeof import('./commands/audit')).registerAuditCommands(p)],
  ['alerts', (p) => (require('./commands/alerts') as typeof import('./commands/alerts')).registerAlertCommands(p)],
  ['token', (p) => (require('./commands/token') as typeof import('./commands/token')).registerTokenCommands(p)],
  [
    'triggers',
    (p) => (require('./commands/triggers') as typeof import('./commands/triggers')).registerTriggerCommands(p),
  ],
  ['mcp', (p) => (require('./commands/mcp') as typeof import('./commands/mcp')).registerMcpCommand(p)],
  [
    'pipeline',
    (p) => (require('./commands/pipelines') as typeof import('./commands/pipelines')).registerPipelineCommands(p),
  ],
  ['deploy', (p) => (require('./commands/deploy') as typeof import('./commands/deploy')).registerDeployCommands(p)],
  ['sync', (p) => (require('./commands/sync') as typeof import('./commands/sync')).registerSyncCommands(p)],
  [
    'quality',
    (p) =>
      (
        require('./commands/quality-history') as typeof import('./commands/quality-history')
      ).registerQualityHistoryCommands(
        (require('./commands/quality') as typeof import('./commands/quality')).registerQualityCommands(p),
      ),
  ],
  ['watch', (p) => (require('./commands/watch') as typeof import('./commands/watch')).registerWatchCommand(p)],
  ['nlp', (p) => (require('./commands/nlp') as typeof import('./commands/nlp')).registerNlpCommands(p)],
];

/**
 * `arxflow <area> <verb>`; every command takes --json. Through the gateway when ARXFLOW_URL is set.
 * Given the command line, only the area it names is registered (every area when it names none).
 */
export function buildProgram(argv?: string[]): Command {
  const program = new Command('arxflow')
    .description(
      'arxflow: durable workflows for construction funding, compliance, deployments and incidents.\n' +
        'Talks to Temporal directly, or to the gateway when ARXFLOW_URL (and ARXFLOW_TOKEN) are set.\n' +
        'Exit codes: 0 done, 1 refused or failed, 2 bad input.',
    )
    .version(version)
    // The program's own options (--version) only before a command: `deploy status --version 1.2.0` is the command's.
    .enablePositionalOptions()
    .showHelpAfterError();
  // The area the command line names, else every area (help, a mistyped area's suggestions).
  const named = argv && AREAS.filter(([name]) => name === argv.slice(2).find((arg) => !arg.startsWith('-')));
  for (const [, register] of named?.length ? named : AREAS) register(program);
  const exitOverride = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

/** Runs the CLI and returns its exit code: 0 done, 1 refused or failed, 2 bad input. */
export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram(argv).parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    // Commander has printed its own message (usage errors, help, version).
    if (!(err instanceof CommanderError)) console.error(`arxflow: ${(err as Error).message}`);
    return exitCodeOf(err);
  }
}
