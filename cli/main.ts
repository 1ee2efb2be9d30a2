import { Command, CommanderError } from 'commander';
import { version } from '../package.json';
import { registerAlertCommands } from './commands/alerts';
import { registerAuditCommands } from './commands/audit';
import { registerComplianceCommands } from './commands/compliance';
import { registerDeployCommands } from './commands/deploy';
import { registerFundingCommands } from './commands/funding';
import { registerHealthCommand } from './commands/health';
import { registerMcpCommand } from './commands/mcp';
import { registerNlpCommands } from './commands/nlp';
import { registerPipelineCommands } from './commands/pipelines';
import { registerProbeCommands } from './commands/probe';
import { registerQualityCommands } from './commands/quality';
import { registerQualityHistoryCommands } from './commands/quality-history';
import { registerScheduleCommands } from './commands/schedules';
import { registerSyncCommands } from './commands/sync';
import { registerTokenCommands } from './commands/token';
import { registerTriggerCommands } from './commands/triggers';
import { registerWorkflowCommands } from './commands/workflows';
import { registerWatchCommand } from './commands/watch';
import { EXIT, exitCodeOf } from './output';

/** `arxflow <area> <verb>`; every command takes --json. Through the gateway when ARXFLOW_URL is set. */
export function buildProgram(): Command {
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
  registerHealthCommand(program);
  registerWorkflowCommands(program);
  registerFundingCommands(program);
  registerComplianceCommands(program);
  registerProbeCommands(program);
  registerScheduleCommands(program);
  registerAuditCommands(program);
  registerAlertCommands(program);
  registerTokenCommands(program);
  registerTriggerCommands(program);
  registerMcpCommand(program);
  registerPipelineCommands(program);
  registerDeployCommands(program);
  registerSyncCommands(program);
  registerQualityHistoryCommands(registerQualityCommands(program));
  registerWatchCommand(program);
  registerNlpCommands(program);
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
    await buildProgram().parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    // Commander has printed its own message (usage errors, help, version).
    if (!(err instanceof CommanderError)) console.error(`arxflow: ${(err as Error).message}`);
    return exitCodeOf(err);
  }
}
