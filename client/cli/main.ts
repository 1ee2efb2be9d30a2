import { Command, CommanderError } from 'commander';
import { InputError } from '../../domain/validation';
import { version } from '../../package.json';
import { registerHealthCommand } from './commands/health';
import { registerProbeCommands } from './commands/probe';
import { registerWorkflowCommands } from './commands/workflows';
import { CliError, EXIT } from './output';

export function buildProgram(): Command {
  const program = new Command('arxflow')
    .description('arxflow: durable workflows for construction funding, compliance, deployments and incidents')
    .version(version)
    .showHelpAfterError()
    .exitOverride();
  registerHealthCommand(program);
  registerProbeCommands(program);
  registerWorkflowCommands(program);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

/** Runs the CLI and returns its exit code: 0 done, 1 refused or failed, 2 bad input. */
export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.badInput; // help and version exit 0; usage errors are bad input
    }
    if (err instanceof InputError) {
      console.error(`arxflow: ${err.message}`);
      return EXIT.badInput;
    }
    console.error(`arxflow: ${(err as Error).message}`);
    return err instanceof CliError ? err.exitCode : EXIT.failed;
  }
}
